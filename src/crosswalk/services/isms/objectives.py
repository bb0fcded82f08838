"""Information security objectives (ISO/IEC 27001:2022 clause 6.2): what, measured how,
to which target, by whom, by when, and where each stands.
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
    next_free_id,
    optional,
    snapshot,
)
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.isms_models import ObjectiveRow

STATUSES = ("open", "on track", "at risk", "achieved", "missed")


@dataclass(frozen=True)
class ObjectiveInput:
    objective_id: str
    title: str
    measure: str = ""  # how progress is measured
    target: str = ""  # the value that means achieved
    owner: str | None = None
    due_on: date | None = None
    status: str = "open"


EDITABLE = tuple(f.name for f in fields(ObjectiveInput) if f.name != "objective_id")


def parse_status(given: str) -> str:
    status = " ".join(given.strip().lower().replace("_", " ").replace("-", " ").split())
    if status not in STATUSES:
        raise IsmsError(f"objective status {given!r}: use {', '.join(STATUSES)}")
    return status


@dataclass(frozen=True)
class Objective:
    """A security objective as clients see it: the same fields as its record."""

    objective_id: str
    title: str
    measure: str
    target: str
    owner: str | None
    due_on: date | None
    status: str


def _view(row: ObjectiveRow) -> Objective:
    return Objective(**{f.name: getattr(row, f.name) for f in fields(Objective)})


def objective_row(session: Session, objective_id: str) -> ObjectiveRow:
    """The row itself, for services that change it."""
    return get_row(session, ObjectiveRow, ObjectiveRow.objective_id, objective_id, "objective")


def get_objective(session: Session, objective_id: str) -> Objective:
    return _view(objective_row(session, objective_id))


def list_objectives(
    session: Session, status: str | None = None, owner: str | None = None
) -> list[Objective]:
    query = select(ObjectiveRow).order_by(ObjectiveRow.objective_id)
    if status:
        query = query.where(ObjectiveRow.status == parse_status(status))
    if owner:
        query = query.where(ObjectiveRow.owner.ilike(f"%{owner}%"))
    return [_view(row) for row in session.scalars(query)]


def _input_of(row: ObjectiveRow) -> ObjectiveInput:
    return ObjectiveInput(**{f.name: getattr(row, f.name) for f in fields(ObjectiveInput)})


def _fill(row: ObjectiveRow, data: ObjectiveInput) -> None:
    title = data.title.strip()
    if not title:
        raise IsmsError(f"objective {row.objective_id}: needs a title")
    row.status = parse_status(data.status)
    row.title = title
    row.measure = data.measure.strip()
    row.target = data.target.strip()
    row.owner = optional(data.owner)
    row.due_on = data.due_on


def _new_objective(session: Session, data: ObjectiveInput) -> ObjectiveRow:
    given = data.objective_id.strip() or next_free_id(session, ObjectiveRow.objective_id, "OBJ-")
    row = ObjectiveRow(objective_id=new_id(session, ObjectiveRow.objective_id, given, "objective"))
    _fill(row, data)
    session.add(row)
    session.flush()
    return row


def add_objective(session: Session, data: ObjectiveInput) -> Objective:
    return _view(_new_objective(session, data))


def edit_objective(session: Session, objective_id: str, **changes: Any) -> list[str]:
    """Apply changes; returns the names of the fields that really changed."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise IsmsError(f"{unknown[0]!r} is not an editable field ({', '.join(EDITABLE)})")
    row = objective_row(session, objective_id)
    before = snapshot(row, EDITABLE)
    _fill(row, replace(_input_of(row), **changes))
    session.flush()
    return changed_fields(row, before)


# --- the program format ----------------------------------------------------------------


class ObjectiveFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objective_id: Text
    title: Text
    measure: str = ""
    target: str = ""
    owner: str | None = None
    due_on: date | None = None
    status: str = "open"


def _objective_data(row: ObjectiveRow) -> dict[str, Any]:
    return ObjectiveFile(**asdict(_input_of(row))).model_dump(mode="json")


def _objective_upsert(
    session: Session, _library: Library, record: BaseModel, existing: ObjectiveRow | None
) -> ObjectiveRow:
    assert isinstance(record, ObjectiveFile)
    data = ObjectiveInput(**record.model_dump())
    if existing is None:
        return _new_objective(session, data)
    _fill(existing, data)
    return existing


_rows, _find = keyed_rows(ObjectiveRow, ObjectiveRow.objective_id)
OBJECTIVE_RECORDS = RecordKind(
    folder="objectives",
    format="crosswalk/objective@1",
    model=ObjectiveFile,
    key="objective_id",
    to_data=_objective_data,
    upsert=_objective_upsert,
    rows=_rows,
    find=_find,
)
