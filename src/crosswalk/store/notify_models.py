"""Tables of the e-mail digests: one row per message sent (at most one per person per day,
held by a unique key) and the key that signs unsubscribe links.

The sent-digest row is written before the message leaves and removed again if the SMTP
server refuses it, so two workers running the day's digests at once never both send.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crosswalk.store.models import Base, utcnow


class DigestSentRow(Base):
    """One digest message to one user on one day (UTC); ``items`` are the keys it listed,
    so the next digest can mark what is new."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    day: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    subject: Mapped[str] = mapped_column(String(300), default="")
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of item keys


class SigningKeyRow(Base):
    """A secret made once per workspace (in the database, so every server node and worker
    signs and checks links alike); never shown, never in the audit trail."""

    __tablename__ = "signing_keys"

    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
