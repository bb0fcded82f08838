"""The SoA as auditors get it: 93 rows with the columns they expect, in XLSX, HTML and Markdown."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crosswalk.catalogs.loader import Library
from crosswalk.reports.soa_report import COLUMNS, SHEET, write_soa
from crosswalk.services.soa.soa import SoaMeta, SoaRow, annex_a


@pytest.fixture
def rows(library: Library) -> list[SoaRow]:
    found = []
    for requirement in annex_a(library):
        excluded = requirement.ref == "A.7.4"
        found.append(
            SoaRow(
                ref=requirement.ref,
                title=requirement.title,
                theme=requirement.attributes.get("theme", ""),
                applicable=not excluded,
                justification="" if excluded else "Addresses R-1 <unauthorised access>",
                justification_kinds=[] if excluded else ["risk", "contractual"],
                exclusion_reason="No premises" if excluded else "",
                implementation_status="not applicable" if excluded else "implemented",
                controls=[] if excluded else ["AC-1", "AC-2"],
                evidence_count=0 if excluded else 3,
                evidence_latest=None if excluded else date(2026, 6, 30),
                risks=[] if excluded else ["R-1"],
                last_reviewed=date(2026, 11, 20),
            )
        )
    return found


@pytest.fixture
def meta() -> SoaMeta:
    return SoaMeta(
        version=2,
        status="approved",
        approved_by="Dana Reyes, CEO",
        approved_on=date(2026, 11, 30),
        created_on=date(2026, 11, 1),
        note="copied from v1",
        total=93,
        applicable=92,
        excluded=1,
    )


def test_xlsx_has_93_rows_the_columns_a_frozen_header_and_filters(
    rows: list[SoaRow], meta: SoaMeta, tmp_path: Path
) -> None:
    path = tmp_path / "soa.xlsx"
    write_soa(rows, meta, "xlsx", path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == [SHEET[:31], "Version"]
    sheet = workbook[SHEET[:31]]
    header = [c.value for c in sheet[1]]
    assert header == COLUMNS
    for column in (
        "ref",
        "title",
        "applicable",
        "justification",
        "exclusion reason",
        "implementation status",
        "controls",
        "evidence items",
        "latest evidence",
        "risks",
        "last reviewed",
    ):
        assert column in header
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(data) == 93 and sheet.max_row == 94
    assert data[0][0] == "A.5.1" and data[-1][0] == "A.8.34"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M94"
    assert sheet.column_dimensions["E"].width == 60
    excluded = next(r for r in data if r[0] == "A.7.4")
    cells = dict(zip(header, excluded, strict=True))
    assert cells["applicable"] == "no" and cells["exclusion reason"] == "No premises"
    included = dict(zip(header, data[0], strict=True))
    assert included["justification kinds"] == "risk, contractual"
    assert included["evidence items"] == 3 and included["latest evidence"] == "2026-06-30"
    version = {r[0]: r[1] for r in workbook["Version"].iter_rows(min_row=2, values_only=True)}
    assert version["Version"] == "v2" and version["Approved by"] == "Dana Reyes, CEO"
    assert version["Approved on"] == "2026-11-30"


def test_html_is_self_contained_and_escaped(
    rows: list[SoaRow], meta: SoaMeta, tmp_path: Path
) -> None:
    path = tmp_path / "soa.html"
    write_soa(rows, meta, "html", path)
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=\"?(https?:)?//", html)
    assert "<style>" in html
    assert "&lt;unauthorised access&gt;" in html and "<unauthorised" not in html
    assert html.count("<tr>\n      <td>A.") == 93
    assert "Approved by Dana Reyes, CEO on 2026-11-30" in html
    assert "Excluded:</i> No premises" in html


def test_markdown_has_a_row_per_control_and_says_a_draft_is_a_draft(
    rows: list[SoaRow], meta: SoaMeta, tmp_path: Path
) -> None:
    path = tmp_path / "soa.md"
    draft = replace(meta, status="draft", approved_by=None, approved_on=None)
    write_soa(rows, draft, "md", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Statement of Applicability v2 (draft)")
    assert "DRAFT: not approved." in text
    assert sum(1 for line in text.splitlines() if line.startswith("| A.")) == 93


def test_an_unknown_format_is_refused(rows: list[SoaRow], meta: SoaMeta, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        write_soa(rows, meta, "pdf", tmp_path / "soa.pdf")
