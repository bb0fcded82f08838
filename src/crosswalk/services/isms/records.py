"""One declarative file format for every kind of record beyond controls (ISMS records).

Each kind says how its rows become plain data and how plain data becomes a row; export and
apply, with dry runs and all-or-nothing checks, are written once here for all of them.
Files live in ``DIR/<folder>/<id>.yaml`` beside ``DIR/controls/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.program_files import (
    ProgramError,
    file_names,
    holds,
    read_record_file,
    validation_problem,
)
from crosswalk.store.engine import begin_writing


@dataclass(frozen=True)
class RecordKind:
    """How one kind of record round-trips through files."""

    folder: str  # e.g. "risks"
    format: str  # e.g. "crosswalk/risk@1"
    model: type[BaseModel]  # validates one file (without its `format` line)
    key: str  # the field that names a record, e.g. "risk_id"
    rows: Callable[[Session], list[Any]]  # every row, in a stable order
    to_data: Callable[[Any], dict[str, Any]]  # row -> the file's data (JSON/YAML values)
    upsert: Callable[[Session, Library, BaseModel, Any | None], Any]  # data -> new/updated row
    find: Callable[[Session, str], Any | None]  # existing row by key


@dataclass
class KindReport:
    folder: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def dump(kind: RecordKind, data: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {"format": kind.format, **data}, sort_keys=False, allow_unicode=True, width=100
    )


def export_kind(session: Session, kind: RecordKind, folder: Path) -> list[Path]:
    """Write one file per record; files of records that no longer exist are removed."""
    records = [kind.to_data(row) for row in kind.rows(session)]
    planned = file_names([str(data[kind.key]) for data in records], kind.folder)
    target = folder / kind.folder
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for data in records:
        path = target / planned[str(data[kind.key])]
        text = dump(kind, data)
        if not holds(path, text):
            temporary = path.with_suffix(".yaml.tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        written.append(path)
    names = {p.name for p in written}
    for stale in target.glob("*.yaml"):
        if stale.name not in names:
            stale.unlink()
    return written


def read_kind(kind: RecordKind, folder: Path) -> list[tuple[Path, BaseModel]]:
    """Every file of the kind, validated; the first bad one raises naming file and field."""
    source = folder / kind.folder
    if not source.is_dir():
        return []
    found: list[tuple[Path, BaseModel]] = []
    seen: dict[str, Path] = {}
    for path in sorted(source.glob("*.yaml")):
        data = read_record_file(path)
        if not isinstance(data, dict) or data.pop("format", None) != kind.format:
            raise ProgramError(f"{path}: format: expected {kind.format!r}")
        try:
            record = kind.model.model_validate(data)
        except ValidationError as error:
            raise ProgramError(validation_problem(path, error)) from None
        key = str(getattr(record, kind.key))
        if key in seen:
            raise ProgramError(f"{path}: {kind.key} {key!r} is also defined in {seen[key]}")
        seen[key] = path
        found.append((path, record))
    return found


def apply_kind(
    session: Session,
    library: Library,
    kind: RecordKind,
    records: list[tuple[Path, BaseModel]],
    dry_run: bool,
) -> KindReport:
    """Create or update each record whose file differs; never deletes."""
    report = KindReport(kind.folder)
    if not dry_run:
        begin_writing(session)  # another apply of the same records waits for this one
    for path, record in records:
        key = str(getattr(record, kind.key))
        existing = kind.find(session, key)
        wanted = record.model_dump(mode="json")
        if existing is not None and kind.to_data(existing) == wanted:
            report.unchanged.append(key)
            continue
        (report.created if existing is None else report.updated).append(key)
        if not dry_run:
            try:  # an unknown control or ref named in the file, a text too long for its column
                kind.upsert(session, library, record, existing)
                session.flush()
            except CrosswalkError as error:
                raise ProgramError(f"{path}: {error}") from error
    if not dry_run:
        session.flush()
    return report
