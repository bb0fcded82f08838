"""The record of processing activities as one XLSX sheet, in the layout supervisory
authorities' templates use: one row per activity, the Art. 30(1) fields as columns.

The layout is our own (headers name the article each column answers), read back strictly:
an unknown or repeated header, a missing required one, or a cell of the wrong kind is
refused naming the file, the row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.spreadsheet import inert_cells, xlsx_cell
from crosswalk.io.xlsx_reading import open_workbook, sheet_rows

SHEET = "Records of processing"
# field -> header, in column order.
COLUMNS = {
    "activity_id": "ID",
    "name": "Name of the processing",
    "role": "Role (controller / processor / joint controller)",
    "controller": "Controller, when we process for another (Art. 30(2)(a))",
    "purpose": "Purposes of the processing (Art. 30(1)(b))",
    "subject_categories": "Categories of data subjects (Art. 30(1)(c))",
    "data_categories": "Categories of personal data (Art. 30(1)(c))",
    "special_categories": "Special categories (Art. 9/10)",
    "lawful_basis": "Lawful basis (Art. 6(1))",
    "art9_condition": "Art. 9(2) condition",
    "recipients": "Categories of recipients (Art. 30(1)(d))",
    "processors": "Processors (Art. 28)",
    "processor_agreement": "Processor agreement on file (yes/no)",
    "transfers": "Third-country transfers (Art. 30(1)(e))",
    "transfer_safeguard": "Transfer safeguard (Chapter V)",
    "retention": "Time limits for erasure (Art. 30(1)(f))",
    "assets": "Systems holding the data (asset ids)",
    "security_measures": "Security measures (Art. 30(1)(g), Art. 32)",
    "controls": "Controls (ids)",
    "owner": "Owner",
    "dpia_criteria": "DPIA screening criteria met",
    "dpia_completed_on": "DPIA completed on",
    "dpia_risks": "DPIA risks (risk ids)",
}
REQUIRED = ("activity_id", "name")
BOOLS = ("processor_agreement",)
DATES = ("dpia_completed_on",)


class RopaSheetError(CrosswalkError):
    """A records-of-processing workbook that cannot be read; names file, row and column."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # the spreadsheet's row number
    values: dict[str, Any]  # field -> text, bool or date


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(path: Path, number: int, name: str, value: object) -> Any:
    where = f"{path}: row {number}: {COLUMNS[name]}"
    if name in BOOLS:
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise RopaSheetError(f"{where}: {value!r}: use yes or no")
    if name in DATES:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(_text(value))
        except ValueError:
            raise RopaSheetError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    return _text(value)


def read_ropa(path: Path) -> list[SheetRow]:
    """Every filled row of the sheet, by field; the header row names the columns."""
    with open_workbook(path) as workbook:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet_rows(path, sheet)
    if not rows:
        raise RopaSheetError(f"{path}: the sheet is empty; row 1 must hold the headers")
    by_header = {header: name for name, header in COLUMNS.items()}
    positions: dict[str, int] = {}
    for index, header in enumerate(rows[0]):
        text = _text(header)
        if not text:
            continue
        name = by_header.get(text)
        if name is None:
            raise RopaSheetError(f"{path}: row 1: unknown column {text!r}")
        if name in positions:
            raise RopaSheetError(f"{path}: row 1: column {text!r} appears twice")
        positions[name] = index
    for name in REQUIRED:
        if name not in positions:
            raise RopaSheetError(f"{path}: row 1: the column {COLUMNS[name]!r} is missing")
    found = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        values = {
            name: _cell(path, number, name, row[index] if index < len(row) else None)
            for name, index in positions.items()
        }
        found.append(SheetRow(number, values))
    return found


def write_ropa(path: Path, rows: list[dict[str, Any]]) -> None:
    """One row per activity (field -> value; lists joined by commas), written whole."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells = []
        for name in COLUMNS:
            value = row.get(name)
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, date):
                value = value.isoformat()
            cells.append(xlsx_cell(value if value is not None else ""))
        sheet.append(cells)
        inert_cells(sheet[sheet.max_row])
    sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    workbook.save(temporary)
    temporary.replace(path)
