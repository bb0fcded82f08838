"""The record of processing activities (GDPR Art. 30), kept on the ISMS asset inventory.

Each activity names the systems that hold its data (assets of the inventory) and the
controls that secure it, so the two programmes share one foundation: an activity on an asset
without an owner, or on one outside the ISMS scope, is flagged, as are the gaps the GDPR
itself cares about (no lawful basis, special categories without an Art. 9(2) condition,
processors without an Art. 28 agreement, a DPIA the screening requires but nobody did).

An unknown lawful basis, condition, safeguard, asset, control or risk, and a third-country
transfer without its safeguard, are refused naming the field; nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.gdpr import (
    ART9_CONDITIONS,
    DPIA_CASES,
    DPIA_CRITERIA,
    DPIA_REQUIRED,
    LAWFUL_BASES,
    ROLES,
    SAFEGUARDS,
    SPECIAL_CATEGORIES,
    dpia_screening,
    split_list,
)
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import IsmsError, changed_fields, get_row, keyed_rows, new_id
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.gdpr_models import ProcessingActivityRow
from crosswalk.store.isms_models import AssetRow, RiskRow
from crosswalk.store.models import ControlRow

LISTS = (
    "special_categories",
    "processors",
    "transfers",
    "assets",
    "controls",
    "dpia_criteria",
    "dpia_risks",
)


class ActivityError(IsmsError):
    """A processing activity that would be incomplete or contradictory; nothing was changed."""


@dataclass(frozen=True)
class ActivityInput:
    activity_id: str
    name: str
    role: str = "controller"
    controller: str = ""
    purpose: str = ""
    subject_categories: str = ""
    data_categories: str = ""
    special_categories: list[str] = field(default_factory=list)
    lawful_basis: str | None = None
    art9_condition: str | None = None
    recipients: str = ""
    processors: list[str] = field(default_factory=list)
    processor_agreement: bool = False
    transfers: list[str] = field(default_factory=list)
    transfer_safeguard: str | None = None
    retention: str = ""
    assets: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    security_measures: str = ""
    owner: str | None = None
    dpia_criteria: list[str] = field(default_factory=list)
    dpia_completed_on: date | None = None
    dpia_risks: list[str] = field(default_factory=list)


COLUMNS = tuple(f.name for f in fields(ActivityInput) if f.name != "activity_id")


@dataclass(frozen=True)
class ActivityAsset:
    asset_id: str
    name: str
    owner: str | None
    in_isms_scope: bool


@dataclass(frozen=True)
class Activity:
    """An activity as clients see it: its record, its systems, its screening and its flags."""

    activity_id: str
    name: str
    role: str
    controller: str
    purpose: str
    subject_categories: str
    data_categories: str
    special_categories: list[str]
    lawful_basis: str | None
    art9_condition: str | None
    recipients: str
    processors: list[str]
    processor_agreement: bool
    transfers: list[str]
    transfer_safeguard: str | None
    retention: str
    assets: list[str]
    controls: list[str]
    security_measures: str
    owner: str | None
    dpia_criteria: list[str]
    dpia_completed_on: date | None
    dpia_risks: list[str]
    systems: list[ActivityAsset]
    dpia: str  # DPIA required / recommended / not required
    dpia_reasons: list[str]
    flags: list[str]


def _input_of(row: ProcessingActivityRow) -> ActivityInput:
    values = {f.name: getattr(row, f.name) for f in fields(ActivityInput)}
    for name in LISTS:
        values[name] = split_list(values[name])
    return ActivityInput(**values)


def activity_flags(data: ActivityInput, systems: list[ActivityAsset]) -> list[str]:
    """What the record still lacks, in the words of the article that asks for it."""
    flags = []
    for system in systems:
        if not system.owner:
            flags.append(f"asset {system.asset_id} has no owner")
        if not system.in_isms_scope:
            flags.append(f"asset {system.asset_id} is outside the ISMS scope")
    if not data.assets:
        flags.append("no system of the asset inventory holds its data")
    if data.role != "processor" and data.lawful_basis is None:
        flags.append("no lawful basis (Art. 6)")
    if data.special_categories and data.art9_condition is None:
        flags.append("special categories without an Art. 9(2) condition")
    if data.processors and not data.processor_agreement:
        flags.append("processors without an Art. 28 agreement on file")
    if not data.retention.strip():
        flags.append("no retention period (Art. 30(1)(f))")
    outcome, _ = dpia_screening(data.dpia_criteria, bool(data.special_categories))
    if outcome == DPIA_REQUIRED and data.dpia_completed_on is None:
        flags.append("the screening requires a DPIA (Art. 35) and none is recorded")
    return flags


def _systems(session: Session, asset_ids: list[str]) -> list[ActivityAsset]:
    if not asset_ids:
        return []
    rows = session.scalars(select(AssetRow).where(AssetRow.asset_id.in_(asset_ids)))
    found = {r.asset_id: ActivityAsset(r.asset_id, r.name, r.owner, r.in_isms_scope) for r in rows}
    return [found[a] for a in asset_ids if a in found]


def _view(data: ActivityInput, systems: list[ActivityAsset]) -> Activity:
    outcome, reasons = dpia_screening(data.dpia_criteria, bool(data.special_categories))
    return Activity(
        **asdict(data),
        systems=systems,
        dpia=outcome,
        dpia_reasons=reasons,
        flags=activity_flags(data, systems),
    )


def _known(session: Session, column: Any, wanted: list[str]) -> set[str]:
    return set(session.scalars(select(column).where(column.in_(wanted)))) if wanted else set()


def _one_of(
    who: str, name: str, value: str | None, allowed: dict[str, str] | tuple[str, ...]
) -> None:
    if value is not None and value not in allowed:
        raise ActivityError(f"{who}: {name}: {value!r}: use {', '.join(allowed)}")


def check_activity(session: Session, data: ActivityInput) -> ActivityInput:
    """The whole record checked and cleaned; the first problem names its field."""
    who = f"processing activity {data.activity_id}"
    cleaned: dict[str, Any] = {}
    for name in COLUMNS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
            if name in ("lawful_basis", "art9_condition", "transfer_safeguard", "owner"):
                value = value.lower() if name != "owner" else value
                value = value or None
        elif isinstance(value, list):
            value = list(dict.fromkeys(item.strip() for item in value if item.strip()))
        cleaned[name] = value
    data = replace(data, **cleaned)
    if not data.name:
        raise ActivityError(f"{who}: name: give the name of the processing")
    _one_of(who, "role", data.role, ROLES)
    if data.role == "processor" and not data.controller:
        raise ActivityError(f"{who}: controller: as processor, name the controller (Art. 30(2))")
    _one_of(who, "lawful_basis", data.lawful_basis, LAWFUL_BASES)
    _one_of(who, "art9_condition", data.art9_condition, ART9_CONDITIONS)
    for item in data.special_categories:
        _one_of(who, "special_categories", item, SPECIAL_CATEGORIES)
    if data.art9_condition and not data.special_categories:
        raise ActivityError(f"{who}: art9_condition: only with special_categories")
    _one_of(who, "transfer_safeguard", data.transfer_safeguard, SAFEGUARDS)
    if data.transfers and data.transfer_safeguard is None:
        raise ActivityError(
            f"{who}: transfer_safeguard: a transfer to {', '.join(data.transfers)} needs its "
            f"Chapter V safeguard ({', '.join(SAFEGUARDS)})"
        )
    if data.transfer_safeguard and not data.transfers:
        raise ActivityError(f"{who}: transfers: a safeguard is given but no third country")
    for item in data.dpia_criteria:
        _one_of(who, "dpia_criteria", item, {**DPIA_CASES, **DPIA_CRITERIA})
    for name, column, noun in (
        ("assets", AssetRow.asset_id, "asset"),
        ("controls", ControlRow.control_id, "control"),
        ("dpia_risks", RiskRow.risk_id, "risk"),
    ):
        wanted = getattr(data, name)
        known = _known(session, column, wanted)
        missing = [item for item in wanted if item not in known]
        if missing:
            raise ActivityError(f"{who}: {name}: unknown {noun} {missing[0]!r}")
    return data


def _fill(row: ProcessingActivityRow, data: ActivityInput) -> None:
    for name in COLUMNS:
        value = getattr(data, name)
        setattr(row, name, ",".join(value) if name in LISTS else value)


def activity_row(session: Session, activity_id: str) -> ProcessingActivityRow:
    """The row itself, for services that change it."""
    return get_row(
        session,
        ProcessingActivityRow,
        ProcessingActivityRow.activity_id,
        activity_id,
        "processing activity",
    )


def get_activity(session: Session, activity_id: str) -> Activity:
    data = _input_of(activity_row(session, activity_id))
    return _view(data, _systems(session, data.assets))


def list_activities(session: Session, flagged: bool = False) -> list[Activity]:
    """Every activity by id; ``flagged`` keeps those with something to fix."""
    assets = {
        r.asset_id: ActivityAsset(r.asset_id, r.name, r.owner, r.in_isms_scope)
        for r in session.scalars(select(AssetRow))
    }
    query = select(ProcessingActivityRow).order_by(ProcessingActivityRow.activity_id)
    views = []
    for row in session.scalars(query):
        data = _input_of(row)
        views.append(_view(data, [assets[a] for a in data.assets if a in assets]))
    return [v for v in views if v.flags] if flagged else views


def _new_activity(session: Session, data: ActivityInput) -> ProcessingActivityRow:
    key = new_id(session, ProcessingActivityRow.activity_id, data.activity_id, "activity")
    checked = check_activity(session, replace(data, activity_id=key))
    row = ProcessingActivityRow(activity_id=key)
    _fill(row, checked)
    session.add(row)
    session.flush()
    return row


def add_activity(session: Session, data: ActivityInput) -> Activity:
    row = _new_activity(session, data)
    return get_activity(session, row.activity_id)


def edit_activity(session: Session, activity_id: str, **changes: Any) -> list[str]:
    """Apply changes; returns the fields that really changed."""
    unknown = [name for name in changes if name not in COLUMNS]
    if unknown:
        raise ActivityError(f"{unknown[0]!r} is not a field of a processing activity")
    row = activity_row(session, activity_id)
    before = {name: getattr(row, name) for name in COLUMNS}
    _fill(row, check_activity(session, replace(_input_of(row), **changes)))
    session.flush()
    return changed_fields(row, before)


def save_activities(session: Session, items: list[tuple[str, ActivityInput]]) -> list[str]:
    """Create or replace many activities, all or nothing: every one is checked before any is
    written; a refusal is prefixed with where it came from (e.g. a sheet's row)."""
    checked = []
    seen: dict[str, str] = {}
    for where, data in items:
        key = data.activity_id.strip()
        if key in seen:
            raise ActivityError(f"{where}: activity_id: {key!r} is also on {seen[key]}")
        seen[key] = where
        try:
            checked.append(check_activity(session, replace(data, activity_id=key)))
        except CrosswalkError as error:
            raise ActivityError(f"{where}: {error}") from error
    written = []
    for data in checked:
        row = session.scalar(
            select(ProcessingActivityRow).where(
                ProcessingActivityRow.activity_id == data.activity_id
            )
        )
        if row is None:
            _new_activity(session, data)
        else:
            _fill(row, data)
        written.append(data.activity_id)
    session.flush()
    return written


# --- the program format ----------------------------------------------------------------


class ActivityFields(BaseModel):
    """The fields of a processing activity a person writes (the API's body, the program
    file's core); the DPIA's are recorded apart."""

    model_config = ConfigDict(extra="forbid")
    activity_id: str
    name: str
    role: str = "controller"
    controller: str = ""
    purpose: str = ""
    subject_categories: str = ""
    data_categories: str = ""
    special_categories: list[str] = []
    lawful_basis: str | None = None
    art9_condition: str | None = None
    recipients: str = ""
    processors: list[str] = []
    processor_agreement: bool = False
    transfers: list[str] = []
    transfer_safeguard: str | None = None
    retention: str = ""
    assets: list[str] = []
    controls: list[str] = []
    security_measures: str = ""
    owner: str | None = None


class ActivityFile(ActivityFields):
    activity_id: Text  # in a file, checked as every record id is
    name: Text
    dpia_criteria: list[str] = []
    dpia_completed_on: date | None = None
    dpia_risks: list[str] = []


def _activity_data(row: ProcessingActivityRow) -> dict[str, Any]:
    return ActivityFile(**asdict(_input_of(row))).model_dump(mode="json")


def _activity_upsert(
    session: Session, _library: Library, record: BaseModel, existing: ProcessingActivityRow | None
) -> ProcessingActivityRow:
    assert isinstance(record, ActivityFile)
    data = ActivityInput(**record.model_dump())
    if existing is None:
        return _new_activity(session, data)
    _fill(existing, check_activity(session, data))
    return existing


_rows, _find = keyed_rows(ProcessingActivityRow, ProcessingActivityRow.activity_id)
ACTIVITY_RECORDS = RecordKind(
    folder="processing-activities",
    format="crosswalk/processing-activity@1",
    model=ActivityFile,
    key="activity_id",
    to_data=_activity_data,
    upsert=_activity_upsert,
    rows=_rows,
    find=_find,
)
