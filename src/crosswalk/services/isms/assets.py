"""The asset and system inventory the ISMS scope (ISO/IEC 27001:2022 clause 4.3) is checked
against: each asset's owner, classification, dependencies and linked controls, with its SOC 2
boundary and ISMS scope flags, and its ``assets/<asset_id>.yaml`` file format.

The scope statement and the check that it agrees with this inventory live in ``scope``, which
builds on this module (never the other way round). Services flush; the caller (a command or a
request) owns the transaction and commits.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError
from crosswalk.io.program_files import Text
from crosswalk.services.controls.controls import control_row
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.isms_models import AssetRow
from crosswalk.store.models import ControlRow

# No whitespace, commas or "=": depends_on is stored comma-separated and `--exclude` is ID=reason.
ASSET_ID = re.compile(r"[^\s,=]+")


class ScopeError(CrosswalkError):
    """A scope statement or asset change that cannot be made as asked.

    One error for the whole ISMS scope, inventory and statement alike; it is defined here
    because ``scope`` imports this module.
    """


@dataclass(frozen=True)
class AssetInput:
    asset_id: str
    name: str
    kind: str = "system"
    owner: str | None = None
    classification: str | None = None
    in_soc2_boundary: bool = False
    in_isms_scope: bool = False
    depends_on: Sequence[str] = ()
    controls: Sequence[str] = ()
    description: str = ""


@dataclass(frozen=True)
class AssetControl:
    """A control linked to an asset, as an asset's view names it."""

    control_id: str
    title: str
    status: str


@dataclass(frozen=True)
class Asset:
    """An asset as clients see it: dependencies parsed, controls as plain values."""

    asset_id: str
    name: str
    kind: str
    owner: str | None
    classification: str | None
    in_soc2_boundary: bool
    in_isms_scope: bool
    depends_on: tuple[str, ...]
    controls: tuple[AssetControl, ...]
    description: str


def asset_dependencies(row: Asset | AssetRow) -> list[str]:
    if isinstance(row, Asset):
        return list(row.depends_on)
    return [part for part in (row.depends_on or "").split(",") if part]


def _view(row: AssetRow) -> Asset:
    return Asset(
        asset_id=row.asset_id,
        name=row.name,
        kind=row.kind,
        owner=row.owner,
        classification=row.classification,
        in_soc2_boundary=row.in_soc2_boundary,
        in_isms_scope=row.in_isms_scope,
        depends_on=tuple(asset_dependencies(row)),
        controls=tuple(
            AssetControl(c.control_id, c.title, c.status)
            for c in sorted(row.controls, key=lambda c: c.control_id)
        ),
        description=row.description,
    )


def asset_data(row: Asset | AssetRow) -> dict[str, Any]:
    """An asset as plain data: the program file's content, also the JSON of the CLI."""
    return {
        "asset_id": row.asset_id,
        "name": row.name,
        "kind": row.kind,
        "owner": row.owner,
        "classification": row.classification,
        "in_soc2_boundary": row.in_soc2_boundary,
        "in_isms_scope": row.in_isms_scope,
        "depends_on": asset_dependencies(row),
        "controls": sorted(control.control_id for control in row.controls),
        "description": row.description,
    }


def _optional(text: str | None) -> str | None:
    return (text or "").strip() or None


def _checked_id(asset_id: str) -> str:
    cleaned = asset_id.strip()
    if not ASSET_ID.fullmatch(cleaned):
        raise ScopeError(f"asset id {asset_id!r} must be non-empty, without spaces, commas or '='")
    return cleaned


def _known_assets(session: Session) -> list[str]:
    return list(session.scalars(select(AssetRow.asset_id).order_by(AssetRow.asset_id)))


def require_assets(session: Session, asset_ids: Iterable[str]) -> None:
    """Raise for the first id not in the inventory, suggesting the closest ids."""
    known = _known_assets(session)
    present = set(known)
    for asset_id in asset_ids:
        if asset_id not in present:
            raise UnknownReferenceError(
                asset_id, "asset", difflib.get_close_matches(asset_id, known, n=3)
            )


def _dependencies(session: Session, asset_id: str, given: Iterable[str]) -> str:
    """Validated dependencies, stored sorted and comma-separated."""
    wanted = sorted({dependency.strip() for dependency in given})
    if asset_id in wanted:
        raise ScopeError(f"asset {asset_id!r} cannot depend on itself")
    require_assets(session, wanted)
    return ",".join(wanted)


def _controls(session: Session, control_ids: Iterable[str]) -> list[ControlRow]:
    return [control_row(session, control_id.strip()) for control_id in dict.fromkeys(control_ids)]


def asset_row(session: Session, asset_id: str) -> AssetRow:
    """The row itself, for services that change it or follow its relationships."""
    row = session.scalar(select(AssetRow).where(AssetRow.asset_id == asset_id))
    if row is None:
        known = _known_assets(session)
        raise UnknownReferenceError(
            asset_id, "asset", difflib.get_close_matches(asset_id, known, n=3)
        )
    return row


def get_asset(session: Session, asset_id: str) -> Asset:
    return _view(asset_row(session, asset_id))


def _asset_rows(
    session: Session,
    in_scope: bool | None = None,
    in_boundary: bool | None = None,
    owner: str | None = None,
) -> list[AssetRow]:
    query = select(AssetRow).order_by(AssetRow.asset_id)
    if in_scope is not None:
        query = query.where(AssetRow.in_isms_scope == in_scope)
    if in_boundary is not None:
        query = query.where(AssetRow.in_soc2_boundary == in_boundary)
    if owner:
        query = query.where(AssetRow.owner.ilike(f"%{owner}%"))
    return list(session.scalars(query))


def list_assets(
    session: Session,
    in_scope: bool | None = None,
    in_boundary: bool | None = None,
    owner: str | None = None,
) -> list[Asset]:
    return [_view(row) for row in _asset_rows(session, in_scope, in_boundary, owner)]


def add_asset(session: Session, data: AssetInput) -> Asset:
    """Add an asset; every dependency and control must exist, or nothing is added."""
    asset_id = _checked_id(data.asset_id)
    if session.scalar(select(AssetRow.id).where(AssetRow.asset_id == asset_id)) is not None:
        raise ScopeError(f"asset {asset_id!r} already exists; use `assets edit`")
    name = data.name.strip()
    if not name:
        raise ScopeError("an asset needs a name")
    depends_on = _dependencies(session, asset_id, data.depends_on)
    controls = _controls(session, data.controls)
    row = AssetRow(
        asset_id=asset_id,
        name=name,
        kind=data.kind.strip() or "system",
        owner=_optional(data.owner),
        classification=_optional(data.classification),
        in_soc2_boundary=data.in_soc2_boundary,
        in_isms_scope=data.in_isms_scope,
        depends_on=depends_on,
        description=data.description.strip(),
    )
    row.controls = controls
    session.add(row)
    session.flush()
    from crosswalk.services.mapping.flags import flag_asset_added

    flag_asset_added(session, row)
    return _view(row)


EDITABLE = (
    "name",
    "kind",
    "owner",
    "classification",
    "in_soc2_boundary",
    "in_isms_scope",
    "depends_on",
    "description",
)


def edit_asset(session: Session, asset_id: str, **changes: Any) -> list[str]:
    """Apply changes (``depends_on`` as the whole new list); returns the fields really changed.

    Every value is checked before any is set, so a bad one changes nothing.
    """
    row = asset_row(session, asset_id)
    wanted: dict[str, Any] = {}
    for name, given in changes.items():
        if name not in EDITABLE:
            raise ScopeError(f"{name!r} is not an editable field ({', '.join(EDITABLE)})")
        if name == "depends_on":
            wanted[name] = _dependencies(session, row.asset_id, given)
        elif name in ("owner", "classification"):
            wanted[name] = _optional(given)
        elif name in ("in_soc2_boundary", "in_isms_scope"):
            wanted[name] = bool(given)
        elif name in ("name", "kind"):
            if not str(given).strip():
                raise ScopeError(f"an asset's {name} cannot be empty")
            wanted[name] = str(given).strip()
        else:
            wanted[name] = str(given).strip()
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, wanted[name])
    session.flush()
    return changed


def link_asset_controls(session: Session, asset_id: str, control_ids: Sequence[str]) -> list[str]:
    """Link controls that protect the asset; returns the ids newly linked."""
    row = asset_row(session, asset_id)
    controls = _controls(session, control_ids)
    present = {control.control_id for control in row.controls}
    added = [control for control in controls if control.control_id not in present]
    row.controls = [*row.controls, *added]
    session.flush()
    return [control.control_id for control in added]


def unlink_asset_controls(session: Session, asset_id: str, control_ids: Sequence[str]) -> list[str]:
    """Unlink controls; returns the ids that were linked and now are not."""
    row = asset_row(session, asset_id)
    dropping = {control.control_id for control in _controls(session, control_ids)}
    removed = sorted(c.control_id for c in row.controls if c.control_id in dropping)
    row.controls = [c for c in row.controls if c.control_id not in dropping]
    session.flush()
    return removed


def check_asset_references(session: Session) -> None:
    """Raise when an asset depends on one missing from the inventory.

    Asset files may name assets defined in later files, so applying them cannot check each
    dependency as it goes: call this after applying ``ASSET_RECORDS``, before committing.
    """
    known = set(_known_assets(session))
    missing = [
        f"{row.asset_id} -> {dependency}"
        for row in session.scalars(select(AssetRow).order_by(AssetRow.asset_id))
        for dependency in asset_dependencies(row)
        if dependency not in known
    ]
    if missing:
        raise ScopeError("depends on an asset not in the inventory: " + ", ".join(missing))


# --- the program format -----------------------------------------------------------------------


def _sorted_unique(values: list[str]) -> list[str]:
    return sorted(set(values))


class AssetFile(BaseModel):
    """``assets/<asset_id>.yaml``: lists are kept sorted so the same inventory writes the same
    bytes and a reordered file is not a change."""

    model_config = ConfigDict(extra="forbid")
    asset_id: Text
    name: Text
    kind: Text = "system"
    owner: str | None = None
    classification: str | None = None
    in_soc2_boundary: bool = False
    in_isms_scope: bool = False
    depends_on: list[Text] = Field(default_factory=list)
    controls: list[Text] = Field(default_factory=list)
    description: str = ""

    @field_validator("asset_id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not ASSET_ID.fullmatch(value):
            raise ValueError("an asset id has no spaces, commas or '='")
        return value

    @field_validator("owner", "classification")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return _optional(value)

    @field_validator("description")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("depends_on", "controls")
    @classmethod
    def _normalise(cls, value: list[str]) -> list[str]:
        return _sorted_unique(value)


def _find_asset(session: Session, key: str) -> AssetRow | None:
    return session.scalar(select(AssetRow).where(AssetRow.asset_id == key))


def _upsert_asset(
    session: Session, _library: Library, record: BaseModel, existing: AssetRow | None
) -> AssetRow:
    """Controls must exist; dependencies may name assets of later files (see
    ``check_asset_references``)."""
    if not isinstance(record, AssetFile):
        raise TypeError(f"expected an AssetFile, got {type(record).__name__}")
    if record.asset_id in record.depends_on:
        raise ScopeError(f"asset {record.asset_id!r} cannot depend on itself")
    controls = _controls(session, record.controls)
    row = existing or AssetRow(asset_id=record.asset_id)
    row.name = record.name
    row.kind = record.kind
    row.owner = record.owner
    row.classification = record.classification
    row.in_soc2_boundary = record.in_soc2_boundary
    row.in_isms_scope = record.in_isms_scope
    row.depends_on = ",".join(record.depends_on)
    row.description = record.description
    row.controls = controls
    if existing is None:
        session.add(row)
    return row


ASSET_RECORDS = RecordKind(
    folder="assets",
    format="crosswalk/asset@1",
    model=AssetFile,
    key="asset_id",
    rows=_asset_rows,
    to_data=asset_data,
    upsert=_upsert_asset,
    find=_find_asset,
)
