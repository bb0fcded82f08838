"""``crosswalk worker``: the one entry point, whichever database the workspace uses.

PostgreSQL: the shared queue (``queue.py``), as many workers as wanted, on any machines.
SQLite: one in-process loop (``local.py``; its docstring says why no queue there). Both
run the same job functions on the same schedule and record runs the same way.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.jobs.digest import register_daily_digest
from crosswalk.services.jobs.local import run_loop
from crosswalk.services.jobs.schedule import DueJob
from crosswalk.store.workspace import Workspace


def uses_queue(workspace: Workspace) -> bool:
    return workspace.database_url.startswith("postgresql")


def run_worker(
    workspace: Workspace,
    actor: str,
    tick_seconds: int,
    concurrency: int,
    heartbeat_seconds: float,
    stalled_after_seconds: float,
    drain: bool,
    report: Callable[[DueJob, str], None],
    digest_hour: int | None = None,
    stop: threading.Event | None = None,
) -> str:
    """Run jobs until stopped (or, with ``drain``, until none is due or queued); returns
    which kind of worker ran ("queue" or "local")."""
    if tick_seconds < 1 or concurrency < 1:
        raise CrosswalkError("--tick and --concurrency must be 1 or more")
    if not 0 < heartbeat_seconds < stalled_after_seconds:
        raise CrosswalkError(
            f"--stalled-after ({stalled_after_seconds:g} s) must be longer than --heartbeat "
            f"({heartbeat_seconds:g} s), or live workers' jobs would be handed on"
        )
    register_daily_digest(digest_hour)
    # Declarations name files and databases relative to the workspace folder. Jobs may run
    # in threads, so the whole worker works from there rather than each job changing the
    # process's folder in turn.
    os.chdir(workspace.root)
    if not uses_queue(workspace):
        from crosswalk.services.jobs.local import worker_label

        stop = stop or threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):  # finish the job at hand, then stop
                previous[number] = signal.signal(number, lambda _signum, _frame: stop.set())
        try:
            run_loop(workspace, worker_label(), actor, tick_seconds, report, drain, stop)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        return "local"
    try:
        from crosswalk.services.jobs.queue import QueueSettings, run_queue_worker
    except ModuleNotFoundError as error:
        raise CrosswalkError(
            f"the PostgreSQL job queue needs {error.name}: from the clone, "
            ".venv/bin/pip install -e '.[postgresql]'"
        ) from error
    settings = QueueSettings(
        tick_seconds=tick_seconds,
        heartbeat_seconds=heartbeat_seconds,
        stalled_after_seconds=stalled_after_seconds,
        concurrency=concurrency,
    )
    run_queue_worker(workspace, settings, actor, drain)
    return "queue"
