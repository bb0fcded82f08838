"""The gap analysis: what a SOC 2 program already covers of ISO/IEC 27001:2022, and what not.

Follows DESIGN.md section 4: verdicts from every source, each explained; clauses 4-10 as
net-new management-system work; the reverse view; a remediation backlog and a draft SoA.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts, OperatingStatus
from crosswalk.domain.coverage import (
    DEFAULT_LIKELY_STRENGTH,
    Assessment,
    assess,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import WEAK_STRENGTH
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework
from crosswalk.services.controls.confirmations import (
    confirmed_tags,
    missing_parts,
    only_confirmed,
)
from crosswalk.services.controls.controls import all_facts
from crosswalk.services.coverage.backlog import BacklogItem, SoaRow, backlog, soa_draft
from crosswalk.services.coverage.clauses import RecordStanding, judge_clauses, record_standings
from crosswalk.services.coverage.figures import (
    VERDICT_ORDER,
    Counts,
    HeadStart,
    count_verdicts,
    head_start,
)
from crosswalk.services.coverage.verdicts import (
    CriterionView,
    RequirementVerdict,
    Route,
    verdict_view,
)
from crosswalk.services.evidence.freshness import ControlFreshness, control_freshness
from crosswalk.store.isms_models import SettingRow, SoaVersionRow
from crosswalk.store.models import EvidenceRow

# The report's parts, re-exported so that surfaces import the gap analysis from one place.
__all__ = [
    "VERDICT_ORDER",
    "BacklogItem",
    "Counts",
    "CriterionView",
    "HeadStart",
    "RequirementVerdict",
    "Route",
    "SoaRow",
]

LIKELY_SETTING = "likely_strength"

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
    stage_1_blockers: list[str] = field(default_factory=list)  # as isms readiness lists them
    isms_since: date | None = None  # the earliest ISMS record of any kind
    measured: str = "Annex A controls"  # what the headline counts: the framework's own unit

    def find(self, ref: str) -> RequirementVerdict:
        for verdict in [*self.annex_a, *self.clauses]:
            if verdict.ref == ref:
                return verdict
        raise GapError(f"{ref!r} is not assessed in this gap analysis")


@dataclass
class GapMemo:
    """What one report can lend the next over the same library: each requirement's view
    (while its assessment is the same object) and each control's crosswalk rows (while its
    facts are equal). The live program keeps one, so a report after an edit rebuilds only
    what the edit touched."""

    views: dict[str, tuple[Assessment, RequirementVerdict]] = field(default_factory=dict)
    rows: dict[tuple[str, str], tuple[ControlFacts, list[CrosswalkRow]]] = field(
        default_factory=dict
    )


def _control_rows(library: Library, control: ControlFacts, target: str) -> list[CrosswalkRow]:
    rows = []
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


def _crosswalk_rows(
    library: Library, facts: list[ControlFacts], target: str, memo: GapMemo | None = None
) -> list[CrosswalkRow]:
    rows: list[CrosswalkRow] = []
    for control in facts:
        known = memo.rows.get((target, control.control_id)) if memo is not None else None
        if known is not None and known[0] == control:
            rows.extend(known[1])
            continue
        found = _control_rows(library, control, target)
        if memo is not None:
            memo.rows[(target, control.control_id)] = (control, found)
        rows.extend(found)
    return rows


def _verdict_view(
    library: Library,
    assessment: Assessment,
    missing: dict[tuple[str, str], str] | None,
    memo: GapMemo | None,
) -> RequirementVerdict:
    key = assessment.requirement.key
    known = memo.views.get(key) if memo is not None else None
    if known is not None and known[0] is assessment:
        return known[1]
    view = verdict_view(library, assessment, missing)
    if memo is not None:
        memo.views[key] = (assessment, view)
    return view


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


ANNEX_A = "Annex A controls"


def measured_name(framework: Framework, views: list[RequirementVerdict]) -> str:
    """What the headline counts for a framework, in its own words ("subcategories")."""
    kinds = sorted({v.kind for v in views})
    word = kinds[0] if len(kinds) == 1 else "requirements"
    plural = (
        word if word.endswith("s") else (word[:-1] + "ies" if word.endswith("y") else word + "s")
    )
    return f"{framework.name} {plural}"


def likely_strength(session: Session) -> int:
    """The workspace's bar for "likely covered" (DEFAULT_LIKELY_STRENGTH unless set)."""
    row = session.get(SettingRow, LIKELY_SETTING)
    return int(json.loads(row.value)) if row is not None else DEFAULT_LIKELY_STRENGTH


def set_likely_strength(session: Session, strength: int) -> int:
    """Set the bar: a route of at least this strength from operating controls is "likely"."""
    if not WEAK_STRENGTH < strength <= 10:
        raise GapError(
            f"likely strength {strength}: use {WEAK_STRENGTH + 1}-10 (1-{WEAK_STRENGTH} is "
            "the rubric's tangential band, never counted beyond partial)"
        )
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


@dataclass(frozen=True)
class RuleSwitch:
    """What the first evidence in a workspace changes: "covered" now needs fresh evidence."""

    message: str
    before: Counts  # Annex A counts with the declared status trusted
    after: Counts  # with fresh evidence required, as every report counts from now on


def first_evidence_switch(
    session: Session, library: Library, today: date | None = None
) -> RuleSwitch | None:
    """When the workspace's evidence was just started (exactly one piece), the before/after
    of the coverage rule, for the command or page that added it to say so; else None."""
    if session.scalar(select(func.count()).select_from(EvidenceRow)) != 1:
        return None
    before = run_gap(session, library, evidence="ignored", today=today).annex_a_summary
    after = run_gap(session, library, evidence="required", today=today).annex_a_summary
    message = (
        "This is the workspace's first evidence: from now on 'covered' needs fresh evidence "
        "(controls without it no longer count as operating). Annex A covered "
        f"{before.by_verdict['covered']} -> {after.by_verdict['covered']}, likely "
        f"{before.by_verdict['likely']} -> {after.by_verdict['likely']}, partial "
        f"{before.by_verdict['partial']} -> {after.by_verdict['partial']}; add evidence for "
        "the operating controls to move them back (crosswalk status lists them)."
    )
    return RuleSwitch(message, before, after)


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
    workspace_root: Path | None = None,
) -> GapReport:
    """``evidence``: "required" makes covered mean operating *with fresh evidence*; "auto"
    requires it once the workspace tracks any evidence; "ignored" trusts the declared status.
    ``confirmed_only`` counts only the tags their owners have confirmed and that are still
    confirmed (not stale, flagged or past the confirmation cadence). ``likely`` overrides the
    workspace's bar for "likely covered". Clauses are judged from the ISMS records too (the
    policy library as well when ``workspace_root`` names the workspace folder).
    """
    if target not in library.frameworks:
        raise GapError(f"unknown target framework {target!r}")
    if evidence not in EVIDENCE_MODES:
        raise GapError(f"--evidence must be one of {', '.join(EVIDENCE_MODES)}")
    if excluded is None and target == ISO_2022:
        excluded = approved_exclusions(session)
    facts, required = coverage_facts(session, library, evidence, today, confirmed_only)
    bar = likely if likely is not None else likely_strength(session)
    standings = record_standings(session, library, today, facts, workspace_root)
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
    assessments: Mapping[str, Assessment] | None = None,
    memo: GapMemo | None = None,
) -> GapReport:
    """The report from the program's facts. ``assessments`` is the target's, when the caller
    keeps them judged already (every kind may be there: the report takes the kinds it
    assesses); ``memo`` lends views and rows from the previous report (see ``GapMemo``)."""
    framework = library.frameworks[target]
    judged = judge_clauses(library, target, standings) if standings else {}
    kinds = {r.kind for r in framework}
    # ISO-shaped frameworks: controls (Annex A) and management-system clauses. Any other
    # framework is assessed on its leaf requirements (CSF subcategories, GDPR articles...),
    # grouped under their top-level parent: a report shaped for that framework.
    iso_shaped = bool(kinds & {"control", "clause"})
    assessed = {"control", "clause"} if iso_shaped else kinds
    if assessments is None:
        assessments = assess(
            framework,
            facts,
            library.graph,
            library.coverage_sets,
            assessed,
            excluded,
            likely_strength=likely_strength,
            judged=judged,
        )
    views = {
        key: _verdict_view(library, a, missing, memo)
        for key, a in assessments.items()
        if a.requirement.kind in assessed
    }
    if iso_shaped:
        annex_a = [v for v in views.values() if v.kind == "control"]
        clauses = [v for v in views.values() if v.kind == "clause"]
    else:
        annex_a = [v for v in views.values() if not framework.children(v.ref)]
        clauses = []
    themes: dict[str, list[str]] = {}
    for view in annex_a:
        themes.setdefault(view.group, []).append(view.verdict)
    leaf_clauses = [v for v in clauses if not framework.children(v.ref)]
    # Clause headings (4 ... 10, 9.2, 9.3) only group their parts, which carry the work.
    net_new = [v for v in leaf_clauses if v.net_new and v.artifact]
    annex_a_summary = count_verdicts(v.verdict for v in annex_a)
    measured = ANNEX_A if iso_shaped else measured_name(framework, annex_a)
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
        backlog=backlog([*leaf_clauses, *annex_a]),
        soa_draft=soa_draft(annex_a) if target.startswith("iso27001") else [],
        crosswalk=_crosswalk_rows(library, facts, target, memo),
        likely_strength=likely_strength,
        head_start=head_start(annex_a_summary, measured) if annex_a else None,
        records=[s for s in (standings or {}).values() if s.key in used],
        stage_1_blockers=[b for s in (standings or {}).values() for b in s.blockers],
        isms_since=min((s.first for s in (standings or {}).values() if s.first), default=None),
        measured=measured,
    )
