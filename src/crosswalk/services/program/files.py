"""Export the control library as reviewable files, and apply such files back, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import Coverage, OperatingStatus, RecordIdError, check_record_id
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency
from crosswalk.io.program_files import (
    ControlFile,
    ProgramError,
    RetiredEntry,
    TagEntry,
    read_program,
    write_program,
)
from crosswalk.services.controls.controls import set_tags
from crosswalk.services.isms.records import (
    KindReport,
    RecordKind,
    apply_kind,
    export_kind,
    read_kind,
)
from crosswalk.services.mapping.adjustments import (
    ADJUSTMENT_FORMAT,
    AdjustmentFile,
    adjustment_data,
    adjustment_rows,
    find_adjustment,
    upsert_adjustment,
)
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.column_limits import too_long
from crosswalk.store.engine import begin_writing
from crosswalk.store.models import ControlRow


def _as_file(row: ControlRow) -> ControlFile:
    return ControlFile(
        format="crosswalk/control@1",
        id=row.control_id,
        title=row.title,
        description=row.description,
        owner=row.owner,
        frequency=Frequency(row.frequency) if row.frequency else None,
        frequency_text=row.frequency_text,
        status=OperatingStatus(row.status),
        evidence=row.evidence,
        tags=[
            TagEntry(requirement=t.key, coverage=Coverage(t.coverage))
            for t in sorted(row.tags, key=lambda tag: (tag.framework, tag.ref))
        ],
        retired=(
            RetiredEntry(
                date=row.retired_on, reason=row.retired_reason or "-", by=row.retired_by or ""
            )
            if row.retired_on is not None
            else None
        ),
    )


def record_kinds() -> tuple[RecordKind, ...]:
    """Every record kind beyond controls, in the order they must be applied."""
    from crosswalk.services.ai.records import AI_DATES_RECORDS, AI_SYSTEM_RECORDS
    from crosswalk.services.gdpr.activities import ACTIVITY_RECORDS
    from crosswalk.services.gdpr.incidents import INCIDENT_RECORDS
    from crosswalk.services.gdpr.requests import REQUEST_RECORDS
    from crosswalk.services.isms.readiness import ISMS_RECORDS
    from crosswalk.services.isms.risk_records import RECORD_KINDS as RISK_KINDS
    from crosswalk.services.isms.scope import SCOPE_KINDS
    from crosswalk.services.soa.records import SOA_RECORDS

    return (
        *RISK_KINDS[:1],
        *SCOPE_KINDS,
        *RISK_KINDS[1:],
        SOA_RECORDS,
        *ISMS_RECORDS,
        AI_DATES_RECORDS,
        AI_SYSTEM_RECORDS,  # after the assets it runs on
        INCIDENT_RECORDS,
        ACTIVITY_RECORDS,
        REQUEST_RECORDS,
        ADJUSTMENT_RECORDS,
    )


ADJUSTMENT_RECORDS = RecordKind(
    folder="mapping-adjustments",
    format=ADJUSTMENT_FORMAT,
    model=AdjustmentFile,
    key="edge",
    rows=adjustment_rows,
    to_data=adjustment_data,
    upsert=upsert_adjustment,
    find=find_adjustment,
)


def export_program(session: Session, folder: Path) -> list[Path]:
    """Controls and every ISMS record, one reviewable file each."""
    rows = session.scalars(select(ControlRow).order_by(ControlRow.control_id))
    written = write_program(folder, [_as_file(row) for row in rows])
    for kind in record_kinds():
        written.extend(export_kind(session, kind, folder))
    return written


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)  # kept unless --prune
    changes: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    records: list[KindReport] = field(default_factory=list)  # ISMS records, by folder


def _fields(control: ControlFile) -> dict[str, object]:
    return {
        "title": control.title,
        "description": control.description,
        "owner": (control.owner or "").strip() or None,
        "frequency": control.frequency.value if control.frequency else None,
        "frequency_text": control.frequency_text,
        "status": control.status.value,
        "evidence": control.evidence,
        "retired_on": control.retired.date if control.retired else None,
        "retired_reason": control.retired.reason if control.retired else None,
        "retired_by": (control.retired.by or None) if control.retired else None,
    }


def _checked_tags(
    library: Library, files: Sequence[tuple[Path, ControlFile]]
) -> dict[str, list[tuple[str, str]]]:
    """Each file's id checked and its tags resolved, before anything changes."""
    resolved: dict[str, list[tuple[str, str]]] = {}
    for path, control in files:
        try:
            check_record_id(control.id)
        except RecordIdError as error:
            raise ProgramError(f"{path}: id: {error}") from error
        for name, length, limit in too_long(ControlRow, _fields(control)):
            raise ProgramError(
                f"{path}: {name}: {length:,} characters, more than the {limit:,} a control's"
                f" {name} holds"
            )
        tags = []
        for position, tag in enumerate(control.tags):
            try:
                key = resolve_requirement(library, tag.requirement)
            except CrosswalkError as error:
                raise ProgramError(f"{path}: tags[{position}]: {error}") from error
            tags.append((key, tag.coverage.value))
        resolved[control.id] = tags
    return resolved


def apply_program(
    session: Session, library: Library, folder: Path, dry_run: bool = False, prune: bool = False
) -> ApplyReport:
    """Make the library match the files. Every file is read and checked before anything
    changes; a problem found while applying rolls the whole transaction back (the caller's)."""
    files = read_program(folder)
    kinds = record_kinds()
    records = [(kind, read_kind(kind, folder)) for kind in kinds]
    resolved = _checked_tags(library, files)
    report = ApplyReport(dry_run=dry_run)
    if not dry_run:
        begin_writing(session)  # another apply or import waits for this one
    existing = {row.control_id: row for row in session.scalars(select(ControlRow))}
    for _path, control in files:
        wanted = _fields(control)
        tags = sorted(resolved[control.id])
        row = existing.get(control.id)
        if row is None:
            report.created.append(control.id)
            if not dry_run:
                row = ControlRow(control_id=control.id, **wanted)
                set_tags(row, tags)
                session.add(row)
            continue
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if sorted((t.key, t.coverage) for t in row.tags) != tags:
            changed.append("tags")
        if not changed:
            report.unchanged.append(control.id)
            continue
        report.updated.append(control.id)
        report.changes[control.id] = changed
        if not dry_run:
            for name, value in wanted.items():
                setattr(row, name, value)
            if "tags" in changed:
                set_tags(row, tags)
    in_files = {control.id for _, control in files}
    for control_id, row in sorted(existing.items()):
        if control_id in in_files:
            continue
        if prune:
            report.removed.append(control_id)
            if not dry_run:
                session.delete(row)
        else:
            report.not_in_files.append(control_id)
    if not dry_run:
        session.flush()
        from crosswalk.services.mapping.flags import flag_changed_descriptions

        flag_changed_descriptions(session, existing, report.changes)
    _apply_records(session, library, records, report, dry_run)
    return report


def _apply_records(
    session: Session,
    library: Library,
    records: list[tuple[RecordKind, list[tuple[Path, BaseModel]]]],
    report: ApplyReport,
    dry_run: bool,
) -> None:
    from crosswalk.services.isms.assets import ASSET_RECORDS, check_asset_references

    for kind, found in records:
        report.records.append(apply_kind(session, library, kind, found, dry_run))
        if kind is ASSET_RECORDS and not dry_run:
            check_asset_references(session)  # dependencies may name assets applied later
