"""Tables of the web application's people: users, their signed-in sessions and login attempts.

Sessions and attempts live in the database, not in a worker's memory, so any worker of a
multi-process server can serve any request and the login rate limit holds across workers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crosswalk.store.models import Base, utcnow


class UserRow(Base):
    """A person who signs in. ``owner_name`` ties a control owner to the controls whose
    ``owner`` reads the same; ``window_*`` is the observation window an auditor may see;
    ``digest_unsubscribed_at`` is set once they turn the e-mail digest off."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the user turned the daily e-mail digest off; None: they receive it. A moment
    # rather than a flag, so accounts recorded in the trail before the column existed
    # still read as they were (empty).
    digest_unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
    the database does not hand out live sessions."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[UserRow] = relationship(lazy="joined")


class LoginAttemptRow(Base):
    """Every sign-in attempt, for the rate limit (by account and by client address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
