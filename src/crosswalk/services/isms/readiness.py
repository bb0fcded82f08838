"""Is the ISMS ready for a Stage 1 audit? One view over every artifact ISO/IEC 27001:2022
makes mandatory: whether it exists, since when, until when, and for how many months.

Dates are the ones each record speaks about (a review's meeting day, an audit's day, a
nonconformity's raising and closing, evidence's performance date, a version's approval),
with creation and update times where a record has nothing better; the risk method, a bare
setting, is dated by the audit trail. "Months" counts distinct calendar months with any
record: an ISMS that has run since spring shows it, one typed in yesterday shows 1.

The record services themselves live one per noun: ``audits``, ``reviews``,
``nonconformities``, ``objectives``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.io.policy_files import (
    PolicyFileError,
    PolicyStatus,
    policy_folder,
    read_policies,
    review_due,
)
from crosswalk.services.controls.controls import all_facts
from crosswalk.services.isms.audits import AUDIT_RECORDS, audit_state
from crosswalk.services.isms.audits import OVERDUE as AUDIT_OVERDUE
from crosswalk.services.isms.common import date_span
from crosswalk.services.isms.nonconformities import NONCONFORMITY_RECORDS, nc_state
from crosswalk.services.isms.nonconformities import OVERDUE as NC_OVERDUE
from crosswalk.services.isms.objectives import OBJECTIVE_RECORDS
from crosswalk.services.isms.records import RecordKind
from crosswalk.services.isms.reviews import REVIEW_INPUTS, REVIEW_RECORDS, missing_inputs
from crosswalk.store.isms_models import (
    InternalAuditRow,
    ManagementReviewRow,
    NonconformityRow,
    ObjectiveRow,
    RiskRow,
    ScopeStatementRow,
    SettingRow,
    SoaVersionRow,
)
from crosswalk.store.models import AuditRow, ControlRow, EvidenceLinkRow, EvidenceRow

# The four record kinds of this layer in the declarative program format.
ISMS_RECORDS: tuple[RecordKind, ...] = (
    AUDIT_RECORDS,
    REVIEW_RECORDS,
    NONCONFORMITY_RECORDS,
    OBJECTIVE_RECORDS,
)

RISK_METHOD_SETTING = "risk_method"
# A record older than this is stale: ISO expects the risk assessment, internal audit and
# management review to recur at least yearly.
MAX_AGE_DAYS = 366
# Competence (7.2) and awareness (7.3) records: evidence of controls reaching these.
COMPETENCE_REQUIREMENTS = (
    "iso27001-2022:7.2",
    "iso27001-2022:7.3",
    "soc2-tsc-2017:CC1.4",
    "soc2-tsc-2017:CC2.2",
)


@dataclass(frozen=True)
class Artifact:
    key: str
    name: str
    clauses: str
    exists: bool
    records: int
    first: date | None
    last: date | None
    months: int  # distinct calendar months with records
    note: str
    blockers: list[str]  # what about this artifact stops a Stage 1 audit
    incomplete: list[str] = field(default_factory=list)  # why it is not complete and current

    @property
    def complete(self) -> bool:
        """Exists, approved where approval applies, whole, and current (MAX_AGE_DAYS)."""
        return self.exists and not self.incomplete and not self.blockers


@dataclass(frozen=True)
class Readiness:
    today: date
    artifacts: list[Artifact]
    overdue_nonconformities: list[str]
    blockers: list[str]

    @property
    def ready(self) -> bool:
        return not self.blockers


def _artifact(
    key: str,
    name: str,
    clauses: str,
    records: int,
    dates: Iterable[date | datetime | None],
    note: str = "",
    blockers: Iterable[str] = (),
    missing: str = "",
    incomplete: Iterable[str] = (),
) -> Artifact:
    span = date_span(dates)
    found = list(blockers)
    if not records:
        found.insert(0, missing or f"{name} ({clauses}): missing")
    return Artifact(
        key,
        name,
        clauses,
        records > 0,
        records,
        span.first,
        span.last,
        span.months,
        note,
        found,
        list(incomplete) if records else [],
    )


def _stale(dates: Iterable[date | datetime | None], today: date, what: str) -> list[str]:
    """``[reason]`` when the newest record is older than MAX_AGE_DAYS, else ``[]``."""
    days = [d.date() if isinstance(d, datetime) else d for d in dates if d is not None]
    if not days:
        return []
    day = max(days)
    if today - day > timedelta(days=MAX_AGE_DAYS):
        return [f"the latest {what} is from {day}, more than a year ago"]
    return []


def _versions_note(
    rows: list[ScopeStatementRow] | list[SoaVersionRow], what: str
) -> tuple[str, list[str]]:
    """Which version is in force and whether anyone approved it."""
    if not rows:
        return "", []
    latest = rows[-1]
    approved = [r for r in rows if r.approved_on is not None]
    if latest.approved_on is not None:
        by = f" by {latest.approved_by}" if latest.approved_by else ""
        return f"v{latest.version}, approved {latest.approved_on}{by}", []
    if approved:
        return f"v{latest.version} is a draft; v{approved[-1].version} is the approved one", []
    return f"v{latest.version}, not approved", [f"{what} is not approved (v{latest.version})"]


def _scope(session: Session, _today: date) -> Artifact:
    rows = list(session.scalars(select(ScopeStatementRow).order_by(ScopeStatementRow.version)))
    note, blockers = _versions_note(rows, "the ISMS scope statement")
    dates = [d for r in rows for d in (r.created_at, r.approved_on)]
    return _artifact("scope", "ISMS scope", "4.3", len(rows), dates, note, blockers)


def _risk_method(session: Session, _today: date) -> Artifact:
    setting = session.get(SettingRow, RISK_METHOD_SETTING)
    changes = list(
        session.scalars(
            select(AuditRow.at).where(
                AuditRow.entity == "setting", AuditRow.entity_key == RISK_METHOD_SETTING
            )
        )
    )
    note = "defined in the workspace settings" if setting else ""
    return _artifact(
        "risk_method", "Risk assessment method", "6.1.2", int(setting is not None), changes, note
    )


def _risks(session: Session) -> list[RiskRow]:
    return list(session.scalars(select(RiskRow).order_by(RiskRow.risk_id)))


def _treated(risk: RiskRow) -> bool:
    """A treatment decided: a plan, controls or Annex A refs, or the owner's acceptance."""
    return bool(
        risk.treatment_plan.strip() or risk.annex_a.strip() or risk.controls or risk.accepted_on
    )


def _risk_assessment(session: Session, today: date) -> Artifact:
    risks = _risks(session)
    accepted = sum(1 for r in risks if r.accepted_on)
    dates = [d for r in risks for d in (r.created_at, r.updated_at, r.accepted_on)]
    note = f"{len(risks)} risks, {accepted} accepted by their owner" if risks else ""
    unowned = sorted(r.risk_id for r in risks if not (r.owner or "").strip())
    incomplete = [f"risks without an owner: {', '.join(unowned)}"] if unowned else []
    incomplete += _stale(dates, today, "risk assessment")
    if session.get(SettingRow, RISK_METHOD_SETTING) is None:
        incomplete.append("no risk assessment method is defined (crosswalk risks method)")
    return _artifact(
        "risk_assessment",
        "Risk assessment",
        "6.1.2, 8.2",
        len(risks),
        dates,
        note,
        incomplete=incomplete,
    )


def _treatment_plan(session: Session, _today: date) -> Artifact:
    risks = _risks(session)
    treated = [r for r in risks if _treated(r)]
    dates = [d for r in treated for d in (r.updated_at, r.accepted_on)]
    note = f"{len(treated)} of {len(risks)} risks have a treatment decided" if risks else ""
    untreated = sorted(r.risk_id for r in risks if not _treated(r))
    incomplete = [f"risks with no treatment decided: {', '.join(untreated)}"] if untreated else []
    return _artifact(
        "treatment_plan",
        "Risk treatment plan",
        "6.1.3, 8.3",
        len(treated),
        dates,
        note,
        incomplete=incomplete,
    )


def _soa(session: Session, _today: date) -> Artifact:
    rows = list(session.scalars(select(SoaVersionRow).order_by(SoaVersionRow.version)))
    note, blockers = _versions_note(rows, "the Statement of Applicability")
    dates = [d for r in rows for d in (r.created_at, r.approved_on)]
    return _artifact(
        "soa", "Statement of Applicability", "6.1.3 d", len(rows), dates, note, blockers
    )


def _objectives(session: Session, _today: date) -> Artifact:
    rows = list(session.scalars(select(ObjectiveRow)))
    achieved = sum(1 for r in rows if r.status == "achieved")
    note = f"{len(rows)} objectives, {achieved} achieved" if rows else ""
    unowned = sorted(r.objective_id for r in rows if not (r.owner or "").strip())
    unmeasured = sorted(r.objective_id for r in rows if not (r.measure or "").strip())
    incomplete = [f"objectives without an owner: {', '.join(unowned)}"] if unowned else []
    if unmeasured:
        incomplete.append(f"objectives without a measure: {', '.join(unmeasured)}")
    return _artifact(
        "objectives",
        "Security objectives",
        "6.2",
        len(rows),
        [r.created_at for r in rows],
        note,
        incomplete=incomplete,
    )


def reaches_competence(library: Library, control: ControlFacts, seen: dict[str, bool]) -> bool:
    """Whether the control reaches 7.2, 7.3, CC1.4 or CC2.2: directly or through a coverage
    edge. ``seen`` remembers each tag's answer (share it across controls)."""
    for tag in control.tags:
        requirement = tag.requirement
        found = seen.get(requirement)
        if found is None:
            keys = {k for k in COMPETENCE_REQUIREMENTS if library.requirement(k) is not None}
            found = seen[requirement] = requirement in keys or any(
                edge.end in keys and edge.mapping.set_id in library.coverage_sets
                for edge in library.graph.edges_of(requirement)
            )
        if found:
            return True
    return False


def competence_controls(library: Library, controls: Iterable[ControlFacts]) -> list[str]:
    """Controls that reach 7.2, 7.3, CC1.4 or CC2.2: directly or through a coverage edge."""
    seen: dict[str, bool] = {}
    return sorted(c.control_id for c in controls if reaches_competence(library, c, seen))


def _competence(
    session: Session,
    library: Library,
    today: date,
    controls: list[ControlFacts] | None,
    members: list[str] | None = None,
) -> Artifact:
    """``members``: the controls reaching the competence requirements, when known."""
    if members is None:
        members = competence_controls(library, all_facts(session) if controls is None else controls)
    reaching = members
    evidence_ids: set[int] = set()
    if reaching:
        evidence_ids = set(
            session.scalars(
                select(EvidenceLinkRow.evidence_id)
                .join(ControlRow, ControlRow.id == EvidenceLinkRow.control_pk)
                .where(ControlRow.control_id.in_(reaching))
            )
        )
    dates = (
        list(
            session.scalars(
                select(EvidenceRow.performed_end).where(EvidenceRow.id.in_(sorted(evidence_ids)))
            )
        )
        if evidence_ids
        else []
    )
    note = f"{len(evidence_ids)} pieces of evidence" if evidence_ids else ""
    return _artifact(
        "competence",
        "Competence and awareness records",
        "7.2, 7.3",
        len(evidence_ids),
        dates,
        note,
        incomplete=_stale(dates, today, "training record"),
    )


def _internal_audit(session: Session, today: date) -> Artifact:
    rows = list(session.scalars(select(InternalAuditRow)))
    performed = [r for r in rows if r.performed_on is not None]
    late = sorted(r.audit_id for r in rows if audit_state(r, today) == AUDIT_OVERDUE)
    parts = [f"{len(performed)} performed", f"{len(rows) - len(performed)} planned"] if rows else []
    if late:
        parts.append(f"overdue {', '.join(late)}")
    incomplete = _stale([r.performed_on for r in performed], today, "internal audit")
    if late:
        incomplete.append(f"planned audits overdue: {', '.join(late)}")
    return _artifact(
        "internal_audit",
        "Internal audit",
        "9.2",
        len(performed),
        [r.performed_on for r in performed],
        ", ".join(parts),
        missing="Internal audit (9.2): none performed yet"
        + (f" ({len(rows)} planned)" if rows else ""),
        incomplete=incomplete,
    )


def _management_review(session: Session, today: date) -> Artifact:
    rows = list(
        session.scalars(
            select(ManagementReviewRow)
            .where(ManagementReviewRow.held_on <= today)
            .order_by(ManagementReviewRow.held_on, ManagementReviewRow.review_id)
        )
    )
    note = ""
    incomplete: list[str] = []
    if rows:
        latest = rows[-1]
        gaps = missing_inputs(latest)
        note = f"{len(rows)} held; the latest, {latest.review_id}, " + (
            f"misses {len(gaps)} of {len(REVIEW_INPUTS)} inputs" if gaps else "covers every input"
        )
        if gaps:
            incomplete.append(
                f"{latest.review_id} misses 9.3.2 inputs: "
                + ", ".join(f"{i.item} {i.label}" for i in gaps)
            )
        incomplete += _stale([latest.held_on], today, "management review")
    return _artifact(
        "management_review",
        "Management review",
        "9.3",
        len(rows),
        [r.held_on for r in rows],
        note,
        missing="Management review (9.3): none held yet",
        incomplete=incomplete,
    )


def _nonconformities(session: Session, today: date) -> tuple[Artifact, list[str]]:
    rows = list(session.scalars(select(NonconformityRow).order_by(NonconformityRow.nc_id)))
    states = {r.nc_id: nc_state(r, today) for r in rows}
    late = sorted(
        (r for r in rows if states[r.nc_id] == NC_OVERDUE), key=lambda r: (r.due_on, r.nc_id)
    )
    blockers = []
    if late:
        blockers.append(
            "overdue nonconformities: "
            + ", ".join(f"{r.nc_id} (due {r.due_on}, owner {r.owner or 'none'})" for r in late)
        )
    closed = sum(1 for s in states.values() if s == "closed")
    note = f"{len(rows) - closed} open ({len(late)} overdue), {closed} closed" if rows else ""
    dates = [d for r in rows for d in (r.raised_on, r.closed_on, r.effectiveness_checked_on)]
    artifact = _artifact(
        "nonconformities", "Nonconformity log", "10.2", len(rows), dates, note, blockers
    )
    return artifact, [r.nc_id for r in late]


TOP_LEVEL_POLICY = "information security policy"


def _policies(root: Path, today: date) -> Artifact:
    """The policy library (5.2, 7.5): a top-level policy in force, every policy in force
    approved, owned and reviewed on time."""
    try:
        policies = [item.policy for item in read_policies(root)]
    except PolicyFileError as problem:  # one bad file must not stop the gap analysis
        return _artifact(
            "policies",
            "Policy library",
            "5.2, 7.5",
            0,
            [],
            missing=f"Policy library (5.2, 7.5): cannot be read: {problem}",
        )
    in_force = [p for p in policies if p.status is PolicyStatus.IN_FORCE]
    blockers = []
    if in_force and not any(TOP_LEVEL_POLICY in p.title.lower() for p in in_force):
        blockers.append("no information security policy (5.2) is in force")
    unapproved = sorted(p.id for p in in_force if not (p.approver and p.approved_on))
    unowned = sorted(p.id for p in in_force if not (p.owner or "").strip())
    overdue = sorted(
        f"{p.id} (due {due})" for p in in_force if (due := review_due(p)) and due < today
    )
    incomplete = [
        f"{what}: {', '.join(ids)}"
        for what, ids in (
            ("policies in force with no approval", unapproved),
            ("policies in force with no owner", unowned),
            ("policies overdue for review", overdue),
        )
        if ids
    ]
    drafts = len(policies) - len(in_force)
    note = f"{len(in_force)} in force, {drafts} draft or retired" if policies else ""
    dates = [d for p in in_force for d in (p.approved_on, p.last_reviewed)]
    return _artifact(
        "policies",
        "Policy library",
        "5.2, 7.5",
        len(in_force),
        dates,
        note,
        blockers,
        missing="Policy library (5.2, 7.5): no policy in force",
        incomplete=incomplete,
    )


def with_competence_again(
    found: Readiness, session: Session, library: Library, members: list[str]
) -> Readiness:
    """``found`` with only the competence records read again: they follow the controls that
    reach 7.2/7.3 (``members``) and those controls' evidence, the other records do not."""
    artifacts = [
        _competence(session, library, found.today, None, sorted(members))
        if a.key == "competence"
        else a
        for a in found.artifacts
    ]
    return Readiness(
        today=found.today,
        artifacts=artifacts,
        overdue_nonconformities=found.overdue_nonconformities,
        blockers=[blocker for a in artifacts for blocker in a.blockers],
    )


PolicyStamp = tuple[tuple[str, int, int], ...]


def policy_stamp(root: Path | None) -> PolicyStamp:
    """What the policy library's files look like on disk (name, size, modification time):
    it changes whenever a policy file is written, and a policy is judged from its file."""
    if root is None:
        return ()
    folder = policy_folder(root)
    found = []
    try:
        for path in sorted(folder.glob("*.md")):
            stat = path.stat()
            found.append((path.name, stat.st_size, stat.st_mtime_ns))
    except OSError:  # moved meanwhile: the next look sees the new state
        return (("?", -1, -1),)
    return tuple(found)


def readiness(
    session: Session,
    library: Library,
    today: date | None = None,
    controls: list[ControlFacts] | None = None,
    policies_root: Path | None = None,
) -> Readiness:
    """Every mandatory artifact with its dates, and what still blocks a Stage 1 audit.

    ``controls`` is ``all_facts(session)`` when the caller has it already. The policy
    library lives in the workspace folder, so it is judged when ``policies_root`` names it."""
    today = today or date.today()
    simple: list[Callable[[Session, date], Artifact]] = [
        _scope,
        _risk_method,
        _risk_assessment,
        _treatment_plan,
        _soa,
        _objectives,
    ]
    artifacts = [build(session, today) for build in simple]
    artifacts.append(_competence(session, library, today, controls))
    artifacts.extend([_internal_audit(session, today), _management_review(session, today)])
    log, late = _nonconformities(session, today)
    artifacts.append(log)
    if policies_root is not None:
        artifacts.append(_policies(policies_root, today))
    return Readiness(
        today=today,
        artifacts=artifacts,
        overdue_nonconformities=late,
        blockers=[blocker for a in artifacts for blocker in a.blockers],
    )
