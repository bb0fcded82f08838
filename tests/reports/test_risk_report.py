"""The treatment plan as XLSX, self-contained HTML, Markdown and JSON."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from crosswalk.domain.risk import (
    Band,
    Finding,
    Level,
    RiskMethod,
    Severity,
    default_method,
)
from crosswalk.reports.risk_report import (
    band_colors,
    heat_map,
    plan_tables,
    render_html,
    render_markdown,
    write_treatment_plan,
)
from crosswalk.services.isms.risks import RiskDetail, TreatmentPlan

TODAY = date(2026, 6, 1)


def risk(risk_id: str, title: str, inherent: tuple[int, int], **extra: object) -> RiskDetail:
    method = default_method()
    fields: dict[str, object] = {
        "risk_id": risk_id,
        "title": title,
        "description": "",
        "category": "information asset",
        "assets": [],
        "owner": "Dana",
        "inherent": method.assess(*inherent),
        "treatment": "modify",
        "controls": [],
        "annex_a": [],
        "plan": "",
        "due": None,
        "residual": None,
        "accepted_by": None,
        "accepted_on": None,
        "above_threshold": method.needs_treatment(inherent[0] * inherent[1]),
        "findings": [],
    }
    fields.update(extra)
    return RiskDetail(**fields)  # type: ignore[arg-type]


@pytest.fixture
def plan() -> TreatmentPlan:
    method = default_method()
    rows = [
        risk(
            "R-01",
            "Laptop <theft> & loss",
            (4, 4),
            controls=["EP-1"],
            annex_a=["A.8.1"],
            plan="Encrypt every laptop",
            due=date(2026, 9, 30),
            residual=method.assess(2, 3),
            above_threshold=False,
            accepted_by="Dana Reyes",
            accepted_on=date(2026, 4, 1),
        ),
        risk(
            "R-02",
            "Cloud region outage",
            (3, 5),
            category="service commitment",
            treatment="retain",
            findings=[
                Finding(Severity.ERROR, "unaccepted", "R-02", "score 15 (high) is above 9"),
            ],
        ),
        risk("R-03", "Phishing", (4, 3), owner=None),
    ]
    return TreatmentPlan(
        method, rows, {"EP-1": "Disk encryption"}, {"A.8.1": "User end point devices"}, TODAY
    )


def test_xlsx_has_the_plan_and_the_method_with_frozen_filtered_headers(
    tmp_path: Path, plan: TreatmentPlan
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out" / "plan.xlsx"
    write_treatment_plan(plan, "xlsx", path)
    book = load_workbook(path)
    assert book.sheetnames == ["Treatment plan", "Method"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
    rows = list(book["Treatment plan"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("risk", "title", "category", "assets", "owner")
    for name in ("inherent score", "inherent rating", "treatment", "controls", "Annex A",
                 "plan", "due", "residual score", "residual rating", "accepted by",
                 "accepted on"):  # fmt: skip
        assert name in header
    first = dict(zip(header, rows[1], strict=True))
    assert first["risk"] == "R-01" and first["inherent score"] == 16
    assert first["inherent rating"] == "critical" and first["residual rating"] == "medium"
    assert first["controls"] == "EP-1 Disk encryption"
    assert first["Annex A"] == "A.8.1 User end point devices"
    assert first["accepted by"] == "Dana Reyes" and first["accepted on"] == "2026-04-01"
    second = dict(zip(header, rows[2], strict=True))
    assert second["residual rating"] == "not assessed"
    assert "unaccepted" in second["findings"]
    method = list(book["Method"].iter_rows(values_only=True))
    assert method[0] == ("part", "value", "label", "description")
    assert method[6][:3] == ("likelihood", 5, "Almost certain")
    assert ("band", "16-25", "critical") in [r[:3] for r in method]
    assert method[-1][:2] == ("acceptance threshold", 9)


def test_html_is_self_contained_and_names_every_risk(plan: TreatmentPlan) -> None:
    html = render_html(plan)
    urls = re.findall(r"https?://[^\s\"'<>)]+", html)
    assert set(urls) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html and "<link" not in html
    for row in plan.rows:
        assert row.risk_id in html
    assert "Laptop &lt;theft&gt; &amp; loss" in html  # data is escaped
    assert html.count("<svg") == 2  # inherent and residual heat maps
    assert "Acceptance threshold: <b>9</b>" in html
    assert "score 15 (high) is above 9" in html
    assert "A.8.1 User end point devices" in html


def test_heat_map_counts_risks_in_their_cells(plan: TreatmentPlan) -> None:
    inherent = heat_map(plan, residual=False)
    assert "likelihood 4 x impact 4 = 16 (critical): 1 risk<" in inherent
    assert "likelihood 1 x impact 1 = 1 (low): 0 risks<" in inherent
    residual = heat_map(plan, residual=True)
    assert "likelihood 2 x impact 3 = 6 (medium): 1 risk<" in residual  # R-01 treated
    assert "likelihood 3 x impact 5 = 15 (high): 1 risk<" in residual  # inherent
    assert residual.count("<rect") == 25


def test_band_colors_rise_for_any_number_of_bands() -> None:
    assert band_colors(default_method()) == {
        "low": "#2e7d32",
        "medium": "#f9a825",
        "high": "#ef6c00",
        "critical": "#c62828",
    }
    levels = tuple(Level(i, str(i)) for i in range(1, 6))
    six = RiskMethod(levels, levels, tuple(Band(f"b{i}", 1 + 4 * i) for i in range(6)), 9)
    colors = list(band_colors(six).values())
    assert colors[0] == "#2e7d32" and colors[-1] == "#4a148c" and len(set(colors)) == 6


def test_markdown_documents_the_method_and_lists_the_plan(plan: TreatmentPlan) -> None:
    text = render_markdown(plan)
    assert text.startswith("# Risk treatment plan\n")
    assert "score = likelihood (1-5) x impact (1-5)" in text
    assert "| acceptance threshold | 9 |" in text
    assert "| R-01 | Laptop <theft> & loss | Dana | 16 critical | modify | EP-1 | A.8.1 |" in text
    assert "| R-02 | Cloud region outage | Dana | 15 high | retain |" in text
    assert "not assessed" in text
    assert "- **R-02** (error, unaccepted): score 15 (high) is above 9" in text


def test_json_and_unknown_format(tmp_path: Path, plan: TreatmentPlan) -> None:
    path = tmp_path / "plan.json"
    write_treatment_plan(plan, "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [r["risk_id"] for r in data["rows"]] == ["R-01", "R-02", "R-03"]
    assert data["method"]["acceptance_threshold"] == 9
    assert data["summary"]["risks"] == 3 and data["findings"][0]["code"] == "unaccepted"
    with pytest.raises(ValueError, match="unknown format"):
        write_treatment_plan(plan, "pdf", tmp_path / "plan.pdf")
    assert plan_tables(plan)[1].title == "Method"


def test_an_empty_register_still_documents_the_method(tmp_path: Path) -> None:
    empty = TreatmentPlan(default_method(), [], {}, {}, TODAY)
    assert "No risks recorded" in render_markdown(empty)
    html = render_html(empty)
    assert "No risks recorded yet" in html and "Almost certain" in html
    write_treatment_plan(empty, "xlsx", tmp_path / "empty.xlsx")
    assert (tmp_path / "empty.xlsx").stat().st_size > 0
