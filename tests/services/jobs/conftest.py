"""Workspaces with declared collectors, and ``crosswalk worker`` run as real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from crosswalk.services.jobs.runs import JobRun, list_runs
from crosswalk.store.engine import session_scope
from crosswalk.store.models import CollectorRunRow, EvidenceRow
from crosswalk.store.workspace import open_workspace

CROSSWALK = str(Path(sys.executable).parent / "crosswalk")
PYTHON = json.dumps(sys.executable)


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CROSSWALK, "--workspace", str(folder), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def slow_collector(name: str, seconds: float, schedule: str = "daily") -> str:
    """A declaration whose command sleeps, then prints; it records its start in a file."""
    code = (
        "import os, pathlib, time; "
        f"pathlib.Path('started-{name}-' + str(os.getpid())).touch(); "
        f"time.sleep({seconds}); print('checked')"
    )
    return f"""  - name: {name}
    collector: command
    params: {{argv: [{PYTHON}, "-c", {json.dumps(code)}]}}
    controls: [OPS-1]
    schedule: {schedule}
"""


def make_workspace(folder: Path, database_url: str | None, *declarations: str) -> Path:
    init = ["init", str(folder)]
    command = [CROSSWALK, *(["--database-url", database_url] if database_url else []), *init]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    added = cli(folder, "controls", "add", "OPS-1", "--title", "Checked", "--tag", "cc7.1")
    assert added.returncode == 0, added.stderr
    (folder / "collectors.yaml").write_text(
        "format: crosswalk/collectors@1\ncollectors:\n" + "".join(declarations),
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``crosswalk worker`` processes; any still running at the end are stopped."""
    started: list[subprocess.Popen[str]] = []

    def start(folder: Path, log: Path, *options: str) -> subprocess.Popen[str]:
        handle = log.open("w")
        process = subprocess.Popen(
            [CROSSWALK, "--workspace", str(folder), "worker", *options],
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=folder,
            env={**os.environ, "CROSSWALK_DIGEST_HOUR": "0"},  # the digest is due all day
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def runs_of(folder: Path, job: str | None = None) -> list[JobRun]:
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            return list_runs(session, 1000, job)
    finally:
        opened.close()


def ticks_deferred_twice(database_url: str) -> int:
    """Scheduler ticks queued more than once for the same tick time (by any workers)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT args->>'timestamp' FROM procrastinate_jobs"
                    " WHERE task_name = 'crosswalk.tick' GROUP BY 1 HAVING count(*) > 1) t"
                )
            ).scalar()
            ticks = connection.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'crosswalk.tick'")
            ).scalar()
            assert ticks, "no scheduler tick was ever queued"
            return int(found or 0)
    finally:
        engine.dispose()


def stored(folder: Path) -> tuple[int, int]:
    """(evidence rows, collector runs) in the workspace."""
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            evidence = session.scalar(select(func.count()).select_from(EvidenceRow)) or 0
            collected = session.scalar(select(func.count()).select_from(CollectorRunRow)) or 0
            return evidence, collected
    finally:
        opened.close()


def wait_for(check: Callable[[], Any], timeout: float, what: str, logs: list[Path]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    shown = "\n".join(f"--- {p}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
    raise AssertionError(f"timed out waiting for {what}\n{shown}")
