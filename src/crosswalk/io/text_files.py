"""Files users hand us, checked before they are read: a regular file (a directory or a FIFO
named like one is refused, never read or waited on forever) holding UTF-8 text."""

from __future__ import annotations

import stat
from pathlib import Path

from crosswalk.domain.errors import CrosswalkError


class InputFileError(CrosswalkError):
    """A file that cannot be read as asked; names the file and, for text, the line."""


def regular_file(path: Path) -> Path:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{path}: not a regular file (a pipe or a device is not read)")
    return path


def read_utf8(path: Path) -> str:
    """The file's text (a byte-order mark dropped); a byte that is not UTF-8 is named by
    line and offset."""
    raw = regular_file(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputFileError(
            f"{path}, line {line}: byte 0x{raw[error.start]:02x} at offset {error.start} is not"
            " UTF-8 text; save the file as UTF-8"
        ) from None
