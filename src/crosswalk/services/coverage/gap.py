"""The gap analysis: what a SOC 2 program already covers of ISO/IEC 27001:2022, and what not.

Follows DESIGN.md section 4: verdicts from every source, each explained; clauses 4-10 as
net-new management-system work; the reverse view; a remediation backlog and a draft SoA.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts, OperatingStatus
from crosswalk.domain.coverage import (
    DEFAULT_LIKELY_STRENGTH,
    Assessment,
    Contribution,
    CriterionRoute,
    Verdict,
    assess,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Requirement
from crosswalk.services.controls.confirmations import (
    confirmed_tags,
    missing_parts,
    only_confirmed,
)
from crosswalk.services.controls.controls import all_facts
from crosswalk.services.coverage.clauses import RecordStanding, judge_clauses, record_standings
from crosswalk.services.coverage.figures import (
    VERDICT_ORDER,
    Counts,
    HeadStart,
    count_verdicts,
    head_start,
)
from crosswalk.services.evidence.freshness import ControlFreshness, control_freshness
from crosswalk.store.isms_models import SettingRow, SoaVersionRow
from crosswalk.store.models import EvidenceRow

__all__ = ["VERDICT_ORDER", "Counts", "HeadStart"]  # the figures, as the report carries them

LIKELY_SETTING = "likely_strength"
SMALLER_EFFORT = {"L": "M", "M": "S", "S": "S"}

# What SOC 2 asks that ISO/IEC 27001 does not (DESIGN.md section 4, the seed's reverse gap).
SOC2_BEYOND_ISO = [
    (
        "Type 2 observation window",
        "A SOC 2 Type 2 report tests operating effectiveness over a 3-12 month window; ISO "
        "27001 has no multi-month evidence period. Keep evidence continuous, not audit-day only.",
    ),
    (
        "System description",
        "SOC 2 needs a detailed, customer-facing description of the system and its "
        "commitments; an ISO certificate does not produce one.",
    ),
    (
        "Processing integrity",
        "PI1.x asks for complete, accurate, timely processing; ISO has no control dedicated "
        "to transaction completeness and accuracy (secure development A.8.25-A.8.29 only "
        "relates loosely).",
    ),
    (
        "Privacy criteria",
        "P1-P8 reach ISO 27001 only in places (privacy and PII protection, A.5.34, and a few "
        "controls such as deletion); the genuine ISO counterpart is ISO/IEC 27701.",
    ),
]


class GapError(CrosswalkError):
    pass


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


@dataclass(frozen=True)
class BacklogItem:
    item: str
    ref: str
    verdict: str
    suggested_control: str
    owner: str | None
    effort: str
    kind: str  # "annex-a" or "clause"


@dataclass(frozen=True)
class SoaRow:
    ref: str
    title: str
    theme: str
    proposed_applicability: str
    justification: str
    implementation_status: str
    controls: list[str]


@dataclass(frozen=True)
class CrosswalkRow:
    control_id: str
    control_title: str
    status: str
    criterion: str
    target: str
    relationship: str
    strength: int | None
    note: str


@dataclass(frozen=True)
class ReverseItem:
    topic: str
    explanation: str
    criteria: list[str] = field(default_factory=list)


@dataclass
class GapReport:
    source: str
    target: str
    generated_at: str
    controls_total: int
    annex_a_summary: Counts
    annex_a_by_theme: dict[str, Counts]
    clause_summary: Counts
    annex_a: list[RequirementVerdict]
    clauses: list[RequirementVerdict]
    net_new: list[RequirementVerdict]
    reverse: list[ReverseItem]
    paper_only_controls: list[str]
    unowned_controls: list[str]
    untagged_controls: list[str]
    backlog: list[BacklogItem]
    soa_draft: list[SoaRow]
    crosswalk: list[CrosswalkRow]
    evidence_rule: str = "covered = a full path from a control declared operating"
    likely_strength: int = DEFAULT_LIKELY_STRENGTH
    head_start: HeadStart | None = None  # None only where no Annex A is assessed
    records: list[RecordStanding] = field(default_factory=list)  # ISMS records judged

    def find(self, ref: str) -> RequirementVerdict:
        for verdict in [*self.annex_a, *self.clauses]:
            if verdict.ref == ref:
                return verdict
        raise GapError(f"{ref!r} is not assessed in this gap analysis")


def _route(contribution: Contribution) -> Route:
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
    )


def _criterion_view(route: CriterionRoute) -> CriterionView:
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
    )


def _group(library: Library, requirement: Requirement) -> str:
    if requirement.kind == "control":
        return requirement.attributes.get("theme", "")
    framework = library.frameworks[requirement.framework]
    chain = framework.ancestors(requirement.ref)
    top = chain[-1] if chain else requirement
    return f"{top.ref} {top.title}"


def _verdict_view(
    library: Library,
    assessment: Assessment,
    missing: dict[tuple[str, str], str] | None = None,
) -> RequirementVerdict:
    requirement = assessment.requirement
    guidance = library.guidance.get(requirement.key)
    owners = sorted({c.owner for c in assessment.counted if c.owner})
    routes = sorted(
        (_route(c) for c in assessment.counted),
        key=lambda r: (r.gives != "full", r.control_id, r.tagged),
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
        group=_group(library, requirement),
        verdict=assessment.verdict,
        controls=assessment.controls,
        owners=owners,
        why_not_higher=why,
        routes=routes,
        head_start=[_route(c) for c in assessment.head_start],
        net_new=assessment.net_new,
        suggested_control=guidance.suggested_control if guidance else None,
        artifact=guidance.artifact if guidance else None,
        effort=guidance.effort if guidance else None,
        exclusion_reason=assessment.exclusion_reason,
        group_parent=requirement.parent,
        basis=list(assessment.basis),
        criteria=[_criterion_view(r) for r in assessment.routes],
    )


def _backlog_item(view: RequirementVerdict) -> tuple[str, str] | None:
    """What to do about one requirement, and its effort; None when nothing is to do."""
    effort = view.effort or "M"
    if view.verdict in (Verdict.COVERED, Verdict.NOT_APPLICABLE):
        return None
    if view.kind == "clause":
        thing = view.artifact or view.title
        if view.verdict == Verdict.GAP:
            return (f"Create {thing} ({view.ref} {view.title})", effort)
        if view.verdict == Verdict.PARTIAL:
            first = view.why_not_higher[0] if view.why_not_higher else "see gap --explain"
            return (f"Complete {thing} ({view.ref}): {first}", SMALLER_EFFORT[effort])
    if view.verdict == Verdict.LIKELY:
        through = ", ".join(c.criterion for c in view.criteria[:3])
        return (
            f"Confirm which control meets {view.ref} {view.title} fully "
            f"(likely covered through {through})",
            "S",
        )
    if view.verdict == Verdict.PARTIAL:
        return (f"Close the partial coverage of {view.ref} {view.title}", SMALLER_EFFORT[effort])
    if view.verdict == Verdict.PLANNED:
        return (
            f"Put into operation the controls on paper for {view.ref} {view.title}: "
            + ", ".join(view.controls),
            "S" if effort == "S" else SMALLER_EFFORT[effort],
        )
    return (f"Design and operate a control for {view.ref} {view.title}", effort)


def _backlog(items: list[RequirementVerdict]) -> list[BacklogItem]:
    backlog = []
    for view in items:
        todo = _backlog_item(view)
        if todo is None:
            continue
        what, effort = todo
        backlog.append(
            BacklogItem(
                item=what,
                ref=view.ref,
                verdict=view.verdict,
                suggested_control=view.suggested_control or f"Address {view.title}",
                owner=", ".join(view.owners) or None,
                effort=effort,
                kind="clause" if view.kind == "clause" else "annex-a",
            )
        )
    return backlog


def _soa(annex_a: list[RequirementVerdict]) -> list[SoaRow]:
    rows = []
    for view in annex_a:
        controls = ", ".join(view.controls)
        if view.verdict == Verdict.NOT_APPLICABLE:
            applicability, justification, status = (
                "excluded",
                view.exclusion_reason or "",
                "not applicable",
            )
        elif view.verdict == Verdict.COVERED:
            applicability = "applicable"
            justification = (
                f"Addresses identified risks; implemented by existing controls ({controls})"
            )
            status = "implemented"
        elif view.verdict == Verdict.LIKELY:
            applicability = "applicable"
            justification = (
                "Addresses identified risks; very probably implemented by existing controls "
                f"({controls}); an owner's confirmation makes it implemented"
            )
            status = "partially implemented"
        elif view.verdict == Verdict.PARTIAL:
            applicability = "applicable"
            justification = f"Addresses identified risks; partly implemented ({controls})"
            status = "partially implemented"
        elif view.verdict == Verdict.PLANNED:
            applicability = "applicable"
            justification = (
                f"Addresses identified risks; controls designed, not yet operating ({controls})"
            )
            status = "planned"
        else:
            applicability = "to decide"
            justification = (
                "No current control. Decide from the risk assessment (6.1.2): include with a "
                "planned treatment, or exclude with a documented reason"
            )
            status = "not implemented"
        rows.append(
            SoaRow(
                view.ref,
                view.title,
                view.group,
                applicability,
                justification,
                status,
                view.controls,
            )
        )
    return rows


def _crosswalk_rows(library: Library, facts: list[ControlFacts], target: str) -> list[CrosswalkRow]:
    rows = []
    for control in facts:
        for tag in control.tags:
            for edge in library.graph.edges_of(tag.requirement):
                if edge.mapping.set_id not in library.coverage_sets:
                    continue
                if not edge.end.startswith(f"{target}:"):
                    continue
                rows.append(
                    CrosswalkRow(
                        control.control_id,
                        control.title,
                        control.status.value,
                        tag.requirement.partition(":")[2],
                        edge.end.partition(":")[2],
                        edge.relationship.value,
                        edge.mapping.strength,
                        edge.mapping.note,
                    )
                )
    return rows


def _reverse(library: Library, source: str, target: str) -> list[ReverseItem]:
    framework = library.frameworks[source]
    weak: list[str] = []
    for requirement in framework:
        if requirement.kind != "criterion":
            continue
        strengths = [
            edge.mapping.strength or 0
            for edge in library.graph.edges_of(requirement.key)
            if edge.mapping.set_id in library.coverage_sets
            and edge.end.startswith(f"{target}:")
            and edge.relationship is not Relationship.NO_RELATIONSHIP
        ]
        if not strengths or max(strengths) <= 3:
            weak.append(requirement.ref)
    items = [ReverseItem(topic, text) for topic, text in SOC2_BEYOND_ISO]
    items.append(
        ReverseItem(
            "Criteria with no or only weak ISO counterparts",
            "These criteria reach ISO only loosely (strength 3 or less) or not at all; keep "
            "their SOC 2 controls, ISO will not test them.",
            weak,
        )
    )
    return items


EVIDENCE_MODES = ("auto", "required", "ignored")
ISO_2022 = "iso27001-2022"


def approved_exclusions(session: Session) -> dict[str, str]:
    """Annex A controls the latest approved SoA excludes, with its reasons: not applicable."""
    latest = session.scalar(
        select(SoaVersionRow)
        .where(SoaVersionRow.approved_on.is_not(None))
        .order_by(SoaVersionRow.version.desc())
        .limit(1)
    )
    if latest is None:
        return {}
    return {
        f"{ISO_2022}:{entry.ref}": entry.exclusion_reason
        for entry in latest.entries
        if not entry.applicable
    }


def coverage_facts(
    session: Session,
    library: Library,
    evidence: str = "auto",
    today: date | None = None,
    confirmed_only: bool = False,
    freshness: list[ControlFreshness] | None = None,
) -> tuple[list[ControlFacts], bool]:
    """The controls as coverage counts them, and whether fresh evidence is required.

    ``freshness`` is ``control_freshness`` for the same day, when the caller has it already.
    """
    if evidence not in EVIDENCE_MODES:
        raise GapError(f"--evidence must be one of {', '.join(EVIDENCE_MODES)}")
    facts = all_facts(session)
    tracked = bool(session.scalar(select(func.count()).select_from(EvidenceRow)))
    required = evidence == "required" or (evidence == "auto" and tracked)
    if required:
        states = freshness if freshness is not None else control_freshness(session, library, today)
        fresh = {f.control_id: f.fresh for f in states}
        facts = [replace(f, evidence_fresh=fresh[f.control_id]) for f in facts]
    if confirmed_only:
        facts = only_confirmed(facts, confirmed_tags(session, library, today or date.today()))
    return facts, required


def likely_strength(session: Session) -> int:
    """The workspace's bar for "likely covered" (DEFAULT_LIKELY_STRENGTH unless set)."""
    row = session.get(SettingRow, LIKELY_SETTING)
    return int(json.loads(row.value)) if row is not None else DEFAULT_LIKELY_STRENGTH


def set_likely_strength(session: Session, strength: int) -> int:
    """Set the bar: a route of at least this strength from operating controls is "likely"."""
    if not 1 <= strength <= 10:
        raise GapError(f"likely strength {strength}: use 1-10 (the strength rubric's scale)")
    row = session.get(SettingRow, LIKELY_SETTING)
    if row is None:
        session.add(SettingRow(key=LIKELY_SETTING, value=json.dumps(strength)))
    else:
        row.value = json.dumps(strength)
    session.flush()
    return strength


def evidence_rule(required: bool, likely: int, confirmed_only: bool = False) -> str:
    """What "covered" and "likely" mean in this report, in one line."""
    rule = (
        "covered = tagged directly or a full path from criteria whose controls all operate "
        + ("with fresh evidence" if required else "(declared; no evidence tracked yet)")
        + f"; likely = a route of strength >= {likely} from operating controls, to confirm"
    )
    return rule + (", counting only owner-confirmed tags" if confirmed_only else "")


def run_gap(
    session: Session,
    library: Library,
    source: str = "soc2-tsc-2017",
    target: str = "iso27001-2022",
    excluded: dict[str, str] | None = None,
    evidence: str = "auto",
    today: date | None = None,
    confirmed_only: bool = False,
    likely: int | None = None,
) -> GapReport:
    """``evidence``: "required" makes covered mean operating *with fresh evidence*; "auto"
    requires it once the workspace tracks any evidence; "ignored" trusts the declared status.
    ``confirmed_only`` counts only the tags their owners have confirmed and that are still
    confirmed (not stale, flagged or past the confirmation cadence). ``likely`` overrides the
    workspace's bar for "likely covered". Clauses are judged from the ISMS records too.
    """
    if target not in library.frameworks:
        raise GapError(f"unknown target framework {target!r}")
    if evidence not in EVIDENCE_MODES:
        raise GapError(f"--evidence must be one of {', '.join(EVIDENCE_MODES)}")
    if excluded is None and target == ISO_2022:
        excluded = approved_exclusions(session)
    facts, required = coverage_facts(session, library, evidence, today, confirmed_only)
    bar = likely if likely is not None else likely_strength(session)
    standings = record_standings(session, library, today)
    report = build_gap_report(
        library,
        facts,
        source,
        target,
        excluded,
        likely_strength=bar,
        standings=standings,
        missing=missing_parts(session),
    )
    report.evidence_rule = evidence_rule(required, bar, confirmed_only)
    return report


def build_gap_report(
    library: Library,
    facts: list[ControlFacts],
    source: str,
    target: str,
    excluded: dict[str, str] | None = None,
    likely_strength: int = DEFAULT_LIKELY_STRENGTH,
    standings: dict[str, RecordStanding] | None = None,
    missing: dict[tuple[str, str], str] | None = None,
) -> GapReport:
    framework = library.frameworks[target]
    judged = judge_clauses(library, target, standings) if standings else {}
    assessments = assess(
        framework,
        facts,
        library.graph,
        library.coverage_sets,
        {"control", "clause"},
        excluded,
        likely_strength=likely_strength,
        judged=judged,
    )
    views = {key: _verdict_view(library, a, missing) for key, a in assessments.items()}
    annex_a = [v for v in views.values() if v.kind == "control"]
    clauses = [v for v in views.values() if v.kind == "clause"]
    themes: dict[str, list[str]] = {}
    for view in annex_a:
        themes.setdefault(view.group, []).append(view.verdict)
    leaf_clauses = [v for v in clauses if not framework.children(v.ref)]
    # Clause headings (4 ... 10, 9.2, 9.3) only group their parts, which carry the work.
    net_new = [v for v in leaf_clauses if v.net_new and v.artifact]
    annex_a_summary = count_verdicts(v.verdict for v in annex_a)
    used = {name for key in judged for name in library.guidance[key].records}
    return GapReport(
        source=source,
        target=target,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        controls_total=len(facts),
        annex_a_summary=annex_a_summary,
        annex_a_by_theme={theme: count_verdicts(verdicts) for theme, verdicts in themes.items()},
        clause_summary=count_verdicts(v.verdict for v in leaf_clauses),
        annex_a=annex_a,
        clauses=clauses,
        net_new=net_new,
        reverse=_reverse(library, source, target) if source in library.frameworks else [],
        paper_only_controls=[c.control_id for c in facts if c.status is OperatingStatus.ON_PAPER],
        unowned_controls=[c.control_id for c in facts if not c.owned],
        untagged_controls=[c.control_id for c in facts if not c.tags],
        backlog=_backlog([*leaf_clauses, *annex_a]),
        soa_draft=_soa(annex_a),
        crosswalk=_crosswalk_rows(library, facts, target),
        likely_strength=likely_strength,
        head_start=head_start(annex_a_summary) if annex_a else None,
        records=[s for s in (standings or {}).values() if s.key in used],
    )
