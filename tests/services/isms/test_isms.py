"""The ISMS records of clauses 6.2, 9.2, 9.3 and 10.2, and Stage 1 readiness."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.io.program_files import ProgramError
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.isms.audits import AuditInput, add_audit, edit_audit, get_audit, programme
from crosswalk.services.isms.common import IsmsError
from crosswalk.services.isms.nonconformities import (
    NonconformityInput,
    add_nonconformity,
    close_nonconformity,
    edit_nonconformity,
    get_nonconformity,
    overdue,
    overdue_by_owner,
)
from crosswalk.services.isms.objectives import ObjectiveInput, add_objective, edit_objective
from crosswalk.services.isms.readiness import ISMS_RECORDS, readiness
from crosswalk.services.isms.records import apply_kind, export_kind, read_kind
from crosswalk.services.isms.reviews import (
    REVIEW_INPUTS,
    ReviewData,
    add_review,
    edit_review,
    get_review,
    missing_inputs,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import (
    RiskRow,
    ScopeStatementRow,
    SettingRow,
    SoaEntryRow,
    SoaVersionRow,
)
from crosswalk.store.workspace import Workspace, init_workspace

TODAY = date(2026, 11, 27)


def _nc(nc_id: str, due: date | None, **more: object) -> NonconformityInput:
    fields: dict[str, object] = {
        "source": "audit",
        "description": f"{nc_id} description",
        "owner": "Dana",
        "raised_on": date(2026, 4, 2),
        "due_on": due,
        **more,
    }
    return NonconformityInput(nc_id, **fields)


def _soa(session: Session, library: Library, applicable: set[str], approved: bool) -> None:
    framework = library.frameworks["iso27001-2022"]
    version = SoaVersionRow(
        version=1,
        approved_by="CEO" if approved else None,
        approved_on=date(2026, 3, 1) if approved else None,
    )
    controls = [r.ref for r in framework.requirements if r.kind == "control"]
    version.entries = [
        SoaEntryRow(
            position=position,
            ref=ref,
            applicable=ref in applicable,
            exclusion_reason="" if ref in applicable else "no such activity",
        )
        for position, ref in enumerate(controls)
    ]
    session.add(version)
    session.flush()


def test_a_nonconformity_past_its_due_date_is_overdue_in_readiness(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        add_nonconformity(session, _nc("NC-1", date(2026, 10, 1)))
        add_nonconformity(session, _nc("NC-2", date(2026, 12, 31)))
        add_nonconformity(session, _nc("NC-3", None, owner=None))
        add_nonconformity(
            session,
            _nc(
                "NC-4",
                date(2026, 5, 1),
                correction="fixed",
                root_cause="why",
                corrective_action="never again",
                effectiveness_check="sampled",
                effectiveness_checked_on=date(2026, 4, 20),
                closed_on=date(2026, 4, 21),
            ),
        )
        session.commit()
        assert [r.nc_id for r in overdue(session, TODAY)] == ["NC-1"]
        [group] = overdue_by_owner(session, TODAY)
        assert group.owner == "Dana"
        assert [(n.nc_id, n.days_overdue) for n in group.nonconformities] == [("NC-1", 57)]
        assert overdue_by_owner(session, TODAY, owner="Sam") == []
        result = readiness(session, library, TODAY)
    assert result.overdue_nonconformities == ["NC-1"]
    [blocker] = [b for b in result.blockers if "overdue" in b]
    assert "NC-1" in blocker and "NC-2" not in blocker and "2026-10-01" in blocker
    log = {a.key: a for a in result.artifacts}["nonconformities"]
    assert log.exists and log.records == 4 and "1 overdue" in log.note


def test_closing_needs_the_whole_corrective_action_story(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_nonconformity(
            session,
            _nc(
                "NC-1",
                date(2026, 6, 30),
                correction="access removed",
                root_cause="no HR ticket",
                corrective_action="HR ticket for contractors",
            ),
        )
        with pytest.raises(IsmsError) as refused:
            close_nonconformity(session, "NC-1", date(2026, 6, 1))
        assert str(refused.value) == (
            "nonconformity NC-1 cannot be closed: it still needs an effectiveness check and "
            "the date of the effectiveness check"
        )
        assert get_nonconformity(session, "NC-1").closed_on is None
        with pytest.raises(IsmsError, match="before its effectiveness check"):
            close_nonconformity(
                session,
                "NC-1",
                date(2026, 6, 1),
                effectiveness_check="sampled leavers",
                effectiveness_checked_on=date(2026, 6, 10),
            )
        row = close_nonconformity(
            session,
            "NC-1",
            date(2026, 6, 12),
            effectiveness_check="sampled leavers",
            effectiveness_checked_on=date(2026, 6, 10),
        )
        assert row.closed_on == date(2026, 6, 12)
        with pytest.raises(IsmsError, match="already closed"):
            close_nonconformity(session, "NC-1")
        with pytest.raises(IsmsError, match="still needs a root cause"):
            edit_nonconformity(session, "NC-1", root_cause="  ")
        assert get_nonconformity(session, "NC-1").root_cause == "no HR ticket"
        with pytest.raises(IsmsError, match="source 'rumour'"):
            add_nonconformity(session, _nc("NC-2", None, source="rumour"))
        with pytest.raises(IsmsError, match="before it was raised"):
            add_nonconformity(session, _nc("NC-2", date(2026, 1, 1)))
        with pytest.raises(UnknownReferenceError, match="did you mean NC-1"):
            get_nonconformity(session, "NC-01")


def test_the_programme_shows_coverage_gaps_and_overdue_audits(
    workspace: Workspace, library: Library
) -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    with session_scope(workspace.engine) as session:
        add_audit(
            session,
            library,
            AuditInput("IA-1", "Core", ["4, 5", "6.1"], "Ann", performed_on=date(2026, 3, 3)),
        )
        add_audit(
            session, library, AuditInput("IA-2", "Org", ["a.5"], planned_on=date(2026, 12, 1))
        )
        add_audit(
            session, library, AuditInput("IA-3", "Review", ["9.2"], planned_on=date(2026, 6, 1))
        )
        add_audit(
            session, library, AuditInput("IA-OLD", "Old", ["7", "8"], performed_on=date(2025, 5, 1))
        )
        result = programme(session, library, start, end, TODAY)
        assert [a.audit_id for a in result.audits] == ["IA-1", "IA-3", "IA-2"]
        assert result.performed == ["IA-1"] and result.overdue == ["IA-3"]
        assert sorted(result.planned) == ["IA-2", "IA-3"]
        clauses = {i.ref: i for i in result.clauses}
        assert len(clauses) == 30 and "6.1" not in clauses  # lowest-level clauses only
        assert clauses["6.1.2"].audits == ["IA-1"] and clauses["6.1.2"].performed
        assert clauses["9.2.2"].audits == ["IA-3"] and not clauses["9.2.2"].performed
        assert "6.2" in result.clauses_not_covered and "7.1" in result.clauses_not_covered
        assert "4.3" not in result.clauses_not_covered
        assert len(result.annex_a) == 93 and result.applicable_from.startswith("no Statement")
        assert "A.5.15" not in result.annex_a_not_covered
        assert "A.8.1" in result.annex_a_not_covered and not result.complete

        organizational = {f"A.5.{n}" for n in range(1, 38)}
        _soa(session, library, organizational, approved=True)
        with_soa = programme(session, library, start, end, TODAY)
        assert with_soa.applicable_from == "Statement of Applicability v1"
        assert len(with_soa.annex_a) == 37 and with_soa.annex_a_not_covered == []

        assert edit_audit(session, library, "IA-1", scope=["4", "5", "6", "7", "8", "9", "10"]) == [
            "scope"
        ]
        edit_audit(session, library, "IA-3", performed_on=date(2026, 6, 3))
        assert programme(session, library, start, end, TODAY).complete

        with pytest.raises(IsmsError, match="soc2-tsc-2017"):
            edit_audit(session, library, "IA-1", scope=["soc2:CC6.1"])
        with pytest.raises(UnknownReferenceError):
            add_audit(session, library, AuditInput("IA-9", "Bad", ["A.9.99"], planned_on=TODAY))
        with pytest.raises(IsmsError, match="planned or a performed date"):
            add_audit(session, library, AuditInput("IA-9", "Undated", ["4"]))
        with pytest.raises(UnknownReferenceError, match="did you mean IA-1"):
            get_audit(session, "IA-01")
        with pytest.raises(IsmsError, match="before it starts"):
            programme(session, library, end, start)


def test_a_review_names_the_inputs_it_did_not_consider(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        row = add_review(
            session,
            ReviewData(
                "MR-1",
                date(2026, 10, 20),
                "CEO",
                inputs={"risks": "Register reviewed", "d3": "IA-1: 2 minor", "9.3.2 a)": "done"},
                decisions="Fund MDM",
            ),
        )
        keys = [i.key for i in missing_inputs(row)]
        assert len(REVIEW_INPUTS) == 10 and len(keys) == 7
        assert "risks" not in keys and "audit_results" not in keys
        assert "previous_actions" not in keys and "improvement" in keys
        assert edit_review(session, "MR-1", inputs={"improvement": "MDM", "risks": ""}) == [
            "inputs"
        ]
        keys = [i.key for i in missing_inputs(get_review(session, "MR-1"))]
        assert "risks" in keys and "improvement" not in keys
        with pytest.raises(UnknownReferenceError, match="did you mean risks"):
            edit_review(session, "MR-1", inputs={"risk": "typo"})


def test_objectives_validate_their_status(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_objective(session, ObjectiveInput("OBJ-1", "Patch fast", target="95%", owner="Sam"))
        assert edit_objective(session, "OBJ-1", status="On-Track") == ["status"]
        with pytest.raises(IsmsError, match="use open, on track"):
            edit_objective(session, "OBJ-1", status="done")
        with pytest.raises(IsmsError, match="already exists"):
            add_objective(session, ObjectiveInput("OBJ-1", "Again"))


def test_an_empty_workspace_is_missing_every_artifact(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        result = readiness(session, library, TODAY)
    assert len(result.artifacts) == 10
    assert not any(a.exists for a in result.artifacts)
    assert all(a.first is None and a.months == 0 for a in result.artifacts)
    assert len(result.blockers) == 10 and not result.ready
    assert "ISMS scope (4.3): missing" in result.blockers
    assert "Internal audit (9.2): none performed yet" in result.blockers


def _seed_isms(session: Session, library: Library) -> None:
    session.add(
        ScopeStatementRow(
            version=1, text="The SaaS platform", approved_by="CEO", approved_on=date(2026, 2, 1)
        )
    )
    session.add(SettingRow(key="risk_method", value='{"scale": 5}'))
    session.add(
        RiskRow(
            risk_id="R-1",
            title="Leaver keeps access",
            inherent_likelihood=3,
            inherent_impact=4,
            treatment_plan="Automate deprovisioning",
            accepted_by="CTO",
            accepted_on=date(2026, 2, 15),
        )
    )
    session.add(RiskRow(risk_id="R-2", title="Untreated", inherent_likelihood=1, inherent_impact=1))
    _soa(session, library, {"A.5.1"}, approved=True)
    add_objective(session, ObjectiveInput("OBJ-1", "Patch fast", due_on=date(2026, 12, 31)))
    add_control(session, ControlInput("HR-1", "Security training", owner="Kim"))
    tag_control(session, library, "HR-1", ["iso27001-2022:7.3"])
    for day in (date(2026, 3, 10), date(2026, 5, 10), date(2026, 5, 20)):
        add_url_evidence(
            session,
            f"https://lms.example.com/{day}",
            ["HR-1"],
            EvidenceInput("LMS report", performed_start=day),
        )
    add_audit(session, library, AuditInput("IA-1", "Core", ["4"], performed_on=date(2026, 6, 3)))
    add_audit(
        session, library, AuditInput("IA-2", "Annex A", ["A.5"], planned_on=date(2026, 12, 3))
    )
    add_review(session, ReviewData("MR-1", date(2026, 2, 10), inputs={"risks": "ok"}))
    add_review(session, ReviewData("MR-2", date(2026, 8, 12), inputs={"risks": "ok"}))
    add_review(session, ReviewData("MR-3", date(2027, 2, 1)))  # not held yet
    add_nonconformity(
        session,
        _nc(
            "NC-1",
            date(2026, 6, 30),
            correction="fixed",
            root_cause="why",
            corrective_action="never again",
            effectiveness_check="sampled",
            effectiveness_checked_on=date(2026, 5, 20),
            closed_on=date(2026, 6, 1),
        ),
    )
    session.flush()


def test_readiness_dates_each_artifact_and_clears_when_complete(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed_isms(session, library)
        session.commit()
        result = readiness(session, library, TODAY)
    assert result.blockers == [] and result.ready
    artifacts = {a.key: a for a in result.artifacts}
    assert all(a.exists for a in result.artifacts)
    competence = artifacts["competence"]
    assert (competence.records, competence.first, competence.last, competence.months) == (
        3,
        date(2026, 3, 10),
        date(2026, 5, 20),
        2,
    )
    review = artifacts["management_review"]
    assert (review.records, review.first, review.last, review.months) == (
        2,
        date(2026, 2, 10),
        date(2026, 8, 12),
        2,
    )
    assert review.note == "2 held; the latest, MR-2, misses 9 of 10 inputs"
    log = artifacts["nonconformities"]
    assert (log.first, log.last, log.months) == (date(2026, 4, 2), date(2026, 6, 1), 3)
    audit = artifacts["internal_audit"]
    assert audit.records == 1 and audit.first == date(2026, 6, 3) and "1 planned" in audit.note
    assert artifacts["treatment_plan"].records == 1
    assert artifacts["treatment_plan"].note == "1 of 2 risks have a treatment decided"
    assert artifacts["scope"].note == "v1, approved 2026-02-01 by CEO"
    assert artifacts["risk_method"].first is not None  # dated by the audit trail


def test_an_unapproved_soa_blocks_stage_1(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        _soa(session, library, {"A.5.1"}, approved=False)
        session.add(ScopeStatementRow(version=1, text="draft"))
        result = readiness(session, library, TODAY)
    assert "the Statement of Applicability is not approved (v1)" in result.blockers
    assert "the ISMS scope statement is not approved (v1)" in result.blockers


def _export(session: Session, folder: Path) -> dict[str, bytes]:
    for kind in ISMS_RECORDS:
        export_kind(session, kind, folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def test_every_record_kind_round_trips_unchanged(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        _seed_isms(session, library)
        add_nonconformity(session, _nc("NC-2", date(2026, 10, 1), source_ref="IA-1"))
        add_review(
            session,
            ReviewData(
                "MR-4",
                date(2026, 9, 1),
                "CEO",
                "CEO, CTO",
                {i.key: f"notes on {i.label}" for i in REVIEW_INPUTS},
                "Decided: yes",
                "Output: more",
            ),
        )
        session.commit()
        first = _export(session, tmp_path / "one")
    assert {name.split("/")[0] for name in first} == {
        "audits",
        "reviews",
        "nonconformities",
        "objectives",
    }
    assert "format: crosswalk/nonconformity@1" in first["nonconformities/NC-1.yaml"].decode()

    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            for kind in ISMS_RECORDS:
                records = read_kind(kind, tmp_path / "one")
                report = apply_kind(session, library, kind, records, dry_run=False)
                assert report.updated == [] and len(report.created) == len(records)
            session.commit()
            second = _export(session, tmp_path / "two")
            for kind in ISMS_RECORDS:
                records = read_kind(kind, tmp_path / "two")
                again = apply_kind(session, library, kind, records, dry_run=False)
                assert again.created == again.updated == []
                assert len(again.unchanged) == len(records) > 0
    finally:
        fresh.close()
    assert second == first  # the same records always write the same bytes


def test_a_file_closing_a_nonconformity_without_its_check_is_refused(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    kind = next(k for k in ISMS_RECORDS if k.folder == "nonconformities")
    folder = tmp_path / "program" / "nonconformities"
    folder.mkdir(parents=True)
    (folder / "NC-9.yaml").write_text(
        "format: crosswalk/nonconformity@1\nnc_id: NC-9\nsource: incident\n"
        "description: Backup failed\nraised_on: 2026-03-01\nclosed_on: 2026-03-05\n",
        encoding="utf-8",
    )
    with session_scope(workspace.engine) as session:
        records = read_kind(kind, tmp_path / "program")
        with pytest.raises(ProgramError, match=r"NC-9\.yaml: nonconformity NC-9 cannot be closed"):
            apply_kind(session, library, kind, records, dry_run=False)
