"""Framework revisions: the ISO/IEC 27001:2013 -> 2022 migration of a control library (and
its SoA) through the official correspondence, and the diff of two framework versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.services.controls.controls import ControlInput, add_control, get_control, tag_control
from crosswalk.services.evidence.evidence import (
    EvidenceInput,
    add_url_evidence,
)
from crosswalk.services.evidence.reaching import requirement_evidence
from crosswalk.services.revisions.diff import diff_frameworks, touches
from crosswalk.services.revisions.migration import (
    MoveKind,
    RevisionError,
    apply_migration,
    plan_migration,
)
from crosswalk.services.soa.soa import (
    approve,
    current_draft,
    init_soa,
    list_versions,
    set_entry,
    soa_rows,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import RiskRow
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace
from tests.factories import catalog, edge, mapping_set, write_yaml

OLD, NEW = "iso27001-2013", "iso27001-2022"
NEW_IN_2022 = [
    "A.5.7",
    "A.5.23",
    "A.5.30",
    "A.7.4",
    "A.8.9",
    "A.8.10",
    "A.8.11",
    "A.8.12",
    "A.8.16",
    "A.8.23",
    "A.8.28",
]


def control(session: Session, library: Library, control_id: str, *refs: str) -> None:
    add_control(session, ControlInput(control_id, f"Control {control_id}", owner="Dana"))
    tag_control(session, library, control_id, list(refs))


def tags_of(session: Session, control_id: str) -> dict[str, str]:
    return {t.key: t.coverage for t in get_control(session, control_id).tags}


def soa_row(session: Session, library: Library, ref: str) -> tuple[str, list[str]]:
    row = next(r for r in soa_rows(session, library) if r.ref == ref)
    return row.implementation_status, row.controls


def test_merged_refs_move_to_the_2022_control_with_the_soa_row(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5", f"{OLD}:A.9.2.6", "soc2-tsc-2017:CC6.2")
        init_soa(session, library)
        # Before: the 2013 tags reach A.5.18 only as a subset, so the row is partial.
        assert soa_row(session, library, "A.5.18")[0] == "partially implemented"

        plan = plan_migration(session, library, OLD, NEW)
        assert plan.mapping_set == "iso27001-2013-to-2022"
        (only,) = plan.controls  # one line, one confirmation, for the control
        assert only.control_id == "AC-7"
        (move,) = only.moves
        assert move.kind is MoveKind.MERGE and move.old == ["A.9.2.5", "A.9.2.6"]
        assert move.new == ["A.5.18"] and move.also_merged == ["A.9.2.2"]
        assert only.line.startswith("AC-7: A.9.2.5, A.9.2.6 → A.5.18 (merge, full")
        assert [d.ref for d in plan.decisions_of("new requirement")] == NEW_IN_2022
        assert plan.soa_refs == ["A.5.18"] and plan.soa_action == "update draft v1"

        result = apply_migration(session, library, plan, by="Dana Reyes")
        session.commit()

    with session_scope(workspace.engine) as session:
        assert tags_of(session, "AC-7") == {
            "iso27001-2022:A.5.18": "full",
            "soc2-tsc-2017:CC6.2": "full",
        }
        assert result.controls_changed == ["AC-7"] and result.soa_version == 1
        assert [(c.ref, c.field, c.after) for c in result.soa_changes] == [
            ("A.5.18", "implementation_status", "implemented")
        ]
        draft = current_draft(session)
        assert draft is not None and draft.version == 1 and len(list_versions(session)) == 1
        assert "migrated by Dana Reyes" in draft.note
        status, controls = soa_row(session, library, "A.5.18")
        assert status == "implemented" and controls == ["AC-7"]
        actors = set(
            session.scalars(select(AuditRow.actor).where(AuditRow.entity == "control_tag"))
        )
        assert "Dana Reyes" in actors


def test_evidence_stays_on_the_control_and_counts_for_the_new_requirement(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5")
        day = date(2026, 9, 30)
        add_url_evidence(
            session,
            "https://tickets.example/AR-3",
            ["AC-7"],
            EvidenceInput("Q3 access review", kind="url", performed_start=day),
            today=day,
        )
        plan = plan_migration(session, library, OLD, NEW)
        assert plan.controls[0].evidence_links == 1
        apply_migration(session, library, plan, "me")
        (path,) = requirement_evidence(session, library, "iso27001-2022:A.5.18")
        assert path.control_id == "AC-7" and path.tagged == "iso27001-2022:A.5.18"


def test_a_second_run_finds_nothing_to_move(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5", f"{OLD}:A.9.2.6")
        control(session, library, "HR-1", f"{OLD}:A.7.1.1")
        init_soa(session, library)
        apply_migration(session, library, plan_migration(session, library, OLD, NEW), "me")
        session.commit()
    with session_scope(workspace.engine) as session:
        before = session.scalar(select(func.count()).select_from(AuditRow))
        again = plan_migration(session, library, OLD, NEW)
        assert again.controls == [] and again.moves == 0 and again.soa_refs == []
        result = apply_migration(session, library, again, "me")
        session.commit()
        assert result.controls_changed == [] and result.soa_changes == []
        assert session.scalar(select(func.count()).select_from(AuditRow)) == before
        assert tags_of(session, "HR-1") == {"iso27001-2022:A.6.1": "full"}
        assert [d.ref for d in again.decisions_of("new requirement")] == NEW_IN_2022


def test_a_split_moves_to_every_part_as_partial_for_confirmation(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "VM-1", f"{OLD}:A.18.2.3", f"{OLD}:A.6.1.1")
        tag_control(session, library, "VM-1", ["iso27001-2022:A.8.8"])  # already full there
        plan = plan_migration(session, library, OLD, NEW)
        (planned,) = plan.controls
        assert planned.needs_confirmation
        kinds = {m.kind: m for m in planned.moves}
        assert kinds[MoveKind.SPLIT].new == ["A.5.36", "A.8.8"]
        assert kinds[MoveKind.SPLIT].coverage == "partial"
        assert kinds[MoveKind.ONE_TO_ONE].new == ["A.5.2"]
        assert "A.18.2.3 → A.5.36, A.8.8 (split, partial)" in planned.line
        apply_migration(session, library, plan, "me")
        assert tags_of(session, "VM-1") == {
            "iso27001-2022:A.5.2": "full",
            "iso27001-2022:A.5.36": "partial",
            "iso27001-2022:A.8.8": "full",  # a split never lowers a tag already there
        }


def test_a_dry_run_changes_nothing(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5")
        session.commit()
    with session_scope(workspace.engine) as session:
        audit = session.scalar(select(func.count()).select_from(AuditRow))
        plan = plan_migration(session, library, OLD, NEW)
        assert plan.moves == 1
        assert plan.soa_action == "start a draft seeded from the gap analysis"
        assert not session.new and not session.dirty
        session.commit()
    with session_scope(workspace.engine) as session:
        assert tags_of(session, "AC-7") == {"iso27001-2013:A.9.2.5": "full"}
        assert list_versions(session) == []
        assert session.scalar(select(func.count()).select_from(AuditRow)) == audit


def test_with_no_draft_the_soa_moves_into_a_new_one(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5", f"{OLD}:A.9.2.6")
        result = apply_migration(session, library, plan_migration(session, library, OLD, NEW), "me")
        assert result.soa_version == 1 and "seeded from the gap analysis" in result.soa_created
        assert soa_row(session, library, "A.5.18") == ("implemented", ["AC-7"])
        approve(session, "CEO", on=date(2026, 11, 30))
        control(session, library, "HR-1", f"{OLD}:A.7.1.1")
        plan = plan_migration(session, library, OLD, NEW)
        assert plan.soa_action == "start a draft copied from approved v1 and update it"
        result = apply_migration(session, library, plan, "me")
        assert result.soa_version == 2 and "copied from v1" in result.soa_created
        assert soa_row(session, library, "A.6.1") == ("implemented", ["HR-1"])


def test_an_excluded_soa_row_becomes_a_decision(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        init_soa(session, library)
        set_entry(session, library, "A.7.3", applicable=False, exclusion_reason="No offices")
        control(session, library, "PHY-1", f"{OLD}:A.11.1.3")
        result = apply_migration(session, library, plan_migration(session, library, OLD, NEW), "me")
        (decision,) = result.decisions
        assert decision.kind == "excluded in SoA" and decision.ref == "A.7.3"
        assert decision.controls == ["PHY-1"] and "No offices" in decision.detail
        entry = next(e for e in current_draft(session).entries if e.ref == "A.7.3")  # type: ignore[union-attr]
        assert entry.applicable is False


def test_decisions_name_what_already_reaches_new_controls_and_refs_with_no_counterpart(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "MON-1", "soc2-tsc-2017:CC7.2")
        control(session, library, "GOV-1", f"{OLD}:A.9")  # a 2013 domain: no edge
        plan = plan_migration(session, library, OLD, NEW)
        monitoring = next(d for d in plan.decisions if d.ref == "A.8.16")
        assert monitoring.controls == ["MON-1"] and "via soc2-tsc-2017:CC7.2" in monitoring.detail
        (kept,) = plan.decisions_of("no counterpart")
        assert kept.ref == "A.9" and kept.controls == ["GOV-1"]
        assert "A.5.15" in kept.detail and "A.5.18" in kept.detail
        (planned,) = plan.controls
        assert planned.moves == [] and planned.needs_confirmation
        apply_migration(session, library, plan, "me")
        assert tags_of(session, "GOV-1") == {"iso27001-2013:A.9": "full"}  # kept until decided


def test_risks_and_other_frameworks_are_left_alone(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5", "nist-csf-2.0:PR.AA-05")
        session.add(
            RiskRow(
                risk_id="R-1",
                title="Stale access",
                inherent_likelihood=3,
                inherent_impact=3,
                annex_a="A.5.18",
            )
        )
        apply_migration(session, library, plan_migration(session, library, OLD, NEW), "me")
        assert set(tags_of(session, "AC-7")) == {"iso27001-2022:A.5.18", "nist-csf-2.0:PR.AA-05"}
        risk = session.scalars(select(RiskRow)).one()
        assert risk.annex_a == "A.5.18"


def test_migrating_needs_a_mapping_set_between_the_versions(
    library: Library, workspace: Workspace
) -> None:
    with session_scope(workspace.engine) as session:
        with pytest.raises(RevisionError, match="no mapping set joins"):
            plan_migration(session, library, "gdpr", "eu-ai-act")
        with pytest.raises(RevisionError, match="maps soc2-tsc-2017 -> iso27001-2022"):
            plan_migration(session, library, OLD, NEW, via="seed-primary")
        with pytest.raises(RevisionError, match="name two versions"):
            plan_migration(session, library, NEW, NEW)


# ------------------------------------------------------------------------------ diffs


def two_versions(folder: Path, with_set: bool = False) -> Library:
    v1 = catalog(
        "acme-policy-1",
        [
            {"ref": "G1", "kind": "group", "title": "Governance"},
            {"ref": "G1.1", "kind": "item", "title": "Policies approved", "parent": "G1"},
            {"ref": "G1.2", "kind": "item", "title": "Policies reviewed", "parent": "G1"},
            {"ref": "G2", "kind": "group", "title": "Access"},
            {"ref": "G2.1", "kind": "item", "title": "Access reviewed", "parent": "G2"},
            {"ref": "G2.2", "kind": "item", "title": "Access revoked", "parent": "G2"},
        ],
    )
    v2 = catalog(
        "acme-policy-2",
        [
            {"ref": "G1", "kind": "group", "title": "Governance"},
            {
                "ref": "G1.1",
                "kind": "item",
                "title": "Policies approved by the board",
                "parent": "G1",
            },
            {"ref": "G2", "kind": "group", "title": "Access"},
            {"ref": "G3", "kind": "group", "title": "Identity"},
            {"ref": "G2.2", "kind": "item", "title": "Access revoked", "parent": "G3"},
            {"ref": "G3.1", "kind": "item", "title": "Access lifecycle", "parent": "G3"},
            {"ref": "G3.2", "kind": "item", "title": "Secrets management", "parent": "G3"},
        ],
    )
    paths = [write_yaml(folder / "v1.yaml", v1), write_yaml(folder / "v2.yaml", v2)]
    if with_set:
        edges = [
            edge("G1.1", "G1.1", "equal"),
            edge("G1.2", "G1.1", "subset_of"),
            edge("G2.1", "G3.1", "equal"),
            edge("G2.2", "G2.2", "equal"),
        ]
        paths.append(
            write_yaml(
                folder / "set.yaml",
                mapping_set(edges, "acme-1-to-2", "acme-policy-1", "acme-policy-2"),
            )
        )
    return load_library(paths)


def test_diff_of_a_custom_framework_names_each_change_and_the_controls_it_touches(
    workspace: Workspace, tmp_path: Path
) -> None:
    library = two_versions(tmp_path)
    found = diff_frameworks(library, "acme-policy-1", "acme-policy-2")
    assert found.mapping_set is None
    assert [c.ref for c in found.added] == ["G3", "G3.1", "G3.2"]
    assert [c.ref for c in found.removed] == ["G1.2", "G2.1"]
    assert [(c.ref, c.title, c.new_title) for c in found.renamed] == [
        ("G1.1", "Policies approved", "Policies approved by the board")
    ]
    assert [(c.ref, c.parent, c.new_parent) for c in found.reparented] == [("G2.2", "G2", "G3")]
    assert found.unchanged == 2  # G1 and G2
    with session_scope(workspace.engine) as session:
        control(session, library, "POL-1", "acme-policy-1:G1.1", "acme-policy-1:G1.2")
        control(session, library, "IAM-1", "acme-policy-1:G2.1", "acme-policy-1:G2.2")
        control(session, library, "NEW-1", "acme-policy-2:G3.1")
        reached = {(t.change, t.ref): t.controls for t in touches(session, found)}
    assert reached == {
        ("removed", "G1.2"): ["POL-1"],
        ("removed", "G2.1"): ["IAM-1"],
        ("renamed", "G1.1"): ["POL-1"],
        ("re-parented", "G2.2"): ["IAM-1"],
    }


def test_a_mapping_set_between_versions_matches_moved_and_merged_refs(
    workspace: Workspace, tmp_path: Path
) -> None:
    library = two_versions(tmp_path, with_set=True)
    found = diff_frameworks(library, "acme-policy-1", "acme-policy-2")
    assert found.mapping_set == "acme-1-to-2"
    assert [c.ref for c in found.added] == ["G3", "G3.2"]
    assert found.removed == []
    assert [(c.change, c.ref, c.new_refs) for c in found.moved] == [
        ("merged", "G1.2", ["G1.1"]),
        ("moved", "G2.1", ["G3.1"]),
    ]
    with session_scope(workspace.engine) as session:
        control(session, library, "IAM-1", "acme-policy-1:G2.1", "acme-policy-1:G1.2")
        plan = plan_migration(session, library, "acme-policy-1", "acme-policy-2")
        assert plan.soa_action == "" and [d.ref for d in plan.decisions] == ["G3.2"]
        apply_migration(session, library, plan, "me")
        assert tags_of(session, "IAM-1") == {
            "acme-policy-2:G1.1": "full",
            "acme-policy-2:G3.1": "full",
        }


def test_the_iso_diff_reads_the_correspondence(library: Library, workspace: Workspace) -> None:
    found = diff_frameworks(library, OLD, NEW)
    moved = {c.ref: c for c in found.moved}
    assert moved["A.9.2.5"].change == "merged" and moved["A.9.2.5"].new_refs == ["A.5.18"]
    assert moved["A.18.2.3"].change == "split"
    assert moved["A.6.1.1"].change == "moved" and moved["A.6.1.1"].new_refs == ["A.5.2"]
    added = [c.ref for c in found.added if c.ref.startswith("A.")]
    assert added == NEW_IN_2022
    assert not {"A.9.2.5", "A.5.18"} & {c.ref for c in [*found.added, *found.removed]}
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-7", f"{OLD}:A.9.2.5")
        reached = touches(session, found)
    assert [(t.change, t.ref, t.controls) for t in reached] == [("merged", "A.9.2.5", ["AC-7"])]


def test_a_diff_from_2022_shows_the_soa_rows_and_risks_it_touches(
    workspace: Workspace, library: Library
) -> None:
    found = diff_frameworks(library, NEW, OLD)  # read backwards: 2022 is the older side
    assert found.mapping_set == "iso27001-2013-to-2022"
    with session_scope(workspace.engine) as session:
        control(session, library, "AC-1", "iso27001-2022:A.5.18")
        init_soa(session, library)
        session.add(
            RiskRow(
                risk_id="R-1",
                title="Stale",
                inherent_likelihood=2,
                inherent_impact=2,
                annex_a="A.5.18",
            )
        )
        session.flush()
        hit = next(t for t in touches(session, found) if t.ref == "A.5.18")
    assert hit.change == "split" and hit.controls == ["AC-1"]
    assert hit.soa == ["v1"] and hit.risks == ["R-1"]
