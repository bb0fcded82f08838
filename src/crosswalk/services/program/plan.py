"""A dated plan to ISO/IEC 27001 certification, ordered by what blocks it.

The gap analysis says what is missing; the plan says in what order and by when. Phases: the
Stage 1 blockers (mandatory clause records missing, unapproved or incomplete; the ones
``isms readiness`` lists first), then the applicable Annex A gaps (with the risks they
treat), then the partial items (each with what is missing), then the likely items as one
confirmation round per owner. Dates are scheduled backwards from the target date (the Stage 2
audit): risk assessment before treatment before SoA approval before the internal audit
before the management review, both done before Stage 1, so the ISMS has run long enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.coverage import Verdict
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.coverage.figures import HeadStart
from crosswalk.services.coverage.gap import GapReport, RequirementVerdict, run_gap
from crosswalk.services.coverage.rounds import owner_rounds
from crosswalk.services.isms.risks import list_risks, risk_annex_a

# Calendar days each effort size takes (S = days, M = weeks, L = months of part-time work).
EFFORT_DAYS = {"S": 7, "M": 21, "L": 56}
STAGE_1_BEFORE_STAGE_2 = 42  # days between the two audits, a common certification-body gap
READY_BEFORE_STAGE_1 = 14  # documents go to the auditor two weeks before Stage 1
# How long the ISMS should have kept records by the Stage 2 audit: certification bodies
# commonly look for about three months of operation, audit and review included.
MIN_RUN_DAYS = 91
CONFIRMATION_ROUND_DAYS = 14

STAGE_1 = "stage-1-blockers"
ANNEX_A_GAPS = "annex-a-gaps"
PARTIAL = "partial"
CONFIRM = "confirm"
PHASE_TITLES = {
    STAGE_1: "Stage 1 blockers: mandatory ISMS records missing, unapproved or incomplete",
    ANNEX_A_GAPS: "Applicable Annex A controls with no control yet",
    PARTIAL: "Partial coverage to complete before Stage 2",
    CONFIRM: "Likely covered: one confirmation round per owner",
}

# The chain ISO's clauses impose (earlier first); each link waits for the one before.
CHAIN = (
    ("risk", ("6.1.2", "8.2")),
    ("treatment", ("6.1.3", "8.3")),
    ("internal-audit", ("9.2", "9.2.1", "9.2.2")),
    ("management-review", ("9.3", "9.3.1", "9.3.2", "9.3.3")),
)
# Who usually does a clause's work when no control owner is known (a suggestion, shown so).
SUGGESTED_ROLES = {
    "4": "ISMS manager",
    "5": "Top management",
    "6": "ISMS manager",
    "6.2": "Top management",
    "7": "ISMS manager",
    "7.2": "HR lead",
    "7.3": "HR lead",
    "8": "ISMS manager",
    "9": "ISMS manager",
    "9.2": "Internal auditor",
    "9.3": "Top management",
    "10": "ISMS manager",
}
ANNEX_A_ROLE = "Control owner (to assign)"


class PlanError(CrosswalkError):
    pass


@dataclass(frozen=True)
class PlanItem:
    key: str  # stable: "<phase>:<ref>" or "confirm:<owner>"
    phase: str
    ref: str
    title: str
    action: str
    owner: str
    owner_suggested: bool  # a role we suggest, not a named owner
    effort: str
    start: date
    due: date
    depends_on: list[str]
    missing: list[str]  # what is missing, in words
    risks: list[str] = field(default_factory=list)  # risks whose treatment names the control
    verdict: str = ""


@dataclass(frozen=True)
class Milestone:
    key: str
    name: str
    due: date
    what: str


@dataclass(frozen=True)
class Phase:
    key: str
    title: str
    items: list[PlanItem]


@dataclass(frozen=True)
class CertificationPlan:
    today: date
    target_date: date
    phases: list[Phase]
    milestones: list[Milestone]
    head_start: HeadStart | None
    readiness_blockers: list[str]
    starts_on: date  # the earliest start any item needs
    late_by_days: int  # > 0: the target cannot be met from today at these efforts
    earliest_target: date  # the earliest target that needs nothing in the past and lets the
    # ISMS run MIN_RUN_DAYS before Stage 2
    isms_since: date | None = None  # the earliest ISMS record (None: nothing kept yet)
    run_days_by_stage_2: int = 0  # how long the ISMS will have run by the target

    @property
    def items(self) -> list[PlanItem]:
        return [item for phase in self.phases for item in phase.items]

    def find(self, key: str) -> PlanItem:
        for item in self.items:
            if item.key == key:
                return item
        raise PlanError(f"no plan item {key!r}")


def _suggested_role(ref: str) -> str:
    parts = ref.split(".")
    for size in range(len(parts), 0, -1):
        role = SUGGESTED_ROLES.get(".".join(parts[:size]))
        if role:
            return role
    return "ISMS manager"


def _owner(view: RequirementVerdict) -> tuple[str, bool]:
    if view.owners:
        return ", ".join(view.owners), False
    if view.kind == "clause":
        return _suggested_role(view.ref), True
    return ANNEX_A_ROLE, True


def _link(ref: str) -> int | None:
    """The clause's place in the chain, if it is on it."""
    for position, (_name, refs) in enumerate(CHAIN):
        if ref in refs:
            return position
    return None


def _position(ref: str) -> int:
    """Where a clause sits in the chain; clauses off the chain come after every link."""
    link = _link(ref)
    return len(CHAIN) if link is None else link


def _action(view: RequirementVerdict) -> str:
    thing = view.artifact or view.title
    if view.kind == "clause":
        verb = "Create" if view.verdict == Verdict.GAP else "Complete"
        return f"{verb} {thing} ({view.ref} {view.title})"
    if view.verdict == Verdict.GAP:
        return f"Design and operate a control for {view.ref} {view.title}"
    if view.verdict == Verdict.PLANNED:
        return f"Put into operation the controls on paper for {view.ref}: " + ", ".join(
            view.controls
        )
    return f"Complete the coverage of {view.ref} {view.title}"


@dataclass
class _Draft:
    """An item before it has dates."""

    key: str
    phase: str
    view: RequirementVerdict
    effort: str
    depends_on: list[str]
    due: date | None = None


def _clause_items(report: GapReport, blocker_refs: set[str]) -> list[_Draft]:
    parents = {v.group_parent for v in report.clauses if v.group_parent}
    leaves = [
        v
        for v in report.clauses
        if v.ref not in parents and v.verdict in (Verdict.GAP, Verdict.PARTIAL, Verdict.PLANNED)
    ]
    drafts = {v.ref: _Draft(f"{STAGE_1}:{v.ref}", STAGE_1, v, v.effort or "M", []) for v in leaves}
    # Dependencies: each chain link waits for the earlier links; the internal audit waits for
    # every other clause (it audits them).
    for ref, draft in drafts.items():
        link = _link(ref)
        if link is None:
            continue
        earlier = [d.key for r, d in drafts.items() if _position(r) < link]
        if link >= 2:  # internal audit and management review audit and review the rest
            earlier += [d.key for r, d in drafts.items() if _link(r) is None]
        draft.depends_on = sorted(set(earlier))

    return sorted(drafts.values(), key=lambda d: (d.view.ref not in blocker_refs, d.view.ref))


def _blocker_refs(report: GapReport, blockers: Iterable[str]) -> set[str]:
    """The clauses whose record readiness names as a Stage 1 blocker."""
    said = " ".join(blockers)
    refs: set[str] = set()
    for record in report.records:
        if any(why in said for why in record.missing):
            refs.update(part.strip().split(" ")[0] for part in record.clauses.split(","))
    found = set()
    for view in report.clauses:
        top = view.ref if view.ref in refs else (view.group_parent or "")
        if view.ref in refs or top in refs:
            found.add(view.ref)
    return found


def _schedule(drafts: list[_Draft], deadline: dict[str, date]) -> dict[str, tuple[date, date]]:
    """Latest dates that meet each item's deadline and every dependent's start."""
    by_key = {d.key: d for d in drafts}
    dependents: dict[str, list[str]] = {d.key: [] for d in drafts}
    for draft in drafts:
        for before in draft.depends_on:
            if before in dependents:
                dependents[before].append(draft.key)
    dates: dict[str, tuple[date, date]] = {}

    def visit(key: str) -> tuple[date, date]:
        if key in dates:
            return dates[key]
        draft = by_key[key]
        due = deadline[key]
        for after in dependents[key]:
            due = min(due, visit(after)[0])
        start = due - timedelta(days=EFFORT_DAYS.get(draft.effort, 21))
        dates[key] = (start, due)
        return dates[key]

    for draft in drafts:
        visit(draft.key)
    return dates


def build_plan(
    report: GapReport,
    today: date,
    target_date: date,
    readiness_blockers: list[str],
    risks_by_ref: dict[str, list[str]],
) -> CertificationPlan:
    """Order and date the gap report's work (pure: no database, for every surface alike)."""
    if target_date <= today:
        raise PlanError(f"the target date {target_date} is not after today ({today})")
    stage_2 = target_date
    stage_1 = stage_2 - timedelta(days=STAGE_1_BEFORE_STAGE_2)
    ready = stage_1 - timedelta(days=READY_BEFORE_STAGE_1)
    blocker_refs = _blocker_refs(report, readiness_blockers)
    clause_drafts = _clause_items(report, blocker_refs)
    annex_gaps = [v for v in report.annex_a if v.verdict in (Verdict.GAP, Verdict.PLANNED)]
    partial = [v for v in report.annex_a if v.verdict == Verdict.PARTIAL]
    audit_keys = [d.key for d in clause_drafts if _link(d.view.ref) == 2]
    annex_drafts = [
        _Draft(f"{ANNEX_A_GAPS}:{v.ref}", ANNEX_A_GAPS, v, v.effort or "M", []) for v in annex_gaps
    ]
    partial_drafts = [
        _Draft(f"{PARTIAL}:{v.ref}", PARTIAL, v, _smaller(v.effort or "M"), []) for v in partial
    ]
    # Annex A work must run before the internal audit looks at it.
    for draft in clause_drafts:
        if draft.key in audit_keys:
            draft.depends_on = sorted({*draft.depends_on, *(d.key for d in annex_drafts)})
    deadline = {d.key: ready for d in clause_drafts}
    deadline.update({d.key: ready for d in annex_drafts})
    deadline.update({d.key: stage_2 - timedelta(days=14) for d in partial_drafts})
    dates = _schedule([*clause_drafts, *annex_drafts, *partial_drafts], deadline)

    def item(draft: _Draft) -> PlanItem:
        view = draft.view
        owner, suggested = _owner(view)
        start, due = dates[draft.key]
        return PlanItem(
            key=draft.key,
            phase=draft.phase,
            ref=view.ref,
            title=view.title,
            action=_action(view),
            owner=owner,
            owner_suggested=suggested,
            effort=draft.effort,
            start=start,
            due=due,
            depends_on=draft.depends_on,
            missing=list(view.why_not_higher),
            risks=risks_by_ref.get(view.ref, []),
            verdict=str(view.verdict),
        )

    confirm_due = min(today + timedelta(days=CONFIRMATION_ROUND_DAYS), ready)
    confirm_items = [
        PlanItem(
            key=f"{CONFIRM}:{each.owner}",
            phase=CONFIRM,
            ref=", ".join(i.ref for i in each.items),
            title=f"Confirmation round for {each.owner}",
            action=(
                f"Confirm {len(each.items)} likely items with your controls "
                f"{', '.join(each.controls)}: crosswalk confirmations --likely --owner "
                f'"{each.owner}"'
            ),
            owner=each.owner,
            owner_suggested=False,
            effort="S",
            start=confirm_due - timedelta(days=CONFIRMATION_ROUND_DAYS),
            due=confirm_due,
            depends_on=[],
            missing=[f"{i.ref} through {i.criterion} (strength {i.strength})" for i in each.items],
            verdict=str(Verdict.LIKELY),
        )
        for each in owner_rounds(report)
    ]
    phases = [
        Phase(
            STAGE_1,
            PHASE_TITLES[STAGE_1],
            sorted(
                (item(d) for d in clause_drafts),
                key=lambda i: (i.ref not in blocker_refs, i.start, i.ref),
            ),
        ),
        Phase(ANNEX_A_GAPS, PHASE_TITLES[ANNEX_A_GAPS], [item(d) for d in annex_drafts]),
        Phase(PARTIAL, PHASE_TITLES[PARTIAL], [item(d) for d in partial_drafts]),
        Phase(CONFIRM, PHASE_TITLES[CONFIRM], confirm_items),
    ]
    scheduled = [i for p in phases if p.key != CONFIRM for i in p.items]
    starts_on = min((i.start for i in scheduled), default=today)
    late = max(0, (today - starts_on).days)
    review_keys = [d.key for d in clause_drafts if _link(d.view.ref) == 3]
    audit_due = min(
        (dates[k][1] for k in audit_keys),
        default=min((dates[k][0] for k in review_keys), default=ready),
    )
    milestones = [
        Milestone("today", "Today", today, "the plan starts"),
        Milestone("internal-audit", "Internal audit done", audit_due, "9.2: the ISMS audited once"),
        Milestone(
            "stage-1-ready",
            "Stage 1 ready",
            ready,
            "every mandatory record approved and current; management review held",
        ),
        Milestone("stage-1", "Stage 1 audit", stage_1, "documentation review"),
        Milestone("stage-2", "Stage 2 audit", stage_2, "the target date: effectiveness audit"),
    ]
    return CertificationPlan(
        today=today,
        target_date=target_date,
        phases=phases,
        milestones=milestones,
        head_start=report.head_start,
        readiness_blockers=list(readiness_blockers),
        starts_on=starts_on,
        late_by_days=late,
        earliest_target=max(
            target_date + timedelta(days=late),
            (report.isms_since or today) + timedelta(days=MIN_RUN_DAYS),
        ),
        isms_since=report.isms_since,
        run_days_by_stage_2=(target_date - (report.isms_since or today)).days,
    )


def _smaller(effort: str) -> str:
    return {"L": "M", "M": "S", "S": "S"}[effort]


def default_target(today: date) -> date:
    """Nine months out: a common first-certification horizon for a SOC 2 company."""
    return today + timedelta(days=270)


def certification_plan(
    session: Session,
    library: Library,
    target_date: date | None = None,
    today: date | None = None,
    source: str = "soc2-tsc-2017",
    framework: str = "iso27001-2022",
    workspace_root: Path | None = None,
) -> CertificationPlan:
    """The plan for this workspace, from today's gap analysis, readiness and risks."""
    today = today or date.today()
    report = run_gap(
        session, library, source, framework, today=today, workspace_root=workspace_root
    )
    risks_by_ref: dict[str, list[str]] = {}
    for risk in list_risks(session):
        for ref in risk_annex_a(risk):
            risks_by_ref.setdefault(ref, []).append(risk.risk_id)
    return build_plan(
        report, today, target_date or default_target(today), report.stage_1_blockers, risks_by_ref
    )
