"""Coverage of one framework by a control library, through the crosswalk (DESIGN.md section 4).

A control tagged to requirement ``s`` reaches target ``t`` through an edge ``s -> t``:
``equal``/``superset_of`` pass the tag's coverage unchanged, ``subset_of``/
``intersects_with`` give at most partial, ``no_relationship`` nothing. Every source counts,
never only the first one found, and every verdict says why it is not higher.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from crosswalk.domain.controls import ControlFacts, Coverage, OperatingStatus, Tag
from crosswalk.domain.graph import CrosswalkGraph, Step
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, Requirement, split_key


class Verdict(StrEnum):
    COVERED = "covered"
    PARTIAL = "partial"
    PLANNED = "planned"
    GAP = "gap"
    NOT_APPLICABLE = "not applicable"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    Verdict.NOT_APPLICABLE: 4,
    Verdict.COVERED: 3,
    Verdict.PARTIAL: 2,
    Verdict.PLANNED: 1,
    Verdict.GAP: 0,
}


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


@dataclass
class Assessment:
    requirement: Requirement
    verdict: Verdict
    counted: list[Contribution] = field(default_factory=list)
    head_start: list[Contribution] = field(default_factory=list)  # shown, not counted
    why_not_higher: list[str] = field(default_factory=list)
    exclusion_reason: str | None = None

    @property
    def net_new(self) -> bool:
        """A mandatory requirement nothing is tagged to directly: work SOC 2 never did."""
        return self.requirement.mandatory and not self.counted

    @property
    def controls(self) -> list[str]:
        return sorted({c.control_id for c in self.counted})


def _describe(contribution: Contribution) -> str:
    if contribution.step is None:
        return f"{contribution.control_id} (tagged directly, {contribution.tag_coverage})"
    return (
        f"{contribution.control_id} via {contribution.tagged} "
        f"({contribution.step.relationship}, {contribution.step.mapping.set_id})"
    )


def _judge(assessment: Assessment) -> None:
    counted = assessment.counted
    working = [c for c in counted if c.status is not OperatingStatus.ON_PAPER]
    if any(c.level is Coverage.FULL and c.proven for c in counted):
        assessment.verdict = Verdict.COVERED
        return
    reasons = assessment.why_not_higher
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
        partial = [c for c in working if c.level is Coverage.PARTIAL]
        if partial and not full_not_operating and not without_evidence:
            reasons.append(
                "no full path: every route gives partial coverage — "
                + "; ".join(_describe(c) for c in partial[:6])
                + ("; ..." if len(partial) > 6 else "")
                + ". The requirement asks for more than these show."
            )
        return
    if counted:
        assessment.verdict = Verdict.PLANNED
        reasons.append(
            "only controls on paper reach it: " + ", ".join(sorted({c.control_id for c in counted}))
        )
        return
    assessment.verdict = Verdict.GAP
    if assessment.head_start:
        reasons.append(
            "mandatory management-system requirement with no control tagged to it directly; "
            "SOC 2 work gives a head start ("
            + ", ".join(sorted({c.tagged.partition(":")[2] for c in assessment.head_start}))
            + ") but ISO needs its own documented, operating process"
        )
    elif assessment.requirement.mandatory:
        reasons.append("mandatory management-system requirement with no SOC 2 starting point")
    else:
        reasons.append("no control reaches it through any mapping")


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
                if edge.mapping.set_id not in coverage_sets:
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
) -> dict[str, Assessment]:
    """Verdict for every requirement of ``target`` whose kind is in ``kinds``.

    ``reached`` is what ``reach`` found, when it was computed once for several targets.

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
            _judge(assessment)
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
        for child in children:
            parent.head_start.extend(c for c in child.head_start if c not in parent.head_start)
    return results
