"""Coverage of one framework by a control library, through the crosswalk (DESIGN.md section 4).

A control tagged to requirement ``s`` reaches target ``t`` through an edge ``s -> t``:
``equal``/``superset_of`` pass the tag's coverage unchanged, ``subset_of``/
``intersects_with`` give at most partial, ``no_relationship`` nothing. Every source counts,
never only the first one found, and every verdict says why it is not higher.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from crosswalk.domain.controls import ControlFacts, Coverage, OperatingStatus, Tag
from crosswalk.domain.graph import CrosswalkGraph, Step
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, Requirement, split_key


class Verdict(StrEnum):
    COVERED = "covered"
    LIKELY = "likely"  # very probably met: an owner confirms which control, and that all is
    PARTIAL = "partial"
    PLANNED = "planned"
    GAP = "gap"
    NOT_APPLICABLE = "not applicable"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    Verdict.NOT_APPLICABLE: 5,
    Verdict.COVERED: 4,
    Verdict.LIKELY: 3,
    Verdict.PARTIAL: 2,
    Verdict.PLANNED: 1,
    Verdict.GAP: 0,
}

# On the strength rubric (DESIGN.md section 4), 7 means "satisfies most of it, details to
# check": the default bar for "likely covered". A workspace may set its own.
DEFAULT_LIKELY_STRENGTH = 7


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
    controls: tuple[Contribution, ...]

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
        return not self.weak and any(c.level is Coverage.FULL for c in self.controls)

    @cached_property
    def proven(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.controls if c.proven)

    @cached_property
    def unproven(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.controls if not c.proven)

    @property
    def all_proven(self) -> bool:
        return bool(self.controls) and not self.unproven

    def strong(self, bar: int) -> bool:
        return not self.weak and self.strength is not None and self.strength >= bar

    def describe(self) -> str:
        """The criterion and every control it counts, with how each stands."""
        parts = [
            f"{c.control_id} ({_standing(c)})" for c in sorted(self.controls, key=_control_order)
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


def _standing(contribution: Contribution) -> str:
    if contribution.proven:
        return "operating"
    if contribution.status is OperatingStatus.OPERATING:
        return "operating, evidence not fresh"
    return str(contribution.status)


def criterion_routes(contributions: Sequence[Contribution]) -> list[CriterionRoute]:
    """The non-direct contributions grouped by criterion and edge, strongest first."""
    if not contributions:
        return []
    grouped: dict[tuple[str, int], list[Contribution]] = {}
    steps: dict[tuple[str, int], Step] = {}
    for contribution in contributions:
        if contribution.step is None:
            continue
        key = (contribution.tagged, id(contribution.step.mapping))
        grouped.setdefault(key, []).append(contribution)
        steps[key] = contribution.step
    routes = [CriterionRoute(key[0], steps[key], tuple(found)) for key, found in grouped.items()]
    return sorted(
        routes,
        key=lambda r: (not r.full, -(r.strength or 0), not r.all_proven, r.criterion),
    )


@dataclass
class Assessment:
    requirement: Requirement
    verdict: Verdict
    counted: list[Contribution] = field(default_factory=list)
    head_start: list[Contribution] = field(default_factory=list)  # shown, not counted
    why_not_higher: list[str] = field(default_factory=list)
    exclusion_reason: str | None = None
    basis: list[str] = field(default_factory=list)  # what the verdict rests on, in words
    _routes: list[CriterionRoute] | None = field(default=None, repr=False)

    @property
    def net_new(self) -> bool:
        """A mandatory requirement with no record and no control yet: work SOC 2 never did."""
        return self.requirement.mandatory and self.verdict is Verdict.GAP

    @property
    def controls(self) -> list[str]:
        return sorted({c.control_id for c in self.counted})

    @property
    def routes(self) -> list[CriterionRoute]:
        """The criterion-level routes among the counted contributions (computed once)."""
        if self._routes is None:
            self._routes = criterion_routes(self.counted)
        return self._routes


def _describe(contribution: Contribution) -> str:
    if contribution.step is None:
        return f"{contribution.control_id} (tagged directly, {contribution.tag_coverage})"
    adjusted = ", adjusted by the team" if contribution.step.mapping.adjusted else ""
    return (
        f"{contribution.control_id} via {contribution.tagged} "
        f"({contribution.step.relationship}, {contribution.step.mapping.set_id}{adjusted})"
    )


def _quote(route: CriterionRoute) -> str:
    note = route.step.mapping.note.strip().rstrip(".")
    return f"{route.describe()}" + (f"; the edge says: {note}" if note else "")


def _likely_routes(
    routes: list[CriterionRoute],
    bar: int,
    stated_partial: list[Contribution],
    reasons: list[str],
) -> list[CriterionRoute]:
    """Strong routes from operating controls; none when a person stated it is only partly met
    (a direct partial tag, an owner's partial confirmation): that outranks a mapping."""
    likely = [r for r in routes if r.strong(bar) and r.proven]
    if likely and stated_partial:
        reasons.append(
            f"a route would make it likely ({likely[0].describe()}), but "
            + ", ".join(sorted({c.control_id for c in stated_partial}))
            + " is stated to meet it only partly"
        )
        return []
    return likely


def _judge(assessment: Assessment, likely_strength: int = DEFAULT_LIKELY_STRENGTH) -> None:
    """Covered, likely, partial, planned or gap, with what it rests on and why not higher."""
    counted = assessment.counted
    if not counted:  # most requirements of a big target: nothing reaches them
        _judge_gap(assessment)
        return
    direct = [c for c in counted if c.direct]
    routes = assessment.routes
    reasons = assessment.why_not_higher
    basis = assessment.basis
    ref = assessment.requirement.ref

    full_direct = [c for c in direct if c.level is Coverage.FULL and c.proven]
    covering = [r for r in routes if r.full and r.all_proven]
    if full_direct or covering:
        assessment.verdict = Verdict.COVERED
        basis.extend(f"{_describe(c)}, operating" for c in full_direct)
        basis.extend(r.describe() for r in covering)
        return

    working = [c for c in counted if c.status is not OperatingStatus.ON_PAPER]
    stated_partial = [c for c in direct if c.level is Coverage.PARTIAL]
    likely = _likely_routes(routes, likely_strength, stated_partial, reasons)
    if likely:
        assessment.verdict = Verdict.LIKELY
        best = likely[0]
        basis.append(best.describe())
        reasons.append(
            f"likely covered: {_quote(best)}. The criterion's controls very probably meet "
            f"{ref}; it becomes covered when an owner confirms which control meets it fully "
            f"(crosswalk confirm CONTROL {ref} --full --by NAME), or partial with what is "
            "missing (--partial TEXT)"
        )
        if best.unproven:
            reasons.append(
                "not all of the criterion's controls are operating with fresh evidence: "
                + ", ".join(f"{c.control_id} ({_standing(c)})" for c in best.unproven)
            )
        return

    without_evidence = [
        c
        for c in counted
        if c.level is Coverage.FULL and c.status is OperatingStatus.OPERATING and not c.proven
    ]
    if without_evidence:
        reasons.append(
            "a full path exists from operating controls without fresh evidence: "
            + ", ".join(sorted({c.control_id for c in without_evidence}))
        )
    full_not_operating = [
        c for c in counted if c.level is Coverage.FULL and c.status is not OperatingStatus.OPERATING
    ]
    if working:
        assessment.verdict = Verdict.PARTIAL
        if full_not_operating:
            reasons.append(
                "a full path exists only from controls not yet operating: "
                + ", ".join(sorted({f"{c.control_id} ({c.status})" for c in full_not_operating}))
            )
        for contribution in direct:
            if contribution.level is Coverage.PARTIAL and contribution.status is not (
                OperatingStatus.ON_PAPER
            ):
                basis.append(_describe(contribution))
        weak = [r for r in routes if r.proven and not r.full and not r.strong(likely_strength)][:3]
        for route in weak:
            basis.append(route.describe())
        if weak and not full_not_operating and not without_evidence and not stated_partial:
            bar = f"strength below {likely_strength}"
            reasons.append(
                f"no route is strong enough to call it likely ({bar}); what each leaves "
                "to show: " + " | ".join(_quote(r) for r in weak)
            )
        return
    if counted:
        assessment.verdict = Verdict.PLANNED
        reasons.append(
            "only controls on paper reach it: " + ", ".join(sorted({c.control_id for c in counted}))
        )
        return
    _judge_gap(assessment)


def _judge_gap(assessment: Assessment) -> None:
    reasons = assessment.why_not_higher
    assessment.verdict = Verdict.GAP
    if assessment.head_start:
        reasons.append(
            "mandatory management-system requirement with no control tagged to it directly; "
            "SOC 2 work gives a head start ("
            + ", ".join(sorted({c.tagged.partition(":")[2] for c in assessment.head_start}))
            + ") but ISO needs its own documented, operating process"
        )
    elif assessment.requirement.mandatory:
        reasons.append("mandatory management-system requirement with no control tagged to it")
    else:
        reasons.append("no control reaches it through any mapping")


@dataclass(frozen=True)
class RecordJudgement:
    """A requirement judged from the management-system records that satisfy it (ISO clauses
    4-10 by the ISMS records the workspace keeps), not from controls."""

    verdict: Verdict
    basis: tuple[str, ...]  # the records, as they stand
    why_not_higher: tuple[str, ...]


def _apply_records(assessment: Assessment, judged: RecordJudgement) -> None:
    """The better of the records' verdict and the direct tags'; both are explained."""
    from_controls = assessment.verdict
    if judged.verdict.rank >= from_controls.rank:
        assessment.verdict = judged.verdict
        assessment.basis = [*judged.basis, *assessment.basis]
        assessment.why_not_higher = list(judged.why_not_higher)
        if from_controls is not Verdict.GAP and judged.verdict is not Verdict.COVERED:
            assessment.why_not_higher.append(
                f"controls tagged to it directly give {from_controls}: "
                + ", ".join(assessment.controls)
            )
    else:
        assessment.basis = [*assessment.basis, *judged.basis]


def _identity(contribution: Contribution) -> tuple[str, str, int, str]:
    """What makes two contributions the same route (cheap to hash, unlike the edge)."""
    step = contribution.step
    return (
        contribution.control_id,
        contribution.tagged,
        id(step.mapping) if step else 0,
        str(contribution.level),
    )


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
    coverage edges in the others.
    """
    reached: dict[str, list[Contribution]] = {}
    for control in controls:
        for tag in control.tags:
            framework_id, ref = split_key(tag.requirement)
            own = targets.get(framework_id)
            if own is not None:
                contribution = _contribution(control, tag, tag.coverage, None)
                for key in [tag.requirement, *(d.key for d in own.descendants(ref))]:
                    reached.setdefault(key, []).append(contribution)
            for edge in graph.edges_of(tag.requirement):
                if edge.mapping.set_id not in coverage_sets or edge.mapping.misnumbered:
                    continue
                end_framework = split_key(edge.end)[0]
                if end_framework == framework_id or end_framework not in targets:
                    continue
                relationship = edge.relationship
                if relationship is Relationship.NO_RELATIONSHIP:
                    continue
                level = tag.coverage if relationship.covers_target else Coverage.PARTIAL
                reached.setdefault(edge.end, []).append(_contribution(control, tag, level, edge))
    return reached


def assess(
    target: Framework,
    controls: Iterable[ControlFacts],
    graph: CrosswalkGraph,
    coverage_sets: set[str],
    kinds: set[str],
    excluded: Mapping[str, str] | None = None,
    reached: Mapping[str, list[Contribution]] | None = None,
    likely_strength: int = DEFAULT_LIKELY_STRENGTH,
    judged: Mapping[str, RecordJudgement] | None = None,
) -> dict[str, Assessment]:
    """Verdict for every requirement of ``target`` whose kind is in ``kinds``.

    ``reached`` is what ``reach`` found, when it was computed once for several targets.
    ``judged`` holds requirements judged from records (ISO clauses): the better of that and
    the direct tags' verdict counts.

    Mandatory requirements (ISO clauses 4-10) count only controls tagged to them directly;
    what reaches them through SOC 2 mappings is shown as a head start. A tag on a parent
    requirement counts for its children; a parent's verdict is its weakest child's.
    """
    excluded = excluded or {}
    if reached is None:
        reached = reach({target.id: target}, controls, graph, coverage_sets)
    results: dict[str, Assessment] = {}
    for requirement in target:
        if requirement.kind not in kinds:
            continue
        contributions = reached.get(requirement.key, [])
        if requirement.mandatory:
            counted = [c for c in contributions if c.direct]
            head_start = [c for c in contributions if not c.direct]
        else:
            counted, head_start = contributions, []
        assessment = Assessment(requirement, Verdict.GAP, counted, head_start)
        if requirement.key in excluded:
            assessment.verdict = Verdict.NOT_APPLICABLE
            assessment.exclusion_reason = excluded[requirement.key]
        else:
            _judge(assessment, likely_strength)
            if judged and requirement.key in judged:
                _apply_records(assessment, judged[requirement.key])
        results[requirement.key] = assessment
    # A heading is only as covered as its weakest part (9.2 is 9.2.1 and 9.2.2).
    for requirement in reversed(target.requirements):
        children = [results[c.key] for c in target.children(requirement.ref) if c.key in results]
        parent = results.get(requirement.key)
        if parent is None or not children or parent.verdict is Verdict.NOT_APPLICABLE:
            continue
        weakest = min(children, key=lambda a: a.verdict.rank)
        if weakest.verdict.rank < parent.verdict.rank or not parent.counted:
            parent.verdict = weakest.verdict
            parent.why_not_higher = [
                f"{weakest.requirement.ref}: {reason}" for reason in weakest.why_not_higher
            ]
        seen = {_identity(c) for c in parent.head_start}
        for child in children:
            for contribution in child.head_start:
                if _identity(contribution) not in seen:
                    seen.add(_identity(contribution))
                    parent.head_start.append(contribution)
    return results
