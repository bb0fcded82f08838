"""Tables that keep the crosswalk honest over time: owners' confirmations of how controls
map, reviews of mapping sets, and flags raised when something changed under them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crosswalk.store.models import Base, utcnow


class ConfirmationRow(Base):
    """A control owner's word that a tag (and the edges it travels) describes real work.

    ``basis`` fingerprints what was confirmed (the control's description and the tag's
    coverage, and the edge for edge confirmations); a later change makes it stale.
    """

    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_pk: Mapped[int] = mapped_column(
        ForeignKey("controls.id", ondelete="CASCADE"), index=True
    )
    requirement: Mapped[str] = mapped_column(String(200))  # the tagged framework:ref
    edge: Mapped[str] = mapped_column(String(400), default="")  # "set:source->target", or ""
    basis: Mapped[str] = mapped_column(String(64))
    confirmed_by: Mapped[str] = mapped_column(String(200))
    confirmed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MappingReviewRow(Base):
    """Who owns a mapping set, how often it is reviewed, and each review done."""

    __tablename__ = "mapping_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_set: Mapped[str] = mapped_column(String(200), index=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    cadence_days: Mapped[int] = mapped_column(Integer, default=365)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewFlagRow(Base):
    """Something changed that a human must look at: a tag, an edge or a whole set."""

    __tablename__ = "review_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(32))  # tag, edge, mapping_set, control
    subject: Mapped[str] = mapped_column(String(400), index=True)
    reason: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(64))  # asset-added, description-changed, ...
    raised_on: Mapped[date] = mapped_column(Date)
    cleared_by: Mapped[str | None] = mapped_column(String(200))
    cleared_on: Mapped[date | None] = mapped_column(Date)


class MappingAdjustmentRow(Base):
    """The team's own judgment on one crosswalk edge: changed, retired or added, and why.

    Keyed by the edge as authored (``source -> target``, both ``framework:ref``); one row per
    edge, updated in place so the audit trail holds every before and after."""

    __tablename__ = "mapping_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # change, retire
    relationship: Mapped[str | None] = mapped_column(String(32))
    strength: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    adjusted_by: Mapped[str] = mapped_column(String(200))
    adjusted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    __table_args__ = (UniqueConstraint("source", "target", name="uq_mapping_adjustments_edge"),)
