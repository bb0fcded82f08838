"""The README's main job: the demo workspace and its reports, checked as a reader would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from crosswalk.catalogs.loader import Library
from crosswalk.demo.builder import DemoResult, demo_data
from tests.conftest import DEMO_TODAY

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
    # CC8.1 is superset_of A.8.32, but two of its controls have no fresh evidence and two are
    # not operating: a criterion-level claim needs all of them, so it is only likely.
    a832 = demo.gap.find("A.8.32")
    assert a832.verdict == "likely"
    [cc81] = [c for c in a832.criteria if c.criterion == "CC8.1"]
    assert "NW-CHG-01" in cc81.operating and "NW-SDLC-01 (on paper)" in cc81.controls
    assert any("NW-SDLC-01 (on paper)" in reason for reason in a832.why_not_higher)


def test_demo_isms_answers_the_stage_1_questions(demo: DemoResult) -> None:
    readiness = demo.readiness
    assert readiness is not None and demo.scope_check is not None
    blockers = " ".join(readiness.blockers)
    assert "Statement of Applicability is not approved" in blockers
    assert "NC-2026-02" in blockers  # the overdue nonconformity
    assert [f.item for f in demo.scope_check.findings if f.code == "boundary-outside-scope"] == [
        "SUPPORT"
    ]
    assert demo.soa_findings  # the draft SoA still has decisions to make
    workbook = load_workbook(demo.reports["soa-xlsx"])
    sheet = workbook["Statement of Applicability"]
    headers = [c.value for c in sheet[1]]
    for column in (
        "ref",
        "title",
        "applicable",
        "justification",
        "implementation status",
        "controls",
        "evidence",
        "risks",
        "last reviewed",
    ):
        assert any(column in str(h).lower() for h in headers), column
    refs = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value]
    assert len(refs) == 93 and refs[0] == "A.5.1" and refs[-1] == "A.8.34"


def test_every_record_type_round_trips_through_export_and_apply(
    demo: DemoResult, library: Library, tmp_path: Path
) -> None:
    from crosswalk.services.program.files import apply_program, export_program
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import init_workspace

    assert demo.program is not None
    first = {p.relative_to(demo.program): p.read_bytes() for p in demo.program.rglob("*.yaml")}
    folders = {p.parts[0] for p in first}
    assert {
        "controls",
        "assets",
        "scope",
        "risks",
        "settings",
        "soa",
        "audits",
        "reviews",
        "nonconformities",
        "objectives",
        "ai-systems",
    } <= folders
    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            apply_program(session, library, demo.program)
            session.commit()
            export_program(session, tmp_path / "again")
            again = apply_program(session, library, demo.program)
    finally:
        fresh.close()
    second = {
        p.relative_to(tmp_path / "again"): p.read_bytes()
        for p in (tmp_path / "again").rglob("*.yaml")
    }
    assert second == first
    assert again.created == again.updated == []
    for kind in again.records:
        assert kind.created == kind.updated == [], kind.folder


def test_demo_policies_show_the_planted_duplicate_and_conflict(demo: DemoResult) -> None:
    from crosswalk.demo.policy_set import PLANTED_CONFLICT, PLANTED_DUPLICATE

    found = {(f.code, tuple(sorted(f.policies))) for f in demo.policy_findings}
    assert ("duplicate", tuple(sorted(PLANTED_DUPLICATE))) in found
    assert ("frequency-conflict", tuple(sorted(PLANTED_CONFLICT))) in found
    conflict = next(f for f in demo.policy_findings if f.code == "frequency-conflict")
    assert conflict.proposed == "quarterly"
    assert not any("POL-IR-2019" in f.policies for f in demo.policy_findings)  # retired
    assert (demo.folder / "policies" / "POL-AC.md").exists()


def test_the_window_report_names_population_controls_and_counts_its_rows(
    demo: DemoResult,
) -> None:
    from crosswalk.reports.window_report import window_tables
    from crosswalk.services.evidence.window import default_observation_window

    window = demo.window
    assert window is not None
    assert (window.start, window.end) == default_observation_window(DEMO_TODAY)  # = the web's
    [changes] = window.populations
    assert changes.title and changes.owner  # no blank title or owner on population rows
    populations = next(t for t in window_tables(window) if t.title == "Populations")
    assert populations.rows[0][1] == changes.title and populations.rows[0][2] == changes.owner
    listed = sum(len(c.exceptions) for c in window.controls) + len(changes.exceptions)
    assert window.summary.exceptions == listed  # the headline counts the rows it lists


def test_a_demo_killed_halfway_leaves_no_half_workspace(tmp_path: Path) -> None:
    """Killed mid-build, the demo leaves nothing where the user looks (it used to leave a
    database without its workspace file); the next build removes the hidden leftover."""
    import os
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "demo"
    command = [sys.executable, "-m", "crosswalk", "demo", str(target)]
    building = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".building-demo-*/crosswalk.db")):  # the build is under way
        assert building.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(building.pid, signal.SIGKILL)
    building.wait()
    assert not target.exists()
    assert len(list(tmp_path.glob(".building-demo-*"))) == 1

    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert (target / "crosswalk.toml").is_file() and (target / "crosswalk.db").is_file()
    assert list(tmp_path.glob(".building-*")) == []


def test_the_demo_has_three_ai_systems_with_their_tiers_obligations_and_coverage(
    demo: DemoResult, library: Library
) -> None:
    from crosswalk.services.ai.coverage import AI_SPECIFIC, ai_coverage
    from crosswalk.services.ai.obligations import system_obligations
    from crosswalk.services.ai.systems import list_systems
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace

    opened = open_workspace(demo.folder)
    try:
        with session_scope(opened.engine) as session:
            systems = {s.system_id: s for s in list_systems(session)}
            tiers = {key: (s.tier, [r.value for r in s.roles]) for key, s in systems.items()}
            assert tiers == {
                "support-chatbot": ("transparency", ["deployer"]),
                "cv-screening": ("high-risk", ["provider"]),
                "code-assistant": ("minimal", ["deployer"]),
            }
            # a US provider of a high-risk system with no authorised representative yet
            assert any("authorised representative" in f for f in systems["cv-screening"].flags)
            cv = system_obligations(session, library, "cv-screening")
            art9 = next(o for o in cv.obligations if o.ref == "Art. 9")
            assert (art9.status, art9.owner) == ("in progress", "Priya Raman (CISO)")
            coverage = ai_coverage(session, library, "cv-screening", DEMO_TODAY)
            carried = {o.ref: o.carried for o in coverage.obligations}
            assert carried["Art. 10"] == AI_SPECIFIC
            assert carried["Art. 12"] == "partly carried by the ISMS"  # the SIEM's logging
    finally:
        opened.close()
    workbook = load_workbook(demo.reports["ai-xlsx"])
    assert "Obligations" in workbook.sheetnames
    assert "does not replace" in demo.reports["ai-html"].read_text(encoding="utf-8")


def test_the_demo_has_a_gdpr_layer_and_its_report(demo: DemoResult) -> None:
    from datetime import UTC, datetime, time, timedelta

    from crosswalk.services.gdpr.activities import list_activities
    from crosswalk.services.gdpr.incidents import breach_log, list_incidents
    from crosswalk.services.gdpr.requests import list_requests
    from crosswalk.services.isms.risks import get_risk
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace

    now = datetime.combine(DEMO_TODAY, time(12), UTC)
    opened = open_workspace(demo.folder)
    try:
        with session_scope(opened.engine) as session:
            activities = list_activities(session)
            incidents = {i.incident_id: i for i in list_incidents(session, now=now)}
            log = breach_log(session, now)
            requests = list_requests(session, today=DEMO_TODAY)
            dpia_risk = get_risk(session, "R-PRIV-01")
    finally:
        opened.close()
    assert len(activities) == 8
    [health] = [a for a in activities if a.special_categories]
    assert health.dpia == "DPIA required" and health.dpia_risks == ["R-PRIV-01"]
    assert dpia_risk.category == "privacy"
    [abroad] = [a for a in activities if a.transfers]
    assert abroad.transfers == ["US"] and abroad.processors == ["Zendesk Inc."]
    assert "asset SUPPORT is outside the ISMS scope" in abroad.flags
    on_time, late = incidents["INC-2026-08"], incidents["INC-2026-09"]
    assert on_time.notified_at - on_time.aware_at == timedelta(hours=70)  # type: ignore[operator]
    assert late.clock.late_by == timedelta(hours=8) and late.delay_reason
    assert [e.incident_id for e in log] == ["INC-2026-08", "INC-2026-09"]
    assert len(requests) == 4 and [r.state for r in requests].count("overdue") == 1
    assert any(r.extended for r in requests)
    text = demo.reports["gdpr-md"].read_text(encoding="utf-8")
    assert "# What your ISO certificate does not cover" in text
    assert "| Art. 33 |" in text and "| Art. 32 |" in text
    assert load_workbook(demo.reports["gdpr-xlsx"]).sheetnames == ["Articles", "Controls explained"]
