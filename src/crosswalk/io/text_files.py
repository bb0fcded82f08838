"""Files users hand us, checked before they are read: a regular file (a directory or a FIFO
named like one is refused, never read or waited on forever) within the input size limit,
holding UTF-8 text. ``input_limits`` adds the nesting and JSON checks for parsers."""

from __future__ import annotations

import stat
from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.limits import max_input_bytes, too_big

BOM = b"\xef\xbb\xbf"


class InputFileError(CrosswalkError):
    """A file that cannot be read as asked; names the file and, for text, the line."""


def file_problem(path: Path) -> str | None:
    """Why ``path`` is not a regular file we can read (``None`` when it is one)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe or a device is not read)"
    return None


def regular_file(path: Path) -> Path:
    problem = file_problem(path)
    if problem is not None:
        raise InputFileError(f"{path}: {problem}")
    return path


def without_bom(raw: bytes) -> bytes:
    return raw[len(BOM) :] if raw.startswith(BOM) else raw


def utf8_problem(raw: bytes, offset: int) -> tuple[int, str]:
    """The line of the byte at ``offset`` that is not UTF-8, and what to say about it: one
    wording for every reader (``read_utf8``, the OSCAL and CISO Assistant importers)."""
    line = raw.count(b"\n", 0, offset) + 1
    return line, (
        f"byte 0x{raw[offset]:02x} at offset {offset} is not UTF-8 text; save the file as UTF-8"
    )


def read_utf8(path: Path) -> str:
    """The file's text (a byte-order mark dropped), from a regular file within the input
    size limit (``domain.limits.max_input_bytes``); a byte that is not UTF-8 is named by
    line and offset."""
    size = regular_file(path).stat().st_size
    limit = max_input_bytes()
    if size > limit:
        raise InputFileError(f"{path}: {too_big(size, limit)}")
    raw = path.read_bytes()
    body = without_bom(raw)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line, problem = utf8_problem(raw, error.start + len(raw) - len(body))
        raise InputFileError(f"{path}, line {line}: {problem}") from None
