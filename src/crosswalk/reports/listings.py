"""Lists people take away as spreadsheets: the controls and the crosswalk matrix. One table
each, so the terminal, CSV, XLSX and the web's downloads show the same columns."""

from __future__ import annotations

from collections.abc import Sequence

from crosswalk.reports.tables import Table
from crosswalk.services.coverage.control_views import ControlListItem
from crosswalk.services.mapping.queries import MatrixRow

CONTROL_COLUMNS = [
    "id", "title", "owner", "status", "frequency", "expected frequency", "evidence",
    "last performed", "next due", "tags", "frameworks reached", "flags", "description",
]  # fmt: skip


def controls_table(items: Sequence[ControlListItem]) -> Table:
    return Table(
        "Controls",
        CONTROL_COLUMNS,
        [
            [
                item.control_id,
                item.title,
                item.owner or "",
                item.status,
                item.frequency or "",
                item.effective_frequency or "",
                item.freshness,
                item.last_performed.isoformat() if item.last_performed else "",
                item.next_due.isoformat() if item.next_due else "",
                " ".join(item.tags),
                " ".join(item.reaches),
                "; ".join(item.flags),
                item.description,
            ]
            for item in items
        ],
        widths={"title": 40, "description": 70, "tags": 40},
    )


def matrix_table(rows: Sequence[MatrixRow], source_id: str, target_id: str) -> Table:
    """One row per mapping from the source framework into the target (a requirement with
    none gets a row with an empty target)."""
    headers = [
        source_id, "title", target_id, "target title", "relationship", "rationale",
        "strength", "note", "mapping set", "inferred via", "weak", "adjusted by the team",
    ]  # fmt: skip
    return Table(
        f"{source_id} to {target_id}"[:31],
        headers,
        [
            [
                r.source_ref,
                r.source_title,
                r.target_ref,
                r.target_title,
                r.relationship,
                r.rationale,
                r.strength,
                r.note,
                r.mapping_set,
                r.inferred_via,
                "weak" if r.weak else "",
                r.adjusted,
            ]
            for r in rows
        ],
        widths={"title": 40, "target title": 40, "note": 70},
    )
