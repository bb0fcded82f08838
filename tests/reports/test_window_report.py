from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from crosswalk.domain.frequency import Frequency
from crosswalk.domain.window import (
    Event,
    EvidenceDating,
    WindowReport,
    check_control,
    match_population,
)
from crosswalk.reports.window_report import (
    render_html,
    render_markdown,
    window_tables,
    write_window_report,
)

START, END = date(2026, 1, 1), date(2026, 12, 31)
SHEETS = ["Summary", "Controls", "Missing periods", "Outside window", "Populations"]


def on(evidence_id: int | str, day: date, reference: str = "") -> EvidenceDating:
    return EvidenceDating(evidence_id, day, day, reference)


@pytest.fixture
def report() -> WindowReport:
    quarterly = check_control(
        "AC-1",
        "Quarterly access review",
        Frequency.QUARTERLY,
        [on(1, date(2026, 2, 1)), on(2, date(2026, 5, 1)), on(3, date(2026, 11, 1))],
        START,
        END,
        owner="IT <it@example.com>",
    )
    annual = check_control(
        "RA-1", "Risk assessment", Frequency.ANNUAL, [on(17, date(2027, 1, 15))], START, END
    )
    bunched = check_control(
        "LG-1",
        "Log review",
        Frequency.ANNUAL,
        [on(i, date(2026, 12, 20 + i)) for i in range(1, 5)],
        START,
        END,
        owner="SecOps",
    )
    clean = check_control(
        "CM-1", "Change approval", Frequency.PER_CHANGE, [on(9, date(2026, 5, 1))], START, END
    )
    population = match_population(
        "CM-1",
        [Event("CHG-1042", date(2026, 5, 1)), Event("CHG-1043", date(2026, 5, 2))],
        [on(9, date(2026, 5, 1), "CHG-1042 approved")],
        START,
        END,
        frequency=Frequency.PER_CHANGE,
    )
    return WindowReport(START, END, 14, [quarterly, annual, bunched, clean], [population])


def all_exceptions(report: WindowReport) -> list[str]:
    return [text for c in report.controls for text in c.exceptions] + [
        text for p in report.populations for text in p.exceptions
    ]


def test_xlsx_has_every_sheet_with_a_frozen_filtered_header(
    tmp_path: Path, report: WindowReport
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out" / "window.xlsx"
    write_window_report(report, "xlsx", path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == SHEETS
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet["A1"].font.bold
    missing = list(workbook["Missing periods"].iter_rows(min_row=2, values_only=True))
    assert missing[0][:3] == ("AC-1", "Quarterly access review", "IT <it@example.com>")
    assert [row[4] for row in missing] == ["2026-Q3", "2026"]
    outside = list(workbook["Outside window"].iter_rows(min_row=2, values_only=True))
    assert outside == [("RA-1", "Risk assessment", None, "17", "2027-01-15")]
    populations = list(workbook["Populations"].iter_rows(min_row=2, values_only=True))
    assert populations[0][:3] == ("CM-1", "Change approval", None)
    assert "CHG-1043 (2026-05-02)" in populations[0][-1]


def test_tables_match_the_sheets(report: WindowReport) -> None:
    tables = window_tables(report)
    assert [t.title for t in tables] == SHEETS
    controls = {row[0]: row for row in tables[1].rows}
    assert controls["LG-1"][tables[1].headers.index("audit-day only")] == "yes"
    assert controls["CM-1"][tables[1].headers.index("exceptions")] == ""


def test_html_is_self_contained_and_names_every_exception(
    tmp_path: Path, report: WindowReport
) -> None:
    path = tmp_path / "window.html"
    write_window_report(report, "html", path)
    html = path.read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html and "<svg" in html
    exceptions = all_exceptions(report)
    assert len(exceptions) == 4
    for text in exceptions:
        assert text in html
    assert "IT &lt;it@example.com&gt;" in html  # escaped, not raw markup


def test_markdown_lists_the_missing_quarter(report: WindowReport) -> None:
    markdown = render_markdown(report)
    assert "| AC-1 | Quarterly access review | IT <it@example.com> | quarterly | 2026-Q3 |" in (
        markdown
    )
    assert "no evidence for 2026-Q3 (2026-07-01..2026-09-30)" in markdown
    assert "- LG-1 Log review" in markdown
    assert "change CHG-1043 on 2026-05-02 has no evidence" in markdown


def test_a_clean_report_says_so(tmp_path: Path) -> None:
    clean = check_control("X-1", "x", Frequency.ANNUAL, [on(1, date(2026, 6, 1))], START, END)
    report = WindowReport(START, END, 14, [clean], [])
    assert "No exceptions" in render_markdown(report)
    assert "No exceptions" in render_html(report)


def test_json_carries_fields_and_summary(tmp_path: Path, report: WindowReport) -> None:
    path = tmp_path / "window.json"
    write_window_report(report, "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["start"] == "2026-01-01" and data["audit_day_days"] == 14
    assert data["summary"]["with_missing_periods"] == 2
    assert data["summary"]["audit_day_only"] == 1
    assert data["exceptions_count"] == 4
    first = data["controls"][0]
    assert first["owner"] == "IT <it@example.com>"
    assert first["missing"] == [{"start": "2026-07-01", "end": "2026-09-30", "label": "2026-Q3"}]
    assert data["populations"][0]["unmatched"][0]["event_id"] == "CHG-1043"


def test_unknown_format_is_refused(tmp_path: Path, report: WindowReport) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        write_window_report(report, "pdf", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
