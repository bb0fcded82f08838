"""What is due, for anyone: every item a digest may list, each with the owner its record
names. Read once per run, then handed out to owners (see ``owners``).

An item's ``key`` names the record and the state it is in, so a record that moved on
(evidence due this week, then stale) is a new item the next day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.breach_clock import DUE_SOON, PAST_DUE, RUNNING
from crosswalk.services.controls.confirmations import (
    NEEDS_REVIEW,
    confirmation_status,
    filter_states,
)
from crosswalk.services.evidence.freshness import (
    DUE_THIS_WEEK,
    NEVER,
    STALE,
    ControlFreshness,
    control_freshness,
)
from crosswalk.services.gdpr.incidents import list_incidents
from crosswalk.services.gdpr.requests import OPEN, list_requests
from crosswalk.services.isms.nonconformities import overdue

BREACHES = "breaches"
REQUESTS = "requests"
NONCONFORMITIES = "nonconformities"
EVIDENCE = "evidence"
CONFIRMATIONS = "confirmations"
SECTIONS = {  # in the order a message lists them, most pressing first
    BREACHES: "Breach clocks (GDPR Art. 33, 72 hours)",
    REQUESTS: "Data-subject request deadlines",
    NONCONFORMITIES: "Nonconformities past due",
    EVIDENCE: "Evidence due this week or stale",
    CONFIRMATIONS: "Confirmations to give",
}
REQUEST_WARNING = timedelta(days=7)  # an open request due within a week is listed


@dataclass(frozen=True)
class DigestItem:
    section: str  # a key of SECTIONS
    key: str  # the record and its state: "evidence IT-01 stale"
    owner: str | None  # as the record names it
    title: str
    detail: str
    due: date | None
    urgent: bool  # past due, or a breach clock under 12 hours
    path: str  # the record's page in the web app

    def sort_key(self) -> tuple[int, int, date, str]:
        order = list(SECTIONS).index(self.section)
        return (order, 0 if self.urgent else 1, self.due or date.max, self.key)


def _page(prefix: str, record_id: str) -> str:
    return f"{prefix}/{quote(record_id, safe='')}"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def evidence_items(freshness: list[ControlFreshness], today: date) -> list[DigestItem]:
    """Controls whose evidence is due within seven days, past due, or missing."""
    found = []
    for item in freshness:
        if item.state not in (DUE_THIS_WEEK, STALE, NEVER):
            continue
        if item.state == STALE and item.next_due is not None:
            detail = f"stale: due {item.next_due} ({_days((today - item.next_due).days)} ago)"
        elif item.state == NEVER:
            detail = f"no evidence yet ({item.frequency or 'periodic'})"
        else:
            detail = f"due {item.next_due} ({item.frequency})"
        found.append(
            DigestItem(
                EVIDENCE,
                f"evidence {item.control_id} {item.state}",
                item.owner,
                f"{item.control_id} {item.title}",
                detail,
                item.next_due,
                item.state != DUE_THIS_WEEK,
                _page("/controls", item.control_id),
            )
        )
    return found


def confirmation_items(
    session: Session, library: Library, today: date, titles: dict[str, str]
) -> list[DigestItem]:
    """Per control in the program (``titles``), the tags and edges its owner has to confirm:
    never confirmed, stale, flagged or expired."""
    states = filter_states(confirmation_status(session, library, today), wanted=NEEDS_REVIEW)
    by_control: dict[str, Counter[str]] = {}
    owners: dict[str, str | None] = {}
    for state in states:
        if state.control_id not in titles:  # retired
            continue
        by_control.setdefault(state.control_id, Counter())[state.state.value] += 1
        owners[state.control_id] = state.owner
    found = []
    for control_id, counts in sorted(by_control.items()):
        spelled = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        found.append(
            DigestItem(
                CONFIRMATIONS,
                f"confirm {control_id} " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())),
                owners[control_id],
                f"{control_id} {titles[control_id]}",
                f"{sum(counts.values())} tags and edges to confirm ({spelled})",
                None,
                False,
                _page("/controls", control_id),
            )
        )
    return found


def nonconformity_items(session: Session, today: date) -> list[DigestItem]:
    found = []
    for row in overdue(session, today):
        assert row.due_on is not None  # overdue: it has a due date in the past
        found.append(
            DigestItem(
                NONCONFORMITIES,
                f"nonconformity {row.nc_id} overdue",
                row.owner,
                f"{row.nc_id} {row.description}",
                f"due {row.due_on} ({_days((today - row.due_on).days)} past due)",
                row.due_on,
                True,
                _page("/nonconformities", row.nc_id),
            )
        )
    return found


def breach_items(session: Session, now: datetime) -> list[DigestItem]:
    """Open incidents whose Art. 33 clock runs, is under 12 hours, or has run out."""
    found = []
    for incident in list_incidents(session, open_only=True, now=now):
        clock = incident.clock
        if clock.state not in (RUNNING, DUE_SOON, PAST_DUE):
            continue
        due = clock.due_at.astimezone(UTC).date() if clock.due_at else None
        found.append(
            DigestItem(
                BREACHES,
                f"incident {incident.incident_id} {clock.state}",
                incident.owner,
                f"{incident.incident_id} {incident.title}",
                f"{incident.clock_text}: notify the supervisory authority",
                due,
                clock.state != RUNNING,
                _page("/incidents", incident.incident_id),
            )
        )
    return found


def request_items(session: Session, today: date) -> list[DigestItem]:
    """Open data-subject requests due within a week, or overdue (Art. 12(3))."""
    found = []
    for request in list_requests(session, OPEN, today):
        if request.due_on > today + REQUEST_WARNING:
            continue
        late = request.days_overdue > 0
        when = (
            f"overdue by {_days(request.days_overdue)} (due {request.due_on})"
            if late
            else f"due {request.due_on} (in {_days((request.due_on - today).days)})"
        )
        found.append(
            DigestItem(
                REQUESTS,
                f"request {request.request_id} {'overdue' if late else 'due'}",
                request.owner,
                f"{request.request_id} {request.kind} request ({request.article})",
                when,
                request.due_on,
                late,
                "/subject-requests",
            )
        )
    return found


def due_items(session: Session, library: Library, now: datetime) -> list[DigestItem]:
    """Everything any digest lists at ``now`` (its date in UTC), most pressing first."""
    today = now.astimezone(UTC).date()
    freshness = control_freshness(session, library, today)
    titles = {item.control_id: item.title for item in freshness}
    items = [
        *breach_items(session, now),
        *request_items(session, today),
        *nonconformity_items(session, today),
        *evidence_items(freshness, today),
        *confirmation_items(session, library, today, titles),
    ]
    return sorted(items, key=DigestItem.sort_key)
