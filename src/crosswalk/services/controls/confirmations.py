"""Owners confirm the crosswalk: "this tag, and the edges it travels, describe how the work
is actually done".

A confirmation is kept per control and tag (``edge`` ``""``) and per edge the tag travels
into another framework (``set:source->target``). Its ``basis`` fingerprints what was
confirmed: the control's description and the tag's coverage, plus the edge's relationship
and note for an edge. Nothing is marked stale by hand: when the description, the coverage
or the edge changes, the fingerprint no longer matches and the confirmation is stale.

States, strongest first: unconfirmed (never confirmed), stale (what was confirmed changed),
flagged (an open review flag names it), expired (confirmed longer ago than the cadence),
confirmed. Services flush; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts, Coverage
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import Mapping
from crosswalk.domain.relationships import Relationship
from crosswalk.services.controls.controls import control_row, tag_control
from crosswalk.services.mapping.flags import (
    CONTROL,
    EDGE,
    MAPPING_SET,
    TAG,
    clear_open_flags,
    edge_subject,
    open_flags,
    tag_subject,
)
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.maintenance_models import ConfirmationRow
from crosswalk.store.models import ControlRow, TagRow

DEFAULT_CADENCE_DAYS = 365


class ConfirmationError(CrosswalkError):
    pass


class State(StrEnum):
    UNCONFIRMED = "unconfirmed"
    STALE = "stale"
    FLAGGED = "flagged"
    EXPIRED = "expired"
    CONFIRMED = "confirmed"


NEEDS_REVIEW = (State.UNCONFIRMED, State.STALE, State.FLAGGED, State.EXPIRED)


@dataclass(frozen=True)
class Confirmation:
    """One confirmation written: who vouched for which tag (``edge`` ``""``) or edge, when."""

    id: int
    control_id: str
    requirement: str  # the tagged framework:ref
    edge: str  # "set:source->target", or "" for the tag itself
    confirmed_by: str
    confirmed_on: date
    note: str = ""


def _view(row: ConfirmationRow, control_id: str) -> Confirmation:
    return Confirmation(
        id=row.id,
        control_id=control_id,
        requirement=row.requirement,
        edge=row.edge,
        confirmed_by=row.confirmed_by,
        confirmed_on=row.confirmed_on,
        note=row.note,
    )


@dataclass(frozen=True)
class ConfirmationState:
    """Where one tag (``edge`` ``""``) or one edge of a tag stands."""

    control_id: str
    owner: str | None
    requirement: str  # the tagged framework:ref
    edge: str  # "set:source->target", or "" for the tag itself
    relationship: str | None  # the edge's, as authored; None for a tag
    state: State
    why: str
    confirmed_by: str | None = None
    confirmed_on: date | None = None
    due_on: date | None = None  # when the confirmation expires
    flags: list[str] = field(default_factory=list)  # "#ID trigger: reason"


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def tag_basis(description: str, coverage: str) -> str:
    """What a tag confirmation vouches for: how the control works, and how much it covers."""
    return _fingerprint("tag", _normalised(description), coverage)


def edge_basis(description: str, coverage: str, mapping: Mapping) -> str:
    """A tag's basis plus the edge: its relationship and the note that says why."""
    return _fingerprint(
        "edge", _normalised(description), coverage, mapping.relationship.value, mapping.note
    )


def tag_edges(library: Library, requirement: str) -> list[Mapping]:
    """The edges a tag travels into other frameworks: every coverage-set edge touching it
    that carries a relationship, once each, in a stable order."""
    found: dict[str, Mapping] = {}
    for step in library.graph.edges_of(requirement):
        mapping = step.mapping
        if mapping.set_id not in library.coverage_sets:
            continue
        if mapping.relationship is Relationship.NO_RELATIONSHIP or mapping.target is None:
            continue
        found.setdefault(edge_subject(mapping), mapping)
    return [found[key] for key in sorted(found)]


def _tag_to_confirm(library: Library, row: ControlRow, requirement: str) -> TagRow:
    by_key = {tag.key: tag for tag in row.tags}
    key = requirement if requirement in by_key else resolve_requirement(library, requirement)
    if key not in by_key:
        tagged = ", ".join(by_key) or "none"
        raise ConfirmationError(
            f"{row.control_id} is not tagged to {key} (its tags: {tagged}); tag it first"
        )
    return by_key[key]


def confirm(
    session: Session,
    library: Library,
    control_id: str,
    requirement: str | None = None,
    *,
    by: str,
    on: date,
    note: str = "",
    meets: Coverage | None = None,
) -> list[Confirmation]:
    """Confirm one tag of a control (every tag with ``requirement`` None) and every edge each
    tag travels. Open flags on the confirmed tags (and on the control, when all its tags are
    confirmed) are cleared: the owner has looked. Returns what was written.

    With ``meets`` the owner states that the control meets ``requirement`` itself (any
    framework's, e.g. an ISO control the gap analysis calls likely): fully, or partly with
    ``note`` saying what is missing. That is a per-control claim, kept as a direct tag with
    that coverage and this confirmation, so the gap analysis counts it directly.
    """
    who = by.strip()
    if not who:
        raise ConfirmationError("say who confirms (--by NAME)")
    if meets is not None:
        if requirement is None:
            raise ConfirmationError("name the requirement the control meets (CONTROL REQ)")
        if meets is Coverage.PARTIAL and not note.strip():
            raise ConfirmationError(
                "a partial confirmation says what is missing (--partial 'what is missing')"
            )
        key = resolve_requirement(library, requirement)
        tag_control(session, library, control_id, [key], meets)
        requirement = key
    row = control_row(session, control_id)
    tags = list(row.tags) if requirement is None else [_tag_to_confirm(library, row, requirement)]
    if not tags:
        raise ConfirmationError(f"{row.control_id} has no tags to confirm; tag it first")
    written: list[ConfirmationRow] = []
    for tag in tags:
        written.append(
            ConfirmationRow(
                control_pk=row.id,
                requirement=tag.key,
                edge="",
                basis=tag_basis(row.description, tag.coverage),
                confirmed_by=who,
                confirmed_on=on,
                note=note.strip(),
            )
        )
        written.extend(
            ConfirmationRow(
                control_pk=row.id,
                requirement=tag.key,
                edge=edge_subject(mapping),
                basis=edge_basis(row.description, tag.coverage, mapping),
                confirmed_by=who,
                confirmed_on=on,
                note=note.strip(),
            )
            for mapping in tag_edges(library, tag.key)
        )
    session.add_all(written)
    subjects = [(TAG, tag_subject(row.control_id, tag.key)) for tag in tags]
    if requirement is None:
        subjects.append((CONTROL, row.control_id))
    clear_open_flags(session, subjects, who, on)
    session.flush()
    return [_view(confirmation, row.control_id) for confirmation in written]


@dataclass(frozen=True)
class _Control:
    pk: int
    control_id: str
    description: str
    owner: str | None


def _latest_confirmations(
    session: Session, control_pks: Iterable[int] | None = None
) -> dict[tuple[int, str, str], ConfirmationRow]:
    query = select(ConfirmationRow).order_by(ConfirmationRow.confirmed_on, ConfirmationRow.id)
    if control_pks is not None:
        query = query.where(ConfirmationRow.control_pk.in_(sorted(control_pks)))
    latest: dict[tuple[int, str, str], ConfirmationRow] = {}
    for row in session.scalars(query):
        latest[(row.control_pk, row.requirement, row.edge)] = row
    return latest


def _flag_index(
    session: Session, subjects: Sequence[tuple[str, str]] | None = None
) -> dict[tuple[str, str], list[str]]:
    """Open flags by (kind, subject): all of them, or only those of ``subjects``."""
    index: dict[tuple[str, str], list[str]] = {}
    for flag in open_flags(session, subjects=subjects):
        index.setdefault((flag.subject_kind, flag.subject), []).append(
            f"#{flag.id} {flag.trigger}: {flag.reason}"
        )
    return index


def _judge(
    confirmation: ConfirmationRow | None,
    basis: str,
    flags: list[str],
    today: date,
    cadence: timedelta,
) -> tuple[State, str]:
    if confirmation is None:
        return State.UNCONFIRMED, "never confirmed by the control's owner"
    when = f"confirmed by {confirmation.confirmed_by} on {confirmation.confirmed_on}"
    if confirmation.basis != basis:
        return (
            State.STALE,
            f"{when}; what was confirmed has changed since (description, coverage or the edge)",
        )
    if flags:
        return State.FLAGGED, f"{when}; flagged for review since"
    due = confirmation.confirmed_on + cadence
    if due < today:
        return State.EXPIRED, f"{when}; older than the {cadence.days}-day cadence (due {due})"
    return State.CONFIRMED, when


def _state(
    control: _Control,
    requirement: str,
    edge: Mapping | None,
    confirmation: ConfirmationRow | None,
    basis: str,
    flags: list[str],
    today: date,
    cadence: timedelta,
) -> ConfirmationState:
    state, why = _judge(confirmation, basis, flags, today, cadence)
    return ConfirmationState(
        control_id=control.control_id,
        owner=control.owner,
        requirement=requirement,
        edge=edge_subject(edge) if edge is not None else "",
        relationship=edge.relationship.value if edge is not None else None,
        state=state,
        why=why,
        confirmed_by=confirmation.confirmed_by if confirmation else None,
        confirmed_on=confirmation.confirmed_on if confirmation else None,
        due_on=confirmation.confirmed_on + cadence if confirmation else None,
        flags=flags,
    )


def confirmation_status(
    session: Session,
    library: Library,
    today: date,
    cadence_days: int = DEFAULT_CADENCE_DAYS,
    edges: bool = True,
    control_id: str | None = None,
    row: ControlRow | None = None,
) -> list[ConfirmationState]:
    """Every tag of every control (or of ``control_id``, or of the ``row`` the caller read
    already), and (with ``edges``) every edge each tag travels, with where its confirmation
    stands. An edge counts its own flags, its mapping set's and its tag's; a tag counts its
    own and its control's."""
    if cadence_days < 1:
        raise ConfirmationError("the confirmation cadence must be at least one day")
    cadence = timedelta(days=cadence_days)
    tag_rows: Iterable[tuple[int, str, str, str]]
    if row is not None:
        controls = {row.id: _Control(row.id, row.control_id, row.description or "", row.owner)}
        tag_rows = [(row.id, t.framework, t.ref, t.coverage) for t in row.tags]
    else:
        query = select(
            ControlRow.id, ControlRow.control_id, ControlRow.description, ControlRow.owner
        )
        if control_id is not None:
            query = query.where(ControlRow.control_id == control_id)
        controls = {
            pk: _Control(pk, found_id, description or "", owner)
            for pk, found_id, description, owner in session.execute(query)
        }
        tags = select(TagRow.control_pk, TagRow.framework, TagRow.ref, TagRow.coverage)
        if control_id is not None:
            tags = tags.where(TagRow.control_pk.in_(list(controls)))
        tag_rows = [(pk, fw, ref, coverage) for pk, fw, ref, coverage in session.execute(tags)]
    one = row is not None or control_id is not None
    latest = _latest_confirmations(session, list(controls) if one else None)
    subjects = None
    if one and not edges:  # one control's page: only its own flags and its tags' matter
        subjects = [(CONTROL, c.control_id) for c in controls.values()] + [
            (TAG, tag_subject(controls[pk].control_id, f"{framework}:{ref}"))
            for pk, framework, ref, _coverage in tag_rows
        ]
    flags = _flag_index(session, subjects)
    found: list[ConfirmationState] = []
    tags = select(TagRow.control_pk, TagRow.framework, TagRow.ref, TagRow.coverage)
    if control_id is not None:
        tags = tags.where(TagRow.control_pk.in_(list(controls)))
    for control_pk, framework, ref, coverage in tag_rows:
        control = controls[control_pk]
        requirement = f"{framework}:{ref}"
        tag_flags = [
            *flags.get((CONTROL, control.control_id), []),
            *flags.get((TAG, tag_subject(control.control_id, requirement)), []),
        ]
        found.append(
            _state(
                control,
                requirement,
                None,
                latest.get((control_pk, requirement, "")),
                tag_basis(control.description, coverage),
                tag_flags,
                today,
                cadence,
            )
        )
        if not edges:
            continue
        for mapping in tag_edges(library, requirement):
            subject = edge_subject(mapping)
            found.append(
                _state(
                    control,
                    requirement,
                    mapping,
                    latest.get((control_pk, requirement, subject)),
                    edge_basis(control.description, coverage, mapping),
                    [
                        *tag_flags,
                        *flags.get((MAPPING_SET, mapping.set_id), []),
                        *flags.get((EDGE, subject), []),
                    ],
                    today,
                    cadence,
                )
            )
    return sorted(found, key=lambda s: (s.control_id, s.requirement, s.edge))


def filter_states(
    states: Iterable[ConfirmationState],
    owner: str | None = None,
    wanted: Iterable[State] = NEEDS_REVIEW,
    control_id: str | None = None,
) -> list[ConfirmationState]:
    """The states to list: by default what needs the owner (not confirmed)."""
    kept = set(wanted)
    needle = (owner or "").strip().lower()
    return [
        s
        for s in states
        if s.state in kept
        and (not needle or needle in (s.owner or "").lower())
        and (control_id is None or s.control_id == control_id)
    ]


def confirmed_tags(
    session: Session, library: Library, today: date, cadence_days: int = DEFAULT_CADENCE_DAYS
) -> set[tuple[str, str]]:
    """(control id, requirement) of every tag currently confirmed: not stale, not flagged,
    not expired."""
    return {
        (s.control_id, s.requirement)
        for s in confirmation_status(session, library, today, cadence_days, edges=False)
        if s.state is State.CONFIRMED
    }


def only_confirmed(
    facts: Iterable[ControlFacts], confirmed: set[tuple[str, str]]
) -> list[ControlFacts]:
    """The controls with only their confirmed tags: what ``gap --confirmed-only`` counts."""
    return [
        replace(
            control,
            tags=tuple(t for t in control.tags if (control.control_id, t.requirement) in confirmed),
        )
        for control in facts
    ]


def missing_parts(
    session: Session, control_ids: Iterable[str] | None = None
) -> dict[tuple[str, str], str]:
    """What owners said is missing, for controls they confirmed only partly meet a
    requirement: (control id, requirement key) -> their words (the newest confirmation).
    ``control_ids`` limits it to those controls."""
    tags = select(TagRow.control_pk, TagRow.framework, TagRow.ref).where(
        TagRow.coverage == Coverage.PARTIAL.value
    )
    rows = (
        select(
            ConfirmationRow.control_pk,
            ControlRow.control_id,
            ConfirmationRow.requirement,
            ConfirmationRow.note,
        )
        .join(ControlRow, ControlRow.id == ConfirmationRow.control_pk)
        .where(ConfirmationRow.edge == "", ConfirmationRow.note != "")
        .order_by(ConfirmationRow.confirmed_on, ConfirmationRow.id)
    )
    if control_ids is not None:
        wanted = sorted(set(control_ids))
        tags = tags.join(ControlRow, ControlRow.id == TagRow.control_pk).where(
            ControlRow.control_id.in_(wanted)
        )
        rows = rows.where(ControlRow.control_id.in_(wanted))
    partial = {(pk, f"{framework}:{ref}") for pk, framework, ref in session.execute(tags)}
    found: dict[tuple[str, str], str] = {}
    for pk, control_id, requirement, note in session.execute(rows):
        if (pk, requirement) in partial:
            found[(control_id, requirement)] = note
    return found
