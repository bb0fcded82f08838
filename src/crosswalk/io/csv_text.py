"""CSV as people export it from spreadsheets, read without silently changing a character.

Decoded strictly (UTF-8, with or without a byte-order mark, unless the user names another
encoding): a stray byte is refused with its offset and row, never decoded whole as cp1252
into mojibake. Read through a file object with ``newline=""``, so a quoted cell keeps its
line breaks and a U+2028 or form feed inside a cell does not split the row. A NUL is refused.
Bounded (``io.size_limits``): the file's size before it is read, then the rows holding a
value and the length of a cell, each refusal naming the row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from pathlib import Path
from typing import Any

from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.size_limits import (
    CELL_CHARS,
    CSV_BYTES,
    SHEET_ROWS,
    FileTooLargeError,
    check_size,
)


class CsvTextError(CrosswalkError):
    """A CSV file that cannot be read as text; names the file, the row and what to do."""


def read_csv_rows(
    path: Path, encoding: str | None = None, delimiter: str | None = None
) -> list[list[str]]:
    """Every row as its cells. The delimiter is guessed among ``,;`` and tab unless given."""
    try:
        raw = check_size(path, CSV_BYTES, "CSV file").read_bytes()
    except FileTooLargeError as error:
        raise CsvTextError(str(error)) from None
    chosen = encoding or "utf-8-sig"
    try:
        codec = codecs.lookup(chosen)
    except LookupError:
        raise CsvTextError(f"{path}: unknown encoding {chosen!r}") from None
    if not getattr(codec, "_is_text_encoding", True):  # hex, base64, rot13: not for text
        raise CsvTextError(f"{path}: {chosen!r} is not a text encoding")
    try:
        text = raw.decode(chosen)
    except UnicodeDecodeError as error:
        row = raw.count(b"\n", 0, error.start) + 1
        hint = (
            "save it as UTF-8, or name its encoding (e.g. --encoding cp1252)"
            if encoding is None
            else "check the --encoding given"
        )
        raise CsvTextError(
            f"{path}, row {row}: byte 0x{raw[error.start]:02x} at offset {error.start} is not"
            f" {chosen.removesuffix('-sig').upper()} text; {hint}. Nothing was read."
        ) from None
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvTextError(f"{path}, row {row}: a NUL character; this is not a text file")
    lines = io.StringIO(text, newline="")
    if delimiter is not None:
        return _bounded_rows(path, csv.reader(lines, delimiter=delimiter))
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    reader = csv.reader(lines, dialect)
    return _bounded_rows(path, reader)


def _bounded_rows(path: Path, reader: Any) -> list[list[str]]:
    """The rows, refused past ``SHEET_ROWS`` rows holding a value or a cell longer than a
    spreadsheet cell holds; a malformed row named."""
    rows: list[list[str]] = []
    filled = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            raise CsvTextError(f"{path}, row {reader.line_num}: {error}") from None
        for position, cell in enumerate(row, start=1):
            if len(cell) > CELL_CHARS:
                raise CsvTextError(
                    f"{path}, row {reader.line_num}, column {position}: {len(cell):,} characters,"
                    f" more than the {CELL_CHARS:,} a spreadsheet cell holds"
                )
        if any(row):
            filled += 1
            if filled > SHEET_ROWS:
                raise CsvTextError(
                    f"{path}, row {reader.line_num}: more than {SHEET_ROWS:,} rows, the most read"
                )
        rows.append(row)
