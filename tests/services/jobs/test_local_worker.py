"""On SQLite one ``crosswalk worker`` runs the same jobs on the same schedule; on either
database a job finishes at most once per period, and the digest plugs in through a hook."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswalk.services.jobs.digest import DIGEST_JOB, register_daily_digest, set_digest_sender
from crosswalk.services.jobs.execute import execute
from crosswalk.services.jobs.local import run_due
from crosswalk.services.jobs.registry import (
    JobContext,
    JobOutcome,
    PeriodicJob,
    register_job,
)
from crosswalk.services.jobs.runs import list_runs
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from tests.services.jobs.conftest import (
    cli,
    make_workspace,
    runs_of,
    slow_collector,
    stored,
    wait_for,
)

Start = Callable[..., subprocess.Popen[str]]


@pytest.mark.slow
def test_the_sqlite_worker_runs_a_due_collector_on_schedule_and_alone(
    tmp_path: Path, workers: Start
) -> None:
    folder = make_workspace(tmp_path / "acme", None, slow_collector("nightly", 0.1))
    log = tmp_path / "worker.log"
    worker = workers(folder, log, "--tick", "1")

    def finished() -> bool:
        return any(r.status == "succeeded" for r in runs_of(folder, "collect:nightly"))

    wait_for(finished, 60, "the collector's run", [log])
    second = cli(folder, "worker", "--tick", "1")  # refused at once: it would double up
    assert second.returncode == 2
    assert "another crosswalk worker already runs" in second.stderr
    time.sleep(3)  # three more ticks: a daily collector is not due again today
    assert [r.status for r in runs_of(folder, "collect:nightly")] == ["succeeded"]
    assert stored(folder) == (1, 1)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0  # a clean stop


@pytest.fixture
def digest_hook() -> Iterator[list[datetime]]:
    sent: list[datetime] = []

    def send(context: JobContext) -> str:
        sent.append(context.now)
        return f"{len(sent)} digest run(s)"

    register_daily_digest(hour=0)
    set_digest_sender(send)
    try:
        yield sent
    finally:
        set_digest_sender(None)


def test_the_daily_digest_runs_through_its_hook_once_a_day(
    workspace: Workspace, digest_hook: list[datetime]
) -> None:
    reported: list[tuple[str, str]] = []
    run_due(
        workspace, "test-worker", "tester", lambda job, status: reported.append((job.job, status))
    )
    run_due(
        workspace, "test-worker", "tester", lambda job, status: reported.append((job.job, status))
    )
    assert reported == [(DIGEST_JOB, "succeeded")]  # the second pass found nothing due
    assert len(digest_hook) == 1
    with session_scope(workspace.engine) as session:
        runs = list_runs(session, job=DIGEST_JOB)
    assert [(r.status, r.summary) for r in runs] == [("succeeded", "1 digest run(s)")]
    assert runs[0].period == datetime.now(UTC).date().isoformat()


def test_a_periodic_job_is_due_from_its_hour_once_per_period() -> None:
    job = PeriodicJob("weekly-thing", lambda _c: JobOutcome("ok"), every_days=7, at_hour=7)
    assert job.period(datetime(2026, 12, 7, 6, 59, tzinfo=UTC)) is None
    monday = job.period(datetime(2026, 12, 7, 7, 0, tzinfo=UTC))
    assert monday is not None
    same = {job.period(datetime(2026, 12, d, 12, tzinfo=UTC)) for d in range(7, 14)}
    assert len(same) in (1, 2) and monday in same  # seven days, at most one boundary


def test_a_job_finishes_once_per_period_even_when_two_attempts_race(
    workspace: Workspace,
) -> None:
    calls: list[str] = []

    def racing(context: JobContext) -> JobOutcome:
        calls.append(context.now.isoformat())
        if len(calls) == 1:  # another worker runs the same job meanwhile, and finishes first
            assert execute(workspace, "race", "p1", "worker-b", "tester") == "succeeded"
        return JobOutcome(f"call {len(calls)}")

    register_job("race", racing)
    assert execute(workspace, "race", "p1", "worker-a", "tester") == "duplicate"
    assert execute(workspace, "race", "p1", "worker-c", "tester") == "skipped"
    assert len(calls) == 2
    with session_scope(workspace.engine) as session:
        runs = list_runs(session, job="race")
    assert sorted((r.worker, r.status, r.summary) for r in runs) == [
        ("worker-a", "duplicate", "another attempt finished it first"),
        ("worker-b", "succeeded", "call 2"),
    ]


def test_a_failing_job_is_recorded_with_its_error_and_raises(workspace: Workspace) -> None:
    def broken(_context: JobContext) -> JobOutcome:
        raise RuntimeError("disk on fire")

    register_job("broken", broken)
    with pytest.raises(RuntimeError):
        execute(workspace, "broken", "p1", "worker-a", "tester")
    with session_scope(workspace.engine) as session:
        runs = list_runs(session, job="broken")
    assert [(r.status, r.error) for r in runs] == [("failed", "RuntimeError: disk on fire")]
