"""Tables. The schema is only ever made by the Alembic migrations beside this file."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints so SQLite and PostgreSQL migrations stay comparable (alembic check).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ControlRow(Base):
    __tablename__ = "controls"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    frequency: Mapped[str | None] = mapped_column(String(32))
    frequency_text: Mapped[str | None] = mapped_column(String(200))  # as the source wrote it
    status: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text, default="")  # the evidence the control produces
    # Retired: out of the program and its coverage from that day, its history and evidence kept.
    retired_on: Mapped[date | None] = mapped_column(Date)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retired_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    tags: Mapped[list[TagRow]] = relationship(
        back_populates="control",
        cascade="all, delete-orphan",
        order_by="(TagRow.framework, TagRow.ref)",
        lazy="selectin",
    )


class TagRow(Base):
    __tablename__ = "control_tags"
    __table_args__ = (UniqueConstraint("control_pk", "framework", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    control_pk: Mapped[int] = mapped_column(
        ForeignKey("controls.id", ondelete="CASCADE"), index=True
    )
    framework: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(100))
    coverage: Mapped[str] = mapped_column(String(16), default="full")

    control: Mapped[ControlRow] = relationship(back_populates="tags")

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.ref}"


class EvidenceRow(Base):
    """One piece of evidence, stored once; its file lives in the blob store by SHA-256."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_performed_end_id", "performed_end", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(32))  # file, url, collector, attestation
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str | None] = mapped_column(String(500))
    media_type: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    performed_start: Mapped[date] = mapped_column(Date)
    performed_end: Mapped[date] = mapped_column(Date)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    collected_by: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str] = mapped_column(String(500), default="")  # ticket or event ids
    passed: Mapped[bool | None] = mapped_column(Boolean)  # collector outcome, if any

    links: Mapped[list[EvidenceLinkRow]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", lazy="selectin"
    )


class EvidenceLinkRow(Base):
    __tablename__ = "evidence_links"
    __table_args__ = (UniqueConstraint("evidence_id", "control_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
    control_pk: Mapped[int] = mapped_column(
        ForeignKey("controls.id", ondelete="CASCADE"), index=True
    )

    evidence: Mapped[EvidenceRow] = relationship(back_populates="links")
    control: Mapped[ControlRow] = relationship(lazy="joined")


class AuditRow(Base):
    """Append-only, hash-chained record of every change (who, when, what, before/after)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(300))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class CollectorRunRow(Base):
    __tablename__ = "collector_runs"
    __table_args__ = (Index("ix_collector_runs_name_started", "name", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    collector: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))


# The ISMS and maintenance tables are defined beside these; importing them here means
# Base.metadata always holds the whole schema (migrations, `alembic check`, the audit trail).
from crosswalk.store import ai_models as _ai_models  # noqa: E402, F401
from crosswalk.store import auth_models as _auth_models  # noqa: E402, F401
from crosswalk.store import gdpr_models as _gdpr_models  # noqa: E402, F401
from crosswalk.store import isms_models as _isms_models  # noqa: E402, F401
from crosswalk.store import job_models as _job_models  # noqa: E402, F401
from crosswalk.store import maintenance_models as _maintenance_models  # noqa: E402, F401
from crosswalk.store import notify_models as _notify_models  # noqa: E402, F401
