"""The record of job runs: one row per attempt, listed for ``crosswalk jobs`` and the web."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.job_models import JobRunRow

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
INTERRUPTED = "interrupted"  # its worker died; another attempt took over
DUPLICATE = "duplicate"  # another attempt finished the same period first: nothing kept
STATUSES = (RUNNING, SUCCEEDED, FAILED, INTERRUPTED, DUPLICATE)
MAX_FAILED_ATTEMPTS = 3  # per job and period, before the scheduler stops deferring it


@dataclass(frozen=True)
class JobRun:
    id: int
    job: str
    period: str
    status: str
    worker: str
    queue_job_id: int | None
    started_at: datetime
    finished_at: datetime | None
    summary: str
    error: str | None
    evidence_id: int | None


def once_key(job: str, period: str) -> str:
    return f"{job}@{period}"


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _view(row: JobRunRow) -> JobRun:
    started = _aware(row.started_at)
    assert started is not None
    return JobRun(
        id=row.id,
        job=row.job,
        period=row.period,
        status=row.status,
        worker=row.worker,
        queue_job_id=row.queue_job_id,
        started_at=started,
        finished_at=_aware(row.finished_at),
        summary=row.summary,
        error=row.error,
        evidence_id=row.evidence_id,
    )


def list_runs(
    session: Session, limit: int = 50, job: str | None = None, status: str | None = None
) -> list[JobRun]:
    """The most recent attempts first, optionally of one job or in one status."""
    if status is not None and status not in STATUSES:
        raise CrosswalkError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    if limit < 1:
        raise CrosswalkError(f"limit {limit}: expected 1 or more")
    query = select(JobRunRow).order_by(JobRunRow.started_at.desc(), JobRunRow.id.desc())
    if job is not None:
        query = query.where(JobRunRow.job == job)
    if status is not None:
        query = query.where(JobRunRow.status == status)
    return [_view(row) for row in session.scalars(query.limit(limit))]


def finished_keys(session: Session) -> set[str]:
    """Every job@period already done (finished once, whatever its outcome)."""
    return set(session.scalars(select(JobRunRow.once_key).where(JobRunRow.once_key.is_not(None))))


def exhausted_keys(session: Session) -> set[str]:
    """Job@periods that failed too often to defer again (a person must look)."""
    rows = session.execute(
        select(JobRunRow.job, JobRunRow.period)
        .where(JobRunRow.status.in_((FAILED, INTERRUPTED)), JobRunRow.once_key.is_(None))
        .group_by(JobRunRow.job, JobRunRow.period)
        .having(func.count() >= MAX_FAILED_ATTEMPTS)
    )
    return {once_key(job, period) for job, period in rows}


def is_finished(session: Session, job: str, period: str) -> bool:
    found = session.scalar(select(JobRunRow.id).where(JobRunRow.once_key == once_key(job, period)))
    return found is not None


def start_attempt(
    session: Session, job: str, period: str, worker: str, queue_job_id: int | None
) -> int:
    """Record a new attempt as running; earlier attempts still "running" for the same job
    and period were cut short (their worker died, so the queue handed the job on)."""
    session.execute(
        update(JobRunRow)
        .where(JobRunRow.job == job, JobRunRow.period == period, JobRunRow.status == RUNNING)
        .values(status=INTERRUPTED, finished_at=datetime.now(UTC), error="worker stopped")
    )
    row = JobRunRow(
        job=job,
        period=period,
        status=RUNNING,
        worker=worker[:200],
        queue_job_id=queue_job_id,
        started_at=datetime.now(UTC),
        summary="",
    )
    session.add(row)
    session.flush()
    return row.id


def finish_attempt(
    session: Session,
    attempt: int,
    status: str,
    summary: str = "",
    error: str | None = None,
    evidence_id: int | None = None,
    claim: bool = False,
) -> None:
    """Close an attempt; ``claim`` marks its job and period done (unique: a second attempt
    claiming the same period fails its whole transaction, its writes included)."""
    row = session.get(JobRunRow, attempt)
    if row is None:
        raise CrosswalkError(f"job run {attempt} is not recorded")
    row.status = status
    row.finished_at = datetime.now(UTC)
    row.summary = summary[:2000]
    row.error = error[:4000] if error else None
    row.evidence_id = evidence_id
    if claim:
        row.once_key = once_key(row.job, row.period)
    session.flush()
