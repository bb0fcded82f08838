"""The library as a workspace's team adjusted it: light enough for every command to use.

Kept apart from ``adjustments`` (which writes them and needs the ORM and pydantic) so that
``show`` and ``map`` lay the team's adjustments over the compiled library without loading the
database layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from crosswalk.catalogs.loader import Library
from crosswalk.domain.adjustments import Adjustment, AdjustmentAction
from crosswalk.domain.relationships import Relationship

COLUMNS = (
    "source",
    "target",
    "action",
    "relationship",
    "strength",
    "note",
    "reason",
    "adjusted_by",
    "adjusted_on",
)


def adjustment_of(record: Mapping[str, Any]) -> Adjustment:
    """One stored adjustment (a row's columns, by name) as the domain reads it."""
    on = record["adjusted_on"]
    return Adjustment(
        source=record["source"],
        target=record["target"],
        action=AdjustmentAction(record["action"]),
        reason=record["reason"],
        relationship=Relationship(record["relationship"]) if record["relationship"] else None,
        strength=record["strength"],
        note=record["note"],
        adjusted_by=record["adjusted_by"],
        adjusted_on=on if isinstance(on, date) or on is None else date.fromisoformat(str(on)),
    )


_adjusted: dict[tuple[int, tuple[Adjustment, ...]], Library] = {}


def adjusted(library: Library, adjustments: Iterable[Adjustment]) -> Library:
    """``library`` with the adjustments laid over it, built once per process for each set."""
    wanted = tuple(adjustments)
    if not wanted:
        return library
    key = (id(library), wanted)
    if key not in _adjusted:
        if len(_adjusted) > 16:
            _adjusted.clear()
        _adjusted[key] = library.with_adjustments(wanted)
    return _adjusted[key]


def adjusted_from_records(library: Library, records: Iterable[Mapping[str, Any]]) -> Library:
    return adjusted(library, sorted((adjustment_of(r) for r in records), key=_order))


def _order(adjustment: Adjustment) -> tuple[str, str]:
    return adjustment.source, adjustment.target
