"""How large a file handed to us may be, checked before a byte of it is read.

Generous limits, far past what real inventories, program folders and policies reach, so
that a file of gigabytes (by mistake or on purpose) is refused at once by name, instead of
being read whole into memory. To be folded into ``io/input_limits.py``, which gathers the
input limits of every reader.
"""

from __future__ import annotations

from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.limits import size_text
from crosswalk.io.text_files import regular_file

MB = 1 << 20
CSV_BYTES = 50 * MB  # an inventory of 5,000 controls is about 5 MB
XLSX_BYTES = 100 * MB  # on disk, compressed; the parts inside have their own limits
RECORD_BYTES = 2 * MB  # one control or ISMS record file (a few KB each)
POLICY_BYTES = 5 * MB  # one policy: front matter and Markdown body
SHEET_ROWS = 100_000  # rows holding a value, in a CSV or a worksheet
CELL_CHARS = 32_767  # Excel's own limit for one cell


class FileTooLargeError(CrosswalkError):
    """A file larger than any real one of its kind; nothing of it was read."""


def check_size(path: Path, limit: int, what: str) -> Path:
    """``path`` if it is a regular file of at most ``limit`` bytes; refused otherwise, naming
    the file, its size and the limit."""
    size = regular_file(path).stat().st_size
    if size > limit:
        raise FileTooLargeError(
            f"{path}: {size_text(size)}, more than the {size_text(limit)} a {what} may be;"
            " nothing was read"
        )
    return path
