"""Taking a control out of the program: retired with a reason, or deleted when it was a mistake.

A retired control keeps its row, tags, evidence and audit trail (an auditor testing a Type 2
window that it was part of still sees it, up to the day it was retired), but it no longer
counts toward coverage, readiness or the SoA. Deleting is only for a control nothing refers
to: once evidence, a risk, an asset or an owner's confirmation points at it, it is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crosswalk.services.controls.controls import ControlError, control_row
from crosswalk.store.audit import default_actor
from crosswalk.store.isms_models import AssetControlLinkRow, RiskControlLinkRow
from crosswalk.store.maintenance_models import ConfirmationRow
from crosswalk.store.models import ControlRow, EvidenceLinkRow


@dataclass(frozen=True)
class Retirement:
    control_id: str
    retired_on: date
    reason: str
    retired_by: str


@dataclass(frozen=True)
class Links:
    """What refers to a control; any of it makes deleting the control lose history."""

    evidence: int
    risks: int
    assets: int
    confirmations: int

    @property
    def any(self) -> bool:
        return bool(self.evidence or self.risks or self.assets or self.confirmations)

    def describe(self) -> str:
        parts = [
            (self.evidence, "piece of evidence", "pieces of evidence"),
            (self.risks, "risk", "risks"),
            (self.assets, "asset", "assets"),
            (self.confirmations, "owner's confirmation", "owners' confirmations"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


def control_links(session: Session, control_id: str) -> Links:
    return _links(session, control_row(session, control_id))


def _links(session: Session, row: ControlRow) -> Links:
    def count(column: InstrumentedAttribute[int]) -> int:
        return int(session.scalar(select(func.count()).where(column == row.id)) or 0)

    return Links(
        evidence=count(EvidenceLinkRow.control_pk),
        risks=count(RiskControlLinkRow.control_pk),
        assets=count(AssetControlLinkRow.control_pk),
        confirmations=count(ConfirmationRow.control_pk),
    )


def retire_control(
    session: Session, control_id: str, reason: str, on: date | None = None
) -> Retirement:
    """Retire from ``on`` (today by default); the reason is what an auditor will ask for."""
    row = control_row(session, control_id)
    if not reason.strip():
        raise ControlError(f"retiring {row.control_id} needs a reason (--reason)")
    if row.retired_on is not None:
        raise ControlError(
            f"{row.control_id} was already retired on {row.retired_on.isoformat()}"
            f" ({row.retired_reason}); `crosswalk controls restore {row.control_id}` brings it back"
        )
    when = on or date.today()
    if when > date.today():
        raise ControlError(
            f"{row.control_id}: a retirement is recorded when it happens, not ahead"
            f" ({when.isoformat()} is in the future)"
        )
    row.retired_on = when
    row.retired_reason = reason.strip()
    row.retired_by = str(session.info.get("actor") or default_actor())
    session.flush()
    return Retirement(row.control_id, when, row.retired_reason, row.retired_by)


def restore_control(session: Session, control_id: str) -> Retirement:
    """Bring a retired control back; returns the retirement it undid."""
    row = control_row(session, control_id)
    if row.retired_on is None:
        raise ControlError(f"{row.control_id} is not retired")
    undone = Retirement(
        row.control_id, row.retired_on, row.retired_reason or "", row.retired_by or ""
    )
    row.retired_on = None
    row.retired_reason = None
    row.retired_by = None
    session.flush()
    return undone


def delete_control(session: Session, control_id: str) -> str:
    """Delete a control created by mistake; refuses once anything refers to it."""
    row = control_row(session, control_id)
    links = _links(session, row)
    if links.any:
        raise ControlError(
            f"{row.control_id} cannot be deleted: it is referred to by {links.describe()}."
            f" Retire it instead, which keeps that history:"
            f" crosswalk controls remove {row.control_id} --reason '...'"
        )
    deleted = row.control_id
    # Tags go first and explicitly, so the audit trail records each under the control's id.
    for tag in list(row.tags):
        session.delete(tag)
    session.flush()
    session.expire(row, ["tags"])
    session.delete(row)
    session.flush()
    return deleted
