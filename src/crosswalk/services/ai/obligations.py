"""The AI Act obligations each system brings (from its roles and tier), with both dates, the
follow-up (status, owner, due date, evidence) and the deadline view across all systems.

Which date a deadline uses is the workspace setting ``ai_act_dates``: ``amended`` or
``original``; unset, each obligation uses the amended date where the catalog marks the
amendment adopted and the original one otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.ai_classification import AiActInputError, Role, parse_role
from crosswalk.domain.ai_obligations import (
    ApplicableObligation,
    DateBasis,
    applicable_obligations,
    parse_date_basis,
    role_notes,
    within,
)
from crosswalk.services.ai.catalog import act_obligations
from crosswalk.services.ai.systems import AiSystem, stored_answers, system_row, system_rows, view
from crosswalk.services.evidence.evidence import evidence_row
from crosswalk.store.ai_models import AiObligationRow, AiSystemRow
from crosswalk.store.isms_models import SettingRow

DATE_SETTING = "ai_act_dates"
STATUSES = ("not started", "in progress", "met")


def date_basis(session: Session) -> DateBasis | None:
    """The workspace's choice, or None for the default (amended where adopted)."""
    row = session.get(SettingRow, DATE_SETTING)
    if row is None:
        return None
    return parse_date_basis(str(json.loads(row.value)))


def set_date_basis(session: Session, value: str) -> DateBasis | None:
    """Set ``amended`` or ``original``; ``default`` removes the choice."""
    row = session.get(SettingRow, DATE_SETTING)
    if value.strip().lower() == "default":
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    basis = parse_date_basis(value)
    if row is None:
        session.add(SettingRow(key=DATE_SETTING, value=json.dumps(basis.value)))
    else:
        row.value = json.dumps(basis.value)
    session.flush()
    return basis


def basis_label(basis: DateBasis | None) -> str:
    if basis is None:
        return "amended where the catalog marks the amendment adopted, original otherwise (default)"
    return f"{basis.value} (workspace setting)"


@dataclass(frozen=True)
class ObligationStatus:
    """One obligation of one system in one role, with its dates and follow-up."""

    system_id: str
    system_name: str
    obligation: ApplicableObligation
    status: str
    owner: str | None
    due: date | None
    evidence: tuple[int, ...]
    note: str

    @property
    def ref(self) -> str:
        return self.obligation.ref

    @property
    def role(self) -> Role:
        return self.obligation.role


@dataclass(frozen=True)
class SystemObligations:
    system: AiSystem
    obligations: tuple[ObligationStatus, ...]
    role_notes: tuple[str, ...]
    basis: str


def _applicable(
    library: Library, row: AiSystemRow, basis: DateBasis | None
) -> list[ApplicableObligation]:
    system = view(row)
    if system.classification is None:
        return []
    return applicable_obligations(
        system.classification,
        system.roles,
        act_obligations(library),
        answers=dict(stored_answers(row)),
        basis=basis,
        placed_before_2026_08_02=system.placed_before_2026_08_02,
    )


def _follow_ups(session: Session, row: AiSystemRow) -> dict[tuple[str, str], AiObligationRow]:
    rows = session.scalars(select(AiObligationRow).where(AiObligationRow.system_pk == row.id))
    return {(r.role, r.ref): r for r in rows}


def _statuses(
    session: Session, library: Library, row: AiSystemRow, basis: DateBasis | None
) -> list[ObligationStatus]:
    stored = _follow_ups(session, row)
    out = []
    for item in _applicable(library, row, basis):
        kept = stored.get((item.role.value, item.ref))
        out.append(
            ObligationStatus(
                system_id=row.system_id,
                system_name=row.name,
                obligation=item,
                status=kept.status if kept else "not started",
                owner=kept.owner if kept else None,
                due=kept.due if kept else None,
                evidence=tuple(sorted(e.id for e in kept.evidence)) if kept else (),
                note=kept.note if kept else "",
            )
        )
    return out


def system_obligations(session: Session, library: Library, system_id: str) -> SystemObligations:
    row = system_row(session, system_id)
    basis = date_basis(session)
    system = view(row)
    return SystemObligations(
        system=system,
        obligations=tuple(_statuses(session, library, row, basis)),
        role_notes=tuple(role_notes(system.roles)),
        basis=basis_label(basis),
    )


def all_obligations(session: Session, library: Library) -> list[SystemObligations]:
    basis = date_basis(session)
    out = []
    for row in system_rows(session):
        system = view(row)
        out.append(
            SystemObligations(
                system=system,
                obligations=tuple(_statuses(session, library, row, basis)),
                role_notes=tuple(role_notes(system.roles)),
                basis=basis_label(basis),
            )
        )
    return out


def _status(value: str) -> str:
    text = value.strip().lower().replace("-", " ").replace("_", " ")
    if text not in STATUSES:
        raise AiActInputError(
            "status", f"unknown status {value!r}; choose from {', '.join(STATUSES)}"
        )
    return text


def update_obligation(
    session: Session,
    library: Library,
    system_id: str,
    ref: str,
    *,
    role: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    due: date | None = None,
    clear_due: bool = False,
    evidence: Sequence[int] | None = None,
    note: str | None = None,
) -> ObligationStatus:
    """Record the follow-up of an obligation the system really has; ``role`` may be left out
    when the system holds that obligation in one role only. Checked before anything is set."""
    row = system_row(session, system_id)
    held = [o for o in _applicable(library, row, date_basis(session)) if o.ref == ref.strip()]
    if not held:
        raise AiActInputError(
            "ref", f"{ref!r} is not an obligation of {system_id} (see `crosswalk ai obligations`)"
        )
    if role is not None:
        wanted = parse_role(role)
        held = [o for o in held if o.role is wanted]
        if not held:
            raise AiActInputError("role", f"{system_id} does not hold {ref} as {wanted.value}")
    elif len(held) > 1:
        roles = ", ".join(o.role.value for o in held)
        raise AiActInputError(
            "role", f"{system_id} holds {ref} in several roles ({roles}); name one"
        )
    chosen = held[0]
    new_status = _status(status) if status is not None else None
    linked = [evidence_row(session, e) for e in dict.fromkeys(evidence)] if evidence else None
    stored = _follow_ups(session, row).get((chosen.role.value, chosen.ref))
    if stored is None:
        stored = AiObligationRow(system_pk=row.id, role=chosen.role.value, ref=chosen.ref, note="")
        stored.system = row
        session.add(stored)
    if new_status is not None:
        stored.status = new_status
    elif stored.status is None:
        stored.status = "not started"
    if owner is not None:
        stored.owner = owner.strip() or None
    if due is not None:
        stored.due = due
    elif clear_due:
        stored.due = None
    if note is not None:
        stored.note = note.strip()
    if linked is not None:
        stored.evidence = linked
    session.flush()
    return next(
        s
        for s in _statuses(session, library, row, date_basis(session))
        if s.ref == chosen.ref and s.role is chosen.role
    )


@dataclass(frozen=True)
class Deadline:
    """An obligation that becomes applicable to a system within the window."""

    applies_on: date
    system_id: str
    system_name: str
    ref: str
    title: str
    role: Role
    original: str
    amended: str
    amendment_status: str
    status: str


@dataclass(frozen=True)
class DeadlineView:
    today: date
    until_months: int
    basis: str
    deadlines: tuple[Deadline, ...]


def deadlines(
    session: Session, library: Library, today: date | None = None, months: int = 12
) -> DeadlineView:
    """What becomes applicable in the next ``months``, across all systems, soonest first."""
    if months < 1 or months > 120:
        raise AiActInputError("months", "give 1 to 120 months")
    when = today or date.today()
    basis = date_basis(session)
    rows: list[Deadline] = []
    for row in system_rows(session):
        for item in _statuses(session, library, row, basis):
            dates = item.obligation.dates
            if dates.effective is None or not within(dates.effective, when, months):
                continue
            rows.append(
                Deadline(
                    applies_on=dates.effective,
                    system_id=row.system_id,
                    system_name=row.name,
                    ref=item.ref,
                    title=item.obligation.title,
                    role=item.role,
                    original=dates.original_text,
                    amended=dates.amended_text,
                    amendment_status=dates.amendment_status,
                    status=item.status,
                )
            )
    rows.sort(key=lambda d: (d.applies_on, d.system_id, d.ref))
    return DeadlineView(when, months, basis_label(basis), tuple(rows))
