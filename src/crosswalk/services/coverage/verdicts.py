"""One requirement's verdict as every surface shows it: what it rests on, the criteria that
reach it with all their controls, the direct tags, and why it is not higher."""

from __future__ import annotations

from dataclasses import dataclass, field

from crosswalk.catalogs.loader import Library
from crosswalk.domain.coverage import Assessment, Contribution, CriterionRoute
from crosswalk.domain.requirements import Requirement


@dataclass(frozen=True)
class Route:
    """One way a control reaches a requirement, for explanations."""

    control_id: str
    control_title: str
    status: str
    owner: str | None
    tagged: str
    relationship: str | None  # None when tagged directly
    mapping_set: str | None
    strength: int | None
    note: str | None
    gives: str  # "full" or "partial"
    adjusted: str | None = None  # the team's reason, when it adjusted the edge


@dataclass(frozen=True)
class CriterionView:
    """A source criterion's controls together reaching the requirement through one edge."""

    criterion: str  # the source requirement's ref
    relationship: str
    mapping_set: str
    strength: int | None
    note: str
    gives: str  # "full" or "partial"
    controls: list[str]  # every control tagged to the criterion, with how it stands
    operating: list[str]  # those operating (with fresh evidence once it is tracked)
    weak: bool = False  # strength 1-3: shown, never counted beyond partial
    adjusted: str | None = None  # the team's reason, when it adjusted the edge


@dataclass(frozen=True)
class RequirementVerdict:
    ref: str
    title: str
    kind: str
    group: str  # theme for Annex A, top clause for clauses
    verdict: str
    controls: list[str]
    owners: list[str]
    why_not_higher: list[str]
    routes: list[Route]
    head_start: list[Route]
    net_new: bool
    suggested_control: str | None
    artifact: str | None
    effort: str | None
    exclusion_reason: str | None = None
    group_parent: str | None = None  # the parent requirement's ref, if any
    basis: list[str] = field(default_factory=list)  # what the verdict rests on, in words
    criteria: list[CriterionView] = field(default_factory=list)

    @property
    def head_start_refs(self) -> str:
        """The SOC 2 criteria that give a head start, as one short line."""
        return ", ".join(sorted({r.tagged.partition(":")[2] for r in self.head_start}))


def route_view(contribution: Contribution) -> Route:
    step = contribution.step
    return Route(
        control_id=contribution.control_id,
        control_title=contribution.control_title,
        status=contribution.status,
        owner=contribution.owner,
        tagged=contribution.tagged,
        relationship=step.relationship if step else None,
        mapping_set=step.mapping.set_id if step else None,
        strength=step.mapping.strength if step else None,
        note=step.mapping.note if step else None,
        gives=contribution.level,
        adjusted=step.mapping.adjusted if step else None,
    )


def criterion_view(route: CriterionRoute) -> CriterionView:
    def standing(c: Contribution) -> str:
        if c.proven:
            return c.control_id
        return f"{c.control_id} ({'evidence not fresh' if c.status == 'operating' else c.status})"

    return CriterionView(
        criterion=route.criterion.partition(":")[2],
        relationship=str(route.step.relationship),
        mapping_set=route.step.mapping.set_id,
        strength=route.strength,
        note=route.step.mapping.note,
        gives="full" if route.full else "partial",
        controls=[standing(c) for c in sorted(route.controls, key=lambda c: c.control_id)],
        operating=sorted(c.control_id for c in route.proven),
        weak=route.weak,
        adjusted=route.step.mapping.adjusted,
    )


def requirement_group(library: Library, requirement: Requirement) -> str:
    if requirement.kind == "control":
        return requirement.attributes.get("theme", "")
    framework = library.frameworks[requirement.framework]
    chain = framework.ancestors(requirement.ref)
    top = chain[-1] if chain else requirement
    return f"{top.ref} {top.title}"


def verdict_view(
    library: Library,
    assessment: Assessment,
    missing: dict[tuple[str, str], str] | None = None,
) -> RequirementVerdict:
    requirement = assessment.requirement
    guidance = library.guidance.get(requirement.key)
    reached = bool(assessment.counted or assessment.head_start)  # most are not: keep cheap
    owners = sorted({c.owner for c in assessment.counted if c.owner}) if reached else []
    routes = (
        sorted(
            (route_view(c) for c in assessment.counted),
            key=lambda r: (r.gives != "full", r.control_id, r.tagged),
        )
        if reached
        else []
    )
    why = list(assessment.why_not_higher)
    for contribution in assessment.counted:
        said = (missing or {}).get((contribution.control_id, requirement.key))
        if contribution.direct and said:
            why.append(f"{contribution.control_id} confirmed partial by its owner: missing {said}")
    return RequirementVerdict(
        ref=requirement.ref,
        title=requirement.title,
        kind=requirement.kind,
        group=requirement_group(library, requirement),
        verdict=assessment.verdict,
        controls=assessment.controls,
        owners=owners,
        why_not_higher=why,
        routes=routes,
        head_start=[route_view(c) for c in assessment.head_start] if reached else [],
        net_new=assessment.net_new,
        suggested_control=guidance.suggested_control if guidance else None,
        artifact=guidance.artifact if guidance else None,
        effort=guidance.effort if guidance else None,
        exclusion_reason=assessment.exclusion_reason,
        group_parent=requirement.parent,
        basis=list(assessment.basis),
        criteria=[criterion_view(r) for r in assessment.routes] if reached else [],
    )
