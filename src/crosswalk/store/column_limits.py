"""Text longer than its column holds is refused the same way on every database.

PostgreSQL refuses a value past a ``VARCHAR(n)`` with a DataError, where SQLite stores it
whole: the same import failed on one and passed on the other, and the CLI showed
PostgreSQL's refusal as a traceback. Every flush now checks the text of new and changed
rows against their columns first and raises ``ValueTooLongError`` naming the record and
the field; importers call ``too_long`` to name the row or file before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import ColumnProperty, Session, UOWTransaction

from crosswalk.domain.errors import CrosswalkError


class ValueTooLongError(CrosswalkError):
    """A text value longer than its column; nothing was written."""

    def __init__(self, record: str, key: str | None, field: str, length: int, limit: int) -> None:
        self.key = key
        self.field = field
        named = f"{record} {key!r}" if key else record
        super().__init__(
            f"{named}: {field} has {length:,} characters, more than the {limit:,} it holds"
        )


@cache
def _limits(model: type) -> tuple[tuple[str, int], ...]:
    """(attribute, length) of every length-limited text column of a mapped class."""
    found = []
    props: list[ColumnProperty[Any]] = list(inspect(model).column_attrs)
    for prop in props:
        column_type = prop.columns[0].type
        if isinstance(column_type, String) and column_type.length:
            found.append((prop.key, column_type.length))
    return tuple(found)


@cache
def _naming(model: type) -> tuple[str, str | None]:
    """How a record of the class is named: ``ControlRow`` -> ("control", "control_id")."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__.removesuffix("Row")).lower()
    props: list[ColumnProperty[Any]] = list(inspect(model).column_attrs)
    key = next(
        (
            prop.key
            for prop in props
            if prop.columns[0].unique and isinstance(prop.columns[0].type, String)
        ),
        None,
    )
    return words, key


def too_long(model: type, values: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(field, length, limit) of each text in ``values`` longer than its column of ``model``."""
    return [
        (field, len(value), limit)
        for field, limit in _limits(model)
        if isinstance(value := values.get(field), str) and len(value) > limit
    ]


def _check_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    for row in (*session.new, *session.dirty):
        model: type = type(row)
        found = too_long(model, row.__dict__)  # only values set or loaded: no lazy loads
        if found:
            record, key = _naming(model)
            field, length, limit = found[0]
            name = row.__dict__.get(key) if key else None
            raise ValueTooLongError(record, str(name) if name else None, field, length, limit)


event.listen(Session, "before_flush", _check_flush)
