from __future__ import annotations

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import Coverage, OperatingStatus
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.frequency import Frequency
from crosswalk.services.controls.controls import (
    ControlError,
    ControlInput,
    add_control,
    describe_control,
    edit_control,
    list_controls,
    tag_control,
    untag_control,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace


def test_add_tag_edit_untag_round_trip(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        add_control(
            session, ControlInput("AC-1", "Access review", owner="Dana", frequency=Frequency.ANNUAL)
        )
        assert tag_control(session, library, "AC-1", ["cc6.2", "iso27001-2022:5.18"]) == [
            "soc2-tsc-2017:CC6.2",
            "iso27001-2022:A.5.18",
        ]
        assert tag_control(
            session, library, "AC-1", ["iso27001-2022:A.5.18"], Coverage.PARTIAL
        ) == ["iso27001-2022:A.5.18"]
        assert edit_control(session, "AC-1", status=OperatingStatus.IMPLEMENTED, owner="Dana") == [
            "status"
        ]
        assert untag_control(session, library, "AC-1", ["soc2-tsc-2017:CC6.2"]) == [
            "soc2-tsc-2017:CC6.2"
        ]
        session.commit()
        [row] = list_controls(session, framework="iso27001-2022")
        assert [(t.key, t.coverage) for t in row.tags] == [("iso27001-2022:A.5.18", "partial")]
        assert list_controls(session, status=OperatingStatus.OPERATING) == []
        with pytest.raises(ControlError, match="already exists"):
            add_control(session, ControlInput("AC-1", "again"))
        with pytest.raises(UnknownReferenceError, match="did you mean"):
            edit_control(session, "AC-2", title="x")


def test_a_direct_tag_to_a_specific_requirement_sets_the_stricter_cadence(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review", frequency=Frequency.ANNUAL))
        tag_control(session, library, "AC-1", ["iso27001-2022:A.5.18"])
        detail = describe_control(session, library, "AC-1")
    assert library.guidance["iso27001-2022:A.5.18"].expected_frequency == "quarterly"
    assert detail.effective_frequency.frequency is Frequency.QUARTERLY
    assert detail.effective_frequency.deciding is not None
    assert detail.effective_frequency.deciding.requirement == "iso27001-2022:A.5.18"
    assert "stricter than the control's own (annual)" in detail.frequency_explanation
    assert "iso27001-2022:A.5.18" in detail.frequency_explanation


def test_a_criterions_cadence_is_only_a_suggestion(workspace: Workspace, library: Library) -> None:
    """CC7.1 expects quarterly vulnerability scanning; an annual penetration test tagged to it
    stays annual, and its owner is shown the suggestion and how to adopt it."""
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("PT-1", "Penetration test", frequency=Frequency.ANNUAL))
        tag_control(session, library, "PT-1", ["soc2-tsc-2017:CC7.1"])
        detail = describe_control(session, library, "PT-1")
    assert library.guidance["soc2-tsc-2017:CC7.1"].expected_frequency == "quarterly"
    assert detail.effective_frequency.frequency is Frequency.ANNUAL
    [suggestion] = [s for s in detail.suggested_cadences if "CC7.1" in s]
    assert "suggests quarterly" in suggestion
    assert "crosswalk controls edit PT-1 --frequency quarterly" in suggestion
    assert "Suggestion, not applied" in detail.frequency_explanation


def test_expected_frequency_travels_only_through_full_mappings(library: Library) -> None:
    from crosswalk.services.controls.controls import expectations_for

    found = expectations_for(library, ["soc2-tsc-2017:CC7.2"])
    for expectation in found:
        if expectation.through is None:
            continue
        [edge] = [
            e
            for e in library.graph.edges_of(expectation.through)
            if e.end == expectation.requirement
        ]
        assert edge.relationship.covers_target
