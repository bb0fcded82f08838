"""The audit trail as people read it: newest first, filtered by what, who and since when,
each entry reduced to the fields it changed (before -> after).

The store records every audited field of a row on each change; an auditor asking "who
excluded A.7.4, and what did it say before?" needs only the fields that moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.services.evidence.trail import list_entries
from crosswalk.store.models import AuditRow

DEFAULT_LIMIT = 200
MAX_LIMIT = 2000


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class TrailEntry:
    id: int
    at: str
    actor: str
    action: str  # create, update, delete
    entity: str
    entity_key: str
    changes: list[FieldChange]
    hash: str


@dataclass(frozen=True)
class TrailFilter:
    """What the trail is narrowed to; empty values do not narrow."""

    entity: str = ""
    actor: str = ""
    key: str = ""  # part of the entity key, e.g. a control id or "A.7.4"
    since: date | None = None
    limit: int = DEFAULT_LIMIT
    before: int | None = None  # entries older than this one: the next page
    until: date | None = None  # up to the end of this day


def _values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {"value": loaded}


def _blank(value: Any) -> bool:
    return value is None or value in ("", [])


def field_changes(action: str, before: str | None, after: str | None) -> list[FieldChange]:
    """The fields an entry changed: all set fields of a create or delete, the differing
    ones of an update."""
    old, new = _values(before), _values(after)
    names = list(dict.fromkeys([*old, *new]))
    if action == "create":
        return [FieldChange(n, None, new.get(n)) for n in names if not _blank(new.get(n))]
    if action == "delete":
        return [FieldChange(n, old.get(n), None) for n in names if not _blank(old.get(n))]
    return [FieldChange(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)]


def trail(session: Session, wanted: TrailFilter | None = None) -> list[TrailEntry]:
    """Entries newest first, at most ``limit`` of them."""
    chosen = wanted or TrailFilter()
    limit = max(1, min(chosen.limit, MAX_LIMIT))
    since = (
        datetime.combine(chosen.since, time.min, tzinfo=UTC) if chosen.since is not None else None
    )
    until = (
        datetime.combine(chosen.until + timedelta(days=1), time.min, tzinfo=UTC)
        if chosen.until is not None
        else None
    )
    entries = list_entries(
        session,
        since=since,
        entity=chosen.entity.strip() or None,
        limit=limit,
        actor=chosen.actor.strip() or None,
        key=chosen.key.strip() or None,
        before=chosen.before,
        until=until,
    )
    return [
        TrailEntry(
            entry.id,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_key,
            field_changes(entry.action, entry.before, entry.after),
            entry.hash,
        )
        for entry in reversed(entries)
    ]


def trail_entities(session: Session) -> list[str]:
    """The kinds of record the trail holds, for a filter's choices."""
    return sorted(session.scalars(select(AuditRow.entity).distinct()))


def trail_actors(session: Session) -> list[str]:
    return sorted(session.scalars(select(AuditRow.actor).distinct()))
