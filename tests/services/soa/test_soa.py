"""The Statement of Applicability: seeded from the gap analysis, edited as a draft, approved
and frozen, checked against controls and risks, compared, exported and applied back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.demo.builder import DemoResult
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.program_files import ProgramError
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.isms.records import apply_kind, export_kind, read_kind
from crosswalk.services.soa.records import SOA_RECORDS
from crosswalk.services.soa.soa import (
    PENDING_JUSTIFICATION,
    Finding,
    SoaError,
    annex_a,
    approve,
    current_draft,
    diff,
    get_version,
    init_soa,
    new_draft_from_latest,
    set_entry,
    soa_meta,
    soa_rows,
    validate,
    version_row,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import RiskRow, SoaEntryRow, SoaVersionRow
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 11, 27)


def seed_controls(workspace: Workspace, library: Library) -> None:
    """AC-1 reaches A.5.18 (and more) through CC6.2; POL-1 is tagged to A.5.1 directly."""
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Quarterly access review", owner="Dana"))
        tag_control(session, library, "AC-1", ["soc2-tsc-2017:CC6.2"])
        add_control(session, ControlInput("POL-1", "Security policy", owner="CISO"))
        tag_control(session, library, "POL-1", ["iso27001-2022:A.5.1"])
        session.commit()


def add_risk(
    session: Session, risk_id: str, annex: str, treatment: str = "modify", plan: str = ""
) -> None:
    session.add(
        RiskRow(
            risk_id=risk_id,
            title=f"Risk {risk_id}",
            inherent_likelihood=3,
            inherent_impact=4,
            treatment=treatment,
            treatment_plan=plan,
            annex_a=annex,
        )
    )


def codes(findings: list[Finding], ref: str) -> list[str]:
    return [f.code for f in findings if f.ref == ref]


def test_init_seeds_all_93_controls_from_the_gap_analysis(
    workspace: Workspace, library: Library
) -> None:
    seed_controls(workspace, library)
    with session_scope(workspace.engine) as session:
        row = init_soa(session, library, today=TODAY)
        session.commit()
        refs = [e.ref for e in row.entries]
        assert refs == [r.ref for r in annex_a(library)] and len(refs) == 93
        by_ref = {e.ref: e for e in row.entries}
        policy = by_ref["A.5.1"]
        assert policy.applicable and "POL-1" in policy.justification
        assert policy.implementation_status == "implemented"
        undecided = by_ref["A.7.4"]  # physical security monitoring: no control in the library
        assert undecided.applicable and undecided.justification == PENDING_JUSTIFICATION
        assert undecided.justification_kinds == "risk"
        assert undecided.implementation_status == "not implemented"
        assert row.version == 1 and "gap analysis" in row.note
        with pytest.raises(SoaError, match="draft v1 already exists"):
            init_soa(session, library, today=TODAY)


def test_set_entry_is_forgiving_about_refs_and_strict_about_reasons(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        with pytest.raises(SoaError, match=r"excluding A\.7\.4 needs a reason"):
            set_entry(session, library, "A.7.4", applicable=False)
        with pytest.raises(SoaError, match="--reason"):
            set_entry(session, library, "7.4", applicable=False, exclusion_reason="  ")
        entry = set_entry(
            session,
            library,
            "7.4",  # forgiving: A.7.4
            applicable=False,
            exclusion_reason="Fully remote company: no premises to monitor",
            reviewed_on=date(2026, 11, 20),
        )
        assert entry.ref == "A.7.4" and not entry.applicable
        assert entry.justification == "" and entry.implementation_status == "not applicable"
        assert entry.last_reviewed == date(2026, 11, 20)
        entry = set_entry(session, library, "5.1", status="Partially-Implemented")  # A.5.1
        assert entry.ref == "A.5.1" and entry.implementation_status == "partially implemented"
        with pytest.raises(CrosswalkError, match="not an Annex A control"):
            set_entry(session, library, "4.3", applicable=True)  # a clause
        with pytest.raises(SoaError, match="justification kind 'whim'"):
            set_entry(session, library, "A.5.1", kinds=["whim"])
        with pytest.raises(SoaError, match="needs a justification and its kind"):
            set_entry(session, library, "A.7.4", applicable=True)
        entry = set_entry(
            session,
            library,
            "A.7.4",
            applicable=True,
            justification="New office opens in 2027",
            kinds="business,contractual",
        )
        assert entry.applicable and entry.exclusion_reason == ""
        assert entry.justification_kinds == "contractual,business"  # canonical order
        assert entry.implementation_status == "not implemented"


def test_validate_names_an_exclusion_without_reason_and_an_unbacked_control(
    workspace: Workspace, library: Library
) -> None:
    seed_controls(workspace, library)
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        row = version_row(session, 1)  # the stored row: this test edits it by hand
        by_ref = {e.ref: e for e in row.entries}
        # The service refuses an exclusion without a reason; a hand-edited database does not.
        by_ref["A.7.4"].applicable = False
        by_ref["A.7.4"].justification = ""
        by_ref["A.7.4"].exclusion_reason = ""
        session.commit()
        findings = validate(session, library)
        excluded = [f for f in findings if f.ref == "A.7.4"]
        assert [f.code for f in excluded] == ["exclusion-without-reason"]
        assert "A.7.4" in excluded[0].message and "--reason" in excluded[0].message
        unbacked = [f for f in findings if f.ref == "A.5.7"]  # threat intelligence
        assert [f.code for f in unbacked] == ["no-control-or-treatment"]
        message = unbacked[0].message
        assert "A.5.7 Threat intelligence" in message and "no control reaches it" in message
        assert "crosswalk controls tag" in message and "--excluded" in message
        assert codes(findings, "A.5.1") == [] and codes(findings, "A.5.18") == []  # controls


def test_a_planned_treatment_backs_an_applicable_control(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        add_risk(session, "R-1", "A.5.7", treatment="modify", plan="")  # no plan yet
        add_risk(session, "R-2", "A.5.8", treatment="retain", plan="Accepted")  # not a treatment
        session.flush()
        findings = validate(session, library)
        assert codes(findings, "A.5.7") == ["no-control-or-treatment"]
        assert codes(findings, "A.5.8") == ["no-control-or-treatment"]
        risk = session.scalars(select(RiskRow).where(RiskRow.risk_id == "R-1")).one()
        risk.treatment_plan = "Subscribe to a threat feed; triage weekly"
        session.flush()
        assert codes(validate(session, library), "A.5.7") == []


def test_a_risk_treatment_using_an_excluded_control_is_reported(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        set_entry(session, library, "A.7.4", applicable=False, exclusion_reason="No premises")
        add_risk(session, "R-7", "A.7.4, A.5.7", plan="CCTV at the new office")
        session.flush()
        findings = [f for f in validate(session, library) if f.ref == "A.7.4"]
        assert [f.code for f in findings] == ["excluded-but-used-by-risk"]
        assert "R-7" in findings[0].message and "A.7.4" in findings[0].message


def test_validate_finds_missing_duplicate_and_unjustified_rows(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        row = version_row(session, 1)  # the stored row: this test edits it by hand
        by_ref = {e.ref: e for e in row.entries}
        row.entries.remove(by_ref["A.8.34"])  # delete-orphan removes the row
        by_ref["A.5.2"].justification = ""
        by_ref["A.5.3"].justification_kinds = ""
        row.entries.append(
            SoaEntryRow(ref="A.9.9", position=99, applicable=True, justification="x")
        )
        session.flush()
        findings = validate(session, library)
        assert codes(findings, "A.8.34") == ["missing"]
        assert "no-justification" in codes(findings, "A.5.2")
        assert "no-justification-kind" in codes(findings, "A.5.3")
        assert codes(findings, "A.9.9") == ["unknown-ref"]


def test_approved_versions_never_change(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        with pytest.raises(SoaError, match="who approves"):
            approve(session, "  ")
        approved = approve(session, "Dana Reyes, CEO", date(2026, 11, 30))
        session.commit()
        assert soa_meta(session, 1).status == "approved"
        with pytest.raises(SoaError, match="v1 is approved and can no longer change"):
            set_entry(session, library, "A.7.4", applicable=False, exclusion_reason="x")
        with pytest.raises(SoaError, match="v1 is approved"):
            approve(session, "Someone else")
        assert approved.approved_by == "Dana Reyes, CEO"
        draft = init_soa(session, library, today=TODAY)  # copies v1, not the gap analysis
        assert draft.version == 2 and draft.note.startswith("copied from v1")
        assert [(e.ref, e.justification) for e in draft.entries] == [
            (e.ref, e.justification) for e in get_version(session, 1).entries
        ]
        with pytest.raises(SoaError, match="draft v2 already exists"):
            new_draft_from_latest(session, TODAY)
        set_entry(session, library, "A.7.4", applicable=False, exclusion_reason="No premises")
        v1 = {e.ref: e for e in get_version(session, 1).entries}
        now = current_draft(session)  # a view: the same version, read again
        assert v1["A.7.4"].applicable and now is not None and now.version == draft.version


def test_diff_shows_what_changed_between_two_approved_versions(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        approve(session, "CEO", date(2026, 1, 10))
        new_draft_from_latest(session, TODAY)
        set_entry(
            session,
            library,
            "A.7.4",
            applicable=False,
            exclusion_reason="No premises",
            reviewed_on=date(2026, 6, 1),
        )
        set_entry(session, library, "A.5.1", status="implemented", reviewed_on=date(2026, 6, 1))
        approve(session, "CEO", date(2026, 6, 2))
        session.commit()
        changes = diff(session, "v1", 2)
    by_field = {(c.ref, c.field): (c.before, c.after) for c in changes}
    assert by_field[("A.7.4", "applicable")] == (True, False)
    assert by_field[("A.7.4", "exclusion_reason")] == ("", "No premises")
    assert by_field[("A.7.4", "justification")] == (PENDING_JUSTIFICATION, "")
    assert by_field[("A.7.4", "implementation_status")] == ("not implemented", "not applicable")
    assert by_field[("A.5.1", "implementation_status")] == ("not implemented", "implemented")
    assert by_field[("A.5.1", "last_reviewed")] == (None, "2026-06-01")
    assert {c.ref for c in changes} == {"A.5.1", "A.7.4"}
    assert changes[0].ref == "A.5.1"  # catalog order
    with session_scope(workspace.engine) as session:
        assert diff(session, 1, 1) == []
        with pytest.raises(SoaError, match="no SoA version v9"):
            diff(session, 1, 9)


def test_soa_rows_bring_controls_evidence_and_risks(workspace: Workspace, library: Library) -> None:
    seed_controls(workspace, library)
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        for day in (date(2026, 3, 31), date(2026, 6, 30)):
            add_url_evidence(
                session,
                "https://wiki.example.com/access-review",
                ["AC-1"],
                EvidenceInput("Access review", performed_start=day),
            )
        add_risk(session, "R-3", "A.5.18", plan="Quarterly reviews")
        session.commit()
        rows = {r.ref: r for r in soa_rows(session, library)}
    assert len(rows) == 93
    access = rows["A.5.18"]
    assert access.title == "Access rights" and access.controls == ["AC-1"]
    assert access.evidence_count == 2 and access.evidence_latest == date(2026, 6, 30)
    assert access.risks == ["R-3"] and access.justification_kinds == ["risk"]
    assert rows["A.5.1"].controls == ["POL-1"] and rows["A.5.1"].evidence_count == 0


def test_versions_round_trip_through_the_program_files(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed_controls(workspace, library)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        set_entry(
            session,
            library,
            "A.7.4",
            applicable=False,
            exclusion_reason="No premises",
            reviewed_on=date(2026, 1, 5),
        )
        approve(session, "CEO", date(2026, 1, 10))
        new_draft_from_latest(session, TODAY)
        set_entry(session, library, "A.5.7", kinds=["risk", "legal"], reviewed_on=TODAY)
        session.commit()
        paths = export_kind(session, SOA_RECORDS, folder)
    assert [p.name for p in paths] == ["v1.yaml", "v2.yaml"]
    first = {p.name: p.read_bytes() for p in paths}
    text = paths[0].read_text()
    assert text.startswith("format: crosswalk/soa@1\nversion: v1\n")
    assert text.index("ref: A.5.1\n") < text.index("ref: A.8.34\n")
    records = read_kind(SOA_RECORDS, folder)
    with session_scope(workspace.engine) as session:
        report = apply_kind(session, library, SOA_RECORDS, records, dry_run=False)
        assert report.unchanged == ["v1", "v2"] and not report.created and not report.updated
        for version in session.scalars(select(SoaVersionRow)):
            session.delete(version)
        session.commit()
    with session_scope(workspace.engine) as session:
        report = apply_kind(session, library, SOA_RECORDS, records, dry_run=False)
        session.commit()
        assert report.created == ["v1", "v2"]
        again = export_kind(session, SOA_RECORDS, folder)
    assert {p.name: p.read_bytes() for p in again} == first


def test_a_file_changing_an_approved_version_is_refused(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        approve(session, "CEO", date(2026, 1, 10))
        session.commit()
        export_kind(session, SOA_RECORDS, folder)
    path = folder / "soa" / "v1.yaml"
    path.write_text(path.read_text().replace("approved_by: CEO", "approved_by: Mallory"))
    records = read_kind(SOA_RECORDS, folder)
    with session_scope(workspace.engine) as session, pytest.raises(ProgramError) as error:
        apply_kind(session, library, SOA_RECORDS, records, dry_run=False)
    assert "v1.yaml" in str(error.value) and "approved and can never change" in str(error.value)
    with session_scope(workspace.engine) as session:
        assert get_version(session, 1).approved_by == "CEO"


def test_a_file_excluding_without_a_reason_is_refused(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=TODAY)
        session.commit()
        export_kind(session, SOA_RECORDS, folder)
    path = folder / "soa" / "v1.yaml"
    text = path.read_text()
    start = text.index("- ref: A.7.4\n")
    end = text.index("- ref: A.7.5\n")
    entry = text[start:end].replace("applicable: true", "applicable: false")
    path.write_text(text[:start] + entry + text[end:])
    with session_scope(workspace.engine) as session, pytest.raises(ProgramError) as error:
        apply_kind(session, library, SOA_RECORDS, read_kind(SOA_RECORDS, folder), False)
    assert "v1.yaml" in str(error.value) and "A.7.4 is excluded without" in str(error.value)


def test_gap_marks_controls_excluded_by_the_approved_soa_not_applicable(
    workspace: Workspace, library: Library
) -> None:
    from crosswalk.services.coverage.gap import run_gap
    from crosswalk.services.soa.soa import approve, init_soa, set_entry
    from crosswalk.store.engine import session_scope

    with session_scope(workspace.engine) as session:
        init_soa(session, library, today=date(2026, 11, 1))
        set_entry(
            session,
            library,
            "A.8.30",
            applicable=False,
            exclusion_reason="No outsourced development",
        )
        assert run_gap(session, library).find("A.8.30").verdict == "gap"  # a draft decides nothing
        approve(session, "CISO", date(2026, 11, 2))
        view = run_gap(session, library).find("A.8.30")
    assert view.verdict == "not applicable"
    assert view.exclusion_reason == "No outsourced development"


def test_the_soa_evidence_counts_are_those_of_the_evidence_each_control_reaches(
    demo: DemoResult, library: Library
) -> None:
    """The SoA counts evidence in one pass (``evidence_summaries``); each row's figures are
    those of the full per-requirement listing the control pages show."""
    from crosswalk.services.controls.controls import all_facts
    from crosswalk.services.evidence.evidence import (
        EvidenceInput,
        add_url_evidence,
    )
    from crosswalk.services.evidence.reaching import evidence_summaries, requirement_evidence
    from crosswalk.services.soa.soa import annex_a
    from crosswalk.store.workspace import open_workspace

    opened = open_workspace(demo.folder)
    try:
        with session_scope(opened.engine) as session:
            session.info["actor"] = "test"
            # one piece shared by controls reaching the same requirements: counted once
            for day in (date(2026, 11, 3), date(2026, 11, 29)):
                add_url_evidence(
                    session, "https://tickets.example/SEC-1", ["NW-AC-02", "NW-AC-04", "NW-AC-06"],
                    EvidenceInput("Shared access review", performed_start=day),
                )  # fmt: skip
            facts = all_facts(session)
            keys = [f"iso27001-2022:{r.ref}" for r in annex_a(library)]
            summaries = evidence_summaries(session, library, keys, facts)
            for key in keys:
                paths = requirement_evidence(session, library, key, facts)
                ends = [date.fromisoformat(p.performed.rpartition("..")[2]) for p in paths]
                assert summaries[key] == (
                    len({p.evidence_id for p in paths}),
                    max(ends, default=None),
                ), key
            assert any(count for count, _ in summaries.values())
    finally:
        opened.close()
