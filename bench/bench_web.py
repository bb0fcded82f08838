"""Benchmarks for the web application (issues 11 and 15). Run: .venv/bin/python bench/bench_web.py

Targets, on a synthetic 5,000-control program served by a real `crosswalk serve` (Uvicorn):

1. SQLite, 1 worker, one signed-in client: the first dashboard after the server starts
   answers in <= 300 ms (issue 15: "dashboard cold"); then, sequentially after warm-up, the
   dashboard (GET / and /api/dashboard) and the explorer (GET /explorer?q=access,
   /explorer/iso27001-2022:A.5.15 and their API twins) answer with p95 <= 150 ms. The cold
   first request of each, the controls pages (context, no target) and the author's
   dashboard right after an edit that changes verdicts are reported too.
2. PostgreSQL, 4 workers, 50 signed-in clients on 50 connections looping over dashboard,
   explorer, controls and API GETs: first reads only for --duration (context); then for
   --write-duration (default 60 s) the same mix with --write-percent (default 10 %) edits
   (descriptions, status changes, tags added and removed, each client on its own
   controls): no errors, p95 <= 500 ms for reads and <= 800 ms for writes (issue 15), and
   a probe that edits one control every 2 s and times until readers on other connections
   (other workers) see it in the control list: every reader within 5 s, the author at once.
   Throughput, p50/p95/p99, and where the machine's CPU went (server, PostgreSQL, this load
   generator, other processes) are reported: on a shared machine the last one skews
   everything.

Quick smoke run: .venv/bin/python bench/bench_web.py --duration 5 --write-duration 5 --controls 500
Exit status 1 when a target is missed. Routes that answer 404 (not written yet) are
reported as not measured, never silently passed over.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx2

from crosswalk.catalogs.loader import load_library
from crosswalk.domain.controls import OperatingStatus
from crosswalk.services.controls.controls import edit_control
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import init_workspace

sys.path.insert(0, str(Path(__file__).parent))
from _web_load import (
    ISO,
    SOC2,
    busy,
    busy_history,
    cpu_report,
    cpu_snapshot,
    fill_workspace,
    log_findings,
    machine,
    postgres_database,
    serve,
    sign_in,
)
from _web_run import (
    Load,
    LoadSummary,
    Op,
    concrete,
    edit_ops,
    ms,
    pct,
    read_ops,
    report_load,
    run_load,
)

TARGET_P95_MS = 150.0  # sequential, SQLite (issue 11)
TARGET_COLD_MS = 300.0  # the first dashboard after start, SQLite (issue 15)
TARGET_READ_MS = 500.0  # p95 of reads under load with edits, PostgreSQL (issue 15)
TARGET_WRITE_MS = 800.0  # p95 of edits under that load
TARGET_SEEN_S = 5.0  # every reader sees an edit within this
REQUIREMENT = "iso27001-2022:A.5.15"
SEQUENTIAL = [  # (label, path, under the 150 ms target); the rest is context, fewer rounds
    ("dashboard page", "/", True),
    ("dashboard API", "/api/dashboard", True),
    ("explorer search page", "/explorer?q=access", True),
    ("explorer search API", "/api/requirements?q=access", True),
    ("requirement page", f"/explorer/{REQUIREMENT}", True),
    ("requirement API", f"/api/requirements/{REQUIREMENT}", True),
    ("session API (baseline)", "/api/session", False),
    ("controls list page", "/controls", False),
    ("controls list API", "/api/controls", False),
    ("control page", "/controls/C-00042", False),
    ("control API", "/api/controls/C-00042", False),
]
# Every cached computation the mix uses, by its cheapest URL: the dashboard, the control
# list (shared by /controls and /api/controls) and the ISO and SOC 2 assessments.
PRIME = [
    "/",
    "/api/controls?q=no-such-control",
    f"/api/requirements/{REQUIREMENT}",
    "/api/requirements/soc2-tsc-2017:CC6.1",
]


# --------------------------------------------------------------------------- 1: SQLite


@dataclass
class UrlResult:
    label: str
    path: str
    gated: bool
    cold_s: float = 0.0
    cold_status: int = 0
    times: list[float] = field(default_factory=list)
    errors: int = 0
    last_error: int = 0
    size: int = 0

    @property
    def available(self) -> bool:
        return self.cold_status != 404

    @property
    def p95(self) -> float:
        return pct(self.times, 95)


def timed_get(client: httpx2.Client, path: str) -> tuple[float, int, int]:
    """Seconds, status (0: no answer, e.g. the server dropped the connection) and size."""
    start = time.perf_counter()
    try:
        response = client.get(path)
        status, size = response.status_code, len(response.content)
    except httpx2.TransportError:
        status, size = 0, 0
    return time.perf_counter() - start, status, size


def bench_sqlite(args: argparse.Namespace, folder: Path, today: date) -> dict[str, Any]:
    library = load_library()
    workspace, _ = init_workspace(folder / "sqlite")
    started = time.perf_counter()
    filled = fill_workspace(workspace, library, args.controls, today, users=1, seed=args.seed)
    fill_s = time.perf_counter() - started
    print(
        f"\n== 1. SQLite, 1 worker: {filled.controls} controls, {filled.tags} tags, "
        f"{filled.evidence} evidence items (fixture {fill_s:.1f} s); {busy()}"
    )
    results = [UrlResult(label, path, gated) for label, path, gated in SEQUENTIAL]
    recompute: list[float] = []
    with serve(workspace.root, folder / "sqlite-server.log", 1, today) as server:
        print(f"server healthy {server.started_in_s:.2f} s after start ({server.base_url})")
        with httpx2.Client(base_url=server.base_url, timeout=60) as client:
            sign_in(client, filled.users[0])
            # Cold: the first request to each URL, in order (the first dashboard computes
            # and caches the coverage; every first page also compiles its template).
            for result in results:
                result.cold_s, result.cold_status, _ = timed_get(client, result.path)
            live = [r for r in results if r.available]
            for _ in range(args.warmup_rounds):
                for result in live:
                    timed_get(client, result.path)
            before, began = cpu_snapshot(server.pid), time.perf_counter()
            for round_ in range(args.requests):  # round robin: every URL once per round
                for result in live:
                    if not result.gated and round_ >= args.context_requests:
                        continue
                    seconds, status, result.size = timed_get(client, result.path)
                    result.times.append(seconds)
                    if status != 200:
                        result.errors += 1
                        result.last_error = status
            cpu = cpu_report(before, cpu_snapshot(server.pid), time.perf_counter() - began)
            # What a change costs its author's next visit: a status change moves verdicts
            # (the live program judges again what the control reaches), read at once.
            statuses = [OperatingStatus.ON_PAPER, OperatingStatus.OPERATING]
            for edit in range(args.recompute_rounds):
                with session_scope(workspace.engine, actor=filled.users[0]) as session:
                    edit_control(session, "C-00001", status=statuses[edit % 2])
                    session.commit()
                seconds, _, _ = timed_get(client, "/api/dashboard")
                recompute.append(seconds)
    workspace.close()
    print(log_findings(folder / "sqlite-server.log"))
    print(cpu)
    header = f"{'cold ms':>9} {'median':>8} {'p95':>8} {'max':>8} {'KiB':>7}  n"
    print(f"{'URL (* = p95 target)':52} {header}")
    for r in results:
        line = f"{('* ' if r.gated else '  ') + r.path:52} {ms(r.cold_s)} "
        if not r.available:
            print(line + " 404: route not written yet, NOT MEASURED")
            continue
        print(
            line + f"{ms(statistics.median(r.times))} {ms(r.p95)} {ms(max(r.times))} "
            f"{r.size / 1024:7.1f}  {len(r.times)}"
            + (f"  {r.errors} ERRORS (e.g. status {r.last_error})" if r.errors else "")
        )
    if recompute:
        print(
            f"author's dashboard right after a status change (verdicts move): median "
            f"{statistics.median(recompute) * 1000:.0f} ms, max {max(recompute) * 1000:.0f} ms "
            f"over {len(recompute)} edits"
        )
    return {"results": results, "recompute": recompute, "filled": filled}


# --------------------------------------------------------------------------- 2: PostgreSQL


def probe_offer(base_url: str, email: str, mix: list[Op]) -> tuple[list[Op], dict[str, str]]:
    """Which operations the app offers today; the rest are left out and said so."""
    kept, dropped = [], {}
    rng = random.Random(0)
    with httpx2.Client(base_url=base_url, timeout=60) as client:
        sign_in(client, email)
        spec = client.get("/api/openapi.json").json().get("paths", {})
        for op in mix:
            if op.writes:
                route = "/api/controls/{control_id}" + ("/tags" if op.method == "TAG" else "")
                method = "post" if op.method == "TAG" else "patch"
                if method not in spec.get(route, {}):
                    dropped[op.name] = f"no {method.upper()} {route} in the OpenAPI schema"
                else:
                    kept.append(op)
                continue
            path = concrete(op, rng, 0)
            response = client.get(path)
            if response.status_code < 400:
                kept.append(op)
            else:
                dropped[op.name] = f"{response.status_code} on {op.method} {path}"
    return kept, dropped


def bench_postgres(
    args: argparse.Namespace, folder: Path, today: date
) -> tuple[list[LoadSummary], list[str]]:
    """Reads only, then the same mix with a share of edits and the visibility probe.
    Returns the runs and the operations left out because the app does not offer them."""
    library = load_library()
    iso_keys = [f"{ISO}:{r.ref}" for r in library.frameworks[ISO] if r.kind == "control"]
    soc2_keys = [f"{SOC2}:{r.ref}" for r in library.frameworks[SOC2] if r.kind == "criterion"]
    controls = [f"C-{i:05d}" for i in range(1, args.controls + 1)]
    probe_control, edited = controls[-1], controls[:-1]  # nobody else edits the probe's
    runs: list[LoadSummary] = []
    with postgres_database() as url:
        workspace, _ = init_workspace(folder / "postgres", database_url=url)
        started = time.perf_counter()
        filled = fill_workspace(
            workspace, library, args.controls, today, users=args.users + 5, seed=args.seed
        )
        fill_s = time.perf_counter() - started
        workspace.close()
        users, probers = filled.users[: args.users], filled.users[args.users :]
        print(
            f"\n== 2. PostgreSQL, {args.workers} workers, {args.clients} clients on "
            f"{args.clients} connections ({len(users)} users): {filled.controls} controls "
            f"(fixture {fill_s:.1f} s); {busy()}"
        )
        log = folder / "postgres-server.log"
        with serve(workspace.root, log, args.workers, today, database_url=url) as server:
            print(f"server healthy {server.started_in_s:.2f} s after start ({server.base_url})")
            reads = read_ops(controls, iso_keys, soc2_keys)
            share = args.write_percent / (100 - args.write_percent)
            weight = round(sum(op.weight for op in reads) * share)
            offered, dropped = probe_offer(
                server.base_url,
                users[0],
                reads + edit_ops(edited, args.clients, iso_keys, max(1, weight)),
            )
            for name, why in dropped.items():
                print(f"  left out of the mix: {name:30} ({why})")
            scenarios: list[tuple[str, list[Op], float, bool]] = []
            if args.duration > 0:
                only_reads = [op for op in offered if not op.writes]
                scenarios.append(("reads only", only_reads, args.duration, False))
            if args.write_percent > 0 and any(op.writes for op in offered):
                name = f"reads + {args.write_percent:g}% edits"
                scenarios.append((name, offered, args.write_duration, True))
            for scenario, mix, duration, with_probe in scenarios:
                offset = log.stat().st_size
                load = Load()
                given = argparse.Namespace(**{**vars(args), "duration": duration})
                probe = (probers[0], probers[1:], probe_control) if with_probe else None
                primed_in = asyncio.run(
                    run_load(server.base_url, users, mix, given, load, server.pid, PRIME, probe)
                )
                print(
                    f"-- {scenario}, {duration:g} s: caches primed through each client's "
                    f"connection in {primed_in:.1f} s (sign-ins included), then "
                    f"{args.warmup:g} s warm-up"
                )
                runs.append(report_load(scenario, mix, load, duration))
                print(log_findings(log, offset))
    return runs, sorted(dropped)


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200, help="per URL, sequential part")
    parser.add_argument("--warmup-rounds", type=int, default=3, help="sequential part")
    parser.add_argument(
        "--context-requests", type=int, default=10, help="per URL without a target (sequential)"
    )
    parser.add_argument("--logs", type=Path, help="copy the servers' logs into this folder")
    parser.add_argument("--recompute-rounds", type=int, default=5)
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds of the reads-only run (0: none)"
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of load (after priming) not measured"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--users", type=int, default=50, help="accounts (default: one per client, as people)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--write-percent",
        type=float,
        default=10.0,
        help="share of edits in the second load run (0: reads-only run alone)",
    )
    parser.add_argument(
        "--write-duration", type=float, default=60.0, help="seconds of the run with edits"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-postgres", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    today = date.today()
    began = time.perf_counter()
    runs: list[LoadSummary] = []
    left_out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-web-") as temporary:
        folder = Path(temporary)
        try:
            sqlite = bench_sqlite(args, folder, today)
            if not args.skip_postgres:
                runs, left_out = bench_postgres(args, folder, today)
        finally:
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in folder.glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
    sys.exit(summarize(args, sqlite, runs, left_out, time.perf_counter() - began))


def summarize(
    args: argparse.Namespace,
    sqlite: dict[str, Any],
    runs: list[LoadSummary],
    left_out: list[str],
    seconds: float,
) -> int:
    """The closing block: machine, figures, PASS/FAIL per target; the exit status."""
    checks: dict[str, bool | None] = {}
    cold = sqlite["results"][0]
    name = f"SQLite first dashboard after start <= {TARGET_COLD_MS:.0f} ms"
    checks[f"{name} ({cold.cold_s * 1000:.0f} ms)"] = (
        cold.cold_s * 1000 <= TARGET_COLD_MS and cold.cold_status == 200
    )
    for r in sqlite["results"]:
        if not r.gated:
            continue
        name = f"SQLite {r.path}: p95 <= {TARGET_P95_MS:.0f} ms"
        if not r.available:
            checks[name + " (404, not measured)"] = None
        else:
            checks[f"{name} (p95 {r.p95 * 1000:.1f} ms, {r.errors} errors)"] = (
                r.p95 * 1000 <= TARGET_P95_MS and r.errors == 0
            )
    for run in runs:
        head = (
            f"PostgreSQL {args.workers} workers, {args.clients} clients x {run.duration:g} s, "
            f"{run.scenario}:"
        )
        ok = run.errors == 0 and run.total > 0
        checks[f"{head} no errors ({run.errors} of {run.total})"] = ok
        if not run.writes:
            continue
        reads, writes = run.reads_p95 * 1000, run.writes_p95 * 1000
        checks[f"{head} reads p95 <= {TARGET_READ_MS:.0f} ms ({reads:.0f} ms)"] = (
            reads <= TARGET_READ_MS
        )
        checks[f"{head} writes p95 <= {TARGET_WRITE_MS:.0f} ms ({writes:.0f} ms)"] = (
            writes <= TARGET_WRITE_MS
        )
        if run.probes:
            checks[
                f"{head} every reader sees an edit within {TARGET_SEEN_S:g} s (max "
                f"{run.lag_max:.2f} s over {run.probes} edits, {run.unseen} sightings missed)"
            ] = run.unseen == 0 and run.lag_max <= TARGET_SEEN_S
            checks[
                f"{head} the author sees their edit at once ({run.probes - run.author_stale} of "
                f"{run.probes})"
            ] = run.author_stale == 0
    info = machine()
    print("\n== summary")
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, "
        f"Python {info['python']}, {info['platform']}"
    )
    print(f"command: {' '.join(sys.argv)}   (total {seconds:.0f} s)")
    print(f"machine load (1-min load average) seen: {busy_history()}")
    if sqlite["recompute"]:
        print(
            f"author's dashboard right after an edit that changes verdicts (SQLite): median "
            f"{statistics.median(sqlite['recompute']) * 1000:.0f} ms"
        )
    for run in runs:
        print(
            f"load, {run.scenario}: {run.total} requests, {run.throughput:.1f} req/s, "
            f"{run.errors} errors, p50/p95/p99 {run.p50 * 1000:.0f}/{run.p95 * 1000:.0f}/"
            f"{run.p99 * 1000:.0f} ms, reads p95 {run.reads_p95 * 1000:.0f} ms"
            + (f", writes p95 {run.writes_p95 * 1000:.0f} ms" if run.writes else "")
        )
    if left_out:
        print(f"NOTE  left out of the load mix (not offered yet): {', '.join(left_out)}")
    for name, ok in checks.items():
        print(f"{'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {name}")
    skipped = [name for name, ok in checks.items() if ok is None]
    if skipped:
        print(f"NOTE  {len(skipped)} target(s) not measured: their routes answer 404 today")
    return 0 if all(ok is not False for ok in checks.values()) else 1


if __name__ == "__main__":
    main()
