"""Answering "what does this requirement map to in that framework?", directly or inferred."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crosswalk.catalogs.loader import Library
from crosswalk.domain.graph import Path
from crosswalk.domain.relationships import Relationship
from crosswalk.services.mapping.frameworks import (
    MappingView,
    RequirementRef,
    mapping_view,
    requirement_ref,
)

DEFAULT_MAX_HOPS = 3


def coverage_effect(relationship: Relationship, certain: bool) -> str:
    """What a control tagged to the source gets on the target through this relationship."""
    if not certain:
        return "possible overlap only: never coverage on its own"
    if relationship is Relationship.NO_RELATIONSHIP:
        return "none"
    if relationship.covers_target:
        return "full: coverage passes unchanged"
    return "partial at most: the target asks for more"


@dataclass(frozen=True)
class PathView:
    target: RequirementRef
    inferred: bool
    relationship: str  # the composed relationship, or "possible overlap"
    certain: bool
    strength: int | None
    strength_is_bound: bool
    coverage: str
    via: list[RequirementRef]
    steps: list[MappingView]
    weak: bool = False  # the path's weakest edge is tangential (strength 1-3)


@dataclass(frozen=True)
class MapResult:
    source: RequirementRef
    target_framework: str
    via: list[str]
    direct: list[PathView]
    inferred: list[PathView]
    no_counterpart: list[str]


def path_view(library: Library, path: Path) -> PathView:
    composed = path.composed
    return PathView(
        target=requirement_ref(library, path.target),
        inferred=path.inferred,
        relationship=composed.label,
        certain=composed.certain,
        strength=path.strength,
        strength_is_bound=path.strength_is_bound,
        coverage=(
            "none: the table's ref means another requirement in this edition (see the caution)"
            if any(step.mapping.misnumbered for step in path.steps)
            else coverage_effect(composed.relationship, composed.certain)
        ),
        via=[requirement_ref(library, key) for key in path.via],
        steps=[mapping_view(library, step) for step in path.steps],
        weak=any(step.mapping.weak for step in path.steps),
    )


def _rank(view: PathView) -> tuple[int, int, int, str]:
    return (0 if view.certain else 1, -(view.strength or 0), len(view.steps), view.target.key)


def map_requirement(
    library: Library,
    key: str,
    target_framework: str,
    via: Sequence[str] = (),
    max_hops: int = DEFAULT_MAX_HOPS,
) -> MapResult:
    graph = library.graph
    direct = [path_view(library, p) for p in graph.direct(key, target_framework)]
    inferred: list[PathView] = []
    if via:
        inferred = [
            path_view(library, p)
            for p in graph.infer(key, target_framework, via, max_hops=max_hops)
        ]
    direct.sort(key=_rank)
    inferred.sort(key=_rank)
    no_counterpart = [
        m.note
        for m in graph.unmapped_notes(key)
        if library.mapping_sets[m.set_id].target_framework == target_framework
    ]
    return MapResult(
        source=requirement_ref(library, key),
        target_framework=target_framework,
        via=list(via),
        direct=direct,
        inferred=inferred,
        no_counterpart=no_counterpart,
    )


@dataclass(frozen=True)
class MatrixRow:
    source_ref: str
    source_title: str
    target_ref: str
    target_title: str
    relationship: str
    rationale: str
    strength: int | None
    note: str
    mapping_set: str
    inferred_via: str
    weak: bool = False  # some edge of its path is tangential (strength 1-3)
    adjusted: str = ""  # the team's reasons, for edges of the path it adjusted


def build_matrix(
    library: Library, source_framework: str, target_framework: str, via: Sequence[str] = ()
) -> list[MatrixRow]:
    """Every source requirement with each of its mappings into the target framework.

    Requirements with no mapping get one row with an empty target, so the sheet is a
    complete checklist of the source framework.
    """
    rows: list[MatrixRow] = []
    framework = library.frameworks[source_framework]
    graph = library.graph
    for requirement in framework:
        paths = graph.direct(requirement.key, target_framework)
        if via:
            paths = paths + graph.infer(requirement.key, target_framework, via)
        if not paths:
            notes = [
                m
                for m in graph.unmapped_notes(requirement.key)
                if library.mapping_sets[m.set_id].target_framework == target_framework
            ]
            if framework.children(requirement.ref) and not notes:
                continue  # a heading with nothing of its own: its children carry the rows
            rows.append(
                MatrixRow(
                    requirement.ref,
                    requirement.title,
                    "",
                    "",
                    Relationship.NO_RELATIONSHIP.value if notes else "",
                    notes[0].rationale.value if notes else "",
                    None,
                    notes[0].note if notes else "not mapped",
                    notes[0].set_id if notes else "",
                    "",
                )
            )
            continue
        for path in sorted(paths, key=lambda p: (p.inferred, p.target)):
            target = library.requirement(path.target)
            last = path.steps[-1].mapping
            rows.append(
                MatrixRow(
                    source_ref=requirement.ref,
                    source_title=requirement.title,
                    target_ref=path.target.partition(":")[2],
                    target_title=target.title if target else "",
                    relationship=path.composed.label,
                    rationale=last.rationale.value if not path.inferred else "inferred",
                    strength=path.strength,
                    note=last.note
                    if not path.inferred
                    else "; ".join(
                        f"{s.start} -[{s.relationship.value}]-> {s.end}" for s in path.steps
                    ),
                    mapping_set=",".join(dict.fromkeys(s.mapping.set_id for s in path.steps)),
                    inferred_via=" > ".join(path.via),
                    weak=any(step.mapping.weak for step in path.steps),
                    adjusted="; ".join(
                        s.mapping.adjusted for s in path.steps if s.mapping.adjusted
                    ),
                )
            )
    return rows
