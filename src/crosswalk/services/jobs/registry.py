"""What a background job is, and the registry of periodic jobs the scheduler knows.

A job function gets a ``JobContext`` (the workspace, an open session, the time) and returns
a ``JobOutcome``; whoever runs it (the PostgreSQL queue or the SQLite loop) opens and
commits the transaction, so the function's writes land together with the run's record.

Other areas plug their periodic work in with ``register_periodic`` (see ``digest.py`` for
the daily digest's hook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from crosswalk.store.workspace import Workspace

COLLECT_PREFIX = "collect:"


@dataclass(frozen=True)
class JobContext:
    workspace: Workspace
    session: Session
    now: datetime
    actor: str


@dataclass(frozen=True)
class JobOutcome:
    """What a run did. ``ok=False``: the work could not be done, but the period is spent
    (a collector that could not run records a failed run, as ``crosswalk collect`` does)."""

    summary: str
    ok: bool = True
    evidence_id: int | None = None


JobFunction = Callable[[JobContext], JobOutcome]


@dataclass(frozen=True)
class PeriodicJob:
    """A job due once per period: every ``every_days`` UTC days, from ``at_hour`` (UTC)."""

    name: str
    run: JobFunction
    every_days: int = 1
    at_hour: int = 0

    def period(self, now: datetime) -> str | None:
        """The period ``now`` falls in (its first day, ISO), or None before ``at_hour``."""
        moment = now.astimezone(UTC)
        if moment.hour < self.at_hour:
            return None
        day = moment.date()
        start = day - timedelta(days=day.toordinal() % self.every_days)
        return start.isoformat()


_PERIODIC: dict[str, PeriodicJob] = {}
_ON_DEMAND: dict[str, JobFunction] = {}


def register_periodic(
    name: str, run: JobFunction, every_days: int = 1, at_hour: int = 0
) -> PeriodicJob:
    """Add (or replace) a periodic job; the scheduler defers it once per period."""
    if name.startswith(COLLECT_PREFIX) or not name:
        raise ValueError(f"{name!r}: job names starting {COLLECT_PREFIX!r} are collectors'")
    if every_days < 1 or not 0 <= at_hour <= 23:
        raise ValueError(f"{name}: every_days must be >= 1 and at_hour within 0..23")
    job = PeriodicJob(name, run, every_days, at_hour)
    _PERIODIC[name] = job
    return job


def register_job(name: str, run: JobFunction) -> None:
    """Add a job that runs only when deferred by name (no schedule)."""
    _ON_DEMAND[name] = run


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


def job_function(name: str) -> JobFunction | None:
    """The function behind a registered (non-collector) job name, or None."""
    periodic = _PERIODIC.get(name)
    return periodic.run if periodic is not None else _ON_DEMAND.get(name)


def _ping(_context: JobContext) -> JobOutcome:
    return JobOutcome("pong")


# A job that does nothing but get recorded: shows that workers are up and takes jobs (the
# queue benchmark drains thousands of them).
register_job("ping", _ping)
