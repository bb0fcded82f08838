"""Management reviews (ISO/IEC 27001:2022 clause 9.3): each input 9.3.2 requires is a line
of a fixed checklist that has notes or is missing, beside the decisions and outputs (9.3.3).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import UnknownReferenceError
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
from crosswalk.store.isms_models import ManagementReviewRow


@dataclass(frozen=True)
class ReviewInput:
    """One input a management review must consider (our wording, not ISO's text)."""

    key: str
    item: str  # the list item of 9.3.2: a, b, c, d1..d4, e, f, g
    label: str


REVIEW_INPUTS = (
    ReviewInput("previous_actions", "a", "Where actions from earlier reviews stand"),
    ReviewInput("issues", "b", "Changes in external and internal issues"),
    ReviewInput("interested_parties", "c", "Changes in what interested parties need"),
    ReviewInput("nonconformities", "d1", "Nonconformities and corrective actions"),
    ReviewInput("monitoring", "d2", "Monitoring and measurement results"),
    ReviewInput("audit_results", "d3", "Audit results"),
    ReviewInput("objectives", "d4", "How far the security objectives are met"),
    ReviewInput("feedback", "e", "Feedback from interested parties"),
    ReviewInput("risks", "f", "Risk assessment results and treatment plan status"),
    ReviewInput("improvement", "g", "Chances for continual improvement"),
)
_BY_KEY = {i.key: i for i in REVIEW_INPUTS}
_BY_ITEM = {i.item: i for i in REVIEW_INPUTS}


def input_key(given: str) -> str:
    """The checklist key for a key or a 9.3.2 item as typed (``risks``, ``f``, ``d.3``)."""
    text = given.strip().lower().replace("-", "_").replace(" ", "_")
    if text in _BY_KEY:
        return text
    item = text.removeprefix("9.3.2").strip("_").replace(".", "").replace(")", "")
    if item in _BY_ITEM:
        return _BY_ITEM[item].key
    raise UnknownReferenceError(
        given, "management review input", difflib.get_close_matches(text, list(_BY_KEY), n=3)
    )


@dataclass(frozen=True)
class ReviewData:
    review_id: str
    held_on: date
    chair: str | None = None
    attendees: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)  # input key (or item) -> notes
    decisions: str = ""
    outputs: str = ""


EDITABLE = tuple(f.name for f in fields(ReviewData) if f.name != "review_id")
COLUMNS = ("held_on", "chair", "attendees", "inputs", "decisions", "outputs")


@dataclass(frozen=True)
class ManagementReview:
    """A management review as clients see it; ``inputs`` are the notes per input key."""

    review_id: str
    held_on: date
    chair: str | None
    attendees: str
    inputs: Mapping[str, str]
    decisions: str
    outputs: str


def review_inputs(row: ManagementReview | ManagementReviewRow) -> dict[str, str]:
    """Notes per input key, in checklist order; inputs without notes are left out."""
    if isinstance(row, ManagementReview):
        return dict(row.inputs)
    stored = json.loads(row.inputs) if row.inputs else {}
    return {i.key: stored[i.key] for i in REVIEW_INPUTS if stored.get(i.key)}


def missing_inputs(row: ManagementReview | ManagementReviewRow) -> list[ReviewInput]:
    have = review_inputs(row)
    return [i for i in REVIEW_INPUTS if i.key not in have]


def _view(row: ManagementReviewRow) -> ManagementReview:
    return ManagementReview(
        review_id=row.review_id,
        held_on=row.held_on,
        chair=row.chair,
        attendees=row.attendees,
        inputs=review_inputs(row),
        decisions=row.decisions,
        outputs=row.outputs,
    )


def review_row(session: Session, review_id: str) -> ManagementReviewRow:
    """The row itself, for services that change it."""
    return get_row(
        session, ManagementReviewRow, ManagementReviewRow.review_id, review_id, "management review"
    )


def get_review(session: Session, review_id: str) -> ManagementReview:
    return _view(review_row(session, review_id))


def list_reviews(session: Session) -> list[ManagementReview]:
    rows = session.scalars(
        select(ManagementReviewRow).order_by(
            ManagementReviewRow.held_on, ManagementReviewRow.review_id
        )
    )
    return [_view(row) for row in rows]


def _input_of(row: ManagementReviewRow) -> ReviewData:
    return ReviewData(
        row.review_id,
        row.held_on,
        row.chair,
        row.attendees,
        review_inputs(row),
        row.decisions,
        row.outputs,
    )


def _fill(row: ManagementReviewRow, data: ReviewData) -> None:
    notes: dict[str, str] = {}
    for given, text in data.inputs.items():
        key = input_key(given)
        if text.strip():
            notes[key] = text.strip()
    row.held_on = data.held_on
    row.chair = optional(data.chair)
    row.attendees = data.attendees.strip()
    row.inputs = json.dumps(
        {i.key: notes[i.key] for i in REVIEW_INPUTS if i.key in notes}, ensure_ascii=False
    )
    row.decisions = data.decisions.strip()
    row.outputs = data.outputs.strip()


def _new_review(session: Session, data: ReviewData) -> ManagementReviewRow:
    row = ManagementReviewRow(
        review_id=new_id(
            session, ManagementReviewRow.review_id, data.review_id, "management review"
        )
    )
    _fill(row, data)
    session.add(row)
    session.flush()
    return row


def add_review(session: Session, data: ReviewData) -> ManagementReview:
    return _view(_new_review(session, data))


def edit_review(session: Session, review_id: str, **changes: Any) -> list[str]:
    """Change fields; ``inputs`` given here are merged (an empty note removes that input)."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise IsmsError(f"{unknown[0]!r} is not an editable field ({', '.join(EDITABLE)})")
    row = review_row(session, review_id)
    current = _input_of(row)
    if "inputs" in changes:
        merged = dict(current.inputs)
        merged.update({input_key(k): v for k, v in changes["inputs"].items()})
        changes["inputs"] = merged
    before = snapshot(row, COLUMNS)
    _fill(row, replace(current, **changes))
    session.flush()
    return changed_fields(row, before)


@dataclass(frozen=True)
class ChecklistLine:
    key: str
    item: str
    label: str
    notes: str  # empty when the input is missing


@dataclass(frozen=True)
class ReviewDetail:
    review_id: str
    held_on: date
    chair: str | None
    attendees: str
    checklist: list[ChecklistLine]
    missing: list[str]
    decisions: str
    outputs: str


def describe_review(session: Session, review_id: str) -> ReviewDetail:
    row = get_review(session, review_id)
    notes = review_inputs(row)
    return ReviewDetail(
        row.review_id,
        row.held_on,
        row.chair,
        row.attendees,
        [ChecklistLine(i.key, i.item, i.label, notes.get(i.key, "")) for i in REVIEW_INPUTS],
        [i.key for i in missing_inputs(row)],
        row.decisions,
        row.outputs,
    )


# --- the program format ----------------------------------------------------------------


class ReviewFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_id: Text
    held_on: date
    chair: str | None = None
    attendees: str = ""
    inputs: dict[str, str] = Field(default_factory=dict)
    decisions: str = ""
    outputs: str = ""


def _review_data(row: ManagementReviewRow) -> dict[str, Any]:
    data = _input_of(row)
    return ReviewFile(**{f.name: getattr(data, f.name) for f in fields(data)}).model_dump(
        mode="json"
    )


def _review_upsert(
    session: Session, _library: Library, record: BaseModel, existing: ManagementReviewRow | None
) -> ManagementReviewRow:
    assert isinstance(record, ReviewFile)
    data = ReviewData(**record.model_dump())
    if existing is None:
        return _new_review(session, data)
    _fill(existing, data)
    return existing


_rows, _find = keyed_rows(ManagementReviewRow, ManagementReviewRow.review_id)
REVIEW_RECORDS = RecordKind(
    folder="reviews",
    format="crosswalk/management-review@1",
    model=ReviewFile,
    key="review_id",
    to_data=_review_data,
    upsert=_review_upsert,
    rows=_rows,
    find=_find,
)
