"""XLSX workbooks users hand us, read within bounds, every failure named by file and place.

An XLSX file is a zip archive of XML parts, and openpyxl inflates and parses whatever it is
given: a 1.5 MB file whose shared strings expand to 1.5 GB would be read into gigabytes of
memory, and a sheet that declares 16,384 columns by a million rows would be filled in with
empty cells. So the archive is checked first, from its directory and without inflating
anything but a large part's element count, and rows are then read with bounds. The limits
are far past any real control inventory or framework sheet; each refusal names the file,
what was too big and the limit.

openpyxl raises many kinds of exception for a damaged file (a zip, XML, number or index
error); they are caught around openpyxl's own calls only, so a bug of ours is never
mistaken for a bad file.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.limits import size_text
from crosswalk.io.size_limits import (
    CELL_CHARS,
    MB,
    SHEET_ROWS,
    XLSX_BYTES,
    check_size,
)

MAX_PARTS = 2_000  # a workbook of 100 sheets has about 250
MAX_PART_BYTES = 100 * MB  # one part, inflated
MAX_TOTAL_BYTES = 300 * MB  # every part, inflated
MAX_RATIO = 100  # inflated / compressed, for a part past RATIO_FROM_BYTES
RATIO_FROM_BYTES = 5 * MB
MAX_SHARED_STRINGS = 500_000  # distinct texts; openpyxl reads about 150,000 a second
MAX_ROWS = SHEET_ROWS  # rows holding a value
MAX_CELLS = 2_000_000  # cells up to the last value of each row, summed
MAX_SCANNED_CELLS = 20_000_000  # cells openpyxl hands us, empty ones included
MAX_CELL_CHARS = CELL_CHARS  # Excel's own limit for one cell
EXCEL_ROWS = 1_048_576  # Excel's last row

# What openpyxl and zipfile raise for a damaged workbook (caught around their calls only).
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    ValueError,  # a number, date, index or coordinate that is not one
    TypeError,  # an attribute of the wrong kind
    KeyError,  # a part the workbook names but does not hold
    IndexError,  # a shared string that is not in the table
    AttributeError,  # an element openpyxl expects and does not find
    OverflowError,
    NotImplementedError,  # a compression method zipfile does not have
    RuntimeError,  # an encrypted part
    OSError,
)
_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?si[\s/>]")


class XlsxError(CrosswalkError):
    """A workbook that cannot be read, or is too big to; names the file and the place."""

    def __init__(self, path: Path, where: str, message: str) -> None:
        self.path = str(path)
        self.where = where
        self.message = message
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")


def _describe(error: BaseException) -> str:
    if isinstance(error, ParseError):
        return f"its XML is broken ({error})"
    if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
        return f"the archive is damaged ({error})"
    if isinstance(error, RuntimeError) and "encrypted" in str(error):
        return "it is encrypted; save it without a password"
    if isinstance(error, KeyError):
        return f"a part it names is missing ({error.args[0] if error.args else error})"
    return str(error) or type(error).__name__


def _declared_parts(path: Path) -> int | None:
    """The number of parts the archive's end record declares, read before zipfile reads the
    whole directory (None when there is no end record: zipfile then says what is wrong)."""
    with path.open("rb") as handle:
        end = handle.seek(0, 2)
        start = max(0, end - 22 - 65_535)
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        count: int = struct.unpack_from("<H", tail, at + 10)[0]
        if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            return count
        (offset,) = struct.unpack_from("<Q", tail, at - 12)  # the zip64 end record
        handle.seek(offset)
        record = handle.read(40)
        if len(record) < 40 or record[:4] != b"PK\x06\x06":
            return None
        (total,) = struct.unpack_from("<Q", record, 32)
        return int(total)


def _string_items(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """How many shared-string items (``<si>``) a part holds, counted as it is inflated."""
    count = 0
    carry = b""
    with archive.open(info) as part:
        while chunk := part.read(MB):
            buffer = carry + chunk
            keep = max(0, len(buffer) - 64)  # an item cut at the end is counted next time
            count += sum(1 for m in _STRING_ITEM.finditer(buffer) if m.start() < keep)
            carry = buffer[keep:]
            if count > MAX_SHARED_STRINGS:
                return count
    return count + len(_STRING_ITEM.findall(carry))


def _too_many_parts(count: int) -> str:
    return f"{count:,} parts in the archive, more than the {MAX_PARTS:,} read"


def check_archive(path: Path) -> None:
    """Refuse, before openpyxl opens it, a workbook too big to read: too many parts, a part or
    all of them too large inflated, a part inflating far more than XLSX ever does, or more
    shared strings than any sheet of ours holds."""
    check_size(path, XLSX_BYTES, "workbook")
    declared = _declared_parts(path)
    if declared is not None and declared > MAX_PARTS:
        raise XlsxError(path, "", _too_many_parts(declared))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise XlsxError(path, "", _too_many_parts(len(infos)))
            total = 0
            for info in infos:
                _check_part(path, info)
                total += info.file_size
                if total > MAX_TOTAL_BYTES:
                    raise XlsxError(
                        path,
                        "",
                        f"its parts inflate to more than {size_text(MAX_TOTAL_BYTES)},"
                        " the most read from one workbook",
                    )
            for info in infos:
                if info.file_size > 5 * MAX_SHARED_STRINGS:  # an item is at least 5 bytes
                    items = _string_items(archive, info)
                    if items > MAX_SHARED_STRINGS:
                        raise XlsxError(
                            path,
                            f"part {info.filename}",
                            f"more than {MAX_SHARED_STRINGS:,} shared strings, the most read",
                        )
    except READ_ERRORS as error:
        raise XlsxError(path, "", f"not a readable XLSX workbook: {_describe(error)}") from None


def _check_part(path: Path, info: zipfile.ZipInfo) -> None:
    where = f"part {info.filename}"
    if info.file_size > MAX_PART_BYTES:
        raise XlsxError(
            path,
            where,
            f"inflates to {size_text(info.file_size)}, more than the"
            f" {size_text(MAX_PART_BYTES)} read from one part",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
        raise XlsxError(
            path,
            where,
            f"{size_text(info.compress_size)} inflating to {size_text(info.file_size)}"
            f" ({ratio:,.0f} times; a spreadsheet part is at most {MAX_RATIO} times)",
        )


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """The workbook (openpyxl, read-only, values only), once its archive has passed
    ``check_archive``; closed on leaving."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (*READ_ERRORS, InvalidFileException) as error:
        raise XlsxError(path, "", f"not a readable XLSX workbook: {_describe(error)}") from None
    try:
        if not workbook.worksheets:
            raise XlsxError(path, "", "the workbook has no worksheet")
        yield workbook
    finally:
        workbook.close()


def sheet_rows(path: Path, sheet: Any, max_row: int | None = None) -> list[list[object]]:
    """The rows of ``sheet`` as lists of values, each cut after its last value (an empty row
    is ``[]``), trailing empty rows dropped. Bounded: rows, cells and a cell's length."""
    from openpyxl.utils import get_column_letter

    title = sheet.title
    sheet.reset_dimensions()  # a declared size is not trusted: rows are as wide as written
    rows: list[list[object]] = []
    scanned = cells = filled = 0
    iterator = sheet.iter_rows(max_row=max_row, values_only=True)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            break
        except READ_ERRORS as error:
            raise XlsxError(
                path,
                f"sheet {title!r}, after row {len(rows)}",
                f"cannot be read: {_describe(error)}",
            ) from None
        number = len(rows) + 1
        if number > EXCEL_ROWS:
            raise XlsxError(
                path, f"sheet {title!r}", f"rows past row {EXCEL_ROWS:,}, Excel's last row"
            )
        scanned += len(row)
        if scanned > MAX_SCANNED_CELLS:
            raise XlsxError(
                path,
                f"sheet {title!r}, row {number}",
                f"more than {MAX_SCANNED_CELLS:,} cells written (empty ones included),"
                " the most read from one sheet",
            )
        if row.count(None) == len(row):
            rows.append([])
            continue
        end = len(row)
        while row[end - 1] is None:
            end -= 1
        values = list(row[:end])
        for position, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise XlsxError(
                    path,
                    f"sheet {title!r}, cell {get_column_letter(position)}{number}",
                    f"{len(value):,} characters, more than the {MAX_CELL_CHARS:,} a"
                    " spreadsheet cell holds",
                )
        filled += 1
        cells += end
        if filled > MAX_ROWS or cells > MAX_CELLS:
            what = f"{MAX_ROWS:,} rows" if filled > MAX_ROWS else f"{MAX_CELLS:,} cells"
            raise XlsxError(
                path, f"sheet {title!r}, row {number}", f"more than {what}, the most read"
            )
        rows.append(values)
    while rows and not rows[-1]:
        rows.pop()
    return rows
