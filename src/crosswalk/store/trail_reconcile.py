"""Does the database still say what the audit trail says? Replaying the trail gives, for every
audited record, the state its last entry left it in; each stored row must match one.

An intact chain only proves the trail was not rewritten. Someone editing the audited tables
directly (a control's status, a back-dated evidence date, a blob swapped with its sha256
updated, a row deleted) leaves the trail intact and the rows wrong: the replay finds each.

Records are matched by their trail key (a control's id, an evidence number...). Some keys
name several rows at once (two review flags on one subject), so each key holds a multiset
of states: a create adds its ``after``, an update swaps ``before`` for ``after``, a delete
removes ``before``. Values are compared after one normalisation (a moment in UTC, a list
sorted), because the trail spells them as written and the database hands them back in its
own way (SQLite drops the time zone). A field an older entry did not record yet (a column
added later) is expected to be empty.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crosswalk.store.audit import AUDITED, Audited, _values, canonical, trail_changes


@dataclass(frozen=True)
class RowDrift:
    """A stored record that is not what the trail last recorded for it."""

    entity: str
    key: str
    entry_id: int | None  # the trail's last entry for the record, if any
    message: str


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _MOMENT.match(value):
        return _moment(datetime.fromisoformat(value))
    if isinstance(value, list):
        return sorted((_normal(item) for item in value), key=repr)
    return value


def _moment(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _state(values: dict[str, Any], fields: Iterable[str]) -> str:
    """One spelling of a record's audited fields, whatever wrote or stored them."""
    return json.dumps({name: _normal(values.get(name)) for name in fields}, sort_keys=True)


def _trail_states(
    session: Session, entities: dict[str, Audited]
) -> tuple[dict[tuple[str, str], Counter[str]], dict[tuple[str, str], int]]:
    states: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    last: dict[tuple[str, str], int] = {}
    for entry_id, action, entity, key, before, after in (
        astuple(change) for change in trail_changes(session)
    ):
        audited = entities.get(entity)
        if audited is None:  # an entity no longer audited: nothing to hold it against
            continue
        held = states[(entity, key)]
        last[(entity, key)] = entry_id
        if action in ("update", "delete") and before is not None:
            was = _state(json.loads(before), audited.fields)
            if held[was] > 0:
                held[was] -= 1
            elif sum(held.values()) == 1:  # spelled otherwise than when it was written
                held.clear()
        if action in ("create", "update") and after is not None:
            held[_state(json.loads(after), audited.fields)] += 1
        states[(entity, key)] = +held
    return states, last


def _stored_states(session: Session) -> dict[tuple[str, str], Counter[str]]:
    states: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for model, audited in AUDITED.items():
        query: Select[tuple[Any]] = select(model)
        mapper = model.__mapper__  # type: ignore[attr-defined]
        for name in audited.fields:
            if name in mapper.relationships:
                query = query.options(selectinload(getattr(model, name)))
        if "control" in mapper.relationships:  # a tag's or a link's key names its control
            query = query.options(joinedload(mapper.relationships["control"].class_attribute))
        for row in session.scalars(query.execution_options(yield_per=1000)):
            values = json.loads(canonical(_values(row, audited.fields, before=False)) or "{}")
            states[(audited.entity, audited.key(row))][_state(values, audited.fields)] += 1
    return states


def _difference(stored: str, recorded: str) -> str:
    now, then = json.loads(stored), json.loads(recorded)
    changed = [name for name in sorted(now) if now[name] != then.get(name)]
    return "; ".join(
        f"{name} is {now[name]!r} in the database but {then.get(name)!r} in the trail"
        for name in changed
    )


def reconcile(session: Session) -> tuple[int, list[RowDrift]]:
    """How many audited records are stored, and each one (or each trail record) whose
    stored state the trail does not account for."""
    entities = {audited.entity: audited for audited in AUDITED.values()}
    recorded, last = _trail_states(session, entities)
    stored = _stored_states(session)
    drift: list[RowDrift] = []
    for entity, key in sorted(set(recorded) | set(stored)):
        have, want = stored.get((entity, key), Counter()), recorded.get((entity, key), Counter())
        if have == want:
            continue
        extra, missing = list((have - want).elements()), list((want - have).elements())
        entry = last.get((entity, key))
        if extra and missing and len(extra) == len(missing) == 1:
            message = f"changed without a trail entry: {_difference(extra[0], missing[0])}"
        elif extra and entry is None:
            message = "in the database but never recorded in the trail: added behind its back"
        elif extra and not missing:
            message = "in the database, but the trail last recorded it deleted"
        elif missing and not extra:
            message = "recorded in the trail but missing from the database: deleted behind its back"
        else:
            message = f"{len(extra)} stored and {len(missing)} recorded states differ"
        drift.append(RowDrift(entity, key, entry, message))
    return sum(sum(held.values()) for held in stored.values()), drift
