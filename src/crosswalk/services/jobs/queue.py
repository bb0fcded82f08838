"""The worker on PostgreSQL: a job queue shared by any number of ``crosswalk worker``s.

Built on procrastinate (a maintained queue that keeps its jobs in PostgreSQL itself: no
broker to run, jobs handed out with ``FOR UPDATE SKIP LOCKED``, workers woken by
LISTEN/NOTIFY, heartbeats to find jobs of dead workers). How the pieces fit:

- ``crosswalk.tick`` is a procrastinate periodic task: every worker runs the periodic
  deferrer, and procrastinate records each (task, tick time) once, so one tick per period
  is deferred however many workers are up. The tick first hands the jobs of workers whose
  heartbeat stopped back to the queue, then defers each due job (``due_jobs``, the same
  question the SQLite loop asks) with a queueing lock ``job@period``, unless one is
  already waiting or running.
- ``crosswalk.run`` runs one job for one period through ``execute``: its record and its
  evidence commit together and claim the period once, so a retried job never stores its
  evidence twice.
- Finished queue entries are deleted after a week (hourly, by the tick); ``job_runs``
  keeps the record of every run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.schema import SchemaManager
from procrastinate.types import JSONDict
from sqlalchemy.engine import make_url

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.jobs.execute import execute
from crosswalk.services.jobs.local import worker_label as worker_name
from crosswalk.services.jobs.schedule import due_jobs
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

log = logging.getLogger(__name__)
QUEUE = "crosswalk"
RUN_TASK = "crosswalk.run"
TICK_TASK = "crosswalk.tick"
SCHEMA_LOCK = 4242424244  # one worker installs the queue's tables (the trail has ...42)
ACTIVE = ("todo", "doing")
KEEP_HOURS = 24 * 7  # finished queue entries; the runs' record (job_runs) is kept for good


@dataclass(frozen=True)
class QueueSettings:
    """How often the scheduler ticks, how often workers say they are alive, and after how
    long a silent worker's jobs are handed to another."""

    tick_seconds: int = 60
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0
    concurrency: int = 1
    poll_seconds: float = 5.0


def tick_cron(seconds: int) -> str:
    """A cron line firing every ``seconds`` (a divisor of a minute, or whole minutes
    dividing an hour); procrastinate reads a sixth field as seconds."""
    if 0 < seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    if seconds % 60 == 0 and 0 < seconds // 60 <= 60 and 60 % (seconds // 60) == 0:
        return f"*/{seconds // 60} * * * *"
    raise CrosswalkError(
        f"tick of {seconds} s: use a divisor of 60 s (1, 2, 5, 10, 15, 30) or of 60 minutes"
    )


def conninfo(database_url: str) -> str:
    """The workspace's SQLAlchemy URL as libpq reads it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(database_url: str) -> bool:
    """Install procrastinate's tables if absent (under a lock: workers may start at once).
    Returns whether they were installed now."""
    with psycopg.connect(conninfo(database_url)) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is not None and found[0] is not None:
            return False
        connection.execute(SchemaManager.get_schema().encode())
        connection.commit()
        return True


@dataclass
class Queue:
    app: procrastinate.App
    run: procrastinate.tasks.Task  # type: ignore[type-arg]


def build_queue(workspace: Workspace, settings: QueueSettings, actor: str) -> Queue:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(workspace.database_url), min_size=1, max_size=4
        )
    )

    @app.task(name=RUN_TASK, queue=QUEUE, pass_context=True)
    def run(context: procrastinate.JobContext, job: str, period: str) -> str:
        queued = context.job.id if context.job is not None else None
        return execute(workspace, job, period, context.worker_name or worker_name(), actor, queued)

    @app.periodic(cron=tick_cron(settings.tick_seconds), periodic_id="scheduler")
    @app.task(name=TICK_TASK, queue=QUEUE, queueing_lock=TICK_TASK)
    async def tick(timestamp: int) -> int:
        if timestamp % 3600 < settings.tick_seconds:  # hourly: the queue keeps a week
            await app.job_manager.delete_old_jobs(
                nb_hours=KEEP_HOURS,
                queue=QUEUE,
                include_failed=True,
                include_cancelled=True,
                include_aborted=True,
            )
        return await schedule(app, run, workspace, settings)

    return Queue(app, run)


async def retry_stalled(app: procrastinate.App, settings: QueueSettings) -> int:
    """Jobs whose worker stopped sending heartbeats go back to the queue."""
    retried = 0
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.stalled_after_seconds
    )
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
            retried += 1
            log.warning("retrying job %s (%s): its worker stopped", job.id, job.task_name)
        except Exception as error:  # another tick retried it first, or it finished
            log.info("job %s not retried: %s", job.id, error)
    return retried


async def schedule(
    app: procrastinate.App,
    run: procrastinate.tasks.Task,  # type: ignore[type-arg]
    workspace: Workspace,
    settings: QueueSettings,
) -> int:
    """One scheduler tick: retry stalled jobs, then defer each due job once."""
    await retry_stalled(app, settings)

    def due() -> list[tuple[str, str, str]]:
        with session_scope(workspace.engine) as session:
            return [
                (d.job, d.period, d.key) for d in due_jobs(session, workspace, datetime.now(UTC))
            ]

    deferred = 0
    for job, period, key in await asyncio.to_thread(due):
        waiting = await app.job_manager.list_jobs_async(queueing_lock=key)
        if any(found.status in ACTIVE for found in waiting):
            continue
        try:
            await run.configure(queueing_lock=key).defer_async(job=job, period=period)
            deferred += 1
        except AlreadyEnqueued:
            continue
    return deferred


def defer_many(workspace: Workspace, job: str, periods: Iterable[str]) -> int:
    """Queue ``job`` once for each period (an operator's or a benchmark's bulk request)."""
    queue = build_queue(workspace, QueueSettings(), "crosswalk")
    kwargs: list[JSONDict] = [{"job": job, "period": period} for period in periods]

    async def go() -> int:
        async with queue.app.open_async():
            return len(await queue.run.batch_defer_async(*kwargs))

    return asyncio.run(go())


def run_queue_worker(
    workspace: Workspace, settings: QueueSettings, actor: str, drain: bool = False
) -> None:
    """Run a worker until stopped (SIGINT/SIGTERM end it after its running jobs);
    ``drain``: one scheduler tick, then run what is queued and return when none is left."""
    ensure_schema(workspace.database_url)
    queue = build_queue(workspace, settings, actor)

    async def main() -> None:
        async with queue.app.open_async():
            if drain:
                await schedule(queue.app, queue.run, workspace, settings)
            await queue.app.run_worker_async(
                queues=[QUEUE],
                name=worker_name(),
                concurrency=settings.concurrency,
                wait=not drain,
                fetch_job_polling_interval=settings.poll_seconds,
                update_heartbeat_interval=settings.heartbeat_seconds,
                stalled_worker_timeout=settings.stalled_after_seconds,
            )

    asyncio.run(main())
