"""Tables. The schema is only ever made by the Alembic migrations beside this file."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
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
