"""Tables of the EU AI Act inventory: AI systems (purpose, roles, questionnaire answers and the
tier they give) and the status of each obligation a system brings (owner, due date, evidence).

The answers are kept, not only the tier, so a change of answer re-classifies and the trail shows
both; obligations themselves are computed from the catalog, only their follow-up is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crosswalk.store.models import Base, EvidenceRow, utcnow

if TYPE_CHECKING:
    from crosswalk.store.isms_models import AssetRow


class AiSystemRow(Base):
    """One AI system the company builds, buys or uses."""

    __tablename__ = "ai_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text, default="")
    intended_use: Mapped[str] = mapped_column(Text, default="")
    users: Mapped[str] = mapped_column(Text, default="")  # who uses it or is exposed to it
    roles: Mapped[str] = mapped_column(String(300))  # comma-separated AI Act roles
    output_in_eu: Mapped[bool] = mapped_column(Boolean, default=True)
    established_in_eu: Mapped[bool] = mapped_column(Boolean, default=True)
    authorised_representative: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="own")  # own | vendor | gpai
    vendor: Mapped[str | None] = mapped_column(String(300))
    gpai_model: Mapped[str | None] = mapped_column(String(300))  # the model it runs on, if any
    placed_before_2026_08_02: Mapped[bool] = mapped_column(Boolean, default=False)
    processing_activities: Mapped[str] = mapped_column(Text, default="")  # optional GDPR links
    owner: Mapped[str | None] = mapped_column(String(200))
    answers: Mapped[str] = mapped_column(Text, default="")  # JSON questionnaire answers
    tier: Mapped[str | None] = mapped_column(String(40))
    tier_article: Mapped[str | None] = mapped_column(String(300))
    forced_tier: Mapped[str | None] = mapped_column(String(40))
    forced_reason: Mapped[str | None] = mapped_column(Text)
    classified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    assets: Mapped[list[AssetRow]] = relationship(
        "AssetRow", secondary="ai_system_assets", lazy="selectin"
    )


class AiSystemAssetRow(Base):
    """The ISMS assets an AI system runs on."""

    __tablename__ = "ai_system_assets"
    __table_args__ = (UniqueConstraint("system_pk", "asset_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_pk: Mapped[int] = mapped_column(
        ForeignKey("ai_systems.id", ondelete="CASCADE"), index=True
    )
    asset_pk: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))


class AiObligationRow(Base):
    """The follow-up of one obligation of one system in one role."""

    __tablename__ = "ai_obligations"
    __table_args__ = (UniqueConstraint("system_pk", "role", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_pk: Mapped[int] = mapped_column(
        ForeignKey("ai_systems.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="not started")
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    system: Mapped[AiSystemRow] = relationship(lazy="joined")
    evidence: Mapped[list[EvidenceRow]] = relationship(
        secondary="ai_obligation_evidence", lazy="selectin"
    )


class AiObligationEvidenceRow(Base):
    """Evidence that an obligation is met, linked as evidence is linked to controls."""

    __tablename__ = "ai_obligation_evidence"
    __table_args__ = (UniqueConstraint("obligation_pk", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_pk: Mapped[int] = mapped_column(
        ForeignKey("ai_obligations.id", ondelete="CASCADE"), index=True
    )
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
