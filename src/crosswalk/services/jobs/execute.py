"""Run one job for one period, recorded, and done at most once per period.

Three short transactions: record the attempt as running (so the Jobs page shows it);
run the job and claim its period in one transaction (evidence and claim commit together,
or neither does: a worker killed mid-run leaves no partial evidence); on failure, record
why. A retried or doubled attempt finds the period claimed and stores nothing again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from crosswalk.services.jobs.registry import JobContext
from crosswalk.services.jobs.runs import (
    DUPLICATE,
    FAILED,
    SUCCEEDED,
    finish_attempt,
    is_finished,
    start_attempt,
)
from crosswalk.services.jobs.schedule import resolve
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

log = logging.getLogger(__name__)


def execute(
    workspace: Workspace,
    job: str,
    period: str,
    worker: str,
    actor: str,
    queue_job_id: int | None = None,
) -> str:
    """Run ``job`` for ``period``; returns the status recorded ("skipped" when the period
    was already done). Raises what the job raised, after recording it as failed."""
    engine = workspace.engine
    with session_scope(engine, actor) as session:
        if is_finished(session, job, period):
            return "skipped"
        attempt = start_attempt(session, job, period, worker, queue_job_id)
        session.commit()
    try:
        with session_scope(engine, actor) as session:
            run = resolve(job)
            outcome = run(JobContext(workspace, session, datetime.now(UTC), actor))
            status = SUCCEEDED if outcome.ok else FAILED
            error = None if outcome.ok else outcome.summary
            finish_attempt(
                session, attempt, status, outcome.summary, error, outcome.evidence_id, claim=True
            )
            session.commit()
            return status
    except IntegrityError as error:
        with session_scope(engine, actor) as session:
            if not is_finished(session, job, period):
                finish_attempt(session, attempt, FAILED, error=f"{type(error).__name__}: {error}")
                session.commit()
                raise
            # Another attempt claimed this period first; this one's writes were rolled back.
            finish_attempt(session, attempt, DUPLICATE, "another attempt finished it first")
            session.commit()
        return DUPLICATE
    except Exception as error:
        with session_scope(engine, actor) as session:
            finish_attempt(session, attempt, FAILED, error=f"{type(error).__name__}: {error}")
            session.commit()
        log.exception("job %s for %s failed", job, period)
        raise
