"""A team's own adjustments to the crosswalk, laid over the shipped mapping sets.

The guide that commissioned the crosswalk says the auditor's judgment shapes the final
mapping. An adjustment changes one edge (relationship, strength, note), retires it, or adds
one the shipped sets lack, always with a reason. Shipped sets never change: the overlay
builds new set objects, and every edge it touched carries the team's reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import split_key


class AdjustmentAction(StrEnum):
    CHANGE = "change"  # a shipped edge, changed (or an edge the team added)
    RETIRE = "retire"  # a shipped edge the team does not accept


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One edge as the team wants it, keyed by ``source -> target`` (as authored)."""

    source: str
    target: str
    action: AdjustmentAction
    reason: str
    relationship: Relationship | None = None
    strength: int | None = None
    note: str | None = None
    adjusted_by: str = ""
    adjusted_on: date | None = None

    @property
    def edge(self) -> str:
        return f"{self.source} -> {self.target}"


def team_set_id(source_framework: str, target_framework: str) -> str:
    """Where edges the team adds go when no shipped set maps the two frameworks."""
    return f"team-{source_framework}-to-{target_framework}"


def _changed(mapping: Mapping, adjustment: Adjustment) -> Mapping:
    strength = adjustment.strength if adjustment.strength is not None else mapping.strength
    return replace(
        mapping,
        relationship=adjustment.relationship or mapping.relationship,
        strength=strength,
        note=adjustment.note or mapping.note,
        marked_weak=None if adjustment.strength is not None else mapping.marked_weak,
        adjusted=adjustment.reason,
    )


def _added(set_id: str, adjustment: Adjustment) -> Mapping:
    return Mapping(
        set_id=set_id,
        source=adjustment.source,
        target=adjustment.target,
        relationship=adjustment.relationship or Relationship.INTERSECTS_WITH,
        rationale=RationaleKind.FUNCTIONAL,
        note=adjustment.note or adjustment.reason,
        strength=adjustment.strength,
        adjusted=adjustment.reason,
    )


@dataclass(frozen=True)
class Overlay:
    mapping_sets: dict[str, MappingSet]
    retired: tuple[Mapping, ...]  # shipped edges the team retired, each with its reason


def overlay(
    mapping_sets: dict[str, MappingSet],
    adjustments: Iterable[Adjustment],
    coverage_sets: set[str],
) -> Overlay:
    """The sets with every adjustment applied.

    A change or retirement applies to each set holding the edge as authored; an edge no set
    holds is added to the coverage set that maps its two frameworks (or, if none does, to a
    team set of its own), so every verdict sees it.
    """
    by_edge = {(a.source, a.target): a for a in adjustments}
    if not by_edge:
        return Overlay(mapping_sets, ())
    result = dict(mapping_sets)
    retired: list[Mapping] = []
    found: set[tuple[str, str]] = set()
    for set_id, mapping_set in mapping_sets.items():
        kept: list[Mapping] = []
        touched = False
        for mapping in mapping_set.mappings:
            adjustment = by_edge.get((mapping.source, mapping.target)) if mapping.target else None
            if adjustment is None:
                kept.append(mapping)
                continue
            touched = True
            found.add((adjustment.source, adjustment.target))
            if adjustment.action is AdjustmentAction.RETIRE:
                retired.append(replace(mapping, adjusted=adjustment.reason))
            else:
                kept.append(_changed(mapping, adjustment))
        if touched:
            result[set_id] = replace(mapping_set, mappings=tuple(kept))
    additions: dict[str, list[Mapping]] = {}
    pairs: dict[str, tuple[str, str]] = {}
    for key, adjustment in by_edge.items():
        if key in found or adjustment.action is AdjustmentAction.RETIRE:
            continue
        source_framework = split_key(adjustment.source)[0]
        target_framework = split_key(adjustment.target)[0]
        homes = sorted(
            s.id
            for s in mapping_sets.values()
            if s.id in coverage_sets
            and s.source_framework == source_framework
            and s.target_framework == target_framework
        )
        set_id = homes[0] if homes else team_set_id(source_framework, target_framework)
        pairs[set_id] = (source_framework, target_framework)
        additions.setdefault(set_id, []).append(_added(set_id, adjustment))
    for set_id, added in additions.items():
        if set_id in result:
            result[set_id] = replace(result[set_id], mappings=(*result[set_id].mappings, *added))
            continue
        source_framework, target_framework = pairs[set_id]
        result[set_id] = MappingSet(
            id=set_id,
            version="workspace",
            title=f"{source_framework} to {target_framework}: the team's own edges",
            source_framework=source_framework,
            target_framework=target_framework,
            provenance=Provenance(
                source="This workspace's team (mapping adjustments)", method=Method.HUMAN
            ),
            mappings=tuple(added),
            description="Edges the team added where no shipped set maps these frameworks.",
        )
    return Overlay(result, tuple(retired))
