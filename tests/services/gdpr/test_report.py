"""What your ISO certificate does not cover, and DPIA risks on the one risk register."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import OperatingStatus
from crosswalk.domain.risk import RiskCategory
from crosswalk.reports.gdpr_report import render_html, render_markdown, write_gdpr_report
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.gdpr.activities import ActivityInput, add_activity
from crosswalk.services.gdpr.dpia import record_dpia, screen_activity
from crosswalk.services.gdpr.incidents import IncidentInput, add_incident, edit_incident
from crosswalk.services.gdpr.report import (
    MET_BY_CONTROLS,
    MET_BY_RECORDS,
    NOT_USED,
    OPEN,
    certificate_gaps,
)
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.isms.risks import RiskInput, treatment_plan
from crosswalk.services.soa.soa import init_soa, set_entry, soa_rows, validate
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _states(report: object) -> dict[str, str]:
    return {line.ref: line.state for line in report.articles}  # type: ignore[attr-defined]


def test_the_report_sorts_articles_into_controls_records_and_open_with_fine_tiers(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        empty = certificate_gaps(session, library, NOW)
        add_asset(session, AssetInput("crm", "CRM", owner="Sales", in_isms_scope=True))
        add_control(session, ControlInput("BK-1", "Daily encrypted backups"))
        tag_control(session, library, "BK-1", ["iso27001-2022:A.8.13"])
        add_control(
            session, ControlInput("PN-1", "Privacy notice", status=OperatingStatus.ON_PAPER)
        )
        tag_control(session, library, "PN-1", ["gdpr:Art. 13"])
        add_activity(
            session,
            ActivityInput(
                "PA-1",
                "Customer accounts",
                purpose="Accounts",
                subject_categories="customers",
                data_categories="contact",
                lawful_basis="contract",
                retention="6 years",
                assets=["crm"],
                transfers=["US"],
                transfer_safeguard="sccs",
            ),
        )
        aware = NOW - timedelta(hours=65)
        add_incident(
            session,
            IncidentInput(
                "INC-1",
                "Mailbox exposed",
                aware - timedelta(hours=1),
                "Europe/Berlin",
                aware_at=aware,
                aware_zone="Europe/Berlin",
                personal_data=True,
                risk="risk",
            ),
        )
        session.commit()
        before = certificate_gaps(session, library, NOW)
        edit_incident(
            session, "INC-1", notified_at=NOW - timedelta(hours=1), notified_zone="Europe/Berlin"
        )
        session.commit()
        after = certificate_gaps(session, library, NOW)
        add_control(session, ControlInput("AC-1", "Access management"))
        access = ["A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.3", "A.8.5"]
        tag_control(session, library, "AC-1", [f"iso27001-2022:{ref}" for ref in access])
        session.commit()
        controlled = certificate_gaps(session, library, NOW)

    assert _states(empty)["Art. 30"] == OPEN and _states(empty)["Art. 32"] == OPEN
    states = _states(before)
    assert states["Art. 33"] == OPEN and before.figures.clocks_alerting == 1
    assert _states(after)["Art. 33"] == MET_BY_RECORDS  # the notification closes it
    assert states["Art. 30"] == MET_BY_RECORDS and states["Art. 6"] == MET_BY_RECORDS
    assert states["Art. 46"] == MET_BY_RECORDS and states["Art. 47"] == NOT_USED
    assert states["Art. 13"] == OPEN  # a control on paper does not meet an article
    [art32] = [line for line in after.articles if line.ref == "Art. 32"]
    assert art32.state == OPEN and art32.fine_tier == "Art. 83(4)"
    assert art32.explanation.startswith("only partly, through BK-1 (1 of 24 related")
    assert [(r.control_id, r.via) for r in art32.controls] == [("BK-1", "A.8.13")]
    assert "backup policy" in art32.controls[0].note  # what ISO leaves out, explained
    [art32] = [line for line in controlled.articles if line.ref == "Art. 32"]
    assert art32.state == MET_BY_CONTROLS  # a third of the related requirements met
    assert art32.explanation.startswith("through AC-1, BK-1 (8 of 24 related")
    [art13] = [line for line in after.articles if line.ref == "Art. 13"]
    assert art13.fine_tier == "Art. 83(5)" and "tangentially" in art13.explanation
    [art35] = [line for line in after.articles if line.ref == "Art. 35"]
    assert art35.state == MET_BY_RECORDS
    assert sum(after.counts.values()) == len(after.articles) == 37


def test_every_surface_renders_the_same_figures(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(sqlite_workspace.engine) as session:
        report = certificate_gaps(session, library, NOW)
    counts = report.counts
    summary = f"{counts[OPEN]} articles open, {counts[MET_BY_RECORDS]} met by this module's"
    assert summary in render_markdown(report) and summary in html.unescape(render_html(report))
    write_gdpr_report(report, "xlsx", tmp_path / "gdpr.xlsx")
    sheet = load_workbook(tmp_path / "gdpr.xlsx")["Articles"]
    cells = [(row[0].value, row[2].value) for row in sheet.iter_rows(min_row=2)]
    assert cells == [(line.ref, line.state) for line in report.articles]
    assert 'data-article="Art. 33" data-state="met by this module&#39;s records"' in render_html(
        report
    )


def test_a_dpia_risk_appears_in_the_treatment_plan_and_in_the_soa_for_its_controls(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        add_asset(session, AssetInput("hr", "HR system", owner="HR", in_isms_scope=True))
        add_activity(
            session,
            ActivityInput(
                "PA-2",
                "Sick leave",
                lawful_basis="legal obligation",
                special_categories=["health"],
                art9_condition="b",
                assets=["hr"],
            ),
        )
        screened = screen_activity(session, "PA-2", ["large scale", "vulnerable subjects"])
        assert screened.outcome == "DPIA required"
        assert screened.reasons[0].startswith("Art. 35(3)(b)")
        init_soa(session, library, today=date(2026, 11, 1))
        set_entry(session, library, "A.8.11", applicable=False, exclusion_reason="No masking")
        before = {f.code for f in validate(session, library) if f.ref == "A.8.11"}
        done = record_dpia(
            session,
            library,
            "PA-2",
            date(2026, 11, 20),
            [
                RiskInput(
                    "R-PRIV-1",
                    "Health data seen by line managers",
                    4,
                    4,
                    annex_a=("A.8.11",),
                    plan="Pseudonymise sick notes",
                    owner="HR",
                )
            ],
        )
        session.commit()
        plan = treatment_plan(session, library)
        [row] = [r for r in plan.rows if r.risk_id == "R-PRIV-1"]
        [soa] = [r for r in soa_rows(session, library) if r.ref == "A.8.11"]
        after = {f.code for f in validate(session, library) if f.ref == "A.8.11"}
    assert done.risks == ["R-PRIV-1"] and done.completed_on == date(2026, 11, 20)
    assert row.category == RiskCategory.PRIVACY.value and row.assets == ["hr"]
    assert row.inherent is not None and row.inherent.score == 16  # the workspace's one method
    assert soa.risks == ["R-PRIV-1"]
    assert "excluded-but-used-by-risk" not in before and "excluded-but-used-by-risk" in after
