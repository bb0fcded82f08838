"""Runs of background jobs (collectors on their cadence, the daily digest, ...).

One row per attempt. An attempt that finishes claims ``once_key`` (job and period), which
is unique: a job retried after its worker died, or run twice by two workers at once, can
finish only once per period, and its evidence is written in the same transaction as that
claim, so it is stored once or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crosswalk.store.models import Base, utcnow


class JobRunRow(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        Index("ix_job_runs_job_period", "job", "period"),
        Index("ix_job_runs_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # running|succeeded|failed|interrupted|...
    worker: Mapped[str] = mapped_column(String(200), default="")
    queue_job_id: Mapped[int | None] = mapped_column(Integer)  # the queue's own id, if any
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    once_key: Mapped[str | None] = mapped_column(String(300), unique=True)
