"""Issue 21's acceptance, as a team runs it: one PostgreSQL, one bucket (moto's S3 server),
two machines with separate folders, each running `crosswalk worker` and `crosswalk serve`.
A due collector runs once although both workers are up; killing the worker that holds it
leaves no partial evidence and the other finishes it; the file it collected is in the
bucket, on neither machine's disk, and downloads byte for byte through either node."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from crosswalk.services.access.users import add_user
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.engine import session_scope
from crosswalk.store.trail_seal import KEY_ENV
from crosswalk.store.workspace import open_workspace
from tests.services.jobs.conftest import make_workspace, runs_of, slow_collector, stored, wait_for
from tests.web.evidence.test_two_nodes_s3 import EMAIL, PASSWORD, node, signed_in

FAST = ("--tick", "1", "--heartbeat", "1", "--stalled-after", "3")


@pytest.mark.slow
def test_two_machines_share_one_database_one_bucket_and_one_job_queue(
    tmp_path: Path,
    postgres_database_url: str,
    s3_url: str,
    workers: Callable[..., subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    monkeypatch.setenv(KEY_ENV, secrets.token_hex(32))  # the team's audit key, on every node
    first = make_workspace(tmp_path / "machine-a", postgres_database_url, slow_collector("slow", 5))
    opened = open_workspace(first)
    with session_scope(opened.engine, actor="setup") as session:
        add_user(session, EMAIL, "editor", PASSWORD, name="editor")
        session.commit()
    opened.close()
    second = shutil.copytree(first, tmp_path / "machine-b")  # its own folder: no shared disk
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    started = {p.pid: p for p in (workers(first, logs[0], *FAST), workers(second, logs[1], *FAST))}

    def running() -> list[str]:
        return [r.worker for r in runs_of(first, "collect:slow") if r.status == "running"]

    holder = wait_for(running, 90, "the collector to start on one worker", logs)[0]
    pid = int(holder.rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)  # mid-run: the collector's command sleeps for 5 s
    started[pid].wait(timeout=10)
    assert stored(first) == (0, 0)  # nothing of the killed attempt was kept

    def succeeded() -> bool:
        return any(r.status == "succeeded" for r in runs_of(first, "collect:slow"))

    wait_for(succeeded, 90, "the other worker to finish the job", logs)
    survivor = next(p for p in started.values() if p.pid != pid)
    assert survivor.poll() is None
    runs = runs_of(first, "collect:slow")
    assert sorted(r.status for r in runs) == ["interrupted", "succeeded"], runs
    assert stored(first) == (1, 1)  # one piece of evidence, one collector run

    with node(first, postgres_database_url) as a, node(second, postgres_database_url) as b:
        browser_a, _ = signed_in(a)
        (item,) = browser_a.get("/api/evidence").json()["evidence"]
        assert item["sha256"], item
        browser_b, _ = signed_in(b)
        through_a = browser_a.get(f"/evidence/{item['id']}/download")
        through_b = browser_b.get(f"/evidence/{item['id']}/download")
        assert through_a.status_code == through_b.status_code == 200
        assert through_a.content == through_b.content
        assert hashlib.sha256(through_b.content).hexdigest() == item["sha256"]
    for machine in (first, second):
        assert not (machine / "evidence").exists()  # in the bucket, on neither disk
