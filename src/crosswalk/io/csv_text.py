"""CSV as people export it from spreadsheets, read without silently changing a character.

Decoded strictly (UTF-8, with or without a byte-order mark, unless the user names another
encoding): a stray byte is refused with its offset and row, never decoded whole as cp1252
into mojibake. Read through a file object with ``newline=""``, so a quoted cell keeps its
line breaks and a U+2028 or form feed inside a cell does not split the row. A NUL is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.text_files import regular_file


class CsvTextError(CrosswalkError):
    """A CSV file that cannot be read as text; names the file, the row and what to do."""


def read_csv_rows(path: Path, encoding: str | None = None) -> list[list[str]]:
    raw = regular_file(path).read_bytes()
    chosen = encoding or "utf-8-sig"
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise CsvTextError(f"{path}: unknown encoding {chosen!r}") from None
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
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as error:
        raise CsvTextError(f"{path}: {error}") from None
