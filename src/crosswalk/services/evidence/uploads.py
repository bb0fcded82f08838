"""Checks on an uploaded evidence file before anything is stored.

A browser or API client names the file it sends; that name ends up in the database and,
on download, in a Content-Disposition header. It is refused outright when it could be read
as a path (separators, a leading dot as in ``..``), carries control characters, or is not
one of the document formats evidence comes in. The size is checked again after parsing,
whatever the client declared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from crosswalk.domain.errors import CrosswalkError

# Evidence formats accepted, by extension, with the media type stored and served back.
ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "xml": "application/xml",
    "log": "text/plain",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
    "eml": "message/rfc822",
}
MAX_NAME_LENGTH = 255
UPLOAD_KINDS = ("file", "attestation", "collector")  # "url" evidence has no file


class UploadRefused(CrosswalkError):
    """An upload that must not be stored; subclasses say why (the web maps them to codes)."""


class UnsafeFileName(UploadRefused):
    pass


class UnsupportedFileType(UploadRefused):
    pass


class UploadTooLarge(UploadRefused):
    pass


class EmptyUpload(UploadRefused):
    pass


def _has_control_characters(name: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name)


def check_file_name(name: str | None) -> str:
    """The name as given, if it is a plain file name; otherwise ``UnsafeFileName``."""
    if name is None or not name.strip():
        raise UnsafeFileName("the file has no name; choose a file to upload")
    if _has_control_characters(name):
        raise UnsafeFileName("the file name contains control characters; rename the file")
    if "/" in name or "\\" in name:
        raise UnsafeFileName(
            f"{name!r} contains a path separator; upload a plain file name, not a path"
        )
    if name.startswith("."):  # ".", "..", and hidden files; "a..b.pdf" is only a name
        raise UnsafeFileName(f"{name!r} starts with a dot; rename the file")
    if name != name.strip():
        raise UnsafeFileName(f"{name!r} starts or ends with spaces; rename the file")
    if len(name) > MAX_NAME_LENGTH:
        raise UnsafeFileName(f"the file name is longer than {MAX_NAME_LENGTH} characters")
    return name


def extension(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return suffix.lower() if dot and stem else ""


def check_file_type(name: str) -> str:
    """The media type stored for an allowed extension; otherwise ``UnsupportedFileType``."""
    found = extension(name)
    if found not in ALLOWED_TYPES:
        shown = f".{found}" if found else "no extension"
        raise UnsupportedFileType(
            f"{name!r} ({shown}) is not an evidence format; accepted: "
            + ", ".join(sorted(ALLOWED_TYPES))
        )
    return ALLOWED_TYPES[found]


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UploadTooLarge(
            f"the file is {size:,} bytes, over the upload limit of {limit:,} bytes"
        )
    if size == 0:
        raise EmptyUpload("the file is empty; there is nothing to keep as evidence")


def check_upload(name: str | None, size: int, limit: int) -> tuple[str, str]:
    """(file name, media type) of an upload that may be stored: the name first (400), then
    the format (415), then the size (413)."""
    checked = check_file_name(name)
    media_type = check_file_type(checked)
    check_size(size, limit)
    return checked, media_type


def check_kind(kind: str) -> str:
    if kind not in UPLOAD_KINDS:
        raise UploadRefused(f"kind must be one of {', '.join(UPLOAD_KINDS)}, not {kind!r}")
    return kind


def parse_control_ids(values: Iterable[str]) -> list[str]:
    """Control ids from form fields: each may hold several, separated by commas or spaces."""
    found: list[str] = []
    for value in values:
        found.extend(part for part in re.split(r"[\s,;]+", value) if part)
    return list(dict.fromkeys(found))


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name per RFC 6266/5987."""
    fallback = "".join(
        ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename
    ).strip()
    return f"attachment; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''" + quote(
        filename, safe=""
    )
