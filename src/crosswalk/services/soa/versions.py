"""The stored versions of the Statement of Applicability, and the plain views clients get.

Services that change a version use the ``*_row`` functions; everything handed to a client
goes through ``version_view`` or ``entry_view`` so no caller outside the services holds a
database row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.isms_models import SoaEntryRow, SoaVersionRow


class SoaError(CrosswalkError):
    pass


@dataclass(frozen=True)
class SoaEntry:
    """One stored row of a version, as clients read it (kinds comma-separated, as stored)."""

    ref: str
    position: int
    applicable: bool
    justification: str
    justification_kinds: str
    exclusion_reason: str
    implementation_status: str
    last_reviewed: date | None


@dataclass(frozen=True)
class SoaVersion:
    """One version with its rows in catalog order."""

    version: int
    approved_by: str | None
    approved_on: date | None
    note: str
    created_at: datetime
    entries: tuple[SoaEntry, ...] = ()


def entry_view(row: SoaEntryRow) -> SoaEntry:
    return SoaEntry(
        ref=row.ref,
        position=row.position,
        applicable=row.applicable,
        justification=row.justification,
        justification_kinds=row.justification_kinds,
        exclusion_reason=row.exclusion_reason,
        implementation_status=row.implementation_status,
        last_reviewed=row.last_reviewed,
    )


def version_view(row: SoaVersionRow) -> SoaVersion:
    return SoaVersion(
        version=row.version,
        approved_by=row.approved_by,
        approved_on=row.approved_on,
        note=row.note,
        created_at=row.created_at,
        entries=tuple(entry_view(e) for e in row.entries),
    )


def parse_version(given: str | int) -> int:
    """``2``, ``"2"`` or ``"v2"`` (ASCII digits: ``str.isdigit`` also takes ``"¹"``)."""
    text = str(given).strip().lower().removeprefix("v")
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise SoaError(f"SoA version {given!r}: use a number such as 2 or v2")
    return int(text)


def is_approved(row: SoaVersion | SoaVersionRow) -> bool:
    return row.approved_on is not None or row.approved_by is not None


def list_version_rows(session: Session) -> list[SoaVersionRow]:
    """The stored versions, for services that change them; clients read ``list_versions``."""
    return list(session.scalars(select(SoaVersionRow).order_by(SoaVersionRow.version)))


def list_versions(session: Session) -> list[SoaVersion]:
    return [version_view(row) for row in list_version_rows(session)]


def current_draft_row(session: Session) -> SoaVersionRow | None:
    drafts = [v for v in list_version_rows(session) if not is_approved(v)]
    return drafts[-1] if drafts else None


def current_draft(session: Session) -> SoaVersion | None:
    row = current_draft_row(session)
    return version_view(row) if row is not None else None


def latest_approved_row(session: Session) -> SoaVersionRow | None:
    approved = [v for v in list_version_rows(session) if is_approved(v)]
    return approved[-1] if approved else None


def latest_approved(session: Session) -> SoaVersion | None:
    row = latest_approved_row(session)
    return version_view(row) if row is not None else None


def version_row(session: Session, version: int | str | None = None) -> SoaVersionRow:
    """A version by number; by default the newest (the draft while there is one)."""
    if version is None:
        found = session.scalars(
            select(SoaVersionRow).order_by(SoaVersionRow.version.desc()).limit(1)
        ).first()
        if found is None:
            raise SoaError("no Statement of Applicability yet: run `crosswalk soa init`")
        return found
    number = parse_version(version)
    row = session.scalars(select(SoaVersionRow).where(SoaVersionRow.version == number)).first()
    if row is None:
        known = ", ".join(f"v{v.version}" for v in list_version_rows(session)) or "none yet"
        raise SoaError(f"no SoA version v{number} (versions: {known})")
    return row


def get_version(session: Session, version: int | str | None = None) -> SoaVersion:
    """A version by number; by default the newest (the draft while there is one)."""
    return version_view(version_row(session, version))
