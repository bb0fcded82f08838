"""What your ISO certificate does not cover: every GDPR article of the shipped catalog, read
against the shipped GDPR -> ISO/IEC 27001:2022 mapping set, this workspace's controls, and
the GDPR records this module keeps.

An article is *met through ISMS controls* when controls in place meet (by the gap analysis:
covered or likely, directly or through the crosswalk) at least a third of the ISO
requirements the article substantially relates to (edges that are not weak), or carry the
article itself; each such control is listed with the
mapping's note on what the ISO requirement leaves out. An article is *met by this module's
records* when the records it asks for exist and show no gap (Art. 30, 33, 34, 35, the
lawful basis, processors, transfers, requests). Everything else is *open*: what nothing
covers yet, with the fine tier it falls under (Art. 83(4) or 83(5)).

One function, ``certificate_gaps``, computes every figure; the terminal, Markdown, HTML and
XLSX surfaces and the web page all render its result.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.breach_clock import NOTIFY_WITHIN, WARN_WITHIN, as_utc
from crosswalk.domain.gdpr import REQUEST_KINDS, dpia_screening, request_due, split_list
from crosswalk.services.coverage.gap import run_gap
from crosswalk.store.gdpr_models import DataSubjectRequestRow, IncidentRow, ProcessingActivityRow
from crosswalk.store.models import ControlRow, TagRow

GDPR = "gdpr"
ISO = "iso27001-2022"
MAPPING_SET = "gdpr-to-iso27001-2022"
MET_BY_CONTROLS = "met through ISMS controls"
MET_BY_RECORDS = "met by this module's records"
OPEN = "open"
NOT_USED = "not used"
STATES = (MET_BY_CONTROLS, MET_BY_RECORDS, OPEN, NOT_USED)
IN_PLACE = ("implemented", "operating")
MEETS = ("covered", "likely")  # gap verdicts of an ISO requirement that count as met
# An article is met through controls when they meet at least a third of the ISO requirements
# it substantially relates to (each edge is an intersection, never the whole article);
# below that it stays open, "only partly", with the controls listed.
MET_SHARE = 3
Carried = dict[str, list[tuple[str, str]]]
SKIPPED = {"Art. 82", "Art. 83"}  # remedies and fines: what the others are weighed by
# Which request type answers which article.
REQUEST_ARTICLES = {f"Art. {text.split()[1]}": kind for kind, text in REQUEST_KINDS.items()}
# Chapter V grounds: the safeguard key that uses each article.
TRANSFER_ARTICLES = {
    "Art. 45": "adequacy",
    "Art. 46": "sccs",
    "Art. 47": "bcrs",
    "Art. 49": "derogation",
}


def fine_tier(ref: str) -> str:
    """Art. 83(5) (EUR 20m / 4 %) or 83(4) (EUR 10m / 2 %), as Art. 83 lists the articles."""
    match = re.match(r"Art\. (\d+)", ref)
    if not match:
        return ""
    number = int(match.group(1))
    if number in (5, 6, 7, 9) or 12 <= number <= 22 or 44 <= number <= 49:
        return "Art. 83(5)"
    if number in (8, 11, 42, 43) or 25 <= number <= 39:
        return "Art. 83(4)"
    return ""


@dataclass(frozen=True)
class ControlReach:
    """A control in place that meets part of an article through one ISO requirement."""

    control_id: str
    title: str
    via: str  # the ISO requirement (or the article itself)
    strength: int | None
    note: str  # what the ISO requirement leaves out, from the mapping set


@dataclass(frozen=True)
class ArticleLine:
    ref: str
    title: str
    area: str
    state: str
    fine_tier: str
    explanation: str
    controls: list[ControlReach] = field(default_factory=list)


@dataclass(frozen=True)
class RecordFigures:
    """What this module's records show, counted once for every article that reads them."""

    activities: int
    incomplete_activities: int  # missing an Art. 30(1) field
    without_basis: int
    special_without_condition: int
    processors_without_agreement: int
    dpia_missing: int
    transfers: Counter[str]  # safeguard -> activities
    large_scale_special: int
    incidents: int
    breaches: int
    awaiting_notification: int
    clocks_alerting: int
    late_notifications: int
    high_risk_undecided: int
    requests: Counter[str]  # kind -> requests
    overdue_requests: Counter[str]  # kind -> overdue


@dataclass(frozen=True)
class CertificateGaps:
    generated_at: datetime
    articles: list[ArticleLine]
    figures: RecordFigures
    counts: dict[str, int]  # state -> articles

    def by_state(self, state: str) -> list[ArticleLine]:
        return [line for line in self.articles if line.state == state]


def _activity_figures(session: Session) -> dict[str, object]:
    columns = (
        ProcessingActivityRow.role,
        ProcessingActivityRow.purpose,
        ProcessingActivityRow.subject_categories,
        ProcessingActivityRow.data_categories,
        ProcessingActivityRow.retention,
        ProcessingActivityRow.lawful_basis,
        ProcessingActivityRow.special_categories,
        ProcessingActivityRow.art9_condition,
        ProcessingActivityRow.processors,
        ProcessingActivityRow.processor_agreement,
        ProcessingActivityRow.transfer_safeguard,
        ProcessingActivityRow.dpia_criteria,
        ProcessingActivityRow.dpia_completed_on,
    )
    counts: Counter[str] = Counter()
    transfers: Counter[str] = Counter()
    for row in session.execute(select(*columns)):
        (role, purpose, subjects, data, retention, basis, special, condition) = row[:8]
        (processors, agreement, safeguard, criteria, dpia_done) = row[8:]
        counts["activities"] += 1
        if not (purpose and subjects and data and retention):
            counts["incomplete"] += 1
        if role != "processor" and not basis:
            counts["without_basis"] += 1
        if special and not condition:
            counts["special_without_condition"] += 1
        if processors and not agreement:
            counts["processors_without_agreement"] += 1
        answers = split_list(criteria)
        outcome, _ = dpia_screening(answers, bool(special))
        if outcome == "DPIA required" and dpia_done is None:
            counts["dpia_missing"] += 1
        if special and "large scale" in answers:
            counts["large_scale_special"] += 1
        if safeguard:
            transfers[safeguard] += 1
    return {"counts": counts, "transfers": transfers}


def _incident_figures(session: Session, now: datetime) -> Counter[str]:
    notifiable = and_(
        IncidentRow.aware_at.is_not(None),
        or_(IncidentRow.personal_data.is_(None), IncidentRow.personal_data.is_(True)),
        or_(IncidentRow.risk.is_(None), IncidentRow.risk != "unlikely"),
    )
    counts: Counter[str] = Counter()
    counts["incidents"] = session.scalar(select(func.count()).select_from(IncidentRow)) or 0
    counts["breaches"] = (
        session.scalar(select(func.count()).where(IncidentRow.personal_data.is_(True))) or 0
    )
    counts["undecided"] = (
        session.scalar(
            select(func.count()).where(
                IncidentRow.risk == "high", IncidentRow.subjects_decision.is_(None)
            )
        )
        or 0
    )
    counts["late"] = session.scalar(select(func.count()).where(IncidentRow.delay_reason != "")) or 0
    pending = session.scalars(
        select(IncidentRow.aware_at).where(notifiable, IncidentRow.notified_at.is_(None))
    )
    for aware in pending:
        counts["awaiting"] += 1
        if aware is not None and as_utc(aware) + NOTIFY_WITHIN - now < WARN_WITHIN:
            counts["alerting"] += 1
    return counts


def _request_figures(session: Session, now: datetime) -> tuple[Counter[str], Counter[str]]:
    kinds: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    today = now.date()
    query = select(
        DataSubjectRequestRow.kind,
        DataSubjectRequestRow.received_on,
        DataSubjectRequestRow.extension_reason,
        DataSubjectRequestRow.done_on,
    )
    for kind, received, reason, done in session.execute(query):
        kinds[kind] += 1
        if done is None and request_due(received, bool(reason)) < today:
            overdue[kind] += 1
    return kinds, overdue


def record_figures(session: Session, now: datetime) -> RecordFigures:
    found = _activity_figures(session)
    counts = found["counts"]
    transfers = found["transfers"]
    assert isinstance(counts, Counter) and isinstance(transfers, Counter)
    incidents = _incident_figures(session, now)
    kinds, overdue = _request_figures(session, now)
    return RecordFigures(
        activities=counts["activities"],
        incomplete_activities=counts["incomplete"],
        without_basis=counts["without_basis"],
        special_without_condition=counts["special_without_condition"],
        processors_without_agreement=counts["processors_without_agreement"],
        dpia_missing=counts["dpia_missing"],
        transfers=transfers,
        large_scale_special=counts["large_scale_special"],
        incidents=incidents["incidents"],
        breaches=incidents["breaches"],
        awaiting_notification=incidents["awaiting"],
        clocks_alerting=incidents["alerting"],
        late_notifications=incidents["late"],
        high_risk_undecided=incidents["undecided"],
        requests=kinds,
        overdue_requests=overdue,
    )


def _controls_in_place(session: Session, library: Library, today: date) -> Carried:
    """``framework:ref`` -> [(control id, title)]: the controls in place tagged to a GDPR
    article, and the controls through which the gap analysis finds an ISO/IEC 27001
    requirement covered (directly or through the crosswalk from SOC 2)."""
    rows = session.execute(
        select(ControlRow.control_id, ControlRow.title).where(ControlRow.retired_on.is_(None))
    )
    titles: dict[str, str] = {row.control_id: row.title for row in rows}
    carried: Carried = {}
    query = (
        select(TagRow.ref, ControlRow.control_id)
        .join(ControlRow, TagRow.control_pk == ControlRow.id)
        .where(
            ControlRow.status.in_(IN_PLACE),
            ControlRow.retired_on.is_(None),
            TagRow.framework == GDPR,
        )
        .order_by(ControlRow.control_id)
    )
    for ref, control_id in session.execute(query):
        carried.setdefault(f"{GDPR}:{ref}", []).append((control_id, titles[control_id]))
    if ISO in library.frameworks:
        gap = run_gap(session, library, today=today)
        for verdict in [*gap.annex_a, *gap.clauses]:
            if verdict.verdict in MEETS and verdict.controls:
                carried[f"{ISO}:{verdict.ref}"] = [
                    (c, titles.get(c, "")) for c in sorted(verdict.controls)
                ]
    return carried


def _from_controls(library: Library, ref: str, carried: Carried) -> tuple[list[ControlReach], str]:
    """The controls meeting the article, and, when none, why nothing does."""
    reach = [
        ControlReach(control_id, title, ref, None, "tagged to the article itself")
        for control_id, title in carried.get(f"{GDPR}:{ref}", [])
    ]
    mapping_set = library.mapping_sets.get(MAPPING_SET)
    key = f"{GDPR}:{ref}"
    edges = [e for e in (mapping_set.mappings if mapping_set else ()) if e.source == key]
    substantial = [e for e in edges if e.target and not e.weak]
    for edge in substantial:
        for control_id, title in carried.get(str(edge.target), []):
            via = _iso_ref(edge.target)
            reach.append(ControlReach(control_id, title, via, edge.strength, edge.note))
    if reach:
        return reach, ""
    if not edges or all(e.target is None for e in edges):
        note = next((e.note for e in edges if e.note), "")
        return [], f"ISO/IEC 27001 has no counterpart. {note}".strip()
    if not substantial:
        targets = ", ".join(sorted({_iso_ref(e.target) for e in edges if e.target}))
        return [], (
            f"ISO/IEC 27001 reaches it only tangentially ({targets}); a certificate says "
            "nothing about it"
        )
    targets = ", ".join(_iso_ref(e.target) for e in substantial)
    return [], f"no control in place carries the related ISO requirements ({targets})"


def _related(library: Library, ref: str) -> set[str]:
    mapping_set = library.mapping_sets.get(MAPPING_SET)
    key = f"{GDPR}:{ref}"
    edges = mapping_set.mappings if mapping_set else ()
    return {_iso_ref(e.target) for e in edges if e.source == key and e.target and not e.weak}


def _iso_ref(key: str | None) -> str:
    return (key or "").partition(":")[2] or (key or "")


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    if noun.endswith("y"):
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"


def _from_records(ref: str, f: RecordFigures) -> tuple[str, str] | None:
    """(state, explanation) where this module's records decide the article, else None."""
    none = "no processing activity recorded yet"
    if ref == "Art. 30":
        if not f.activities:
            return OPEN, none
        if f.incomplete_activities:
            return OPEN, f"{_plural(f.incomplete_activities, 'activity')} miss Art. 30(1) fields"
        return MET_BY_RECORDS, f"{_plural(f.activities, 'activity')} with every Art. 30(1) field"
    if ref == "Art. 6":
        if not f.activities:
            return OPEN, f"{none}: no lawful basis is documented"
        if f.without_basis:
            return OPEN, f"{_plural(f.without_basis, 'activity')} without a lawful basis"
        return MET_BY_RECORDS, "every activity names its lawful basis"
    if ref == "Art. 9":
        if f.special_without_condition:
            gaps = _plural(f.special_without_condition, "activity")
            return OPEN, f"{gaps} with special categories and no Art. 9(2) condition"
        if f.activities:
            return MET_BY_RECORDS, "special categories, where recorded, name their condition"
        return None
    if ref == "Art. 28":
        if f.processors_without_agreement:
            gaps = _plural(f.processors_without_agreement, "activity")
            return OPEN, f"{gaps} use processors without an Art. 28 agreement on file"
        if f.activities:
            return MET_BY_RECORDS, "every processor recorded has an agreement on file"
        return None
    if ref == "Art. 33":
        if f.awaiting_notification:
            return OPEN, (
                f"{_plural(f.awaiting_notification, 'personal-data breach')} await notification "
                f"({f.clocks_alerting} under 12 h or past due)"
            )
        late = f"; {f.late_notifications} late, with reasons" if f.late_notifications else ""
        if not f.breaches:
            return MET_BY_RECORDS, (
                f"incident register: {_plural(f.incidents, 'incident')}, no personal-data "
                "breach awaits notification"
            )
        return MET_BY_RECORDS, (
            f"incident register: {_plural(f.breaches, 'personal-data breach')}, each notified "
            f"or assessed unlikely to risk{late}; the breach log keeps them all (Art. 33(5))"
        )
    if ref == "Art. 34":
        if f.high_risk_undecided:
            gaps = _plural(f.high_risk_undecided, "high-risk breach")
            return OPEN, f"{gaps} without a decision on telling the people affected"
        return MET_BY_RECORDS, "every high-risk breach has its Art. 34 decision"
    if ref == "Art. 35":
        if not f.activities:
            return OPEN, f"{none}: nothing has been screened"
        if f.dpia_missing:
            return OPEN, f"{_plural(f.dpia_missing, 'activity')} need a DPIA none recorded"
        return MET_BY_RECORDS, f"{_plural(f.activities, 'activity')} screened; required DPIAs done"
    if ref == "Art. 12" or ref in REQUEST_ARTICLES:
        kind = REQUEST_ARTICLES.get(ref)
        asked = sum(f.requests.values()) if kind is None else f.requests[kind]
        overdue = sum(f.overdue_requests.values()) if kind is None else f.overdue_requests[kind]
        if overdue:
            return OPEN, f"{_plural(overdue, 'request')} overdue (Art. 12(3): one month)"
        if asked:
            return MET_BY_RECORDS, f"{_plural(asked, 'request')} handled within the deadline"
        return None
    if ref == "Art. 44":
        if not f.activities:
            return OPEN, f"{none}: transfers are unknown"
        count = sum(f.transfers.values())
        if count:
            return MET_BY_RECORDS, f"{_plural(count, 'transfer')}, each with its safeguard"
        return MET_BY_RECORDS, "no third-country transfer recorded"
    if ref in TRANSFER_ARTICLES:
        used = f.transfers[TRANSFER_ARTICLES[ref]]
        if used:
            return MET_BY_RECORDS, f"{_plural(used, 'transfer')} rest on it"
        return NOT_USED, "no recorded transfer rests on it"
    if ref == "Art. 37" and f.large_scale_special:
        gaps = _plural(f.large_scale_special, "activity")
        return (
            OPEN,
            f"a DPO is likely required (Art. 37(1)(c)): {gaps} with large-scale special categories",
        )
    return None


def certificate_gaps(
    session: Session, library: Library, now: datetime | None = None
) -> CertificateGaps:
    """Every figure of the report, computed once: the one function every surface renders."""
    at = as_utc(now) if now is not None else datetime.now(UTC)
    figures = record_figures(session, at)
    carried = _controls_in_place(session, library, at.date())
    framework = library.frameworks.get(GDPR)
    lines = []
    for requirement in framework.requirements if framework else ():
        if requirement.kind != "article" or requirement.ref in SKIPPED:
            continue
        ref = requirement.ref
        area = requirement.attributes.get("program_area", "")
        decided = _from_records(ref, figures)
        reach, why_not = _from_controls(library, ref, carried)
        if decided is not None and decided[0] in (MET_BY_RECORDS, NOT_USED):
            state, explanation = decided
        elif decided is not None:  # the records show a gap: controls cannot close it
            state, explanation = decided
            reach = []
        elif reach:
            names = ", ".join(dict.fromkeys(r.control_id for r in reach))
            carried_refs = len({r.via for r in reach})
            related = len(_related(library, ref)) or carried_refs
            share = f"{carried_refs} of {related} related ISO requirements met by controls"
            if MET_SHARE * carried_refs >= related:
                state, explanation = MET_BY_CONTROLS, f"through {names} ({share})"
            else:
                state, explanation = OPEN, f"only partly, through {names} ({share})"
        else:
            state, explanation = OPEN, why_not
        lines.append(
            ArticleLine(ref, requirement.title, area, state, fine_tier(ref), explanation, reach)
        )
    counts = {state: sum(1 for line in lines if line.state == state) for state in STATES}
    return CertificateGaps(at, lines, figures, counts)
