"""The record of processing activities in and out of XLSX (``io.ropa_xlsx`` holds the
layout): exported as one sheet, imported all or nothing, every refusal naming file, row and
field.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.domain.gdpr import split_list
from crosswalk.io.ropa_xlsx import read_ropa, write_ropa
from crosswalk.services.gdpr.activities import (
    LISTS,
    ActivityInput,
    list_activities,
    save_activities,
)

_INPUT_FIELDS = {f.name for f in fields(ActivityInput)}


def export_activities_xlsx(session: Session, path: Path) -> int:
    """Write every activity to ``path``; returns how many."""
    activities = list_activities(session)
    rows = [{k: v for k, v in asdict(a).items() if k in _INPUT_FIELDS} for a in activities]
    write_ropa(path, rows)
    return len(rows)


def import_activities_xlsx(session: Session, path: Path) -> list[str]:
    """Create or replace the activities of the sheet; a bad row changes nothing at all.
    Columns left out of the sheet keep their defaults (a new row) or are cleared."""
    items = []
    for row in read_ropa(path):
        values = dict(row.values)
        for name in LISTS:
            if name in values:
                values[name] = split_list(values[name])
        for name in ("lawful_basis", "art9_condition", "transfer_safeguard", "owner"):
            if name in values:
                values[name] = values[name] or None
        if not values.get("role"):
            values["role"] = "controller"
        items.append((f"{path}: row {row.number}", ActivityInput(**values)))
    return save_activities(session, items)
