"""The team's adjustments to the crosswalk: records in the workspace, laid over the shipped
sets wherever the library is opened for a workspace, so every verdict uses them.

An adjustment changes a shipped edge (relationship, strength, note), retires it, or adds an
edge, always with a reason. Rows are audited (who, when, before, after, why) by the audit
trail's session hook; shipped files never change. Services flush; the caller owns the
transaction. Adjustments leave here as ``AdjustmentView`` views, never as rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.adjustments import Adjustment, AdjustmentAction
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import Mapping
from crosswalk.domain.relationships import Relationship
from crosswalk.services.mapping.adjusted import COLUMNS, adjusted, adjustment_of
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.audit import default_actor
from crosswalk.store.maintenance_models import MappingAdjustmentRow

ADJUSTMENT_FORMAT = "crosswalk/mapping-adjustment@1"


class AdjustmentError(CrosswalkError):
    pass


@dataclass(frozen=True)
class AdjustmentView:
    edge: str  # "source -> target", as authored
    source: str
    target: str
    action: str  # change, retire
    kind: str  # "changed", "retired" or "added": what it does to the shipped sets
    mapping_sets: list[str]  # the sets whose edge it changes, or the set it adds to
    relationship: str | None
    strength: int | None
    note: str | None
    shipped: str | None  # the shipped edge before the adjustment, in words
    reason: str
    adjusted_by: str
    adjusted_on: date


def _domain(row: MappingAdjustmentRow) -> Adjustment:
    return adjustment_of({name: getattr(row, name) for name in COLUMNS})


def _rows(session: Session) -> list[MappingAdjustmentRow]:
    return list(
        session.scalars(
            select(MappingAdjustmentRow).order_by(
                MappingAdjustmentRow.source, MappingAdjustmentRow.target
            )
        )
    )


def workspace_adjustments(session: Session) -> list[Adjustment]:
    return [_domain(row) for row in _rows(session)]


def adjusted_library(session: Session, library: Library) -> Library:
    """The library with this workspace's adjustments laid over it (cached per set of them)."""
    return adjusted(library, workspace_adjustments(session))


def shipped_edges(library: Library, source: str, target: str) -> list[Mapping]:
    """The edge ``source -> target`` as the loaded sets author it (before adjustments)."""
    return [
        mapping
        for mapping_set in library.mapping_sets.values()
        for mapping in mapping_set.mappings
        if mapping.source == source and mapping.target == target
    ]


def _describe(mapping: Mapping) -> str:
    strength = "" if mapping.strength is None else f", strength {mapping.strength}"
    return f"{mapping.set_id}: {mapping.relationship.value}{strength}"


def _view(library: Library, adjustment: Adjustment) -> AdjustmentView:
    shipped = shipped_edges(library, adjustment.source, adjustment.target)
    if shipped:
        kind = "retired" if adjustment.action is AdjustmentAction.RETIRE else "changed"
        sets = sorted({m.set_id for m in shipped})
    else:
        kind = "added"
        laid = library.with_adjustments([adjustment])
        sets = sorted(
            s.id
            for s in laid.mapping_sets.values()
            if any(m.adjusted and m.source == adjustment.source for m in s.mappings)
        )
    return AdjustmentView(
        edge=adjustment.edge,
        source=adjustment.source,
        target=adjustment.target,
        action=adjustment.action.value,
        kind=kind,
        mapping_sets=sets,
        relationship=adjustment.relationship.value if adjustment.relationship else None,
        strength=adjustment.strength,
        note=adjustment.note,
        shipped="; ".join(_describe(m) for m in shipped) or None,
        reason=adjustment.reason,
        adjusted_by=adjustment.adjusted_by,
        adjusted_on=adjustment.adjusted_on or date.min,
    )


def list_adjustments(session: Session, library: Library) -> list[AdjustmentView]:
    """Every adjustment, with the shipped edge it changes; ``library`` is the shipped one."""
    return [_view(library, a) for a in workspace_adjustments(session)]


def adjust_edge(
    session: Session,
    library: Library,
    source: str,
    target: str,
    because: str,
    today: date,
    relationship: str | None = None,
    strength: int | None = None,
    note: str | None = None,
    retire: bool = False,
) -> AdjustmentView:
    """Record the team's judgment on one edge (replacing any earlier one for that edge).

    ``library`` is the shipped library (no adjustments); ``source`` and ``target`` are what
    the user typed and are resolved here.
    """
    reason = because.strip()
    if not reason:
        raise AdjustmentError("an adjustment needs a reason (--because)")
    source_key = resolve_requirement(library, source)
    target_key = resolve_requirement(library, target)
    if source_key.partition(":")[0] == target_key.partition(":")[0]:
        raise AdjustmentError("source and target must be in different frameworks")
    parsed = _relationship(relationship)
    if strength is not None and not 1 <= strength <= 10:
        raise AdjustmentError(f"strength must be 1-10, not {strength}")
    shipped = shipped_edges(library, source_key, target_key)
    if retire:
        if not shipped:
            raise AdjustmentError(
                f"no shipped edge {source_key} -> {target_key} to retire (check the direction: "
                "edges are adjusted as authored, source first)"
            )
        if parsed is not None or strength is not None or note:
            raise AdjustmentError("--retire takes only a reason; it sets nothing else")
    elif not shipped and parsed is None:
        raise AdjustmentError(f"{source_key} -> {target_key} is a new edge: say its --relationship")
    elif shipped and parsed is None and strength is None and not note:
        raise AdjustmentError("nothing to change: give --relationship, --strength or --note")
    if parsed is Relationship.NO_RELATIONSHIP:
        raise AdjustmentError("to drop an edge, retire it (--retire)")
    row = session.scalar(
        select(MappingAdjustmentRow).where(
            MappingAdjustmentRow.source == source_key, MappingAdjustmentRow.target == target_key
        )
    )
    if row is None:
        row = MappingAdjustmentRow(source=source_key, target=target_key)
        session.add(row)
    row.action = (AdjustmentAction.RETIRE if retire else AdjustmentAction.CHANGE).value
    row.relationship = parsed.value if parsed else None
    row.strength = strength
    row.note = note.strip() if note and note.strip() else None
    row.reason = reason
    row.adjusted_by = str(session.info.get("actor") or default_actor())
    row.adjusted_on = today
    session.flush()
    return _view(library, _domain(row))


def restore_edge(session: Session, library: Library, source: str, target: str) -> str:
    """Drop the team's adjustment of one edge: the shipped edge (if any) applies again."""
    source_key = resolve_requirement(library, source)
    target_key = resolve_requirement(library, target)
    row = session.scalar(
        select(MappingAdjustmentRow).where(
            MappingAdjustmentRow.source == source_key, MappingAdjustmentRow.target == target_key
        )
    )
    if row is None:
        raise AdjustmentError(f"{source_key} -> {target_key} has no adjustment to undo")
    session.delete(row)
    session.flush()
    return f"{source_key} -> {target_key}"


def _relationship(given: str | None) -> Relationship | None:
    if given is None or not given.strip():
        return None
    try:
        return Relationship(given.strip().lower().replace("-", "_"))
    except ValueError:
        allowed = ", ".join(r.value for r in Relationship if r is not Relationship.NO_RELATIONSHIP)
        raise AdjustmentError(f"relationship {given!r}: expected one of {allowed}") from None


# Program files: one reviewable file per adjustment (``export program`` / ``apply``).


class AdjustmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edge: str = Field(description="SOURCE -> TARGET, both framework:ref, as authored")
    action: AdjustmentAction
    relationship: Relationship | None = None
    strength: int | None = Field(default=None, ge=1, le=10)
    note: str | None = None
    reason: str = Field(min_length=1)
    adjusted_by: str
    adjusted_on: date


def adjustment_data(row: MappingAdjustmentRow) -> dict[str, Any]:
    return AdjustmentFile(
        edge=f"{row.source} -> {row.target}",
        action=AdjustmentAction(row.action),
        relationship=Relationship(row.relationship) if row.relationship else None,
        strength=row.strength,
        note=row.note,
        reason=row.reason,
        adjusted_by=row.adjusted_by,
        adjusted_on=row.adjusted_on,
    ).model_dump(mode="json")


def find_adjustment(session: Session, edge: str) -> MappingAdjustmentRow | None:
    source, _, target = edge.partition(" -> ")
    return session.scalar(
        select(MappingAdjustmentRow).where(
            MappingAdjustmentRow.source == source.strip(),
            MappingAdjustmentRow.target == target.strip(),
        )
    )


def upsert_adjustment(
    session: Session, library: Library, record: BaseModel, existing: Any | None
) -> MappingAdjustmentRow:
    """Apply one file: the edge's refs must resolve; the recorded author and date are kept."""
    assert isinstance(record, AdjustmentFile)
    source, arrow, target = record.edge.partition(" -> ")
    if not arrow:
        raise AdjustmentError(f"edge {record.edge!r}: expected 'SOURCE -> TARGET'")
    source_key = resolve_requirement(library, source.strip())
    target_key = resolve_requirement(library, target.strip())
    row = existing if isinstance(existing, MappingAdjustmentRow) else None
    if row is None:
        row = MappingAdjustmentRow(source=source_key, target=target_key)
        session.add(row)
    row.action = record.action.value
    row.relationship = record.relationship.value if record.relationship else None
    row.strength = record.strength
    row.note = record.note
    row.reason = record.reason
    row.adjusted_by = record.adjusted_by
    row.adjusted_on = record.adjusted_on
    return row


def adjustment_rows(session: Session) -> list[MappingAdjustmentRow]:
    return _rows(session)
