"""Tables of the ISO 27001 management system: scope, assets, risks, SoA, audits, reviews,
nonconformities, objectives. Records, not uploaded documents, so they can check themselves.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crosswalk.store.models import Base, ControlRow, utcnow


class SettingRow(Base):
    """Workspace settings kept with the data (the risk method, for one)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class ScopeStatementRow(Base):
    """One version of the ISMS scope statement; versions are never overwritten."""

    __tablename__ = "scope_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    text: Mapped[str] = mapped_column(Text)
    includes: Mapped[str] = mapped_column(Text, default="")  # JSON list of asset ids named in scope
    excludes: Mapped[str] = mapped_column(Text, default="")  # JSON list of {asset, reason}
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssetRow(Base):
    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(50), default="system")
    owner: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[str | None] = mapped_column(String(50))
    in_soc2_boundary: Mapped[bool] = mapped_column(Boolean, default=False)
    in_isms_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    depends_on: Mapped[str] = mapped_column(Text, default="")  # comma-separated asset ids
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    controls: Mapped[list[ControlRow]] = relationship(
        secondary="asset_control_links", lazy="selectin"
    )


class AssetControlLinkRow(Base):
    __tablename__ = "asset_control_links"
    __table_args__ = (UniqueConstraint("asset_pk", "control_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_pk: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    control_pk: Mapped[int] = mapped_column(ForeignKey("controls.id", ondelete="CASCADE"))


class RiskRow(Base):
    """One risk of one register: information-asset and service-commitment risks together."""

    __tablename__ = "risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(50), default="information asset")
    assets: Mapped[str] = mapped_column(Text, default="")  # comma-separated asset ids
    owner: Mapped[str | None] = mapped_column(String(200))
    inherent_likelihood: Mapped[int] = mapped_column(Integer)
    inherent_impact: Mapped[int] = mapped_column(Integer)
    residual_likelihood: Mapped[int | None] = mapped_column(Integer)
    residual_impact: Mapped[int | None] = mapped_column(Integer)
    treatment: Mapped[str] = mapped_column(String(16), default="modify")
    treatment_plan: Mapped[str] = mapped_column(Text, default="")
    treatment_due: Mapped[date | None] = mapped_column(Date)
    annex_a: Mapped[str] = mapped_column(Text, default="")  # comma-separated Annex A refs
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    controls: Mapped[list[ControlRow]] = relationship(
        secondary="risk_control_links", lazy="selectin"
    )


class RiskControlLinkRow(Base):
    __tablename__ = "risk_control_links"
    __table_args__ = (UniqueConstraint("risk_pk", "control_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_pk: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    control_pk: Mapped[int] = mapped_column(ForeignKey("controls.id", ondelete="CASCADE"))


class SoaVersionRow(Base):
    """A version of the Statement of Applicability: a draft until approved, then frozen."""

    __tablename__ = "soa_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    entries: Mapped[list[SoaEntryRow]] = relationship(
        back_populates="soa_version",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="SoaEntryRow.position",
    )


class SoaEntryRow(Base):
    __tablename__ = "soa_entries"
    __table_args__ = (UniqueConstraint("version_pk", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_pk: Mapped[int] = mapped_column(ForeignKey("soa_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(20))
    applicable: Mapped[bool] = mapped_column(Boolean)
    justification: Mapped[str] = mapped_column(Text, default="")
    justification_kinds: Mapped[str] = mapped_column(String(200), default="")  # risk,legal,...
    exclusion_reason: Mapped[str] = mapped_column(Text, default="")
    implementation_status: Mapped[str] = mapped_column(String(50), default="not implemented")
    last_reviewed: Mapped[date | None] = mapped_column(Date)

    soa_version: Mapped[SoaVersionRow] = relationship(back_populates="entries")


class InternalAuditRow(Base):
    __tablename__ = "internal_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(Text, default="")  # comma-separated clause/Annex A refs
    auditor: Mapped[str | None] = mapped_column(String(200))
    planned_on: Mapped[date | None] = mapped_column(Date)
    performed_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ManagementReviewRow(Base):
    __tablename__ = "management_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[str] = mapped_column(String(100), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    chair: Mapped[str | None] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[str] = mapped_column(Text, default="")  # JSON {input key: notes}
    decisions: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NonconformityRow(Base):
    __tablename__ = "nonconformities"

    id: Mapped[int] = mapped_column(primary_key=True)
    nc_id: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(32))  # audit, incident, review, complaint
    source_ref: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    correction: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    raised_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    effectiveness_check: Mapped[str] = mapped_column(Text, default="")
    effectiveness_checked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ObjectiveRow(Base):
    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    measure: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
