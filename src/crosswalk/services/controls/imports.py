"""Import an existing SOC 2 control inventory: all or nothing, idempotent, with a dry run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.control_inventory import (
    Inventory,
    InventoryControl,
    Problem,
    parse_column_overrides,
    read_inventory,
)

__all__ = ["parse_column_overrides"]  # re-exported: clients need nothing below the services
from crosswalk.services.controls.controls import set_tags
from crosswalk.services.mapping.library import resolve_requirement
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


class ImportFailed(CrosswalkError):
    """Raised with the full report when any row has an error; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{report.path}: {len(report.errors)} error(s); nothing was imported")


def _differences(row: ControlRow, control: InventoryControl) -> list[str]:
    wanted = {
        "title": control.title,
        "description": control.description,
        "owner": control.owner,
        "frequency": control.frequency.value if control.frequency else None,
        "frequency_text": control.frequency_text,
        "status": control.status.value,
        "evidence": control.evidence,
    }
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    current = sorted(t.key for t in row.tags if t.framework == SOC2)
    if current != sorted(control.criteria):
        changed.append("criteria")
    return changed


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
) -> ImportReport:
    """Upsert controls by id. Criteria become SOC 2 tags; tags to other frameworks are kept.

    Any row error raises ``ImportFailed`` before anything is written.
    """
    inventory: Inventory = read_inventory(
        path, lambda ref: resolve_requirement(library, ref, framework=SOC2), columns
    )
    report = ImportReport(
        str(path),
        inventory.sheet,
        inventory.header_row,
        inventory.columns,
        errors=inventory.errors,
        warnings=inventory.warnings,
        dry_run=dry_run,
    )
    if inventory.errors:
        raise ImportFailed(report)
    ids = [c.control_id for c in inventory.controls]
    existing = {
        row.control_id: row
        for row in session.scalars(select(ControlRow).where(ControlRow.control_id.in_(ids)))
    }
    for control in inventory.controls:
        row = existing.get(control.control_id)
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
