"""Data-subject requests (GDPR Art. 15-22) and their Art. 12(3) deadline.

A request is due one month from receipt; it may be extended once by two further months, and
only with the reason (the requester must be told why). Open past its due date, it is overdue.
Dates that contradict each other are refused naming the field; nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.gdpr import REQUEST_KINDS, request_due
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import (
    IsmsError,
    changed_fields,
    get_row,
    keyed_rows,
    new_id,
    optional,
)
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.gdpr_models import DataSubjectRequestRow, ProcessingActivityRow

OPEN = "open"
OVERDUE = "overdue"
DONE = "done"
STATES = (OPEN, OVERDUE, DONE)


class RequestError(IsmsError):
    """A data-subject request that would contradict itself; nothing was changed."""


@dataclass(frozen=True)
class RequestInput:
    request_id: str
    kind: str  # access, rectification, erasure, restriction, portability, objection, ...
    received_on: date
    identity_verified_on: date | None = None
    extension_reason: str = ""  # given: extended by two months (Art. 12(3))
    done_on: date | None = None
    activity_id: str = ""
    owner: str | None = None
    notes: str = ""


COLUMNS = tuple(f.name for f in fields(RequestInput) if f.name != "request_id")


@dataclass(frozen=True)
class SubjectRequest:
    request_id: str
    kind: str
    article: str
    received_on: date
    identity_verified_on: date | None
    extension_reason: str
    done_on: date | None
    activity_id: str
    owner: str | None
    notes: str
    extended: bool
    due_on: date
    state: str
    days_overdue: int


def _input_of(row: DataSubjectRequestRow) -> RequestInput:
    return RequestInput(**{f.name: getattr(row, f.name) for f in fields(RequestInput)})


def _view(data: RequestInput, today: date) -> SubjectRequest:
    extended = bool(data.extension_reason.strip())
    due = request_due(data.received_on, extended)
    if data.done_on is not None:
        state, late = DONE, 0
    elif due < today:
        state, late = OVERDUE, (today - due).days
    else:
        state, late = OPEN, 0
    return SubjectRequest(
        **asdict(data),
        article=REQUEST_KINDS.get(data.kind, data.kind),
        extended=extended,
        due_on=due,
        state=state,
        days_overdue=late,
    )


def _check(session: Session, data: RequestInput) -> RequestInput:
    who = f"request {data.request_id}"
    kind = data.kind.strip().lower()
    if kind not in REQUEST_KINDS:
        raise RequestError(f"{who}: kind: {data.kind!r}: use {', '.join(REQUEST_KINDS)}")
    for name in ("identity_verified_on", "done_on"):
        day = getattr(data, name)
        if day is not None and day < data.received_on:
            raise RequestError(
                f"{who}: {name}: {day} is before the request was received ({data.received_on})"
            )
    if data.done_on is not None and data.identity_verified_on is None:
        raise RequestError(
            f"{who}: identity_verified_on: verify who asked before answering (Art. 12(6))"
        )
    activity = data.activity_id.strip()
    if (
        activity
        and session.scalar(
            select(ProcessingActivityRow.id).where(ProcessingActivityRow.activity_id == activity)
        )
        is None
    ):
        raise RequestError(f"{who}: activity_id: unknown processing activity {activity!r}")
    return replace(
        data,
        kind=kind,
        activity_id=activity,
        owner=optional(data.owner),
        extension_reason=data.extension_reason.strip(),
        notes=data.notes.strip(),
    )


def _fill(row: DataSubjectRequestRow, data: RequestInput) -> None:
    for name in COLUMNS:
        setattr(row, name, getattr(data, name))


def request_row(session: Session, request_id: str) -> DataSubjectRequestRow:
    """The row itself, for services that change it."""
    return get_row(
        session, DataSubjectRequestRow, DataSubjectRequestRow.request_id, request_id, "request"
    )


def get_request(session: Session, request_id: str, today: date | None = None) -> SubjectRequest:
    return _view(_input_of(request_row(session, request_id)), today or date.today())


def _new_request(session: Session, data: RequestInput) -> DataSubjectRequestRow:
    key = new_id(session, DataSubjectRequestRow.request_id, data.request_id, "request")
    checked = _check(session, replace(data, request_id=key))
    row = DataSubjectRequestRow(request_id=key)
    _fill(row, checked)
    session.add(row)
    session.flush()
    return row


def add_request(session: Session, data: RequestInput, today: date | None = None) -> SubjectRequest:
    return _view(_input_of(_new_request(session, data)), today or date.today())


def edit_request(session: Session, request_id: str, **changes: Any) -> list[str]:
    """Apply changes; returns the fields that really changed."""
    unknown = [name for name in changes if name not in COLUMNS]
    if unknown:
        raise RequestError(f"{unknown[0]!r} is not a field of a request ({', '.join(COLUMNS)})")
    row = request_row(session, request_id)
    before = {name: getattr(row, name) for name in COLUMNS}
    _fill(row, _check(session, replace(_input_of(row), **changes)))
    session.flush()
    return changed_fields(row, before)


def extend_request(
    session: Session, request_id: str, reason: str, today: date | None = None
) -> SubjectRequest:
    """Art. 12(3): two further months, once, with the reason the requester is told."""
    row = request_row(session, request_id)
    if not reason.strip():
        raise RequestError(f"request {request_id}: extension_reason: give the reason")
    if row.extension_reason:
        raise RequestError(f"request {request_id}: extension_reason: already extended once")
    if row.done_on is not None:
        raise RequestError(f"request {request_id}: extension_reason: already answered")
    today = today or date.today()
    if request_due(row.received_on, False) < today:
        raise RequestError(
            f"request {request_id}: extension_reason: the month ran out on "
            f"{request_due(row.received_on, False)}; extend within it"
        )
    edit_request(session, request_id, extension_reason=reason)
    return get_request(session, request_id, today)


def list_requests(
    session: Session, state: str | None = None, today: date | None = None
) -> list[SubjectRequest]:
    """By receipt; ``state`` keeps open (overdue included), overdue or done ones."""
    if state is not None and state not in STATES:
        raise RequestError(f"request state {state!r}: use {', '.join(STATES)}")
    day = today or date.today()
    query = select(DataSubjectRequestRow).order_by(
        DataSubjectRequestRow.received_on, DataSubjectRequestRow.request_id
    )
    views = [_view(_input_of(row), day) for row in session.scalars(query)]
    if state == OPEN:
        return [v for v in views if v.state != DONE]
    if state is not None:
        return [v for v in views if v.state == state]
    return views


def overdue_requests(session: Session, today: date | None = None) -> list[SubjectRequest]:
    """Open requests past their due date, most overdue first."""
    rows = list_requests(session, OVERDUE, today)
    return sorted(rows, key=lambda r: (-r.days_overdue, r.request_id))


# --- the program format ----------------------------------------------------------------


class RequestFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: Text
    kind: Text
    received_on: date
    identity_verified_on: date | None = None
    extension_reason: str = ""
    done_on: date | None = None
    activity_id: str = ""
    owner: str | None = None
    notes: str = ""


def _request_data(row: DataSubjectRequestRow) -> dict[str, Any]:
    return RequestFile(**asdict(_input_of(row))).model_dump(mode="json")


def _request_upsert(
    session: Session,
    _library: Library,
    record: BaseModel,
    existing: DataSubjectRequestRow | None,
) -> DataSubjectRequestRow:
    assert isinstance(record, RequestFile)
    data = RequestInput(**record.model_dump())
    if existing is None:
        return _new_request(session, data)
    _fill(existing, _check(session, data))
    return existing


_rows, _find = keyed_rows(DataSubjectRequestRow, DataSubjectRequestRow.request_id)
REQUEST_RECORDS = RecordKind(
    folder="subject-requests",
    format="crosswalk/subject-request@1",
    model=RequestFile,
    key="request_id",
    to_data=_request_data,
    upsert=_request_upsert,
    rows=_rows,
    find=_find,
)
