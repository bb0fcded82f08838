"""The README's main job: the demo workspace and its reports, checked as a reader would."""

from __future__ import annotations

from typing import Any

from openpyxl import load_workbook

from crosswalk.demo.builder import DemoResult, demo_data

SHEETS = ["Summary", "Annex A", "Clauses", "Crosswalk", "Backlog", "SoA draft"]


def test_demo_data_is_a_realistic_messy_inventory() -> None:
    controls = demo_data()["controls"]
    assert 65 <= len(controls) <= 75
    assert sum(1 for c in controls if c["status"] == "on paper") >= 3
    assert sum(1 for c in controls if not c["owner"]) >= 1


def test_xlsx_report_has_the_sheets_auditors_expect(demo: DemoResult) -> None:
    workbook = load_workbook(demo.reports["xlsx"])
    assert workbook.sheetnames == SHEETS
    annex = workbook["Annex A"]
    assert annex.freeze_panes == "A2" and annex.auto_filter.ref
    assert annex.max_row == 94  # header + 93 controls
    assert workbook["SoA draft"].max_row == 94
    headers = [c.value for c in workbook["Crosswalk"][1]]
    assert headers[:6] == [
        "control",
        "control title",
        "status",
        "SOC 2 criterion",
        "ISO ref",
        "relationship",
    ]
    assert workbook["Crosswalk"].max_row > 100


def test_html_report_renders_in_chromium_without_errors(demo: DemoResult, page: Any) -> None:
    page.goto(demo.reports["html"].as_uri())
    page.evaluate("1")  # flush console events
    assert page.console_errors == []
    assert "Gap analysis" in page.title()
    assert page.locator("svg").count() >= 3  # inline charts, no CDN
    assert page.locator("#annex-a tbody tr").count() == 93
    page.fill("#filter", "A.8.32")
    visible = page.locator("#annex-a tbody tr:visible")
    assert visible.count() == 1 and "Change management" in visible.inner_text()
    html = demo.reports["html"].read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_demo_evidence_makes_the_window_report_tell_the_truth(demo: DemoResult) -> None:
    window = demo.window
    assert window is not None and demo.evidence_added > 100
    assert (window.start.isoformat(), window.end.isoformat()) == ("2025-11-01", "2026-10-31")
    by_id = {c.control_id: c for c in window.controls}
    assert [p.label for p in by_id["NW-AC-01"].missing] == ["2026-Q1"]  # the skipped review
    assert by_id["NW-GOV-05"].audit_day_only
    [changes] = window.populations
    assert [e.event_id for e in changes.unmatched] == ["CHG-1047"]
    assert demo.reports["window-xlsx"].exists() and demo.reports["window-html"].exists()


def test_demo_gap_counts_only_controls_with_fresh_evidence(demo: DemoResult) -> None:
    assert "fresh evidence" in demo.gap.evidence_rule
    assert demo.gap.find("A.8.32").verdict == "covered"  # change control, approvals on file
