"""The risk method (ISO/IEC 27001 6.1.2 a and b): the likelihood and impact scales, the risk
bands and the acceptance threshold every risk is scored by.

The workspace keeps one method (setting ``risk_method``, file ``settings/risk-method.yaml``);
until one is set, the default 5 x 5 applies. The register (``risks``) scores with it, so a
method whose scales do not fit a recorded risk is refused. Services flush; the caller owns
the transaction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.risk import (
    Band,
    Level,
    RiskMethod,
    RiskMethodError,
    default_method,
    validate_risk,
)
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import IsmsError
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.isms_models import RiskRow, SettingRow

METHOD_KEY = "risk_method"
METHOD_FORMAT = "crosswalk/risk-method@1"


class RiskError(IsmsError):
    """A risk or method that would be invalid; nothing was changed.

    The register's error too: it is defined here because ``risks`` imports this module.
    """


class LevelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int
    label: Text
    description: str = ""


class BandEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    min_score: int


class MethodFile(BaseModel):
    """The risk method as a file (``settings/risk-method.yaml``) and as the stored JSON."""

    model_config = ConfigDict(extra="forbid")
    id: Literal["risk-method"] = "risk-method"
    likelihood: list[LevelEntry]
    impact: list[LevelEntry]
    bands: list[BandEntry]
    acceptance_threshold: int


def _as_method(data: MethodFile) -> RiskMethod:
    def levels(entries: list[LevelEntry]) -> tuple[Level, ...]:
        return tuple(Level(e.level, e.label, e.description.strip()) for e in entries)

    return RiskMethod(  # raises RiskMethodError naming every problem
        likelihood=levels(data.likelihood),
        impact=levels(data.impact),
        bands=tuple(Band(b.name, b.min_score) for b in data.bands),
        acceptance_threshold=data.acceptance_threshold,
    )


def method_file(method: RiskMethod) -> MethodFile:
    return MethodFile(
        likelihood=[
            LevelEntry(level=v.value, label=v.label, description=v.description)
            for v in method.likelihood
        ],
        impact=[
            LevelEntry(level=v.value, label=v.label, description=v.description)
            for v in method.impact
        ],
        bands=[BandEntry(name=b.name, min_score=b.min_score) for b in method.bands],
        acceptance_threshold=method.acceptance_threshold,
    )


def method_from_data(data: Any, where: str = "") -> RiskMethod:
    """A method from plain data (a file's or the stored JSON); errors name the field."""
    prefix = f"{where}: " if where else ""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "format"}
    try:
        parsed = MethodFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise RiskError(f"{prefix}risk method: {location}: {first['msg']}") from error
    try:
        return _as_method(parsed)
    except RiskMethodError as error:
        raise RiskError(f"{prefix}{error}") from error


def read_method_file(path: Path) -> RiskMethod:
    """A method from YAML (the ``settings/risk-method.yaml`` format; ``format`` optional),
    read as every record file is (``io.program_files.read_record_file``)."""
    from crosswalk.io.program_files import ProgramError, read_record_file

    try:
        data = read_record_file(path)
    except ProgramError as error:
        raise RiskError(str(error)) from None
    except OSError as error:
        raise RiskError(f"{path}: cannot read: {error.strerror}") from error
    if isinstance(data, dict) and data.get("format", METHOD_FORMAT) != METHOD_FORMAT:
        raise RiskError(f"{path}: format: expected {METHOD_FORMAT!r}")
    return method_from_data(data, str(path))


def _stored_method(session: Session) -> SettingRow | None:
    return session.get(SettingRow, METHOD_KEY)


def get_method(session: Session) -> RiskMethod:
    """The workspace's method; the default 5 x 5 until one is set."""
    row = _stored_method(session)
    if row is None:
        return default_method()
    return method_from_data(json.loads(row.value), f"setting {METHOD_KEY!r}")


def method_is_set(session: Session) -> bool:
    return _stored_method(session) is not None


def set_method(session: Session, method: RiskMethod) -> bool:
    """Store the method; refused while any risk has levels off its scales. True if changed."""
    off_scale = []
    for risk in session.scalars(select(RiskRow).order_by(RiskRow.risk_id)):
        inherent = (risk.inherent_likelihood, risk.inherent_impact)
        residual = (risk.residual_likelihood, risk.residual_impact)
        problems = validate_risk(method, inherent, residual).errors
        if problems:
            off_scale.append(f"{risk.risk_id} ({'; '.join(problems)})")
    if off_scale:
        raise RiskError(
            "the new method's scales do not fit these risks; re-score them first: "
            + ", ".join(off_scale)
        )
    value = json.dumps(method_file(method).model_dump(mode="json", exclude={"id"}))
    row = _stored_method(session)
    if row is not None and row.value == value:
        return False
    if row is None:
        session.add(SettingRow(key=METHOD_KEY, value=value))
    else:
        row.value = value
    session.flush()
    return True


# --- the declarative program format ---------------------------------------------------------


def _method_rows(session: Session) -> list[RiskMethod]:
    """The method in force is always exported (the default too), so the files document it."""
    return [get_method(session)]


def _method_data(method: RiskMethod) -> dict[str, Any]:
    return method_file(method).model_dump(mode="json")


def _upsert_method(
    session: Session, _library: Library, record: BaseModel, _existing: Any
) -> RiskMethod:
    if not isinstance(record, MethodFile):
        raise TypeError(f"expected a MethodFile, got {type(record).__name__}")
    method = _as_method(record)
    set_method(session, method)
    return method


def _find_method(session: Session, _key: str) -> RiskMethod | None:
    """Only a stored method counts as existing: applying the file pins it in the workspace."""
    return get_method(session) if method_is_set(session) else None


RISK_METHOD_RECORDS = RecordKind(
    folder="settings",
    format=METHOD_FORMAT,
    model=MethodFile,
    key="id",
    rows=_method_rows,
    to_data=_method_data,
    upsert=_upsert_method,
    find=_find_method,
)
