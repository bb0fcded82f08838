"""The worker on SQLite: one process, one loop, the same jobs on the same schedule.

Why not the PostgreSQL queue here: procrastinate needs PostgreSQL (it hands jobs out with
``SELECT ... FOR UPDATE SKIP LOCKED`` and wakes workers with LISTEN/NOTIFY), and SQLite
allows one writer at a time anyway, so several workers would only queue behind each other.
A SQLite workspace lives on one machine, so one loop is enough: every tick it asks the
same ``due_jobs`` question as the queue's scheduler and runs what is due through the same
``execute`` (same records, same once-per-period claim). A lock file keeps a second
worker on the same workspace from starting.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.jobs.execute import execute
from crosswalk.services.jobs.schedule import DueJob, due_jobs
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

log = logging.getLogger(__name__)
LOCK_FILE = ".crosswalk-worker.lock"


@contextmanager
def only_worker(root: Path) -> Iterator[None]:
    """Hold the workspace's worker lock, or refuse: two loops would run every job twice
    as often as they race, and SQLite would make them wait on each other."""
    path = root / LOCK_FILE
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise CrosswalkError(
                f"{path}: another crosswalk worker already runs on this workspace"
            ) from error
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due(
    workspace: Workspace, worker: str, actor: str, report: Callable[[DueJob, str], None]
) -> int:
    """Run every job due now, one after the other; a failing job does not stop the rest."""
    with session_scope(workspace.engine) as session:
        due = due_jobs(session, workspace, datetime.now(UTC))
    for job in due:
        try:
            status = execute(workspace, job.job, job.period, worker, actor)
        except Exception as error:  # recorded as failed by execute; the loop goes on
            status = f"failed ({type(error).__name__}: {error})"
        report(job, status)
    return len(due)


def run_loop(
    workspace: Workspace,
    worker: str,
    actor: str,
    tick_seconds: float,
    report: Callable[[DueJob, str], None],
    drain: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Every ``tick_seconds``, run what is due; ``drain``: one pass, then return."""
    stop = stop or threading.Event()
    with only_worker(workspace.root):
        while True:
            run_due(workspace, worker, actor, report)
            if drain or stop.wait(tick_seconds):
                return
