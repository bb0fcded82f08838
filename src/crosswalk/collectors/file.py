"""``file``: snapshot a file (a config, a policy export) and check that it says what it must.

The bytes are kept exactly; the substrings are searched as UTF-8 bytes, so the check works
for any text file without guessing its encoding.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field, StringConstraints

from crosswalk.collectors.base import (
    Collector,
    CollectorError,
    CollectorParams,
    CollectorResult,
    safe_filename,
)

MAX_FILE_BYTES = 50 * 1024 * 1024


class FileParams(CollectorParams):
    path: Path
    must_contain: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list
    )


def read_snapshot(path: Path) -> tuple[bytes, datetime]:
    """The file's bytes and modification time; ``CollectorError`` when it cannot be read."""
    if not path.exists():
        raise CollectorError(f"{path}: no such file")
    if not path.is_file():
        raise CollectorError(f"{path}: not a regular file")
    try:
        stat = path.stat()
        if stat.st_size > MAX_FILE_BYTES:
            raise CollectorError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        return path.read_bytes(), datetime.fromtimestamp(stat.st_mtime, UTC)
    except OSError as error:
        raise CollectorError(f"{path}: cannot be read ({error.strerror})") from error


def _sniff(content: bytes) -> str:
    """``text/plain`` for UTF-8 text without a telling extension (sshd_config), else binary."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain" if b"\x00" not in content else "application/octet-stream"


class FileCollector(Collector[FileParams]):
    """Keep a copy of a file; passed when every ``must_contain`` text is in it."""

    name: ClassVar[str] = "file"
    Params: ClassVar[type[BaseModel]] = FileParams

    def collect(self, params: FileParams) -> CollectorResult:
        content, modified = read_snapshot(params.path)
        checks = [
            {"text": text, "found": text.encode("utf-8") in content} for text in params.must_contain
        ]
        missing = [str(check["text"]) for check in checks if not check["found"]]
        if missing:
            listed = ", ".join(repr(text) for text in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            summary = f"{params.path} lacks {listed}{more}"
        else:
            summary = f"{params.path}: {len(content)} bytes, {len(checks)} required texts present"
        media_type = mimetypes.guess_type(params.path.name)[0] or _sniff(content)
        return CollectorResult(
            passed=not missing,
            summary=summary,
            content=content,
            media_type=media_type,
            filename=safe_filename(params.path.name, suffix=""),
            details={
                "path": str(params.path.resolve()),
                "size": len(content),
                "modified_at": modified.isoformat(),
                "must_contain": checks,
            },
        )
