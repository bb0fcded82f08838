"""On PostgreSQL, workers share one queue: a due collector runs once however many workers
are up, and a job whose worker is killed mid-run is finished by another, its evidence
stored once (the two workers in separate folders, as on two machines)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.services.jobs.conftest import (
    make_workspace,
    runs_of,
    slow_collector,
    stored,
    ticks_deferred_twice,
    wait_for,
)

FAST = ("--tick", "1", "--heartbeat", "1", "--stalled-after", "3")
Start = Callable[..., subprocess.Popen[str]]


@pytest.mark.slow
def test_two_workers_run_a_due_collector_once(
    tmp_path: Path, postgres_database_url: str, workers: Start
) -> None:
    folder = make_workspace(
        tmp_path / "acme", postgres_database_url, slow_collector("config-check", 1.5)
    )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    first = workers(folder, logs[0], *FAST)
    second = workers(folder, logs[1], *FAST)

    def finished() -> bool:
        return any(r.status == "succeeded" for r in runs_of(folder, "collect:config-check"))

    wait_for(finished, 60, "the collector's run", logs)
    time.sleep(4)  # several more ticks on both workers: nothing runs it again today
    runs = runs_of(folder, "collect:config-check")
    assert [r.status for r in runs] == ["succeeded"], runs
    assert runs[0].summary.startswith("pass") and runs[0].queue_job_id is not None
    assert stored(folder) == (1, 1)  # one piece of evidence, one collector run
    assert [r.status for r in runs_of(folder, "daily_digest")] == ["succeeded"]
    assert ticks_deferred_twice(postgres_database_url) == 0  # one tick per tick time
    assert first.poll() is None and second.poll() is None  # both stayed up


@pytest.mark.slow
def test_a_job_killed_mid_run_is_retried_by_another_worker_and_stored_once(
    tmp_path: Path, postgres_database_url: str, workers: Start
) -> None:
    folder = make_workspace(tmp_path / "acme", postgres_database_url, slow_collector("slow", 5))
    other = shutil.copytree(folder, tmp_path / "node-b")  # another machine: no shared disk
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    started = {p.pid: p for p in (workers(folder, logs[0], *FAST), workers(other, logs[1], *FAST))}

    def running() -> list[str]:
        return [r.worker for r in runs_of(folder, "collect:slow") if r.status == "running"]

    holder = wait_for(running, 60, "the slow collector to start", logs)[0]
    pid = int(holder.rsplit(":", 1)[1])
    assert pid in started
    os.kill(pid, signal.SIGKILL)  # mid-run: the command sleeps for 5 s
    started[pid].wait(timeout=10)
    assert stored(folder) == (0, 0)  # nothing of the killed attempt was kept

    def succeeded() -> bool:
        return any(r.status == "succeeded" for r in runs_of(folder, "collect:slow"))

    wait_for(succeeded, 60, "another worker to finish the job", logs)
    runs = runs_of(folder, "collect:slow")
    assert sorted(r.status for r in runs) == ["interrupted", "succeeded"], runs
    done = next(r for r in runs if r.status == "succeeded")
    assert done.worker != holder
    assert {r.queue_job_id for r in runs} == {done.queue_job_id}  # the same queued job, retried
    assert stored(folder) == (1, 1)
    blobs = [p for node in (folder, other) for p in (node / "evidence").rglob("*") if p.is_file()]
    assert len([p for p in blobs if ".tmp" not in p.parts]) == 1  # on the node that ran it
