"""Is each control's evidence fresh? Due dates follow the control's effective frequency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.frequency import Expectation, Frequency, effective_frequency
from crosswalk.services.controls.controls import all_facts, expectations_for
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow

FRESH = "fresh"
DUE_THIS_WEEK = "due this week"
DUE_THIS_MONTH = "due this month"
STALE = "stale"
NEVER = "no evidence"
EVENT_DRIVEN = "event-driven"
NO_FREQUENCY = "no frequency"
STILL_VALID = {FRESH, DUE_THIS_WEEK, DUE_THIS_MONTH}


@dataclass(frozen=True)
class ControlFreshness:
    control_id: str
    title: str
    owner: str | None
    status: str
    frequency: str | None  # effective: the stricter of own and expected
    last_performed: date | None
    next_due: date | None
    state: str

    @property
    def fresh(self) -> bool:
        return evidence_stands(self.state, self.last_performed)


def evidence_stands(state: str, last_performed: date | None) -> bool:
    """Whether a control's evidence still stands today: within its cadence, or (without
    one) collected at all. Every list of "stale or never evidenced" controls is its negation."""
    if state in (EVENT_DRIVEN, NO_FREQUENCY):
        return last_performed is not None
    return state in STILL_VALID


def classify(
    frequency: Frequency | None, last: date | None, today: date
) -> tuple[str, date | None]:
    if frequency is None:
        return NO_FREQUENCY, None
    if not frequency.periodic:
        return EVENT_DRIVEN, None
    if last is None:
        return NEVER, today
    assert frequency.period_days is not None
    due = last + timedelta(days=frequency.period_days)
    if due < today:
        return STALE, due
    if due <= today + timedelta(days=7):
        return DUE_THIS_WEEK, due
    if due <= today + timedelta(days=31):
        return DUE_THIS_MONTH, due
    return FRESH, due


def latest_performed(session: Session, control_ids: Iterable[str] | None = None) -> dict[str, date]:
    """The newest evidence's performance date per control id (of ``control_ids`` only, if
    given); controls without evidence are absent."""
    query = (
        select(ControlRow.control_id, func.max(EvidenceRow.performed_end))
        .join(EvidenceLinkRow, EvidenceLinkRow.control_pk == ControlRow.id)
        .join(EvidenceRow, EvidenceRow.id == EvidenceLinkRow.evidence_id)
        .group_by(ControlRow.control_id)
    )
    if control_ids is not None:
        query = query.where(ControlRow.control_id.in_(sorted(set(control_ids))))
    return {row[0]: row[1] for row in session.execute(query)}


Cadences = dict[tuple[str, ...], list[Expectation]]


def freshness_of(
    library: Library,
    facts: ControlFacts,
    last: date | None,
    today: date,
    cadences: Cadences | None = None,
) -> ControlFreshness:
    """One control's evidence state. ``cadences`` remembers what each set of tags expects
    (controls share a few hundred sets of tags between them)."""
    keys = tuple(t.requirement for t in facts.tags)
    expected = cadences.get(keys) if cadences is not None else None
    if expected is None:
        expected = expectations_for(library, keys)
        if cadences is not None:
            cadences[keys] = expected
    effective = effective_frequency(facts.frequency, expected).frequency
    state, due = classify(effective, last, today)
    return ControlFreshness(
        facts.control_id,
        facts.title,
        facts.owner,
        facts.status.value,
        effective.value if effective else None,
        last,
        due,
        state,
    )


def control_freshness(
    session: Session, library: Library, today: date | None = None, owner: str | None = None
) -> list[ControlFreshness]:
    today = today or date.today()
    latest = latest_performed(session)
    cadences: Cadences = {}
    return [
        freshness_of(library, facts, latest.get(facts.control_id), today, cadences)
        for facts in all_facts(session)
        if not owner or (facts.owner and owner.lower() in facts.owner.lower())
    ]


@dataclass(frozen=True)
class OwnerStatus:
    owner: str
    due_this_week: list[ControlFreshness]
    due_this_month: list[ControlFreshness]
    stale: list[ControlFreshness]
    fresh: int
    event_driven: int


def status_by_owner(items: list[ControlFreshness]) -> list[OwnerStatus]:
    owners: dict[str, list[ControlFreshness]] = {}
    for item in items:
        owners.setdefault(item.owner or "(unowned)", []).append(item)
    return [
        OwnerStatus(
            owner=owner,
            due_this_week=[i for i in group if i.state == DUE_THIS_WEEK],
            due_this_month=[i for i in group if i.state == DUE_THIS_MONTH],
            stale=[i for i in group if not i.fresh],  # stale or never evidenced
            fresh=sum(1 for i in group if i.state == FRESH),
            event_driven=sum(1 for i in group if i.state == EVENT_DRIVEN and i.fresh),
        )
        for owner, group in sorted(owners.items())
    ]
