"""Mapping maintenance: every mapping set has an owner, a review cadence and a last review,
and a new version of a framework flags the sets that touch its other versions.

``mapping_reviews`` is append-only: setting an owner adds a row (no review), recording a
review adds a row carrying the owner and cadence in force. The latest row says who owns a
set and how often; the latest row with a review date says when it was last reviewed.
Services flush; the caller owns the transaction. Reviews leave here as ``MappingReview``
views, never as rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.mapping.flags import (
    EDGE,
    FRAMEWORK_VERSION,
    MAPPING_SET,
    ReviewFlag,
    clear_open_flags,
    edge_set,
    open_flags,
    raise_flag,
)
from crosswalk.services.mapping.versions import sets_to_review
from crosswalk.store.maintenance_models import MappingReviewRow

DEFAULT_CADENCE_DAYS = 365


class MappingReviewError(CrosswalkError):
    pass


@dataclass(frozen=True)
class MappingSetReview:
    """Where one mapping set stands: owner, cadence, last review, and whether it is due."""

    mapping_set: str
    owner: str | None
    cadence_days: int
    last_reviewed_on: date | None
    last_reviewed_by: str | None
    due_on: date | None  # None: never reviewed here, so due now
    due: bool
    reasons: list[str] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    file_reviewed: str | None = None  # what the set's own provenance says


@dataclass(frozen=True)
class ReviewDue:
    """One item of ``mappings review``: a set due for review, or an edge flagged."""

    kind: str  # "mapping_set" or "edge"
    subject: str
    mapping_set: str
    owner: str | None
    reasons: list[str]
    flags: list[int] = field(default_factory=list)
    last_reviewed_on: date | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class MappingReview:
    """One entry of a set's history: an owner and cadence set, or a review recorded."""

    id: int
    mapping_set: str
    owner: str | None
    cadence_days: int
    reviewed_by: str | None
    reviewed_on: date | None
    note: str


def _view(row: MappingReviewRow) -> MappingReview:
    return MappingReview(
        id=row.id,
        mapping_set=row.mapping_set,
        owner=row.owner,
        cadence_days=row.cadence_days,
        reviewed_by=row.reviewed_by,
        reviewed_on=row.reviewed_on,
        note=row.note,
    )


@dataclass(frozen=True)
class RecordedReview:
    review: MappingReview
    cleared_flags: list[int]


def _rows(session: Session, set_id: str) -> list[MappingReviewRow]:
    return list(
        session.scalars(
            select(MappingReviewRow)
            .where(MappingReviewRow.mapping_set == set_id)
            .order_by(MappingReviewRow.id)
        )
    )


def _current(rows: list[MappingReviewRow]) -> tuple[str | None, int, MappingReviewRow | None]:
    """Owner and cadence in force, and the last review."""
    owner = rows[-1].owner if rows else None
    cadence = rows[-1].cadence_days if rows else DEFAULT_CADENCE_DAYS
    reviews = [r for r in rows if r.reviewed_on is not None]
    last = max(reviews, key=lambda r: (r.reviewed_on, r.id)) if reviews else None
    return owner, cadence, last


def set_mapping_owner(
    session: Session, set_id: str, owner: str, cadence_days: int = DEFAULT_CADENCE_DAYS
) -> MappingReview:
    """Name a set's owner and review cadence (days); earlier reviews still count."""
    name = owner.strip()
    if not name:
        raise MappingReviewError("a mapping set's owner cannot be empty")
    if cadence_days < 1:
        raise MappingReviewError("the review cadence must be at least one day")
    row = MappingReviewRow(
        mapping_set=set_id,
        owner=name,
        cadence_days=cadence_days,
        reviewed_by=None,
        reviewed_on=None,
        note=f"owner set to {name}, review every {cadence_days} days",
    )
    session.add(row)
    session.flush()
    return _view(row)


def record_review(
    session: Session, set_id: str, by: str, on: date, note: str = ""
) -> RecordedReview:
    """Record a review of a mapping set; clears the open flags on the set and its edges."""
    who = by.strip()
    if not who:
        raise MappingReviewError("say who reviewed the set (--by NAME)")
    owner, cadence, _last = _current(_rows(session, set_id))
    row = MappingReviewRow(
        mapping_set=set_id,
        owner=owner,
        cadence_days=cadence,
        reviewed_by=who,
        reviewed_on=on,
        note=note.strip(),
    )
    session.add(row)
    cleared = clear_open_flags(session, [(MAPPING_SET, set_id)], who, on, edges_of_set=set_id)
    session.flush()
    return RecordedReview(_view(row), cleared)


def _flag_reason(flag: ReviewFlag) -> str:
    return f"#{flag.id} {flag.trigger} (raised {flag.raised_on}): {flag.reason}"


def mapping_review_status(
    session: Session, library: Library, today: date
) -> list[MappingSetReview]:
    """Every loaded mapping set (and any set an open flag names), due or not."""
    set_flags: dict[str, list[ReviewFlag]] = {}
    for flag in open_flags(session, MAPPING_SET):
        set_flags.setdefault(flag.subject, []).append(flag)
    found = []
    for set_id in sorted(set(library.mapping_sets) | set(set_flags)):
        owner, cadence, last = _current(_rows(session, set_id))
        reasons = []
        due_on = None
        if last is None or last.reviewed_on is None:
            reasons.append("never reviewed in this workspace")
        else:
            due_on = last.reviewed_on + timedelta(days=cadence)
            if due_on < today:
                reasons.append(
                    f"last reviewed {last.reviewed_on} by {last.reviewed_by}; "
                    f"the {cadence}-day cadence ran out on {due_on}"
                )
        flags = set_flags.get(set_id, [])
        reasons.extend(_flag_reason(flag) for flag in flags)
        mapping_set = library.mapping_sets.get(set_id)
        provenance = mapping_set.provenance if mapping_set else None
        file_reviewed = (
            f"{provenance.reviewed_on} by {provenance.reviewed_by or 'unnamed'}"
            if provenance and provenance.reviewed_on
            else None
        )
        found.append(
            MappingSetReview(
                mapping_set=set_id,
                owner=owner,
                cadence_days=cadence,
                last_reviewed_on=last.reviewed_on if last else None,
                last_reviewed_by=last.reviewed_by if last else None,
                due_on=due_on,
                due=bool(reasons),
                reasons=reasons,
                flags=[flag.id for flag in flags],
                file_reviewed=file_reviewed,
            )
        )
    return found


def mapping_reviews_due(session: Session, library: Library, today: date) -> list[ReviewDue]:
    """Sets never reviewed, past their cadence or flagged; then every edge with an open flag."""
    statuses = mapping_review_status(session, library, today)
    owners = {s.mapping_set: s.owner for s in statuses}
    due = [
        ReviewDue(
            kind=MAPPING_SET,
            subject=s.mapping_set,
            mapping_set=s.mapping_set,
            owner=s.owner,
            reasons=s.reasons,
            flags=s.flags,
            last_reviewed_on=s.last_reviewed_on,
            due_on=s.due_on,
        )
        for s in statuses
        if s.due
    ]
    edges: dict[str, list[ReviewFlag]] = {}
    for flag in open_flags(session, EDGE):
        edges.setdefault(flag.subject, []).append(flag)
    for subject in sorted(edges):
        set_id = edge_set(subject)
        due.append(
            ReviewDue(
                kind=EDGE,
                subject=subject,
                mapping_set=set_id,
                owner=owners.get(set_id),
                reasons=[_flag_reason(flag) for flag in edges[subject]],
                flags=[flag.id for flag in edges[subject]],
            )
        )
    return due


def flag_new_framework(
    session: Session, library: Library, framework_id: str, today: date | None = None
) -> list[ReviewFlag]:
    """Trigger: a framework was installed that is a new version of a loaded one. Flags every
    mapping set touching the other versions: its edges may need moving or re-checking."""
    on = today or date.today()
    return [
        raise_flag(
            session,
            MAPPING_SET,
            set_id,
            f"{framework_id} was installed, another version of {' and '.join(touched)}, "
            "which this set maps: review its edges against the new version",
            FRAMEWORK_VERSION,
            on,
        )
        for set_id, touched in sets_to_review(library, framework_id).items()
    ]
