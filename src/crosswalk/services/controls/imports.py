"""Import an existing SOC 2 control inventory: all or nothing, idempotent, with a dry run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import parse_status
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.control_inventory import (
    Inventory,
    InventoryControl,
    Problem,
    parse_column_overrides,
    read_inventory,
)
from crosswalk.store.engine import begin_writing

__all__ = ["parse_column_overrides"]  # re-exported: clients need nothing below the services
from crosswalk.services.controls.controls import set_tags
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.column_limits import too_long
from crosswalk.store.models import ControlRow

SOC2 = "soc2-tsc-2017"


@dataclass
class ImportReport:
    path: str
    sheet: str | None
    header_row: int
    columns: dict[str, str]
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    changes: dict[str, list[str]] = field(default_factory=dict)  # control -> fields changed
    ignored: list[str] = field(default_factory=list)  # headers read for nothing
    defaults: list[str] = field(default_factory=list)  # every default applied, in words
    preview: list[PreviewRow] = field(default_factory=list)  # each row as it was read


@dataclass(frozen=True)
class PreviewRow:
    """One row as the import read it, to check before committing."""

    row: int
    control_id: str
    action: str  # create, update, unchanged
    title: str
    owner: str | None
    frequency_written: str | None
    frequency: str | None  # the cadence read from it, or None when it is not one
    criteria_written: str
    criteria: list[str]  # as expanded: "CC3.1-CC3.4" -> CC3.1, CC3.2, CC3.3, CC3.4
    status: str


class ImportFailed(CrosswalkError):
    """Raised with the full report when any row has an error; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.path}: {len(report.errors)} error(s); nothing was imported")


def _fields(control: InventoryControl) -> dict[str, object]:
    """What a row of the inventory writes to its control."""
    return {
        "title": control.title,
        "description": control.description,
        "owner": control.owner,
        "frequency": control.frequency.value if control.frequency else None,
        "frequency_text": control.frequency_text,
        "status": control.status.value,
        "evidence": control.evidence,
    }


def _too_long(inventory: Inventory) -> list[Problem]:
    """A cell longer than the control's field holds, by row and column (any database)."""
    return [
        Problem(
            control.row,
            inventory.columns.get(field, field),
            f"{control.control_id}: {length:,} characters, more than the {limit:,} a"
            f" control's {field} holds",
        )
        for control in inventory.controls
        for field, length, limit in too_long(ControlRow, _fields(control))
    ]


def _differences(row: ControlRow, control: InventoryControl) -> list[str]:
    wanted = _fields(control)
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    current = sorted(t.key for t in row.tags if t.framework == SOC2)
    if current != sorted(control.criteria):
        changed.append("criteria")
    return changed


def _preview(control: InventoryControl, action: str) -> PreviewRow:
    return PreviewRow(
        row=control.row,
        control_id=control.control_id,
        action=action,
        title=control.title,
        owner=control.owner,
        frequency_written=control.frequency_text,
        frequency=control.frequency.value if control.frequency else None,
        criteria_written=control.criteria_written,
        criteria=[key.partition(":")[2] for key in control.criteria],
        status=control.status.value,
    )


def _apply(row: ControlRow, control: InventoryControl) -> None:
    row.title = control.title
    row.description = control.description
    row.owner = control.owner
    row.frequency = control.frequency.value if control.frequency else None
    row.frequency_text = control.frequency_text
    row.status = control.status.value
    row.evidence = control.evidence
    current = {t.key: t.coverage for t in row.tags if t.framework == SOC2}
    set_tags(row, [(key, current.get(key, "full")) for key in control.criteria], SOC2)


def import_controls(
    session: Session,
    library: Library,
    path: Path,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    default_status: str | None = None,
    notes: Sequence[str] = (),
    encoding: str | None = None,
) -> ImportReport:
    """Upsert controls by id. Criteria become SOC 2 tags; tags to other frameworks are kept.

    Any row error raises ``ImportFailed`` before anything is written.
    """
    status = None
    if default_status is not None:
        status = parse_status(default_status)
        if status is None:
            raise CrosswalkError(
                f"--status {default_status!r}: expected on paper, implemented or operating"
            )
    inventory: Inventory = read_inventory(
        path,
        lambda ref: resolve_requirement(library, ref, framework=SOC2),
        columns,
        status,
        notes,
        encoding,
    )
    report = ImportReport(
        str(path),
        inventory.sheet,
        inventory.header_row,
        inventory.columns,
        errors=inventory.errors,
        warnings=inventory.warnings,
        dry_run=dry_run,
        ignored=inventory.ignored,
        defaults=inventory.defaults,
    )
    report.errors.extend(_too_long(inventory))
    if report.errors:
        raise ImportFailed(report)
    if not dry_run:
        begin_writing(session)  # another import of the same ids waits for this one
    ids = [c.control_id for c in inventory.controls]
    existing = {
        row.control_id: row
        for row in session.scalars(select(ControlRow).where(ControlRow.control_id.in_(ids)))
    }
    for control in inventory.controls:
        row = existing.get(control.control_id)
        action = (
            "create" if row is None else ("update" if _differences(row, control) else "unchanged")
        )
        report.preview.append(_preview(control, action))
        if row is not None and row.retired_on is not None:
            report.warnings.append(
                Problem(
                    control.row,
                    None,
                    f"{row.control_id} was retired on {row.retired_on.isoformat()}: the row"
                    " updates it, but it stays out of coverage until"
                    f" `crosswalk controls restore {row.control_id}`",
                )
            )
        if row is None:
            report.created.append(control.control_id)
            if not dry_run:
                new = ControlRow(control_id=control.control_id, title=control.title)
                _apply(new, control)
                session.add(new)
            continue
        changed = _differences(row, control)
        if not changed:
            report.unchanged.append(control.control_id)
            continue
        report.updated.append(control.control_id)
        report.changes[control.control_id] = changed
        if not dry_run:
            _apply(row, control)
    if not dry_run:
        session.flush()
        from crosswalk.services.mapping.flags import flag_changed_descriptions

        flag_changed_descriptions(session, existing, report.changes)
    return report
