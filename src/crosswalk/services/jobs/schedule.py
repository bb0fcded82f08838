"""Which jobs are due now: declared collectors by their cadence, and the periodic jobs.

Both workers (the PostgreSQL queue's scheduler tick and the SQLite loop) ask this same
question, so a schedule means the same on either database.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.collectors.base import CollectorError
from crosswalk.collectors.config import Declaration, is_due
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.evidence.collect import (
    DECLARATIONS_FILE,
    declarations_for,
    last_runs,
    run_one,
)
from crosswalk.services.jobs.registry import (
    COLLECT_PREFIX,
    JobContext,
    JobFunction,
    JobOutcome,
    job_function,
    periodic_jobs,
)
from crosswalk.services.jobs.runs import exhausted_keys, finished_keys, once_key
from crosswalk.store.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueJob:
    job: str
    period: str

    @property
    def key(self) -> str:
        return once_key(self.job, self.period)


def collector_declarations(workspace: Workspace) -> list[Declaration]:
    """The workspace's declared collectors; none when it declares none. A broken file is
    logged and skipped (the other jobs still run); ``crosswalk collect`` shows its errors."""
    if not (workspace.root / DECLARATIONS_FILE).is_file():
        return []
    try:
        return declarations_for(workspace.root)
    except CrosswalkError as error:
        log.warning("collectors not scheduled: %s", error)
        return []


def due_jobs(session: Session, workspace: Workspace, now: datetime) -> list[DueJob]:
    """Every job due at ``now`` and not yet done for its period (nor failed too often).

    A collector's period is the UTC day: ``is_due`` counts whole days since its last run,
    whether that run came from a worker or from ``crosswalk collect``.
    """
    today = now.astimezone(UTC).date().isoformat()
    found: list[DueJob] = []
    last = last_runs(session)
    for declaration in collector_declarations(workspace):
        if is_due(declaration.schedule, last.get(declaration.name), now):
            found.append(DueJob(COLLECT_PREFIX + declaration.name, today))
    for periodic in periodic_jobs():
        period = periodic.period(now)
        if period is not None:
            found.append(DueJob(periodic.name, period))
    skip = finished_keys(session) | exhausted_keys(session)
    return [due for due in found if due.key not in skip]


def _collect(name: str) -> JobFunction:
    def run(context: JobContext) -> JobOutcome:
        declared = {d.name: d for d in declarations_for(context.workspace.root)}
        declaration = declared.get(name)
        if declaration is None:
            raise CollectorError(f"{DECLARATIONS_FILE}: no collector declared as {name!r}")
        # Relative paths are the workspace's. The worker already runs from there (jobs may
        # run in threads, and the current folder is the process's); a lone call moves.
        here = Path.cwd() == context.workspace.root
        with contextlib.nullcontext() if here else contextlib.chdir(context.workspace.root):
            outcome = run_one(context.session, context.workspace.blobs, declaration, context.actor)
        if outcome.passed is None:
            return JobOutcome(outcome.error or outcome.summary, ok=False)
        verdict = "pass" if outcome.passed else "fail"
        return JobOutcome(f"{verdict}: {outcome.summary}", evidence_id=outcome.evidence_id)

    return run


def resolve(job: str) -> JobFunction:
    """The function that runs ``job``: a declared collector, or a registered job."""
    if job.startswith(COLLECT_PREFIX):
        return _collect(job.removeprefix(COLLECT_PREFIX))
    found = job_function(job)
    if found is None:
        raise CrosswalkError(f"no job called {job!r}")
    return found
