"""Owners confirm the crosswalk; changes make confirmations stale and raise flags; mapping
sets have owners, cadences and reviews (issue 8, items 3 and 4), on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.domain.controls import Coverage
from crosswalk.services.controls.confirmations import (
    ConfirmationError,
    ConfirmationState,
    State,
    confirm,
    confirmation_status,
    confirmed_tags,
    filter_states,
    tag_edges,
)
from crosswalk.services.controls.controls import (
    ControlInput,
    add_control,
    edit_control,
    tag_control,
)
from crosswalk.services.controls.imports import import_controls
from crosswalk.services.coverage.gap import run_gap
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.mapping.flags import (
    ASSET_ADDED,
    DESCRIPTION_CHANGED,
    EDGE,
    FRAMEWORK_VERSION,
    MAPPING_SET,
    TAG,
    FlagError,
    clear_flag,
    edge_subject,
    open_flags,
    raise_flag,
    tag_subject,
)
from crosswalk.services.mapping.reviews import (
    flag_new_framework,
    mapping_review_status,
    mapping_reviews_due,
    record_review,
    set_mapping_owner,
)
from crosswalk.services.mapping.versions import framework_family, other_versions
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.maintenance_models import ConfirmationRow
from crosswalk.store.workspace import Workspace
from tests.factories import catalog, write_yaml

SOC2, ISO = "soc2-tsc-2017", "iso27001-2022"
CC81 = f"{SOC2}:CC8.1"
TODAY = date(2026, 6, 1)
SOC2_ISO = "soc2-to-iso27001-2022"


def seed(session: Session, library: Library) -> None:
    add_control(
        session,
        ControlInput(
            "CHG-1",
            "Change management",
            description="Every change is peer reviewed before it is merged",
            owner="Dana Lee (CTO)",
        ),
    )
    tag_control(session, library, "CHG-1", [CC81])


def states_of(
    session: Session, library: Library, today: date = TODAY, **options: int
) -> dict[tuple[str, str, str], ConfirmationState]:
    return {
        (s.control_id, s.requirement, s.edge): s
        for s in confirmation_status(session, library, today, **options)
    }


def tag_state(session: Session, library: Library, today: date = TODAY, **options: int) -> State:
    return states_of(session, library, today, **options)[("CHG-1", CC81, "")].state


def a832(session: Session, library: Library, confirmed_only: bool) -> str:
    report = run_gap(session, library, today=TODAY, confirmed_only=confirmed_only)
    return report.find("A.8.32").verdict


def test_editing_the_description_makes_the_confirmation_stale_and_gap_stops_counting_it(
    workspace: Workspace, library: Library
) -> None:
    """Acceptance (issue 8): a control tagged CC8.1 and confirmed covers A.8.32 with
    --confirmed-only; once its description is edited, it no longer counts."""
    with session_scope(workspace.engine) as session:
        seed(session, library)
        assert a832(session, library, confirmed_only=False) == "covered"
        assert a832(session, library, confirmed_only=True) == "gap"  # never confirmed
        confirm(session, library, "CHG-1", by="Dana Lee", on=TODAY)
        session.commit()
        assert tag_state(session, library) is State.CONFIRMED
        report = run_gap(session, library, today=TODAY, confirmed_only=True)
        assert report.find("A.8.32").verdict == "covered"
        assert "counting only owner-confirmed tags" in report.evidence_rule

        assert edit_control(session, "CHG-1", description="Changes are merged, then reviewed")
        session.commit()
        states = states_of(session, library)
        assert states[("CHG-1", CC81, "")].state is State.STALE
        assert all(s.state is State.STALE for s in states.values())  # edges too
        assert a832(session, library, confirmed_only=True) == "gap"
        assert a832(session, library, confirmed_only=False) == "covered"
        # Re-confirming restores it and clears the flag the edit raised.
        confirm(session, library, "CHG-1", CC81, by="Dana Lee", on=TODAY)
        assert tag_state(session, library) is State.CONFIRMED
        assert a832(session, library, confirmed_only=True) == "covered"
        assert open_flags(session) == []


def test_whitespace_only_edits_do_not_make_a_confirmation_stale(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        confirm(session, library, "CHG-1", by="Dana", on=TODAY)
        edit_control(
            session, "CHG-1", description="Every change is  peer reviewed\nbefore it is merged"
        )
        assert tag_state(session, library) is State.FLAGGED  # looked at, still the same words


def test_confirmations_expire_after_the_cadence(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        confirm(session, library, "CHG-1", by="Dana", on=date(2025, 1, 10))
        session.commit()
        assert tag_state(session, library, date(2026, 1, 10)) is State.CONFIRMED
        expired = states_of(session, library, date(2026, 1, 11))[("CHG-1", CC81, "")]
        assert expired.state is State.EXPIRED and "365-day" in expired.why
        assert expired.due_on == date(2026, 1, 10)
        assert tag_state(session, library, date(2025, 3, 1), cadence_days=30) is State.EXPIRED
        assert confirmed_tags(session, library, date(2026, 1, 11)) == set()
        assert confirmed_tags(session, library, date(2025, 6, 1)) == {("CHG-1", CC81)}
        with pytest.raises(ConfirmationError, match="at least one day"):
            confirmation_status(session, library, TODAY, cadence_days=0)


def test_a_tag_and_every_edge_it_travels_are_confirmed(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        tag_control(session, library, "CHG-1", [f"{ISO}:A.8.32"])
        rows = confirm(session, library, "CHG-1", "cc8.1", by="Dana", on=TODAY, note="walked it")
        edges = tag_edges(library, CC81)
        assert {r.edge for r in rows} == {"", *(edge_subject(m) for m in edges)}
        superset = next(m for m in edges if m.target == f"{ISO}:A.8.32")
        subject = edge_subject(superset)
        assert subject == f"{SOC2_ISO}:{CC81}->{ISO}:A.8.32"
        states = states_of(session, library)
        assert states[("CHG-1", CC81, subject)].state is State.CONFIRMED
        assert states[("CHG-1", CC81, subject)].relationship == "superset_of"
        # Only the named tag was confirmed; the direct ISO tag still waits for its owner.
        assert states[("CHG-1", f"{ISO}:A.8.32", "")].state is State.UNCONFIRMED
        assert [s.requirement for s in filter_states(states.values()) if not s.edge] == [
            f"{ISO}:A.8.32"
        ]
        assert filter_states(states.values(), owner="nobody") == []
        # Narrowing the tag's coverage changes what was confirmed: the tag and its edges.
        tag_control(session, library, "CHG-1", [CC81], Coverage.PARTIAL)
        states = states_of(session, library)
        assert states[("CHG-1", CC81, "")].state is State.STALE
        assert states[("CHG-1", CC81, subject)].state is State.STALE
        # A flag on the mapping set reaches its edges, not the tag.
        confirm(session, library, "CHG-1", CC81, by="Dana", on=TODAY)
        raise_flag(session, MAPPING_SET, SOC2_ISO, "set changed", FRAMEWORK_VERSION, TODAY)
        states = states_of(session, library)
        assert states[("CHG-1", CC81, "")].state is State.CONFIRMED
        assert states[("CHG-1", CC81, subject)].state is State.FLAGGED
        assert "set changed" in states[("CHG-1", CC81, subject)].flags[0]


def test_confirm_refuses_what_it_cannot_confirm(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        add_control(session, ControlInput("BARE-1", "No tags yet"))
        with pytest.raises(ConfirmationError, match="not tagged to"):
            confirm(session, library, "CHG-1", f"{ISO}:A.5.15", by="Dana", on=TODAY)
        with pytest.raises(ConfirmationError, match="no tags"):
            confirm(session, library, "BARE-1", by="Dana", on=TODAY)
        with pytest.raises(ConfirmationError, match="who confirms"):
            confirm(session, library, "CHG-1", by="  ", on=TODAY)
        assert session.scalars(select(ConfirmationRow)).all() == []


def test_adding_an_in_scope_asset_flags_the_tags_of_its_controls(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        add_asset(session, AssetInput("wiki", "Wiki", in_isms_scope=True, controls=["CHG-1"]))
        assert open_flags(session) == []  # never confirmed: already listed as unconfirmed
        confirm(session, library, "CHG-1", by="Dana", on=TODAY)
        add_asset(session, AssetInput("laptops", "Staff laptops", controls=["CHG-1"]))
        assert open_flags(session) == []  # outside the ISMS scope: nothing grew
        add_asset(
            session,
            AssetInput("billing", "Billing", in_isms_scope=True, controls=["CHG-1"]),
        )
        add_asset(session, AssetInput("crm", "CRM", in_isms_scope=True, controls=["CHG-1"]))
        [flag] = open_flags(session)  # one open flag per subject and trigger
        assert (flag.subject_kind, flag.subject, flag.trigger) == (
            TAG,
            tag_subject("CHG-1", CC81),
            ASSET_ADDED,
        )
        assert "the ISMS scope grew" in flag.reason and "billing" in flag.reason
        assert tag_state(session, library) is State.FLAGGED
        assert confirmed_tags(session, library, TODAY) == set()
        confirm(session, library, "CHG-1", by="Dana", on=TODAY)
        assert open_flags(session) == [] and tag_state(session, library) is State.CONFIRMED


def test_description_changes_from_imports_and_program_files_raise_flags(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.csv"
    header = "Control ID,Control Name,Control Activity,Owner,Frequency,TSC\n"
    inventory.write_text(header + "AC-1,Access review,Managers review,Dana,Quarterly,CC6.2\n")
    with session_scope(workspace.engine) as session:
        import_controls(session, library, inventory)
        edit_control(session, "AC-1", description="Managers review access")
        assert open_flags(session) == []  # nobody vouched for it yet: nothing to re-check
        edit_control(session, "AC-1", description="Managers review")
        confirm(session, library, "AC-1", by="Dana", on=TODAY)
        session.commit()
        inventory.write_text(header + "AC-1,Access review,HR reviews,Dana,Quarterly,CC6.2\n")
        import_controls(session, library, inventory, dry_run=True)
        assert open_flags(session) == []  # a dry run changes nothing
        import_controls(session, library, inventory)
        [flag] = open_flags(session)
        assert flag.trigger == DESCRIPTION_CHANGED
        assert flag.subject == tag_subject("AC-1", f"{SOC2}:CC6.2")
        assert states_of(session, library)[("AC-1", f"{SOC2}:CC6.2", "")].state is State.STALE
        clear_flag(session, flag.id, "Dana", TODAY)
        session.commit()

        folder = tmp_path / "program"
        export_program(session, folder)
        path = folder / "controls" / "AC-1.yaml"
        path.write_text(path.read_text().replace("HR reviews", "IT reviews"), encoding="utf-8")
        apply_program(session, library, folder)
        [flag] = open_flags(session)
        assert flag.trigger == DESCRIPTION_CHANGED and flag.subject.startswith("AC-1|")


def test_flags_are_idempotent_and_cleared_once(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        first = raise_flag(session, EDGE, "s:a:1->b:2", "why", "manual", TODAY)
        again = raise_flag(session, EDGE, "s:a:1->b:2", "another why", "manual", TODAY)
        other = raise_flag(session, EDGE, "s:a:1->b:2", "why", "other-trigger", TODAY)
        assert first.id == again.id != other.id
        with pytest.raises(FlagError, match="not one of"):
            raise_flag(session, "policy", "x", "why", "manual", TODAY)
        cleared = clear_flag(session, first.id, "Ana", TODAY)
        assert (cleared.cleared_by, cleared.cleared_on) == ("Ana", TODAY)
        with pytest.raises(FlagError, match="already cleared"):
            clear_flag(session, first.id, "Ana", TODAY)
        with pytest.raises(FlagError, match="no flag #999"):
            clear_flag(session, 999, "Ana", TODAY)
        with pytest.raises(FlagError, match="who cleared"):
            clear_flag(session, other.id, " ", TODAY)
        reopened = raise_flag(session, EDGE, "s:a:1->b:2", "why", "manual", TODAY)
        assert reopened.id not in (first.id, other.id)  # a cleared flag does not block a new one


def test_framework_families_tell_versions_from_baselines(library: Library) -> None:
    assert framework_family("iso27001-2022") == framework_family("iso27001-2013") == "iso27001"
    assert framework_family("nist-sp-800-53-rev5") == "nist-sp-800-53"
    assert framework_family("nist-csf-2.0") == "nist-csf"
    assert framework_family("nist-sp-800-53-rev5-moderate") == "nist-sp-800-53-moderate"
    assert other_versions(library, "iso27001-2022") == ["iso27001-2013"]
    assert other_versions(library, "gdpr") == []


def test_a_new_framework_version_flags_the_sets_of_the_other_versions(
    workspace: Workspace, tmp_path: Path
) -> None:
    newer = write_yaml(tmp_path / "iso27001-2030.yaml", catalog("iso27001-2030"))
    baseline = write_yaml(tmp_path / "soc2-tsc-2017-lite.yaml", catalog("soc2-tsc-2017-lite"))
    extended = load_library([newer, baseline])
    touching = sorted(
        set_id
        for set_id, s in extended.mapping_sets.items()
        if {s.source_framework, s.target_framework} & {"iso27001-2022", "iso27001-2013"}
    )
    assert SOC2_ISO in touching
    with session_scope(workspace.engine) as session:
        flags = flag_new_framework(session, extended, "iso27001-2030", TODAY)
        assert sorted(f.subject for f in flags) == touching
        assert {(f.subject_kind, f.trigger) for f in flags} == {(MAPPING_SET, FRAMEWORK_VERSION)}
        assert "iso27001-2030" in flags[0].reason
        assert flag_new_framework(session, extended, "iso27001-2030", TODAY) == flags  # same
        assert flag_new_framework(session, extended, "soc2-tsc-2017-lite", TODAY) == []
        due = {d.subject: d for d in mapping_reviews_due(session, extended, TODAY)}
        assert any("framework-version" in reason for reason in due[SOC2_ISO].reasons)


def test_mapping_sets_are_due_until_reviewed_then_again_after_their_cadence(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        due = mapping_reviews_due(session, library, TODAY)
        assert {d.subject for d in due} == set(library.mapping_sets)  # never reviewed here
        assert all(d.reasons == ["never reviewed in this workspace"] for d in due)

        set_mapping_owner(session, SOC2_ISO, "Ana (GRC)", 90)
        edge = edge_subject(tag_edges(library, CC81)[0])
        raise_flag(session, EDGE, edge, "a control changed", "manual", TODAY)
        raise_flag(session, MAPPING_SET, SOC2_ISO, "new version", FRAMEWORK_VERSION, TODAY)
        flagged_edge = next(
            d for d in mapping_reviews_due(session, library, TODAY) if d.kind == EDGE
        )
        assert flagged_edge.subject == edge and flagged_edge.mapping_set == edge.partition(":")[0]

        recorded = record_review(session, SOC2_ISO, "Ana (GRC)", TODAY, "checked CC6 and CC8")
        assert recorded.review.owner == "Ana (GRC)" and recorded.review.cadence_days == 90
        expected_cleared = 2 if edge.startswith(f"{SOC2_ISO}:") else 1
        assert len(recorded.cleared_flags) == expected_cleared
        session.commit()

        status = {s.mapping_set: s for s in mapping_review_status(session, library, TODAY)}
        soc2_iso = status[SOC2_ISO]
        assert not soc2_iso.due and soc2_iso.owner == "Ana (GRC)"
        assert soc2_iso.last_reviewed_by == "Ana (GRC)"
        assert soc2_iso.due_on == TODAY + timedelta(days=90)
        assert SOC2_ISO not in {d.subject for d in mapping_reviews_due(session, library, TODAY)}
        later = TODAY + timedelta(days=91)
        [late] = [d for d in mapping_reviews_due(session, library, later) if d.subject == SOC2_ISO]
        assert "90-day cadence" in late.reasons[0]
        # A new owner keeps the last review; the cadence changes the due date.
        set_mapping_owner(session, SOC2_ISO, "Sam (GRC)", 365)
        status = {s.mapping_set: s for s in mapping_review_status(session, library, later)}
        assert status[SOC2_ISO].owner == "Sam (GRC)" and not status[SOC2_ISO].due
