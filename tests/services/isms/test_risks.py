"""The risk register on SQLite and PostgreSQL: records, method, checks, plan, round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.risk import Band, Level, RiskCategory, RiskMethod, Treatment, default_method
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.isms.common import IsmsError
from crosswalk.services.isms.records import apply_kind, export_kind, read_kind
from crosswalk.services.isms.risk_method import (
    RISK_METHOD_RECORDS,
    RiskError,
    get_method,
    method_from_data,
    method_is_set,
    read_method_file,
    set_method,
)
from crosswalk.services.isms.risk_records import RECORD_KINDS, RISK_RECORDS
from crosswalk.services.isms.risks import (
    RiskInput,
    accept_risk,
    add_risk,
    describe_risk,
    edit_risk,
    get_risk,
    link_risk,
    list_risks,
    register_checks,
    resolve_annex_a,
    risk_annex_a,
    risk_controls,
    treatment_plan,
    unlink_risk,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import RiskRow
from crosswalk.store.workspace import Workspace, init_workspace

TODAY = date(2026, 6, 1)


def three_by_three() -> RiskMethod:
    levels = (Level(1, "Low", "rare"), Level(2, "Medium"), Level(3, "High"))
    return RiskMethod(levels, levels, (Band("low", 1), Band("high", 4)), 3)


def seed(session: Session, library: Library) -> None:
    add_control(session, ControlInput("EP-1", "Disk encryption", owner="IT"))
    add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
    add_risk(
        session,
        library,
        RiskInput(
            "R-01",
            "Laptop theft exposes customer data",
            4,
            4,
            owner="IT lead",
            assets=("LAPTOPS",),
            controls=("EP-1",),
            annex_a=("8.1", "A.5.15"),
            plan="Encrypt every laptop",
            due=date(2026, 3, 31),
            residual_likelihood=2,
            residual_impact=3,
        ),
    )
    add_risk(
        session,
        library,
        RiskInput(
            "R-02",
            "Cloud region outage breaks the uptime commitment",
            3,
            5,
            category=RiskCategory.SERVICE_COMMITMENT,
            treatment=Treatment.RETAIN,
            owner="CTO",
        ),
    )
    add_risk(
        session,
        library,
        RiskInput("R-03", "Phishing", 4, 3, description="Credential theft by email"),
    )


def test_add_edit_link_and_accept(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.commit()
    with session_scope(workspace.engine) as session:
        row = get_risk(session, "R-01")
        assert risk_controls(row) == ["EP-1"]
        assert risk_annex_a(row) == ["A.5.15", "A.8.1"]  # canonical, in catalog order
        assert row.assets == "LAPTOPS" and row.category == "information asset"
        changed = edit_risk(
            session, library, "R-01", title="Stolen laptop", owner="CISO", due=date(2026, 9, 30)
        )
        assert changed == ["title", "owner", "due"]
        assert edit_risk(session, library, "R-01", title="Stolen laptop") == []
        assert link_risk(session, library, "R-01", ["AC-1", "EP-1"], ["5.18"]) == ["AC-1", "A.5.18"]
        assert unlink_risk(session, library, "R-01", ["EP-1"], ["A.8.1"]) == ["EP-1", "A.8.1"]
        accept_risk(session, "R-01", "Dana Reyes", date(2026, 4, 1))
        session.commit()
    with session_scope(workspace.engine) as session:
        row = get_risk(session, "R-01")
        assert (row.title, row.owner, row.treatment_due) == (
            "Stolen laptop",
            "CISO",
            date(2026, 9, 30),
        )
        assert risk_controls(row) == ["AC-1"] and risk_annex_a(row) == ["A.5.15", "A.5.18"]
        assert (row.accepted_by, row.accepted_on) == ("Dana Reyes", date(2026, 4, 1))
        # A lower residual keeps the acceptance; a higher one clears it.
        assert edit_risk(session, library, "R-01", residual_impact=2) == ["residual_impact"]
        assert get_risk(session, "R-01").accepted_by == "Dana Reyes"
        assert edit_risk(session, library, "R-01", residual_likelihood=4) == [
            "residual_likelihood",
            "accepted_by",
            "accepted_on",
        ]
        row = get_risk(session, "R-01")  # a view: read again after the change
        assert row.accepted_by is None and row.accepted_on is None
        with pytest.raises(RiskError, match="needs the name"):
            accept_risk(session, "R-01", "  ")
        session.commit()


def test_bad_input_is_refused_and_changes_nothing(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.commit()
    with session_scope(workspace.engine) as session:
        with pytest.raises(UnknownReferenceError, match=r"unknown control 'EP-2'.*EP-1"):
            add_risk(session, library, RiskInput("R-09", "New", 2, 2, controls=("EP-2",)))
        with pytest.raises(UnknownReferenceError, match=r"unknown Annex A control '5\.155'"):
            add_risk(session, library, RiskInput("R-09", "New", 2, 2, annex_a=("5.155",)))
        with pytest.raises(RiskError, match=r"6\.1\.2, a clause, not an Annex A control"):
            add_risk(session, library, RiskInput("R-09", "New", 2, 2, annex_a=("6.1.2",)))
        with pytest.raises(RiskError, match=r"inherent likelihood 6 is not on the scale 1\.\.5"):
            add_risk(session, library, RiskInput("R-09", "New", 6, 2))
        with pytest.raises(IsmsError, match="already exists"):
            add_risk(session, library, RiskInput("R-01", "Again", 2, 2))
        with pytest.raises(UnknownReferenceError, match=r"unknown Annex A control 'A\.9\.9'"):
            edit_risk(session, library, "R-01", title="Changed", annex_a=["A.9.9"])
        with pytest.raises(RiskError, match="residual likelihood and residual impact"):
            edit_risk(session, library, "R-02", title="Changed", residual_likelihood=1)
        with pytest.raises(UnknownReferenceError, match="unknown control 'NOPE'"):
            link_risk(session, library, "R-01", ["NOPE"], ["5.18"])
        with pytest.raises(RiskError, match="not editable"):
            edit_risk(session, library, "R-01", accepted_by="me")
        session.commit()
    with session_scope(workspace.engine) as session:
        assert session.scalar(select(func.count()).select_from(RiskRow)) == 3
        row = get_risk(session, "R-01")
        assert row.title == "Laptop theft exposes customer data"
        assert risk_annex_a(row) == ["A.5.15", "A.8.1"] and risk_controls(row) == ["EP-1"]
        assert get_risk(session, "R-02").title.startswith("Cloud region")


def test_unknown_risk_suggests_close_ids(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        with pytest.raises(UnknownReferenceError, match=r"unknown risk 'R-1'; did you mean"):
            get_risk(session, "R-1")


def test_annex_a_refs_are_forgiving_but_only_annex_a(library: Library) -> None:
    assert resolve_annex_a(library, "5.15") == "A.5.15"
    assert resolve_annex_a(library, "a5.15") == "A.5.15"
    assert resolve_annex_a(library, "iso27001-2022:A.8.8") == "A.8.8"
    assert resolve_annex_a(library, "5.1") == "A.5.1"  # not clause 5.1
    with pytest.raises(RiskError, match="a theme, not an Annex A control"):
        resolve_annex_a(library, "A.5")
    with pytest.raises(RiskError, match="Annex A refs are of iso27001-2022"):
        resolve_annex_a(library, "soc2-tsc-2017:CC6.1")


def test_list_filters(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)

        def ids(**filters: object) -> list[str]:
            return [r.risk_id for r in list_risks(session, **filters)]  # type: ignore[arg-type]

        assert ids() == ["R-01", "R-02", "R-03"]
        assert ids(owner="cto") == ["R-02"]
        assert ids(treatment=Treatment.RETAIN) == ["R-02"]
        # R-01 residual 6 is within 9; R-02 inherent 15 and R-03 inherent 12 are above.
        assert ids(above_threshold=True) == ["R-02", "R-03"]
        assert ids(above_threshold=False) == ["R-01"]


def test_the_method_is_kept_in_the_workspace(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        assert get_method(session) == default_method() and not method_is_set(session)
        assert set_method(session, three_by_three())
        assert not set_method(session, three_by_three())  # unchanged: not rewritten
        session.commit()
    with session_scope(workspace.engine) as session:
        assert get_method(session) == three_by_three() and method_is_set(session)
        add_risk(session, library, RiskInput("R-01", "Anything", 3, 3, owner="Dana"))
        with pytest.raises(RiskError, match=r"do not fit these risks.*R-01"):
            set_method(
                session,
                RiskMethod(
                    (Level(1, "a"), Level(2, "b")),
                    (Level(1, "a"), Level(2, "b")),
                    (Band("l", 1),),
                    2,
                ),
            )
        session.commit()
    with pytest.raises(RiskError, match=r"risk method: likelihood\.0\.level: Field required"):
        method_from_data({"likelihood": [{"label": "x"}], "impact": [], "bands": []})
    bad = tmp_path / "method.yaml"
    bad.write_text(
        "likelihood: [{level: 1, label: a}, {level: 2, label: b}]\n"
        "impact: [{level: 1, label: a}, {level: 2, label: b}]\n"
        "bands: [{name: low, min_score: 2}]\nacceptance_threshold: 2\n",
        encoding="utf-8",
    )
    with pytest.raises(RiskError, match=r"method.yaml: risk method: the first band"):
        read_method_file(bad)
    bad.write_text("format: crosswalk/risk@1\n", encoding="utf-8")
    with pytest.raises(RiskError, match="format: expected 'crosswalk/risk-method@1'"):
        read_method_file(bad)


def test_register_checks(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        add_risk(
            session,
            library,
            RiskInput(
                "R-04",
                "Vendor breach",
                4,
                4,
                owner="Legal",
                treatment=Treatment.SHARE,
                due=date(2026, 1, 31),
                residual_likelihood=3,
                residual_impact=4,
            ),
        )
        accept_risk(session, "R-04", "Legal", date(2026, 2, 1))
        found = {(f.risk_id, f.code) for f in register_checks(session, TODAY)}
    assert found == {
        ("R-02", "unaccepted"),  # retained at 15 (high), nobody accepted it
        ("R-03", "no-owner"),
        ("R-03", "modify-unlinked"),
        ("R-03", "unaccepted"),
        ("R-04", "overdue"),  # accepted, but past due and still 12 (high)
    }  # residual 6 is within the threshold; its passed due date is no finding


def test_treatment_plan_content(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        plan = treatment_plan(session, library, TODAY)
        detail = describe_risk(session, "R-01", TODAY)
    assert plan.method == default_method() and plan.generated_on == TODAY
    assert [r.risk_id for r in plan.rows] == ["R-01", "R-02", "R-03"]
    first = plan.rows[0]
    assert first == detail
    assert first.inherent is not None and (first.inherent.score, first.inherent.rating) == (
        16,
        "critical",
    )
    assert first.residual is not None and (first.residual.score, first.residual.rating) == (
        6,
        "medium",
    )
    assert first.controls == ["EP-1"] and first.annex_a == ["A.5.15", "A.8.1"]
    assert (first.plan, first.due, first.owner) == (
        "Encrypt every laptop",
        date(2026, 3, 31),
        "IT lead",
    )
    assert plan.control_titles == {"EP-1": "Disk encryption"}
    assert plan.annex_a_titles == {"A.5.15": "Access control", "A.8.1": "User end point devices"}
    assert plan.rows[1].residual is None and plan.rows[1].category == "service commitment"
    assert plan.heat_counts(residual=False) == {(4, 4): 1, (3, 5): 1, (4, 3): 1}
    assert plan.heat_counts(residual=True) == {(2, 3): 1, (3, 5): 1, (4, 3): 1}
    summary = plan.summary()
    assert summary["risks"] == 3 and summary["above_threshold"] == 2
    assert summary["unaccepted_above_threshold"] == 2
    assert summary["by_treatment"] == {"modify": 2, "retain": 1}


def test_round_trip_through_files(workspace: Workspace, library: Library, tmp_path: Path) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        set_method(session, default_method())
        accept_risk(session, "R-02", "CTO", date(2026, 2, 1))
        session.commit()
    first, second = tmp_path / "one", tmp_path / "two"
    with session_scope(workspace.engine) as session:
        for kind in RECORD_KINDS:
            export_kind(session, kind, first)
    written = sorted(p.relative_to(first).as_posix() for p in first.rglob("*.yaml"))
    assert written == [
        "risks/R-01.yaml",
        "risks/R-02.yaml",
        "risks/R-03.yaml",
        "settings/risk-method.yaml",
    ]
    text = (first / "risks" / "R-01.yaml").read_text(encoding="utf-8")
    assert text.startswith("format: crosswalk/risk@1\nrisk_id: R-01\n")
    assert "annex_a:\n- A.5.15\n- A.8.1\n" in text and "controls:\n- EP-1\n" in text
    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            add_control(session, ControlInput("EP-1", "Disk encryption", owner="IT"))
            reports = [
                apply_kind(session, library, kind, read_kind(kind, first), dry_run=False)
                for kind in RECORD_KINDS
            ]
            session.commit()
            assert reports[0].created == ["risk-method"]
            assert reports[1].created == ["R-01", "R-02", "R-03"]
            for kind in RECORD_KINDS:
                export_kind(session, kind, second)
            again = [
                apply_kind(session, library, kind, read_kind(kind, first), dry_run=False)
                for kind in RECORD_KINDS
            ]
            assert [r.unchanged for r in again] == [["risk-method"], ["R-01", "R-02", "R-03"]]
            assert all(r.created == r.updated == [] for r in again)
            assert get_risk(session, "R-02").accepted_on == date(2026, 2, 1)
    finally:
        fresh.close()
    before = {p.relative_to(first): p.read_bytes() for p in first.rglob("*.yaml")}
    after = {p.relative_to(second): p.read_bytes() for p in second.rglob("*.yaml")}
    assert after == before


def test_apply_names_the_file_of_a_bad_ref_and_a_dry_run_changes_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    from crosswalk.io.program_files import ProgramError

    with session_scope(workspace.engine) as session:
        seed(session, library)
        export_kind(session, RISK_RECORDS, tmp_path)
        export_kind(session, RISK_METHOD_RECORDS, tmp_path)
        session.commit()
    path = tmp_path / "risks" / "R-03.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("owner: null", "owner: Sam"))
    with session_scope(workspace.engine) as session:
        report = apply_kind(session, library, RISK_RECORDS, read_kind(RISK_RECORDS, tmp_path), True)
        assert report.updated == ["R-03"] and get_risk(session, "R-03").owner is None
        report = apply_kind(
            session, library, RISK_RECORDS, read_kind(RISK_RECORDS, tmp_path), False
        )
        assert get_risk(session, "R-03").owner == "Sam"
        session.rollback()
    path.write_text(path.read_text(encoding="utf-8").replace("annex_a: []", "annex_a: [A.9.9]"))
    with (
        session_scope(workspace.engine) as session,
        pytest.raises(ProgramError, match=r"R-03\.yaml: unknown Annex A"),
    ):
        apply_kind(session, library, RISK_RECORDS, read_kind(RISK_RECORDS, tmp_path), False)
