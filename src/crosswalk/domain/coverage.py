"""Coverage of one framework by a control library, through the crosswalk (DESIGN.md section 4).

What reaches each requirement is ``crosswalk.domain.contributions``'s: every source counts,
never only the first one found, and every verdict says why it is not higher. A verdict is
decided from what reaches the requirement at once; its explanation (what it rests on, why it
is not higher, which lists every control concerned) is written the first time it is read,
by the same rules: a page of counts never pays for thousands of explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from crosswalk.domain.contributions import (
    Contribution,
    CriterionRoute,
    Reaching,
    criterion_routes,
    reach,
    standing,
    strongest_first,
)
from crosswalk.domain.controls import ControlFacts, Coverage, OperatingStatus
from crosswalk.domain.graph import CrosswalkGraph
from crosswalk.domain.requirements import Framework, Requirement

__all__ = [
    "DEFAULT_LIKELY_STRENGTH",
    "Assessment",
    "Contribution",
    "CriterionRoute",
    "Reaching",
    "RecordJudgement",
    "Verdict",
    "assess",
    "assess_requirement",
    "criterion_routes",
    "reach",
    "reassess",
]


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


@dataclass(frozen=True)
class RecordJudgement:
    """A requirement judged from the management-system records that satisfy it (ISO clauses
    4-10 by the ISMS records the workspace keeps), not from controls."""

    verdict: Verdict
    basis: tuple[str, ...]  # the records, as they stand
    why_not_higher: tuple[str, ...]


@dataclass(eq=False)
class Assessment:
    """One requirement's verdict. ``why_not_higher`` and ``basis`` are written when first
    read; ``counted`` and ``head_start`` are what the verdict counts and what it shows."""

    requirement: Requirement
    verdict: Verdict
    counted: list[Contribution] = field(default_factory=list)
    head_start: list[Contribution] = field(default_factory=list)  # shown, not counted
    exclusion_reason: str | None = None
    likely_strength: int = DEFAULT_LIKELY_STRENGTH
    _direct: Sequence[Contribution] | None = field(default=None, repr=False)
    _routes: list[CriterionRoute] | None = field(default=None, repr=False)
    _own_head_start: int = field(default=0, repr=False)  # before sub-requirements' were added
    _from_controls: Verdict | None = field(default=None, repr=False)  # before the records
    _records: RecordJudgement | None = field(default=None, repr=False)
    _rolled_from: Assessment | None = field(default=None, repr=False)  # its weakest part
    _why: list[str] | None = field(default=None, repr=False)
    _basis: list[str] | None = field(default=None, repr=False)

    @property
    def net_new(self) -> bool:
        """A mandatory requirement with no record and no control yet: work SOC 2 never did."""
        return self.requirement.mandatory and self.verdict is Verdict.GAP

    @property
    def controls(self) -> list[str]:
        return sorted({c.control_id for c in self.counted})

    @property
    def direct(self) -> Sequence[Contribution]:
        if self._direct is None:
            self._direct = [c for c in self.counted if c.step is None]
        return self._direct

    @property
    def routes(self) -> list[CriterionRoute]:
        """The criterion-level routes among the counted contributions (computed once)."""
        if self._routes is None:
            self._routes = criterion_routes(self.counted)
        return self._routes

    @property
    def why_not_higher(self) -> list[str]:
        if self._why is None:
            self._explain()
        assert self._why is not None
        return self._why

    @property
    def basis(self) -> list[str]:
        """What the verdict rests on, in words."""
        if self._basis is None:
            self._explain()
        assert self._basis is not None
        return self._basis

    def _explain(self) -> None:
        if self.exclusion_reason is not None:
            self._basis, self._why = [], []
            return
        _, why, basis = _judge(self, self.likely_strength, explain=True)
        if self._records is not None and self._from_controls is not None:
            why, basis = _records_explained(self, self._from_controls, self._records, why, basis)
        if self._rolled_from is not None:
            weakest = self._rolled_from
            why = [f"{weakest.requirement.ref}: {reason}" for reason in weakest.why_not_higher]
        self._basis, self._why = basis, why


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
    reasons: list[str] | None,
) -> list[CriterionRoute]:
    """Strong routes from operating controls; none when a person stated it is only partly met
    (a direct partial tag, an owner's partial confirmation): that outranks a mapping."""
    likely = [r for r in routes if r.strong(bar) and r.any_proven]
    if likely and stated_partial:
        if reasons is not None:
            reasons.append(
                f"a route would make it likely ({likely[0].describe()}), but "
                + ", ".join(sorted({c.control_id for c in stated_partial}))
                + " is stated to meet it only partly"
            )
        return []
    return likely


Judged = tuple[Verdict, list[str], list[str]]


def _judge(assessment: Assessment, likely_strength: int, explain: bool) -> Judged:
    """Covered, likely, partial, planned or gap from the counted contributions; with
    ``explain``, also why not higher and what it rests on (else both lists stay empty and
    the lists of controls they name are never built)."""
    counted = assessment.counted
    if not counted:  # most requirements of a big target: nothing reaches them
        return Verdict.GAP, _gap_reasons(assessment) if explain else [], []
    direct = assessment.direct
    routes = assessment.routes
    reasons: list[str] = []
    basis: list[str] = []
    ref = assessment.requirement.ref

    full_direct = [c for c in direct if c.level is Coverage.FULL and c.proven]
    covering = [r for r in routes if r.full and r.all_proven]
    if full_direct or covering:
        if explain:
            basis.extend(f"{_describe(c)}, operating" for c in full_direct)
            basis.extend(r.describe() for r in covering)
        return Verdict.COVERED, reasons, basis

    stated_partial = [c for c in direct if c.level is Coverage.PARTIAL]
    likely = _likely_routes(routes, likely_strength, stated_partial, reasons if explain else None)
    if likely:
        if explain:
            best = likely[0]
            basis.append(best.describe())
            reasons.append(
                f"likely covered: {_quote(best)}. The criterion's controls very probably meet "
                f"{ref}; it becomes covered when an owner confirms which control meets it "
                f"fully (crosswalk confirm CONTROL {ref} --full --by NAME), or partial with "
                "what is missing (--partial TEXT)"
            )
            if best.unproven:
                reasons.append(
                    "not all of the criterion's controls are operating with fresh evidence: "
                    + ", ".join(f"{c.control_id} ({standing(c)})" for c in best.unproven)
                )
        return Verdict.LIKELY, reasons, basis

    working = any(c.status is not OperatingStatus.ON_PAPER for c in counted)
    verdict = Verdict.PARTIAL if working else Verdict.PLANNED
    if explain:
        _explain_partial(assessment, likely_strength, stated_partial, working, reasons, basis)
    return verdict, reasons, basis


def _explain_partial(
    assessment: Assessment,
    likely_strength: int,
    stated_partial: list[Contribution],
    working: bool,
    reasons: list[str],
    basis: list[str],
) -> None:
    """Why a partial (or planned) verdict is not higher, and what it rests on."""
    counted = assessment.counted
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
    if not working:
        reasons.append(
            "only controls on paper reach it: " + ", ".join(sorted({c.control_id for c in counted}))
        )
        return
    full_not_operating = [
        c for c in counted if c.level is Coverage.FULL and c.status is not OperatingStatus.OPERATING
    ]
    if full_not_operating:
        reasons.append(
            "a full path exists only from controls not yet operating: "
            + ", ".join(sorted({f"{c.control_id} ({c.status})" for c in full_not_operating}))
        )
    for contribution in assessment.direct:
        if contribution.level is Coverage.PARTIAL and contribution.status is not (
            OperatingStatus.ON_PAPER
        ):
            basis.append(_describe(contribution))
    routes = assessment.routes
    weak = [r for r in routes if r.any_proven and not r.full and not r.strong(likely_strength)][:3]
    for route in weak:
        basis.append(route.describe())
    if weak and not full_not_operating and not without_evidence and not stated_partial:
        bar = f"strength below {likely_strength}"
        reasons.append(
            f"no route is strong enough to call it likely ({bar}); what each leaves "
            "to show: " + " | ".join(_quote(r) for r in weak)
        )


def _gap_reasons(assessment: Assessment) -> list[str]:
    own_head_start = assessment.head_start[: assessment._own_head_start]
    if own_head_start:
        return [
            "mandatory management-system requirement with no control tagged to it directly; "
            "SOC 2 work gives a head start ("
            + ", ".join(sorted({c.tagged.partition(":")[2] for c in own_head_start}))
            + ") but ISO needs its own documented, operating process"
        ]
    if assessment.requirement.mandatory:
        return ["mandatory management-system requirement with no control tagged to it"]
    return ["no control reaches it through any mapping"]


def _apply_records(assessment: Assessment, judged: RecordJudgement) -> None:
    """The better of the records' verdict and the direct tags'; both are explained."""
    assessment._from_controls = assessment.verdict
    assessment._records = judged
    if judged.verdict.rank >= assessment.verdict.rank:
        assessment.verdict = judged.verdict


def _records_explained(
    assessment: Assessment,
    from_controls: Verdict,
    judged: RecordJudgement,
    why: list[str],
    basis: list[str],
) -> tuple[list[str], list[str]]:
    if judged.verdict.rank >= from_controls.rank:
        why = list(judged.why_not_higher)
        if from_controls is not Verdict.GAP and judged.verdict is not Verdict.COVERED:
            why.append(
                f"controls tagged to it directly give {from_controls}: "
                + ", ".join(assessment.controls)
            )
        return why, [*judged.basis, *basis]
    return why, [*basis, *judged.basis]


def _identity(contribution: Contribution) -> tuple[str, str, int, str]:
    """What makes two contributions the same route (cheap to hash, unlike the edge)."""
    step = contribution.step
    return (
        contribution.control_id,
        contribution.tagged,
        id(step.mapping) if step else 0,
        str(contribution.level),
    )


def assess_requirement(
    requirement: Requirement,
    reaching: Reaching | Sequence[Contribution],
    excluded: Mapping[str, str],
    likely_strength: int = DEFAULT_LIKELY_STRENGTH,
    judged: Mapping[str, RecordJudgement] | None = None,
) -> Assessment:
    """One requirement's verdict from what reaches it, before its sub-requirements are
    rolled up into it (``assess`` does that)."""
    if not isinstance(reaching, Reaching):
        reaching = Reaching.of(reaching)
    if requirement.mandatory:
        counted = list(reaching.direct)
        head_start = [c for c in reaching.contributions if c.step is not None]
        routes: list[CriterionRoute] = []
    else:
        counted, head_start = list(reaching.contributions), []
        routes = strongest_first(reaching.routes) if reaching.routes else []
    assessment = Assessment(
        requirement,
        Verdict.GAP,
        counted,
        head_start,
        likely_strength=likely_strength,
        _direct=reaching.direct,
        _routes=routes,
        _own_head_start=len(head_start),
    )
    if requirement.key in excluded:
        assessment.verdict = Verdict.NOT_APPLICABLE
        assessment.exclusion_reason = excluded[requirement.key]
        return assessment
    assessment.verdict = _judge(assessment, likely_strength, explain=False)[0]
    if judged and requirement.key in judged:
        _apply_records(assessment, judged[requirement.key])
    return assessment


def _roll_up(
    target: Framework, results: dict[str, Assessment], only: set[str] | None = None
) -> None:
    """A heading is only as covered as its weakest part (9.2 is 9.2.1 and 9.2.2). Children
    come after their parent in document order, so walking backwards rolls a whole subtree
    up; ``only`` limits it to headings judged afresh (the others are rolled up already)."""
    for requirement in reversed(target.requirements):
        if only is not None and requirement.key not in only:
            continue
        children = [results[c.key] for c in target.children(requirement.ref) if c.key in results]
        parent = results.get(requirement.key)
        if parent is None or not children or parent.verdict is Verdict.NOT_APPLICABLE:
            continue
        weakest = min(children, key=lambda a: a.verdict.rank)
        if weakest.verdict.rank < parent.verdict.rank or not parent.counted:
            parent.verdict = weakest.verdict
            parent._rolled_from = weakest
        seen = {_identity(c) for c in parent.head_start}
        for child in children:
            for contribution in child.head_start:
                if _identity(contribution) not in seen:
                    seen.add(_identity(contribution))
                    parent.head_start.append(contribution)


def assess(
    target: Framework,
    controls: Iterable[ControlFacts],
    graph: CrosswalkGraph,
    coverage_sets: set[str],
    kinds: set[str],
    excluded: Mapping[str, str] | None = None,
    reached: Mapping[str, Sequence[Contribution] | Reaching] | None = None,
    likely_strength: int = DEFAULT_LIKELY_STRENGTH,
    judged: Mapping[str, RecordJudgement] | None = None,
) -> dict[str, Assessment]:
    """Verdict for every requirement of ``target`` whose kind is in ``kinds``.

    ``reached`` is what ``reach`` found (or ``Reaching`` per key), when it was computed once
    for several targets. ``judged`` holds requirements judged from records (ISO clauses):
    the better of that and the direct tags' verdict counts.

    Mandatory requirements (ISO clauses 4-10) count only controls tagged to them directly;
    what reaches them through SOC 2 mappings is shown as a head start. A tag on a parent
    requirement counts for its children; a parent's verdict is its weakest child's.
    """
    excluded = excluded or {}
    if reached is None:
        reached = reach({target.id: target}, controls, graph, coverage_sets)
    results: dict[str, Assessment] = {}
    for requirement in target:
        if requirement.kind in kinds:
            results[requirement.key] = assess_requirement(
                requirement, reached.get(requirement.key, ()), excluded, likely_strength, judged
            )
    _roll_up(target, results)
    return results


def reassess(
    target: Framework,
    previous: Mapping[str, Assessment],
    changed: Iterable[str],
    reached: Mapping[str, Sequence[Contribution] | Reaching],
    kinds: set[str],
    excluded: Mapping[str, str] | None = None,
    likely_strength: int = DEFAULT_LIKELY_STRENGTH,
    judged: Mapping[str, RecordJudgement] | None = None,
) -> tuple[dict[str, Assessment], set[str]]:
    """``previous`` (what ``assess`` gave) with the requirements whose inputs changed judged
    again, and every heading above them rolled up again: the same result ``assess`` gives
    on the new inputs, for the cost of the requirements touched. ``changed`` holds keys of
    any framework (others are ignored). Returns the results and the keys judged afresh.

    ``previous`` is never modified: the assessments it shares with the result are the ones
    nothing changed for.
    """
    excluded = excluded or {}
    affected: set[str] = set()
    prefix = f"{target.id}:"
    for key in changed:
        if not key.startswith(prefix):
            continue
        ref = key[len(prefix) :]
        if target.get(ref) is None:
            continue
        affected.add(key)
        affected.update(a.key for a in target.ancestors(ref))
    results = dict(previous)
    judged_afresh: set[str] = set()
    for requirement in target:
        if requirement.key in affected and requirement.kind in kinds:
            judged_afresh.add(requirement.key)
            results[requirement.key] = assess_requirement(
                requirement, reached.get(requirement.key, ()), excluded, likely_strength, judged
            )
    _roll_up(target, results, judged_afresh)
    return results, judged_afresh
