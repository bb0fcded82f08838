"""What the ISMS record services share: finding a record by its id, checking a new id, and
summarising the dates a set of records carries (first, last, calendar months).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crosswalk.domain.controls import check_record_id
from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError

T = TypeVar("T")


class IsmsError(CrosswalkError):
    """An ISMS record that would be incomplete or contradictory; nothing was changed."""


def find_row(
    session: Session, model: type[T], column: InstrumentedAttribute[str], key: str
) -> T | None:
    return session.scalar(select(model).where(column == key))


def keyed_rows(
    model: type[T], column: InstrumentedAttribute[str]
) -> tuple[Callable[[Session], list[T]], Callable[[Session, str], T | None]]:
    """The `rows` and `find` of a RecordKind whose records are rows named by ``column``."""

    def rows(session: Session) -> list[T]:
        return list(session.scalars(select(model).order_by(column)))

    def find(session: Session, key: str) -> T | None:
        return find_row(session, model, column, key)

    return rows, find


def get_row(
    session: Session, model: type[T], column: InstrumentedAttribute[str], key: str, noun: str
) -> T:
    """The record with this id, or an error suggesting the closest ids that exist."""
    row = find_row(session, model, column, key)
    if row is None:
        known = list(session.scalars(select(column)))
        raise UnknownReferenceError(key, noun, difflib.get_close_matches(key, known, n=3))
    return row


def new_id(session: Session, column: InstrumentedAttribute[str], key: str, noun: str) -> str:
    """A stripped, unused id for a new record; the edit command is named when it is taken."""
    cleaned = check_record_id(key, noun)
    if session.scalar(select(column).where(column == cleaned)) is not None:
        raise IsmsError(f"{noun} {cleaned!r} already exists; edit it instead")
    return cleaned


def next_free_id(session: Session, column: InstrumentedAttribute[str], prefix: str) -> str:
    """``PREFIX-NN`` after the highest such number in ``column`` (``R-01`` for the first)."""
    numbers = [
        int(found.group(1))
        for key in session.scalars(select(column).where(column.like(f"{prefix}%")))
        if (found := re.fullmatch(re.escape(prefix) + r"(\d+)", key))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def optional(value: str | None) -> str | None:
    """Blank means none."""
    return (value or "").strip() or None


def snapshot(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def changed_fields(row: Any, before: dict[str, Any]) -> list[str]:
    return [name for name, value in before.items() if getattr(row, name) != value]


def as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


@dataclass(frozen=True)
class DateSpan:
    """When a set of records starts and ends, and in how many calendar months any exist."""

    first: date | None
    last: date | None
    months: int


def date_span(values: Iterable[date | datetime | None]) -> DateSpan:
    dates = [d for d in (as_date(v) for v in values) if d is not None]
    if not dates:
        return DateSpan(None, None, 0)
    return DateSpan(min(dates), max(dates), len({(d.year, d.month) for d in dates}))
