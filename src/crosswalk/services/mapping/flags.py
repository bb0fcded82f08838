"""Review flags: something changed under the crosswalk that a human must look at.

A flag names one subject: a control's tag (``CONTROL|framework:ref``), a crosswalk edge
(``set:source->target``, the edge as authored), a whole mapping set, or a control. It stays
open until someone clears it: directly (``flags clear``), by re-confirming the tag, or by
reviewing the mapping set it belongs to.

Change triggers live here too, as plain functions the update paths call (never a session
event): a control's description changed, an asset joined the ISMS scope. They flag only
tags an owner has confirmed: an unconfirmed tag is already listed as such. This module needs
only the tables, so the control and asset services can call it without an import cycle; the
new-framework trigger needs the library and lives in ``mapping_review``.

Services flush; the caller owns the transaction. Flags leave here as ``ReviewFlag`` views,
never as rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.store.isms_models import AssetRow
from crosswalk.store.maintenance_models import ConfirmationRow, ReviewFlagRow
from crosswalk.store.models import ControlRow

TAG, EDGE, MAPPING_SET, CONTROL = "tag", "edge", "mapping_set", "control"
KINDS = (TAG, EDGE, MAPPING_SET, CONTROL)

ASSET_ADDED = "asset-added"
DESCRIPTION_CHANGED = "description-changed"
FRAMEWORK_VERSION = "framework-version"


class FlagError(CrosswalkError):
    pass


@dataclass(frozen=True)
class ReviewFlag:
    """One flag as clients see it: what it names, why, and whether someone cleared it."""

    id: int
    subject_kind: str
    subject: str
    reason: str
    trigger: str
    raised_on: date
    cleared_by: str | None = None
    cleared_on: date | None = None


def _view(row: ReviewFlagRow) -> ReviewFlag:
    return ReviewFlag(
        id=row.id,
        subject_kind=row.subject_kind,
        subject=row.subject,
        reason=row.reason,
        trigger=row.trigger,
        raised_on=row.raised_on,
        cleared_by=row.cleared_by,
        cleared_on=row.cleared_on,
    )


def tag_subject(control_id: str, requirement: str) -> str:
    """``NW-AC-04|soc2-tsc-2017:CC6.2``: a control's tag, as flags and listings name it."""
    return f"{control_id}|{requirement}"


def edge_subject(mapping: Edge) -> str:
    """``soc2-to-iso27001-2022:soc2-tsc-2017:CC8.1->iso27001-2022:A.8.32``: the authored edge."""
    return f"{mapping.set_id}:{mapping.source}->{mapping.target or ''}"


def edge_set(subject: str) -> str:
    """The mapping set an edge subject belongs to (set ids never contain ':')."""
    return subject.partition(":")[0]


def raise_flag(
    session: Session, kind: str, subject: str, reason: str, trigger: str, today: date
) -> ReviewFlag:
    """Open a flag, or return the one already open for the same subject and trigger."""
    if kind not in KINDS:
        raise FlagError(f"flag kind {kind!r} is not one of {', '.join(KINDS)}")
    if not subject.strip() or not trigger.strip():
        raise FlagError("a flag needs a subject and a trigger")
    existing = session.scalar(
        select(ReviewFlagRow)
        .where(
            ReviewFlagRow.subject_kind == kind,
            ReviewFlagRow.subject == subject,
            ReviewFlagRow.trigger == trigger,
            ReviewFlagRow.cleared_on.is_(None),
        )
        .order_by(ReviewFlagRow.id)
        .limit(1)
    )
    if existing is not None:
        return _view(existing)
    row = ReviewFlagRow(
        subject_kind=kind, subject=subject, reason=reason, trigger=trigger, raised_on=today
    )
    session.add(row)
    session.flush()
    return _view(row)


def _open_flag_rows(
    session: Session,
    kind: str | None = None,
    subjects: Sequence[tuple[str, str]] | None = None,
) -> list[ReviewFlagRow]:
    query = select(ReviewFlagRow).where(ReviewFlagRow.cleared_on.is_(None))
    if kind is not None:
        query = query.where(ReviewFlagRow.subject_kind == kind)
    if subjects is not None:
        if not subjects:
            return []
        query = query.where(
            tuple_(ReviewFlagRow.subject_kind, ReviewFlagRow.subject).in_(sorted(set(subjects)))
        )
    return list(session.scalars(query.order_by(ReviewFlagRow.id)))


def open_flags(
    session: Session,
    kind: str | None = None,
    subjects: Sequence[tuple[str, str]] | None = None,
) -> list[ReviewFlag]:
    """The flags nobody has cleared yet (of one ``kind``, or of these (kind, subject) pairs,
    or all), oldest first."""
    return [_view(row) for row in _open_flag_rows(session, kind, subjects)]


def clear_flag(session: Session, flag_id: int, by: str, on: date) -> ReviewFlag:
    """Clear one open flag by its id, saying who looked at it."""
    if not by.strip():
        raise FlagError("say who cleared the flag (--by NAME)")
    row = session.get(ReviewFlagRow, flag_id)
    if row is None:
        raise FlagError(f"no flag #{flag_id}; `crosswalk flags` lists the open ones")
    if row.cleared_on is not None:
        raise FlagError(
            f"flag #{flag_id} was already cleared by {row.cleared_by} on {row.cleared_on}"
        )
    row.cleared_by, row.cleared_on = by.strip(), on
    session.flush()
    return _view(row)


def clear_open_flags(
    session: Session,
    subjects: Iterable[tuple[str, str]],
    by: str,
    on: date,
    edges_of_set: str | None = None,
) -> list[int]:
    """Clear the open flags naming any (kind, subject) given, and with ``edges_of_set`` every
    open edge flag of that mapping set; returns the ids cleared."""
    wanted = set(subjects)
    cleared = []
    for row in _open_flag_rows(session):
        named = (row.subject_kind, row.subject) in wanted
        in_set = (
            edges_of_set is not None
            and row.subject_kind == EDGE
            and edge_set(row.subject) == edges_of_set
        )
        if named or in_set:
            row.cleared_by, row.cleared_on = by, on
            cleared.append(row.id)
    session.flush()
    return cleared


def _confirmed_requirements(session: Session, control: ControlRow) -> set[str]:
    """The control's tags an owner has vouched for at some point: only those can be wrong
    now. A tag never confirmed is listed as unconfirmed already; a flag would add nothing."""
    return set(
        session.scalars(
            select(ConfirmationRow.requirement).where(
                ConfirmationRow.control_pk == control.id, ConfirmationRow.edge == ""
            )
        )
    )


def flag_description_changed(
    session: Session, row: ControlRow, today: date | None = None
) -> list[ReviewFlag]:
    """Trigger: a control's description changed. Flags each of its confirmed tags; the
    confirmations also go stale on their own, since their basis fingerprints the description."""
    on = today or date.today()
    confirmed = _confirmed_requirements(session, row)
    return [
        raise_flag(
            session,
            TAG,
            tag_subject(row.control_id, tag.key),
            f"the description of {row.control_id} changed: confirm the control still "
            f"does what {tag.key} asks",
            DESCRIPTION_CHANGED,
            on,
        )
        for tag in row.tags
        if tag.key in confirmed
    ]


def flag_changed_descriptions(
    session: Session,
    rows: Mapping[str, ControlRow],
    changes: Mapping[str, Iterable[str]],
    today: date | None = None,
) -> list[ReviewFlag]:
    """For updates in bulk (an inventory import, applying program files): ``changes`` names
    the fields changed per control id; those whose description changed are flagged."""
    return [
        flag
        for control_id, fields in changes.items()
        if "description" in fields
        for flag in flag_description_changed(session, rows[control_id], today)
    ]


def flag_asset_added(
    session: Session, asset: AssetRow, today: date | None = None
) -> list[ReviewFlag]:
    """Trigger: an asset was added inside the ISMS scope. Flags the confirmed tags of the
    controls linked to it: they now have to cover more than when they were confirmed."""
    if not asset.in_isms_scope:
        return []
    on = today or date.today()
    flags: list[ReviewFlag] = []
    for control in sorted(asset.controls, key=lambda c: c.control_id):
        confirmed = _confirmed_requirements(session, control)
        flags.extend(
            raise_flag(
                session,
                TAG,
                tag_subject(control.control_id, tag.key),
                f"review the mapping: the ISMS scope grew (asset {asset.asset_id} "
                f"{asset.name!r} added, protected by {control.control_id})",
                ASSET_ADDED,
                on,
            )
            for tag in control.tags
            if tag.key in confirmed
        )
    return flags
