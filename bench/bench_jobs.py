"""Benchmark of the PostgreSQL job queue (issue 21). Run: .venv/bin/python bench/bench_jobs.py

10,000 queued jobs (``ping``: a job that only records its run, so the queue and the run
records are what is measured, not a collector) are drained by 2 ``crosswalk worker
--drain`` processes on a throwaway PostgreSQL. Target: every job run exactly once (one
succeeded run record per job, each queued job tried once, no duplicate or interrupted
attempt). Reported: drain time, throughput, and how the jobs split between the workers.

Quick smoke run: .venv/bin/python bench/bench_jobs.py --jobs 500
Exit status 1 when a job ran twice, or not at all.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text

from crosswalk.services.jobs.queue import defer_many, ensure_schema
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).parent))
from _web_load import machine, postgres_database

CROSSWALK = str(Path(sys.executable).parent / "crosswalk")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1, help="jobs per worker at once")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    print(f"machine: {machine()}")
    with postgres_database() as url, tempfile.TemporaryDirectory() as scratch:
        workspace, _ = init_workspace(Path(scratch) / "bench", database_url=url)
        ensure_schema(url)
        started = time.perf_counter()
        queued = defer_many(workspace, "ping", (f"bench-{i}" for i in range(args.jobs)))
        print(f"queued {queued} jobs in {time.perf_counter() - started:.2f} s")
        more = ["--concurrency", str(args.concurrency)]
        logs = [Path(scratch) / f"worker-{n}.log" for n in range(args.workers)]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [CROSSWALK, "--workspace", str(workspace.root), "worker", "--drain", *more],
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for log in logs
        ]
        codes = [p.wait() for p in processes]
        elapsed = time.perf_counter() - started
        with session_scope(workspace.engine) as session:
            runs = session.execute(
                text("SELECT status, once_key, worker FROM job_runs WHERE job = 'ping'")
            ).all()
            tries = session.execute(
                text(
                    "SELECT status, attempts FROM procrastinate_jobs"
                    " WHERE task_name = 'crosswalk.run' AND args->>'job' = 'ping'"
                )
            ).all()
        workspace.close()
        tails = {log.name: log.read_text()[-2000:] for log in logs}
    statuses = Counter(status for status, _key, _worker in runs)
    keys = Counter(key for _status, key, _worker in runs if key is not None)
    by_worker = Counter(worker for _status, _key, worker in runs)
    queue_states = Counter(status for status, _attempts in tries)
    tried_more = sum(1 for _status, attempts in tries if attempts != 1)
    twice = sum(1 for count in keys.values() if count > 1)
    print(f"workers exited {codes}; drained in {elapsed:.1f} s")
    print(f"throughput: {args.jobs / elapsed:.0f} jobs/s with {args.workers} workers")
    print(f"run records: {dict(statuses)}; by worker: {dict(by_worker)}")
    print(f"queue: {dict(queue_states)}; jobs tried more than once: {tried_more}")
    ok = (
        statuses == Counter({"succeeded": args.jobs})
        and len(keys) == args.jobs
        and twice == 0
        and queue_states == Counter({"succeeded": args.jobs})
        and tried_more == 0
    )
    print("every job ran exactly once" if ok else "FAILED: a job ran twice or not at all")
    if not ok:
        for name, tail in tails.items():
            print(f"--- {name}\n{tail}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
