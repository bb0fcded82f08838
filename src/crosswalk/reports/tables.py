"""One table model, written as Markdown, CSV or an XLSX sheet auditors can filter."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosswalk.domain.spreadsheet import csv_safe, inert_cells, xlsx_cell

Cell = str | int | float | None

MAX_COLUMN_WIDTH = 80
MIN_COLUMN_WIDTH = 8


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    widths: dict[str, int] = field(default_factory=dict)  # header -> preferred width


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


def to_markdown(table: Table) -> str:
    def escape(cell: Cell) -> str:
        return _text(cell).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(table.headers) + " |",
        "|" + "|".join("---" for _ in table.headers) + "|",
    ]
    lines.extend("| " + " | ".join(escape(c) for c in row) + " |" for row in table.rows)
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """CSV for a spreadsheet: text that would run as a formula is made inert (see
    ``domain.spreadsheet``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_safe(h) for h in table.headers])
    writer.writerows([csv_safe(_text(c)) for c in row] for row in table.rows)
    return buffer.getvalue()


def _column_width(table: Table, index: int) -> int:
    header = table.headers[index]
    if header in table.widths:
        return table.widths[header]
    longest = max([len(header), *(len(_text(row[index])) for row in table.rows[:500])], default=10)
    return max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, longest + 2))


def write_xlsx(path: Path, tables: Sequence[Table]) -> None:
    """One sheet per table: bold frozen header, auto-filter, sensible widths, wrapped notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for table in tables:
        sheet: Any = workbook.create_sheet(title=table.title[:31])
        sheet.append([xlsx_cell(h) for h in table.headers])
        for row in table.rows:
            sheet.append([xlsx_cell(c) for c in row])
            inert_cells(sheet[sheet.max_row])
        inert_cells(sheet[1])
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
        for index in range(len(table.headers)):
            width = _column_width(table, index)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
            if width >= MAX_COLUMN_WIDTH // 2:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.headers))
        sheet.auto_filter.ref = f"A1:{last}{max(1, len(table.rows) + 1)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_report(
    path: Path,
    output_format: str,
    tables: Callable[[], Sequence[Table]],
    texts: dict[str, Callable[[], str]],
) -> None:
    """Every report's file: XLSX from its tables, the other formats from their renderers,
    written whole or not at all (a temporary file renamed over the target)."""
    if output_format != "xlsx" and output_format not in texts:
        known = ", ".join(["xlsx", *texts])
        raise ValueError(f"unknown format {output_format!r}; use one of {known}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if output_format == "xlsx":
        write_xlsx(path, tables())
        return
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(texts[output_format](), encoding="utf-8")
    temporary.replace(path)
