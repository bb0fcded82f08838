"""The incident register ISO (A.5.24-A.5.28) and GDPR share, with the 72-hour breach clock.

An incident is detected, someone becomes aware it is a personal-data breach, it is assessed
(personal data yes/no, how likely a risk to people's rights and freedoms), the supervisory
authority is notified (Art. 33: within 72 h of awareness, with the reasons when later), the
people affected are told or an Art. 34(3) exemption recorded when the risk is high, and it is
closed. Every personal-data breach is in the breach log (Art. 33(5)), notified or not.

A record that contradicts itself (a notification before awareness, a late one without its
reasons, an unknown risk level) is refused naming the field, and nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.breach_clock import (
    NOTIFY_WITHIN,
    WARN_WITHIN,
    Clock,
    as_utc,
    breach_clock,
    local_moment,
    shown_in,
    zone_named,
)
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import (
    IsmsError,
    changed_fields,
    get_row,
    keyed_rows,
    new_id,
    optional,
    snapshot,
)
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.gdpr_models import IncidentRow

# How likely the breach is to result in a risk to people's rights and freedoms (Art. 33/34).
UNLIKELY = "unlikely"  # Art. 33(1): no notification needed (the breach log still records it)
RISK = "risk"  # notify the authority
HIGH = "high"  # notify the authority and, Art. 34(1), the people affected
RISKS = (UNLIKELY, RISK, HIGH)

COMMUNICATED = "communicated"
EXEMPT = "exempt"
NOT_REQUIRED = "not required"
SUBJECT_DECISIONS = (COMMUNICATED, EXEMPT, NOT_REQUIRED)
# Art. 34(3): when telling the people affected is not required although the risk is high.
EXEMPTIONS = {
    "a": "Art. 34(3)(a): the data were unintelligible to anyone not authorised (e.g. encrypted)",
    "b": "Art. 34(3)(b): subsequent measures ensure the high risk is no longer likely",
    "c": "Art. 34(3)(c): it would take disproportionate effort; a public communication instead",
}
MOMENTS = ("detected", "aware", "assessed", "notified", "subjects", "closed")


class IncidentError(IsmsError):
    """An incident record that would be incomplete or contradictory; nothing was changed."""


@dataclass(frozen=True)
class IncidentInput:
    """An incident as entered; moments are aware datetimes (see ``moment``) with their zone."""

    incident_id: str
    title: str
    detected_at: datetime
    detected_zone: str
    description: str = ""
    owner: str | None = None
    aware_at: datetime | None = None
    aware_zone: str | None = None
    personal_data: bool | None = None  # None: not assessed yet
    risk: str | None = None  # unlikely, risk or high
    assessed_at: datetime | None = None
    assessed_zone: str | None = None
    data_categories: str = ""
    subjects_affected: int | None = None
    consequences: str = ""
    measures: str = ""
    notified_at: datetime | None = None
    notified_zone: str | None = None
    authority: str = ""
    delay_reason: str = ""
    subjects_decision: str | None = None  # communicated, exempt or not required
    subjects_exemption: str | None = None  # Art. 34(3) a, b or c
    subjects_at: datetime | None = None
    subjects_zone: str | None = None
    closed_at: datetime | None = None
    closed_zone: str | None = None
    annex_a: str = ""


COLUMNS = tuple(f.name for f in fields(IncidentInput) if f.name != "incident_id")
EDITABLE = COLUMNS


@dataclass(frozen=True)
class Incident:
    """An incident as clients see it: its record, where its clock stands, what it still needs."""

    incident_id: str
    title: str
    description: str
    owner: str | None
    detected_at: datetime
    detected_zone: str
    aware_at: datetime | None
    aware_zone: str | None
    personal_data: bool | None
    risk: str | None
    assessed_at: datetime | None
    assessed_zone: str | None
    data_categories: str
    subjects_affected: int | None
    consequences: str
    measures: str
    notified_at: datetime | None
    notified_zone: str | None
    authority: str
    delay_reason: str
    subjects_decision: str | None
    subjects_exemption: str | None
    subjects_at: datetime | None
    subjects_zone: str | None
    closed_at: datetime | None
    closed_zone: str | None
    annex_a: str
    clock: Clock
    clock_text: str
    open: bool
    breach: bool  # assessed as a personal-data breach: in the Art. 33(5) log
    to_do: list[str]


def moment(text: str, zone: str, field: str) -> datetime:
    """A date and time read on a clock in ``zone`` (IANA name), as an aware UTC moment;
    a time skipped or repeated by a clock change is refused naming ``field``."""
    return local_moment(text, zone, field)


def notifiable(row: IncidentRow | IncidentInput | Incident) -> bool:
    """Whether the Art. 33 clock runs: aware of it, not ruled out as a personal-data breach,
    and not assessed as unlikely to result in a risk."""
    return row.aware_at is not None and row.personal_data is not False and row.risk != UNLIKELY


def _to_do(row: IncidentRow | IncidentInput) -> list[str]:
    needs = []
    if row.personal_data is None:
        needs.append("assess: is personal data involved (personal_data)")
    elif row.personal_data and row.risk is None:
        needs.append("assess: the risk to people's rights and freedoms (risk)")
    if notifiable(row) and row.notified_at is None:
        needs.append("notify the supervisory authority (Art. 33)")
    if row.personal_data and row.risk == HIGH and row.subjects_decision is None:
        needs.append("decide on telling the people affected (Art. 34)")
    return needs


def _view(row: IncidentRow, now: datetime) -> Incident:
    values = {f.name: getattr(row, f.name) for f in fields(IncidentInput)}
    for name in MOMENTS:
        at = values[f"{name}_at"]
        values[f"{name}_at"] = as_utc(at) if at is not None else None
    clock = breach_clock(row.aware_at, notifiable(row), row.notified_at, now)
    return Incident(
        **values,
        clock=clock,
        clock_text=clock.text(),
        open=row.closed_at is None,
        breach=bool(row.personal_data),
        to_do=_to_do(row),
    )


def _input_of(row: IncidentRow) -> IncidentInput:
    values = {f.name: getattr(row, f.name) for f in fields(IncidentInput)}
    for name in MOMENTS:
        at = values[f"{name}_at"]
        values[f"{name}_at"] = as_utc(at) if at is not None else None
    return IncidentInput(**values)


def _when(data: IncidentInput, name: str) -> datetime | None:
    at: datetime | None = getattr(data, f"{name}_at")
    return as_utc(at) if at is not None else None


def _check(data: IncidentInput) -> IncidentInput:
    """The whole record checked, cleaned and in UTC; the first problem names its field."""
    who = f"incident {data.incident_id}"
    if not data.title.strip():
        raise IncidentError(f"{who}: title: give a short title")
    cleaned: dict[str, Any] = {}
    for name in MOMENTS:
        at = getattr(data, f"{name}_at")
        zone = (getattr(data, f"{name}_zone") or "").strip() or None
        if at is None:
            cleaned[f"{name}_zone"] = None if name != "detected" else zone
            continue
        if at.tzinfo is None:
            raise IncidentError(f"{who}: {name}_at: give the moment with its time zone")
        cleaned[f"{name}_zone"] = zone_named(zone or "", f"{who}: {name}_zone").key
        cleaned[f"{name}_at"] = as_utc(at)
    data = replace(data, **cleaned)
    detected = _when(data, "detected")
    aware = _when(data, "aware")
    assert detected is not None
    for name in ("aware", "assessed", "closed"):  # the notifications are held to awareness
        at = _when(data, name)
        if at is not None and at < detected:
            raise IncidentError(
                f"{who}: {name}_at: {_shown(data, name)} is before the incident was detected "
                f"({_shown(data, 'detected')})"
            )
    if data.risk is not None and data.risk not in RISKS:
        raise IncidentError(f"{who}: risk: {data.risk!r}: use {', '.join(RISKS)}")
    if data.risk is not None and data.personal_data is not True:
        raise IncidentError(f"{who}: risk: rates a personal-data breach; set personal_data first")
    if data.personal_data and aware is None:
        raise IncidentError(
            f"{who}: aware_at: a personal-data breach needs the moment you became aware of it "
            "(the 72-hour clock runs from it)"
        )
    if data.subjects_affected is not None and data.subjects_affected < 0:
        raise IncidentError(f"{who}: subjects_affected: cannot be negative")
    _check_notification(data, who, aware)
    _check_subjects(data, who, aware)
    if data.closed_at is not None:
        missing = _to_do(data)
        if missing:
            raise IncidentError(
                f"{who}: closed_at: cannot close yet; it still needs to {missing[0]}"
            )
    return data


def _check_notification(data: IncidentInput, who: str, aware: datetime | None) -> None:
    notified = _when(data, "notified")
    if notified is None:
        if data.delay_reason.strip() or data.authority.strip():
            field = "delay_reason" if data.delay_reason.strip() else "authority"
            raise IncidentError(f"{who}: {field}: record the notification (notified_at) with it")
        return
    if data.personal_data is not True:
        raise IncidentError(
            f"{who}: notified_at: only a personal-data breach is notified; set personal_data"
        )
    assert aware is not None
    if notified < aware:
        raise IncidentError(
            f"{who}: notified_at: {_shown(data, 'notified')} is before you became aware of the "
            f"breach ({_shown(data, 'aware')})"
        )
    if notified - aware > NOTIFY_WITHIN and not data.delay_reason.strip():
        raise IncidentError(
            f"{who}: delay_reason: notified {_hours(notified - aware)} after awareness, later "
            "than 72 h; Art. 33(1) needs the reasons for the delay"
        )


def _check_subjects(data: IncidentInput, who: str, aware: datetime | None) -> None:
    decision = data.subjects_decision
    if decision is None:
        if data.subjects_exemption or data.subjects_at:
            raise IncidentError(f"{who}: subjects_decision: give the decision first")
        return
    if decision not in SUBJECT_DECISIONS:
        raise IncidentError(
            f"{who}: subjects_decision: {decision!r}: use {', '.join(SUBJECT_DECISIONS)}"
        )
    if data.personal_data is not True:
        raise IncidentError(f"{who}: subjects_decision: only for a personal-data breach")
    if decision == NOT_REQUIRED and data.risk == HIGH:
        raise IncidentError(
            f"{who}: subjects_decision: a high risk must be communicated (Art. 34(1)) unless an "
            "Art. 34(3) exemption applies; use exempt with subjects_exemption a, b or c"
        )
    if decision == EXEMPT and data.subjects_exemption not in EXEMPTIONS:
        raise IncidentError(
            f"{who}: subjects_exemption: {data.subjects_exemption!r}: use a, b or c (Art. 34(3))"
        )
    if decision != EXEMPT and data.subjects_exemption:
        raise IncidentError(f"{who}: subjects_exemption: only with the decision exempt")
    told = _when(data, "subjects")
    if decision == COMMUNICATED and told is None:
        raise IncidentError(f"{who}: subjects_at: when were the people affected told?")
    if told is not None and aware is not None and told < aware:
        raise IncidentError(f"{who}: subjects_at: before you became aware of the breach")


def _shown(data: IncidentInput, name: str) -> str:
    at = getattr(data, f"{name}_at")
    zone = getattr(data, f"{name}_zone") or "UTC"
    return shown_in(at, zone)


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


def _fill(row: IncidentRow, data: IncidentInput) -> None:
    """Check the whole record, then set it: a refused change leaves the row as it was."""
    checked = _check(data)
    for name in COLUMNS:
        value = getattr(checked, name)
        if name == "owner":
            value = optional(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(row, name, value)


def incident_row(session: Session, incident_id: str) -> IncidentRow:
    """The row itself, for services that change it."""
    return get_row(session, IncidentRow, IncidentRow.incident_id, incident_id, "incident")


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else datetime.now(UTC)


def get_incident(session: Session, incident_id: str, now: datetime | None = None) -> Incident:
    return _view(incident_row(session, incident_id), _now(now))


def _new_incident(session: Session, data: IncidentInput) -> IncidentRow:
    row = IncidentRow(
        incident_id=new_id(session, IncidentRow.incident_id, data.incident_id, "incident")
    )
    _fill(row, replace(data, incident_id=row.incident_id))
    session.add(row)
    session.flush()
    return row


def add_incident(session: Session, data: IncidentInput, now: datetime | None = None) -> Incident:
    return _view(_new_incident(session, data), _now(now))


def edit_incident(session: Session, incident_id: str, **changes: Any) -> list[str]:
    """Apply changes (e.g. the notification); returns the fields that really changed."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise IncidentError(f"{unknown[0]!r} is not a field of an incident ({', '.join(EDITABLE)})")
    row = incident_row(session, incident_id)
    before = snapshot(row, COLUMNS)
    _fill(row, replace(_input_of(row), **changes))
    session.flush()
    return [
        name
        for name in changed_fields(row, before)
        if not (
            isinstance(before[name], datetime) and _same_moment(before[name], getattr(row, name))
        )
    ]


def _same_moment(before: Any, after: Any) -> bool:
    """A moment read back naive (SQLite) and set again aware is not a change."""
    both = isinstance(before, datetime) and isinstance(after, datetime)
    return both and as_utc(before) == as_utc(after)


def list_incidents(
    session: Session, open_only: bool = False, now: datetime | None = None
) -> list[Incident]:
    """By detection; ``open_only`` keeps those not closed, the most urgent clock first."""
    at = _now(now)
    query = select(IncidentRow).order_by(IncidentRow.detected_at, IncidentRow.incident_id)
    if open_only:
        query = query.where(IncidentRow.closed_at.is_(None))
    views = [_view(row, at) for row in session.scalars(query)]
    if open_only:
        views.sort(key=_urgency)
    return views


def _urgency(item: Incident) -> tuple[int, float, str]:
    remaining = item.clock.remaining
    if remaining is None:
        return (1, 0.0, item.incident_id)
    return (0, remaining.total_seconds(), item.incident_id)


def alerting(session: Session, now: datetime | None = None) -> list[Incident]:
    """Open breach clocks under 12 h or past due: what the banner and the exit code show.
    Only the incidents whose clock can be alerting are read (a dashboard asks on every view)."""
    at = _now(now)
    query = select(IncidentRow).where(
        IncidentRow.closed_at.is_(None),
        IncidentRow.notified_at.is_(None),
        IncidentRow.aware_at <= at - (NOTIFY_WITHIN - WARN_WITHIN),
        or_(IncidentRow.personal_data.is_(None), IncidentRow.personal_data.is_(True)),
        or_(IncidentRow.risk.is_(None), IncidentRow.risk != UNLIKELY),
    )
    views = [_view(row, at) for row in session.scalars(query)]
    return sorted((v for v in views if v.clock.alerting), key=_urgency)


@dataclass(frozen=True)
class BreachLogEntry:
    """One line of the Art. 33(5) log: the facts, the effects, the remedial action, and
    whether, when and how late the authority and the people affected were told."""

    incident_id: str
    title: str
    aware: str
    facts: str
    data_categories: str
    subjects_affected: int | None
    effects: str
    remedial_action: str
    risk: str | None
    notification: str
    delay_reason: str
    subjects: str


def breach_log(session: Session, now: datetime | None = None) -> list[BreachLogEntry]:
    """Every personal-data breach, notified or not, by awareness (Art. 33(5))."""
    at = _now(now)
    query = (
        select(IncidentRow)
        .where(IncidentRow.personal_data.is_(True))
        .order_by(IncidentRow.aware_at, IncidentRow.incident_id)
    )
    return [_log_entry(_view(row, at)) for row in session.scalars(query)]


def _log_entry(item: Incident) -> BreachLogEntry:
    if item.risk == UNLIKELY:
        notification = "not notified: unlikely to result in a risk (Art. 33(1))"
    elif item.notified_at is not None:
        where = f" to {item.authority}" if item.authority else ""
        notification = (
            f"notified{where} {shown_in(item.notified_at, item.notified_zone or 'UTC')}; "
            f"{item.clock_text}"
        )
    else:
        notification = f"not yet notified; {item.clock_text}"
    if item.subjects_decision == EXEMPT and item.subjects_exemption:
        subjects = f"not told: {EXEMPTIONS[item.subjects_exemption]}"
    elif item.subjects_decision == COMMUNICATED and item.subjects_at is not None:
        subjects = f"told {shown_in(item.subjects_at, item.subjects_zone or 'UTC')}"
    else:
        subjects = item.subjects_decision or ("undecided" if item.risk == HIGH else "-")
    assert item.aware_at is not None
    return BreachLogEntry(
        incident_id=item.incident_id,
        title=item.title,
        aware=shown_in(item.aware_at, item.aware_zone or "UTC"),
        facts=item.description,
        data_categories=item.data_categories,
        subjects_affected=item.subjects_affected,
        effects=item.consequences,
        remedial_action=item.measures,
        risk=item.risk,
        notification=notification,
        delay_reason=item.delay_reason,
        subjects=subjects,
    )


# --- the program format ----------------------------------------------------------------


class IncidentFile(BaseModel):
    """``incidents/<id>.yaml``: moments in UTC, each with the zone it was entered in."""

    model_config = ConfigDict(extra="forbid")
    incident_id: Text
    title: Text
    description: str = ""
    owner: str | None = None
    detected_at: AwareDatetime
    detected_zone: Text
    aware_at: AwareDatetime | None = None
    aware_zone: str | None = None
    personal_data: bool | None = None
    risk: str | None = None
    assessed_at: AwareDatetime | None = None
    assessed_zone: str | None = None
    data_categories: str = ""
    subjects_affected: int | None = None
    consequences: str = ""
    measures: str = ""
    notified_at: AwareDatetime | None = None
    notified_zone: str | None = None
    authority: str = ""
    delay_reason: str = ""
    subjects_decision: str | None = None
    subjects_exemption: str | None = None
    subjects_at: AwareDatetime | None = None
    subjects_zone: str | None = None
    closed_at: AwareDatetime | None = None
    closed_zone: str | None = None
    annex_a: str = ""

    @field_validator(*(f"{name}_at" for name in MOMENTS))
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


def _incident_data(row: IncidentRow) -> dict[str, Any]:
    return IncidentFile(**asdict(_input_of(row))).model_dump(mode="json")


def _incident_upsert(
    session: Session, _library: Library, record: BaseModel, existing: IncidentRow | None
) -> IncidentRow:
    assert isinstance(record, IncidentFile)
    data = IncidentInput(**record.model_dump())
    if existing is None:
        return _new_incident(session, data)
    _fill(existing, data)
    return existing


_rows, _find = keyed_rows(IncidentRow, IncidentRow.incident_id)
INCIDENT_RECORDS = RecordKind(
    folder="incidents",
    format="crosswalk/incident@1",
    model=IncidentFile,
    key="incident_id",
    to_data=_incident_data,
    upsert=_incident_upsert,
    rows=_rows,
    find=_find,
)
