"""How a program's controls reach requirements: one ``Contribution`` per control, tag and
edge, and the criterion routes they form (DESIGN.md section 4).

A control tagged to requirement ``s`` reaches target ``t`` through an edge ``s -> t``:
``equal``/``superset_of`` pass the tag's coverage unchanged, ``subset_of``/
``intersects_with`` give at most partial, ``no_relationship`` nothing. ``Reaching`` keeps
what reaches one requirement so that one control's change is swapped in without walking
the others (the live program does that after each edit).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from crosswalk.domain.controls import ControlFacts, Coverage, OperatingStatus, Tag
from crosswalk.domain.graph import CrosswalkGraph, Step
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, split_key


@dataclass(frozen=True, slots=True)
class Contribution:
    """One way one control reaches the requirement."""

    control_id: str
    control_title: str
    status: OperatingStatus
    owner: str | None
    tagged: str  # the requirement the control is tagged to
    tag_coverage: Coverage
    level: Coverage  # what reaches the target: full or partial
    step: Step | None  # None when the control is tagged to the target directly
    evidence_fresh: bool | None = None

    @property
    def direct(self) -> bool:
        return self.step is None

    @property
    def proven(self) -> bool:
        """Operating, and not contradicted by missing or stale evidence."""
        return self.status is OperatingStatus.OPERATING and self.evidence_fresh is not False


@dataclass(frozen=True)
class CriterionRoute:
    """A source requirement's controls *together* reaching the target through one edge.

    A criterion-level route is a claim about all of the criterion's controls, never about one
    of them alone: per-control claims come only from direct tags and confirmations.
    """

    criterion: str  # framework:ref of the source requirement
    step: Step
    controls: tuple[Contribution, ...]  # in control order

    @property
    def relationship(self) -> Relationship:
        return self.step.relationship

    @property
    def strength(self) -> int | None:
        return self.step.mapping.strength

    @cached_property
    def weak(self) -> bool:
        """A tangential edge (strength 1-3): shown, never counted beyond partial."""
        return self.step.mapping.weak

    @cached_property
    def full(self) -> bool:
        """The edge passes coverage unchanged and some control meets the criterion fully
        (a weak edge never does, whatever its relationship says)."""
        if self.weak or not self.step.relationship.covers_target:
            return False  # every control reaches through it partially
        return any(c.level is Coverage.FULL for c in self.controls)

    @cached_property
    def proven(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.controls if c.proven)

    @cached_property
    def unproven(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.controls if not c.proven)

    @cached_property
    def any_proven(self) -> bool:
        return any(c.proven for c in self.controls)

    @cached_property
    def all_proven(self) -> bool:
        return bool(self.controls) and all(c.proven for c in self.controls)

    def strong(self, bar: int) -> bool:
        return not self.weak and self.strength is not None and self.strength >= bar

    def describe(self) -> str:
        """The criterion and every control it counts, with how each stands."""
        parts = [
            f"{c.control_id} ({standing(c)})" for c in sorted(self.controls, key=_control_order)
        ]
        strength = f", strength {self.strength}" if self.strength is not None else ""
        strength += ", weak" if self.weak else ""
        adjusted = self.step.mapping.adjusted
        strength += f", adjusted by the team: {adjusted}" if adjusted else ""
        return (
            f"{split_key(self.criterion)[1]} through {self.step.relationship} "
            f"({self.step.mapping.set_id}{strength}), with its controls {', '.join(parts)}"
        )


def _control_order(contribution: Contribution) -> str:
    return contribution.control_id


def standing(contribution: Contribution) -> str:
    if contribution.proven:
        return "operating"
    if contribution.status is OperatingStatus.OPERATING:
        return "operating, evidence not fresh"
    return str(contribution.status)


def _group(contribution: Contribution) -> tuple[str, int]:
    assert contribution.step is not None
    return contribution.tagged, id(contribution.step.mapping)


def group_routes(contributions: Iterable[Contribution]) -> list[CriterionRoute]:
    """The non-direct contributions grouped by criterion and edge, in order of appearance."""
    grouped: dict[tuple[str, int], list[Contribution]] = {}
    steps: dict[tuple[str, int], Step] = {}
    for contribution in contributions:
        if contribution.step is None:
            continue
        key = (contribution.tagged, id(contribution.step.mapping))
        grouped.setdefault(key, []).append(contribution)
        steps[key] = contribution.step
    return [CriterionRoute(key[0], steps[key], tuple(found)) for key, found in grouped.items()]


def strongest_first(routes: Iterable[CriterionRoute]) -> list[CriterionRoute]:
    return sorted(
        routes,
        key=lambda r: (not r.full, -(r.strength or 0), not r.all_proven, r.criterion),
    )


def criterion_routes(contributions: Sequence[Contribution]) -> list[CriterionRoute]:
    """The non-direct contributions grouped by criterion and edge, strongest first."""
    if not contributions:
        return []
    return strongest_first(group_routes(contributions))


def _spliced(
    items: Sequence[Contribution], gone: Collection[str], added: Sequence[Contribution]
) -> tuple[Contribution, ...]:
    """``items`` (in control order) without the ``gone`` controls' contributions, with
    ``added`` (in control order) where a walk over every control puts them."""
    if len(gone) > 8:
        kept = [c for c in items if c.control_id not in gone]
    else:
        kept = list(items)
        for control_id in gone:
            low = bisect_left(kept, control_id, key=_control_order)
            high = bisect_right(kept, control_id, lo=low, key=_control_order)
            del kept[low:high]
    start = 0
    while start < len(added):
        control_id = added[start].control_id
        end = start
        while end < len(added) and added[end].control_id == control_id:
            end += 1
        at = bisect_left(kept, control_id, key=_control_order)
        kept[at:at] = added[start:end]
        start = end
    return tuple(kept)


@dataclass(frozen=True)
class Reaching:
    """Everything that reaches one requirement, kept three ways: every contribution in
    control order (then tag, then edge: the order a walk over the controls finds them), the
    direct ones, and the criterion routes in the order they first appear."""

    contributions: tuple[Contribution, ...]
    direct: tuple[Contribution, ...]
    routes: tuple[CriterionRoute, ...]

    @classmethod
    def of(cls, contributions: Sequence[Contribution]) -> Reaching:
        direct = tuple(c for c in contributions if c.step is None)
        return cls(tuple(contributions), direct, tuple(group_routes(contributions)))

    def swap(self, removed: Sequence[Contribution], added: Sequence[Contribution]) -> Reaching:
        """The same with some controls' contributions (``removed``: all of those controls'
        here) replaced by their new ones (``added``, in control order): exactly what
        ``Reaching.of`` gives on a walk over every control, for the cost of the routes
        those controls are in."""
        contributions = _spliced(self.contributions, {c.control_id for c in removed}, added)
        direct = _spliced(
            self.direct,
            {c.control_id for c in removed if c.step is None},
            [c for c in added if c.step is None],
        )
        leaving: dict[tuple[str, int], set[str]] = {}
        for contribution in removed:
            if contribution.step is not None:
                leaving.setdefault(_group(contribution), set()).add(contribution.control_id)
        incoming: dict[tuple[str, int], list[Contribution]] = {}
        steps: dict[tuple[str, int], Step] = {}
        for contribution in added:
            if contribution.step is not None:
                incoming.setdefault(_group(contribution), []).append(contribution)
                steps[_group(contribution)] = contribution.step
        moved = {c.control_id for c in removed} | {c.control_id for c in added}
        reorder = False  # whether a route's first appearance may have moved
        routes: list[CriterionRoute] = []
        for route in self.routes:
            key = (route.criterion, id(route.step.mapping))
            if key not in leaving and key not in incoming:
                routes.append(route)
                continue
            controls = _spliced(route.controls, leaving.get(key, ()), incoming.pop(key, []))
            reorder = reorder or route.controls[0].control_id in moved
            if controls:
                reorder = reorder or controls[0].control_id in moved
                routes.append(CriterionRoute(route.criterion, route.step, controls))
        for key, new in incoming.items():
            routes.append(CriterionRoute(key[0], steps[key], tuple(new)))
            reorder = True
        if reorder:  # in order of first appearance, as a walk over every control finds them
            routes.sort(key=lambda r: _first_position(contributions, r))
        return Reaching(contributions, direct, tuple(routes))


def _first_position(contributions: Sequence[Contribution], route: CriterionRoute) -> int:
    first = route.controls[0].control_id
    position = bisect_left(contributions, first, key=_control_order)
    while position < len(contributions):
        contribution = contributions[position]
        step = contribution.step
        matches = contribution.tagged == route.criterion and step is not None
        if matches and step is not None and step.mapping is route.step.mapping:
            return position
        position += 1
    raise AssertionError("a route's first contribution is among the requirement's")


def _plan(
    key: str,
    targets: Mapping[str, Framework],
    graph: CrosswalkGraph,
    coverage_sets: set[str],
) -> tuple[list[str], list[tuple[str, Step, bool]]]:
    """Where a tag on ``key`` lands: the keys it counts for directly (itself and its
    sub-requirements, when its framework is a target) and the counting edges into other
    targets, each with whether it passes the tag's coverage unchanged."""
    framework_id, ref = split_key(key)
    own = targets.get(framework_id)
    direct = [key, *(d.key for d in own.descendants(ref))] if own is not None else []
    edges: list[tuple[str, Step, bool]] = []
    for edge in graph.edges_of(key):
        if edge.mapping.set_id not in coverage_sets or edge.mapping.misnumbered:
            continue
        end_framework = split_key(edge.end)[0]
        if end_framework == framework_id or end_framework not in targets:
            continue
        relationship = edge.relationship
        if relationship is Relationship.NO_RELATIONSHIP:
            continue
        edges.append((edge.end, edge, relationship.covers_target))
    return direct, edges


def _contribution(
    control: ControlFacts, tag: Tag, level: Coverage, step: Step | None
) -> Contribution:
    return Contribution(
        control.control_id,
        control.title,
        control.status,
        control.owner,
        tag.requirement,
        tag.coverage,
        level,
        step,
        control.evidence_fresh,
    )


def reach(
    targets: Mapping[str, Framework],
    controls: Iterable[ControlFacts],
    graph: CrosswalkGraph,
    coverage_sets: set[str],
) -> dict[str, list[Contribution]]:
    """Every contribution of every control to requirements of ``targets``, by requirement key.

    One walk over the controls' tags and edges serves any number of target frameworks: a
    tag counts directly in its own framework (and for its sub-requirements) and through
    coverage edges in the others. Within a key, contributions come in the controls' order,
    then their tags', then the edges'.
    """
    reached: dict[str, list[Contribution]] = {}
    plans: dict[str, tuple[list[str], list[tuple[str, Step, bool]]]] = {}
    partial = Coverage.PARTIAL
    for control in controls:
        for tag in control.tags:
            plan = plans.get(tag.requirement)
            if plan is None:
                plan = plans[tag.requirement] = _plan(
                    tag.requirement, targets, graph, coverage_sets
                )
            direct, edges = plan
            if direct:
                contribution = _contribution(control, tag, tag.coverage, None)
                for key in direct:
                    reached.setdefault(key, []).append(contribution)
            for end, edge, covers in edges:
                level = tag.coverage if covers else partial
                reached.setdefault(end, []).append(_contribution(control, tag, level, edge))
    return reached
