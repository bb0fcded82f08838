"""Who may do what. The web layer asks these questions; it never answers them itself.

- admin: everything, including users and auditors' windows;
- editor: all program content (controls, evidence, SoA, risks, ISMS records);
- control owner: their own controls (the ones whose owner is their owner name) and the
  evidence of those controls; reads the rest;
- auditor: reads only; sees evidence performed inside the observation window an admin set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol, TypeVar

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access.users import ADMIN, AUDITOR, CONTROL_OWNER, EDITOR, User


class Forbidden(CrosswalkError):
    """The signed-in user's role does not allow this."""


class OwnedControl(Protocol):
    """What the checks read of a control, so a stored row and a service's view both do."""

    @property
    def control_id(self) -> str: ...

    @property
    def owner(self) -> str | None: ...


class DatedEvidence(Protocol):
    """What the window check reads of evidence: when it was performed."""

    @property
    def performed_start(self) -> date: ...

    @property
    def performed_end(self) -> date: ...


def can_write(user: User) -> bool:
    return user.role != AUDITOR


def can_edit_program(user: User) -> bool:
    """Program content beyond one's own controls: SoA, risks, ISMS records, any control."""
    return user.role in (ADMIN, EDITOR)


def can_manage_users(user: User) -> bool:
    return user.role == ADMIN


def can_see_jobs(user: User) -> bool:
    """Background job runs name machines, paths and collectors' errors: admins only."""
    return user.role == ADMIN


def owns(user: User, control: OwnedControl) -> bool:
    return bool(user.owner_name) and (control.owner or "").strip() == user.owner_name


def can_edit_control(user: User, control: OwnedControl) -> bool:
    return can_edit_program(user) or (user.role == CONTROL_OWNER and owns(user, control))


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"your role does not allow {what}")


def require_program(user: User, what: str) -> None:
    require(can_edit_program(user), what)


def require_control(user: User, control: OwnedControl, what: str = "editing this control") -> None:
    if user.role == CONTROL_OWNER and not owns(user, control):
        raise Forbidden(
            f"{control.control_id} is owned by {control.owner or 'nobody'}; "
            f"a control owner can change only their own controls"
        )
    require(can_edit_control(user, control), what)


def require_controls(user: User, controls: Iterable[OwnedControl], what: str) -> None:
    for control in controls:
        require_control(user, control, what)


def limited_to_window(user: User) -> bool:
    """Whether the user sees evidence only inside an observation window (auditors)."""
    return user.role == AUDITOR


def auditor_window(user: User) -> tuple[date, date] | None:
    if not limited_to_window(user) or user.window_start is None or user.window_end is None:
        return None
    return user.window_start, user.window_end


EVIDENCE_ENTITIES = frozenset({"evidence", "evidence_link"})


def hidden_trail_entities(user: User) -> frozenset[str]:
    """Trail entries an auditor does not see: evidence changes carry titles and dates of
    evidence that may lie outside their window (evidence inside it is on the evidence page)."""
    return EVIDENCE_ENTITIES if limited_to_window(user) else frozenset()


PerformedView = TypeVar("PerformedView", bound=Any)  # a frozen view with last_performed, next_due

NOTHING: tuple[date, date] = (date.max, date.min)  # an auditor without a window sees no dates


def performance_limit(user: User) -> tuple[date, date] | None:
    """The dates of performances the user may see: None for every date; for an auditor,
    their window (nothing without one), as for the evidence those dates come from."""
    if not limited_to_window(user):
        return None
    return auditor_window(user) or NOTHING


def performance_shown(view: PerformedView, limit: tuple[date, date] | None) -> PerformedView:
    """``view`` with its last performance (and the due date reckoned from it) left out when
    it falls outside ``limit``: an auditor must not learn of evidence outside the window."""
    last: date | None = view.last_performed
    if limit is None or last is None or limit[0] <= last <= limit[1]:
        return view
    return dataclasses.replace(view, last_performed=None, next_due=None)


def evidence_visible(user: User, evidence: DatedEvidence) -> bool:
    """Auditors see evidence performed inside their window, and nothing without a window."""
    if user.role != AUDITOR:
        return True
    window = auditor_window(user)
    if window is None:
        return False
    start, end = window
    return evidence.performed_start <= end and evidence.performed_end >= start
