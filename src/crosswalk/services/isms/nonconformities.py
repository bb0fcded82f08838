"""Nonconformities and corrective action (ISO/IEC 27001:2022 clause 10.2).

A nonconformity is open until closed; it is overdue while open past its due date. Closing
needs the whole 10.2 story: the correction, the root cause, the corrective action, and an
effectiveness check with its date. Anything less is refused, naming what is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
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
from crosswalk.store.isms_models import NonconformityRow

SOURCES = ("audit", "incident", "review", "complaint")
OPEN = "open"
OVERDUE = "overdue"
CLOSED = "closed"
STATES = (OPEN, OVERDUE, CLOSED)
UNOWNED = "(unowned)"  # as the evidence status names controls without an owner

# What closing needs, with how a refusal names it.
CLOSE_NEEDS = (
    ("correction", "a correction"),
    ("root_cause", "a root cause"),
    ("corrective_action", "a corrective action"),
    ("effectiveness_check", "an effectiveness check"),
    ("effectiveness_checked_on", "the date of the effectiveness check"),
)


@dataclass(frozen=True)
class NonconformityInput:
    nc_id: str
    source: str  # audit, incident, review or complaint
    description: str
    source_ref: str = ""  # e.g. the audit or incident id
    owner: str | None = None
    raised_on: date | None = None  # default: today
    due_on: date | None = None
    correction: str = ""
    root_cause: str = ""
    corrective_action: str = ""
    effectiveness_check: str = ""
    effectiveness_checked_on: date | None = None
    closed_on: date | None = None


EDITABLE = tuple(f.name for f in fields(NonconformityInput) if f.name not in ("nc_id", "closed_on"))
COLUMNS = tuple(f.name for f in fields(NonconformityInput) if f.name != "nc_id")


@dataclass(frozen=True)
class Nonconformity:
    """A nonconformity as clients see it: the same fields as its record."""

    nc_id: str
    source: str
    source_ref: str
    description: str
    owner: str | None
    raised_on: date
    due_on: date | None
    correction: str
    root_cause: str
    corrective_action: str
    effectiveness_check: str
    effectiveness_checked_on: date | None
    closed_on: date | None


def _view(row: NonconformityRow) -> Nonconformity:
    return Nonconformity(**{f.name: getattr(row, f.name) for f in fields(Nonconformity)})


def nc_state(row: Nonconformity | NonconformityRow, today: date) -> str:
    if row.closed_on is not None:
        return CLOSED
    if row.due_on is not None and row.due_on < today:
        return OVERDUE
    return OPEN


def close_blockers(row: Nonconformity | NonconformityRow) -> list[str]:
    """What is still missing before the nonconformity may be closed."""
    return [label for name, label in CLOSE_NEEDS if not _filled(getattr(row, name))]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def nonconformity_row(session: Session, nc_id: str) -> NonconformityRow:
    """The row itself, for services that change it."""
    return get_row(session, NonconformityRow, NonconformityRow.nc_id, nc_id, "nonconformity")


def get_nonconformity(session: Session, nc_id: str) -> Nonconformity:
    return _view(nonconformity_row(session, nc_id))


def list_nonconformities(
    session: Session,
    today: date | None = None,
    state: str | None = None,
    owner: str | None = None,
) -> list[Nonconformity]:
    """By date raised; ``state`` keeps open (overdue included), overdue or closed ones."""
    if state is not None and state not in STATES:
        raise IsmsError(f"nonconformity state {state!r}: use {', '.join(STATES)}")
    today = today or date.today()
    query = select(NonconformityRow).order_by(NonconformityRow.raised_on, NonconformityRow.nc_id)
    if owner:
        query = query.where(NonconformityRow.owner.ilike(f"%{owner}%"))
    rows = [_view(row) for row in session.scalars(query)]
    if state == OPEN:
        return [r for r in rows if r.closed_on is None]
    if state is not None:
        return [r for r in rows if nc_state(r, today) == state]
    return rows


def overdue(session: Session, today: date) -> list[Nonconformity]:
    """Open nonconformities whose due date has passed, most overdue first."""
    rows = list_nonconformities(session, today, OVERDUE)
    return sorted(rows, key=lambda r: (r.due_on or today, r.nc_id))


@dataclass(frozen=True)
class OverdueItem:
    nc_id: str
    description: str
    source: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class OwnerOverdue:
    owner: str
    nonconformities: list[OverdueItem]


def overdue_by_owner(
    session: Session, today: date | None = None, owner: str | None = None
) -> list[OwnerOverdue]:
    """Overdue nonconformities grouped by owner (``owner`` filters as ``status`` does)."""
    today = today or date.today()
    groups: dict[str, list[OverdueItem]] = {}
    for row in overdue(session, today):
        if owner and owner.lower() not in (row.owner or "").lower():
            continue
        assert row.due_on is not None
        groups.setdefault(row.owner or UNOWNED, []).append(
            OverdueItem(
                row.nc_id, row.description, row.source, row.due_on, (today - row.due_on).days
            )
        )
    return [OwnerOverdue(name, items) for name, items in sorted(groups.items())]


def _input_of(row: NonconformityRow) -> NonconformityInput:
    return NonconformityInput(**{f.name: getattr(row, f.name) for f in fields(NonconformityInput)})


def _fill(row: NonconformityRow, data: NonconformityInput, today: date) -> None:
    """Check the whole record, then set it: a refused change leaves the row as it was."""
    source = data.source.strip().lower()
    if source not in SOURCES:
        raise IsmsError(
            f"nonconformity {row.nc_id}: source {data.source!r}: use {', '.join(SOURCES)}"
        )
    if not data.description.strip():
        raise IsmsError(f"nonconformity {row.nc_id}: needs a description")
    raised = data.raised_on or today
    for name, day in (
        ("due date", data.due_on),
        ("effectiveness check", data.effectiveness_checked_on),
        ("closing date", data.closed_on),
    ):
        if day is not None and day < raised:
            raise IsmsError(
                f"nonconformity {row.nc_id}: the {name} {day} is before it was raised ({raised})"
            )
    candidate = replace(data, raised_on=raised)
    if candidate.closed_on is not None:
        missing = [label for name, label in CLOSE_NEEDS if not _filled(getattr(candidate, name))]
        if missing:
            raise IsmsError(
                f"nonconformity {row.nc_id} cannot be closed: it still needs {_and(missing)}"
            )
        checked = candidate.effectiveness_checked_on
        assert checked is not None
        if candidate.closed_on < checked:
            raise IsmsError(
                f"nonconformity {row.nc_id}: closed on {candidate.closed_on}, before its "
                f"effectiveness check on {checked}"
            )
    for name in COLUMNS:
        value = getattr(candidate, name)
        if name == "owner":
            value = optional(value)
        elif name == "source":
            value = source
        elif isinstance(value, str):
            value = value.strip()
        setattr(row, name, value)


def _filled(value: object) -> bool:
    return bool(value.strip()) if isinstance(value, str) else value is not None


def _new_nonconformity(
    session: Session, data: NonconformityInput, today: date | None = None
) -> NonconformityRow:
    row = NonconformityRow(
        nc_id=new_id(session, NonconformityRow.nc_id, data.nc_id, "nonconformity")
    )
    _fill(row, data, today or date.today())
    session.add(row)
    session.flush()
    return row


def add_nonconformity(
    session: Session, data: NonconformityInput, today: date | None = None
) -> Nonconformity:
    return _view(_new_nonconformity(session, data, today))


def edit_nonconformity(session: Session, nc_id: str, **changes: Any) -> list[str]:
    """Apply changes; returns the fields that really changed. Close with ``close_nonconformity``."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise IsmsError(f"{unknown[0]!r} is not an editable field ({', '.join(EDITABLE)})")
    row = nonconformity_row(session, nc_id)
    before = snapshot(row, COLUMNS)
    _fill(row, replace(_input_of(row), **changes), row.raised_on)
    session.flush()
    return changed_fields(row, before)


def close_nonconformity(
    session: Session,
    nc_id: str,
    closed_on: date | None = None,
    **completions: Any,
) -> Nonconformity:
    """Close, optionally filling in the last fields on the way; refused while any is missing."""
    unknown = [name for name in completions if name not in EDITABLE]
    if unknown:
        raise IsmsError(f"{unknown[0]!r} is not a field of a nonconformity")
    row = nonconformity_row(session, nc_id)
    if row.closed_on is not None:
        raise IsmsError(f"nonconformity {nc_id} was already closed on {row.closed_on}")
    closing = replace(_input_of(row), **completions, closed_on=closed_on or date.today())
    _fill(row, closing, row.raised_on)
    session.flush()
    return _view(row)


# --- the program format ----------------------------------------------------------------


class NonconformityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nc_id: Text
    source: Text
    description: Text
    source_ref: str = ""
    owner: str | None = None
    raised_on: date
    due_on: date | None = None
    correction: str = ""
    root_cause: str = ""
    corrective_action: str = ""
    effectiveness_check: str = ""
    effectiveness_checked_on: date | None = None
    closed_on: date | None = None


def _nc_data(row: NonconformityRow) -> dict[str, Any]:
    return NonconformityFile(**asdict(_input_of(row))).model_dump(mode="json")


def _nc_upsert(
    session: Session, _library: Library, record: BaseModel, existing: NonconformityRow | None
) -> NonconformityRow:
    assert isinstance(record, NonconformityFile)
    data = NonconformityInput(**record.model_dump())
    if existing is None:
        return _new_nonconformity(session, data)
    _fill(existing, data, record.raised_on)
    return existing


_rows, _find = keyed_rows(NonconformityRow, NonconformityRow.nc_id)
NONCONFORMITY_RECORDS = RecordKind(
    folder="nonconformities",
    format="crosswalk/nonconformity@1",
    model=NonconformityFile,
    key="nc_id",
    to_data=_nc_data,
    upsert=_nc_upsert,
    rows=_rows,
    find=_find,
)
