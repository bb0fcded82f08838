"""The team's adjustments laid over shipped sets: change, retire, add; shipped sets untouched."""

from __future__ import annotations

from crosswalk.domain.adjustments import Adjustment, AdjustmentAction, overlay, team_set_id
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship

SET = "a-to-b"


def _set(*mappings: Mapping) -> MappingSet:
    return MappingSet(
        id=SET,
        version="1",
        title="A to B",
        source_framework="a",
        target_framework="b",
        provenance=Provenance(source="test", method=Method.HUMAN),
        mappings=mappings,
    )


def _edge(source: str, target: str, strength: int = 8) -> Mapping:
    return Mapping(
        set_id=SET,
        source=source,
        target=target,
        relationship=Relationship.SUPERSET_OF,
        rationale=RationaleKind.SEMANTIC,
        note="shipped note",
        strength=strength,
    )


def test_a_change_replaces_only_the_fields_given_and_carries_the_reason() -> None:
    shipped = _set(_edge("a:1", "b:1"), _edge("a:2", "b:2"))
    laid = overlay(
        {SET: shipped},
        [
            Adjustment(
                "a:1",
                "b:1",
                AdjustmentAction.CHANGE,
                "loading bays not covered",
                relationship=Relationship.INTERSECTS_WITH,
                strength=2,
            )
        ],
        {SET},
    )
    changed = {m.source: m for m in laid.mapping_sets[SET].mappings}
    assert changed["a:1"].relationship is Relationship.INTERSECTS_WITH
    assert changed["a:1"].strength == 2 and changed["a:1"].weak
    assert changed["a:1"].note == "shipped note"  # not given: kept
    assert changed["a:1"].adjusted == "loading bays not covered"
    assert changed["a:2"].adjusted is None and changed["a:2"].strength == 8
    assert shipped.mappings[0].relationship is Relationship.SUPERSET_OF  # shipped set untouched


def test_a_retired_edge_leaves_the_set_and_is_kept_with_its_reason() -> None:
    laid = overlay(
        {SET: _set(_edge("a:1", "b:1"))},
        [Adjustment("a:1", "b:1", AdjustmentAction.RETIRE, "tangential")],
        {SET},
    )
    assert laid.mapping_sets[SET].mappings == ()
    assert [(m.source, m.adjusted) for m in laid.retired] == [("a:1", "tangential")]


def test_a_new_edge_joins_the_coverage_set_of_its_frameworks_or_a_team_set() -> None:
    adjustments = [
        Adjustment(
            "a:9",
            "b:9",
            AdjustmentAction.CHANGE,
            "we map it",
            relationship=Relationship.SUBSET_OF,
            strength=7,
        ),
        Adjustment(
            "a:9",
            "c:1",
            AdjustmentAction.CHANGE,
            "no set maps a to c",
            relationship=Relationship.INTERSECTS_WITH,
            strength=5,
        ),
    ]
    laid = overlay({SET: _set(_edge("a:1", "b:1"))}, adjustments, {SET})
    added = [m for m in laid.mapping_sets[SET].mappings if m.source == "a:9"]
    assert [(m.target, m.relationship, m.adjusted) for m in added] == [
        ("b:9", Relationship.SUBSET_OF, "we map it")
    ]
    team = laid.mapping_sets[team_set_id("a", "c")]
    assert (team.source_framework, team.target_framework) == ("a", "c")
    assert [m.target for m in team.mappings] == ["c:1"]


def test_no_adjustments_returns_the_shipped_sets_themselves() -> None:
    sets = {SET: _set(_edge("a:1", "b:1"))}
    assert overlay(sets, [], {SET}).mapping_sets is sets
