"""The Statement of Applicability as files: ``soa/v<N>.yaml``, one version each, its entries
in catalog order (``format: crosswalk/soa@1``).

Applying a file keeps the rules of ``soa``: an approved version never changes, there is at
most one draft, every ref must be an Annex A control and every exclusion needs its reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.isms.records import RecordKind
from crosswalk.services.isms.risks import resolve_annex_a
from crosswalk.services.soa.soa import (
    FIELDS,
    SoaError,
    annex_a,
    field_value,
    is_approved,
    list_version_rows,
    parse_kinds,
    parse_version,
    refuse_second_draft,
    split_kinds,
)
from crosswalk.store.isms_models import SoaEntryRow, SoaVersionRow

Kind = Literal["risk", "legal", "contractual", "business"]
Status = Literal[
    "implemented", "partially implemented", "planned", "not implemented", "not applicable"
]


class SoaEntryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    applicable: bool
    justification: str = ""
    justification_kinds: list[Kind] = Field(default_factory=list)
    exclusion_reason: str = ""
    implementation_status: Status = "not implemented"
    last_reviewed: date | None = None


class SoaFile(BaseModel):
    """``soa/v<N>.yaml``: one version, its entries in catalog order."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[str, StringConstraints(pattern=r"^v[1-9][0-9]*$")]
    approved_by: str | None = None
    approved_on: date | None = None
    note: str = ""
    entries: list[SoaEntryFile] = Field(default_factory=list)


def _to_data(row: SoaVersionRow) -> dict[str, Any]:
    return {
        "version": f"v{row.version}",
        "approved_by": row.approved_by,
        "approved_on": row.approved_on.isoformat() if row.approved_on else None,
        "note": row.note,
        "entries": [
            {"ref": e.ref, **{name: field_value(e, name) for name in FIELDS}}
            | {"justification_kinds": split_kinds(e.justification_kinds)}
            for e in row.entries
        ],
    }


def _find(session: Session, key: str) -> SoaVersionRow | None:
    number = parse_version(key)
    return session.scalars(select(SoaVersionRow).where(SoaVersionRow.version == number)).first()


def _apply_file(
    session: Session, library: Library, record: BaseModel, existing: Any | None
) -> SoaVersionRow:
    assert isinstance(record, SoaFile)
    if existing is not None and is_approved(existing):
        raise SoaError(
            f"{record.version} is approved and can never change: to change the SoA, start a "
            "new draft (crosswalk soa init) and approve it as a new version"
        )
    if (record.approved_by is None) != (record.approved_on is None):
        raise SoaError("approved_by and approved_on go together: give both or neither")
    positions = {r.ref: i for i, r in enumerate(annex_a(library))}
    wanted: dict[str, SoaEntryFile] = {}
    for index, item in enumerate(record.entries):
        try:
            ref = resolve_annex_a(library, item.ref)
        except CrosswalkError as error:
            raise SoaError(f"entries[{index}]: {error}") from error
        if ref in wanted:
            raise SoaError(f"entries[{index}]: {ref} is listed twice")
        if not item.applicable and not item.exclusion_reason.strip():
            raise SoaError(f"entries[{index}]: {ref} is excluded without an exclusion_reason")
        wanted[ref] = item
    row = existing
    if row is None:
        if record.approved_by is None:
            refuse_second_draft(session)
        row = SoaVersionRow(version=parse_version(record.version))
        session.add(row)
    row.approved_by, row.approved_on, row.note = record.approved_by, record.approved_on, record.note
    # Update rows in place (a delete and an insert of one ref would meet the unique key).
    current = {e.ref: e for e in row.entries}
    row.entries = [e for e in row.entries if e.ref in wanted]
    for ref, item in wanted.items():
        entry = current.get(ref)
        if entry is None:
            entry = SoaEntryRow(ref=ref, position=positions[ref])
            row.entries.append(entry)
        entry.position = positions[ref]
        for name in FIELDS:
            setattr(entry, name, getattr(item, name))
        entry.justification_kinds = ",".join(parse_kinds(list(item.justification_kinds)))
    row.entries.sort(key=lambda e: e.position)
    session.flush()
    return row


SOA_RECORDS = RecordKind(
    folder="soa",
    format="crosswalk/soa@1",
    model=SoaFile,
    key="version",
    rows=list_version_rows,
    to_data=_to_data,
    upsert=_apply_file,
    find=_find,
)
