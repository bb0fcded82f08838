"""The load run of bench_web.py: 50 signed-in clients on their own connections looping over a
weighted mix of pages, API reads and edits, and a probe that times how long an edit takes
to reach readers on other connections (other workers). Nothing here decides a target."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2

from _web_load import ISO, SOC2, connections_per_worker, cpu_report, cpu_snapshot, sign_in_async

TIMEOUT_S = 30.0  # a request slower than this counts as an error
KEEPALIVE_S = 2.0  # a waiting client pings this often; Uvicorn closes idle connections at 5 s
STATUSES = ["operating", "implemented", "on paper"]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p95 is a real request)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


@dataclass(frozen=True)
class Op:
    """One kind of request. ``path`` is a str or a function of (Random, client index);
    writes touch only the controls of their client's slice (people edit their own)."""

    name: str
    weight: int
    method: str  # GET, PATCH, or TAG (tag a control, or untag what this client tagged)
    path: Any
    body: Callable[[random.Random], dict[str, Any]] | None = None

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def concrete(op: Op, rng: random.Random, index: int) -> str:
    return op.path if isinstance(op.path, str) else str(op.path(rng, index))


def edit_ops(controls: list[str], clients: int, iso_keys: list[str], weight: int) -> list[Op]:
    """Edits as people make them, ``weight`` in all: descriptions (no verdict changes), status
    changes and tags added or removed (verdicts change: the requirements they reach are
    judged again)."""

    def own(rng: random.Random, index: int) -> str:
        mine = controls[index % clients :: clients] or controls
        return f"/api/controls/{rng.choice(mine)}"

    def description(rng: random.Random) -> dict[str, Any]:
        return {"description": f"edited under load {rng.random():.6f}"}

    def status(rng: random.Random) -> dict[str, Any]:
        return {"status": rng.choice(STATUSES)}

    def requirement(rng: random.Random) -> dict[str, Any]:
        return {"requirement": rng.choice(iso_keys)}

    share = [("PATCH description", 4, description), ("PATCH status", 3, status)]
    ops = [
        Op(f"{name} /api/controls/{{id}}", max(1, round(weight * part / 10)), "PATCH", own, body)
        for name, part, body in share
    ]
    tag_weight = max(1, weight - sum(op.weight for op in ops))
    ops.append(Op("TAG/UNTAG /api/controls/{id}/tags", tag_weight, "TAG", own, requirement))
    return ops


def read_ops(controls: list[str], iso_keys: list[str], soc2_keys: list[str]) -> list[Op]:
    keys = iso_keys + soc2_keys
    terms = ["access", "backup", "encryption", "incident", "vendor", "logging", "change", "risk"]
    return [
        Op("GET /", 18, "GET", "/"),
        Op("GET /api/dashboard", 7, "GET", "/api/dashboard"),
        Op("GET /explorer?q=", 10, "GET", lambda r, _i: f"/explorer?q={r.choice(terms)}"),
        Op("GET /explorer/{key}", 12, "GET", lambda r, _i: f"/explorer/{r.choice(keys)}"),
        Op(
            "GET /api/requirements?q=",
            6,
            "GET",
            lambda r, _i: f"/api/requirements?q={r.choice(terms)}",
        ),
        Op(
            "GET /api/requirements/{key}",
            6,
            "GET",
            lambda r, _i: f"/api/requirements/{r.choice(keys)}",
        ),
        Op("GET /controls", 10, "GET", "/controls"),
        Op("GET /controls/{id}", 8, "GET", lambda r, _i: f"/controls/{r.choice(controls)}"),
        Op("GET /api/controls", 5, "GET", "/api/controls"),
        Op("GET /api/controls/{id}", 6, "GET", lambda r, _i: f"/api/controls/{r.choice(controls)}"),
        Op("GET /api/session", 5, "GET", "/api/session"),
    ]


@dataclass
class Load:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    warmup_errors: int = 0
    cpu: str = ""  # where the CPU went during the measured window
    started: float = 0.0
    stopped: float = 0.0
    lags: list[float] = field(default_factory=list)  # probe: edit to seen by another reader
    author_stale: int = 0  # probe: the author's first read after an edit missed it
    probes: int = 0
    unseen: int = 0  # probe: (edit, reader) sightings missed within the wait


@dataclass
class Client:
    """One client's connection, CSRF token and the tags it added (it removes its own)."""

    http: httpx2.AsyncClient
    csrf: str
    tagged: list[tuple[str, str]] = field(default_factory=list)


async def attempt(client: Client, op: Op, path: str, rng: random.Random) -> str:
    """One request; the error it counts as ("" when fine)."""
    headers = {"X-CSRF-Token": client.csrf}
    try:
        if op.method == "PATCH":
            assert op.body is not None
            response = await client.http.patch(path, json=op.body(rng), headers=headers)
        elif op.method == "TAG":
            assert op.body is not None
            if client.tagged and rng.random() < 0.5:
                control, key = client.tagged.pop(0)
                response = await client.http.delete(f"{control}/tags/{key}", headers=headers)
            else:
                key = op.body(rng)["requirement"]
                response = await client.http.post(
                    f"{path}/tags", json={"requirement": key}, headers=headers
                )
                if response.status_code < 400 and response.json().get("tagged"):
                    client.tagged.append((path, key))
        else:
            response = await client.http.get(path)
        _ = response.content
    except Exception as exc:  # any failure to get an answer is an error
        return f"{type(exc).__name__} on {op.method} {path}: {exc}"
    status = response.status_code
    if status >= 400:
        return f"{status} on {op.method} {path}: {response.text[:120]}"
    if 300 <= status < 400 and "/login" in response.headers.get("location", ""):
        return f"{status} to sign-in on {op.method} {path} (session lost)"
    return ""


@dataclass
class Schedule:
    """One load run's timeline. Clients first prime the server's caches one after another,
    each through its own connection (a connection stays with one worker, so every worker
    builds its live program once, as steady traffic would, instead of 12 clients on a cold
    worker building it 12 times at once); then all warm up together; then the measured
    window."""

    turns: list[asyncio.Event]
    primed: asyncio.Event
    warmup: float
    duration: float
    began: float = field(default_factory=time.perf_counter)
    primed_in: float = 0.0
    warm_until: float = math.inf
    stop_at: float = math.inf

    def pass_turn(self, index: int, load: Load) -> None:
        if index + 1 < len(self.turns):
            self.turns[index + 1].set()
            return
        now = time.perf_counter()
        self.primed_in = now - self.began
        self.warm_until = now + self.warmup
        self.stop_at = self.warm_until + self.duration
        load.started, load.stopped = self.warm_until, self.stop_at
        self.primed.set()


async def wait_alive(http: httpx2.AsyncClient, event: asyncio.Event) -> None:
    """Wait, keeping the connection (and so the worker) ours: Uvicorn drops idle ones."""
    while not event.is_set():
        try:
            await asyncio.wait_for(event.wait(), KEEPALIVE_S)
        except TimeoutError:
            with contextlib.suppress(httpx2.HTTPError):
                await http.get("/healthz")


def _limits() -> httpx2.Limits:
    return httpx2.Limits(max_connections=1, max_keepalive_connections=1)  # one real connection


async def _signed_in(base_url: str, email: str) -> Client:
    http = httpx2.AsyncClient(base_url=base_url, timeout=TIMEOUT_S, limits=_limits())
    await sign_in_async(http, email)
    csrf = (await http.get("/api/session")).json()["csrf_token"]
    return Client(http, csrf)


async def client_loop(
    base_url: str,
    email: str,
    mix: list[Op],
    index: int,
    schedule: Schedule,
    load: Load,
    prime: list[str],
) -> None:
    rng = random.Random(index)
    weights = [op.weight for op in mix]
    try:
        client = await _signed_in(base_url, email)
    except Exception as exc:  # a client that cannot sign in is an error, not a crash
        load.errors["sign-in"] += 1
        load.examples.setdefault("sign-in", f"{type(exc).__name__}: {exc}")
        await schedule.turns[index].wait()
        schedule.pass_turn(index, load)
        return
    try:
        await wait_alive(client.http, schedule.turns[index])
        for path in prime:
            with contextlib.suppress(httpx2.HTTPError):
                await client.http.get(path)
        schedule.pass_turn(index, load)
        await wait_alive(client.http, schedule.primed)
        while time.perf_counter() < schedule.warm_until:  # warm-up: not counted
            op = rng.choices(mix, weights)[0]
            if await attempt(client, op, concrete(op, rng, index), rng):
                load.warmup_errors += 1
        while (now := time.perf_counter()) < schedule.stop_at:
            op = rng.choices(mix, weights)[0]
            path = concrete(op, rng, index)
            error = await attempt(client, op, path, rng)
            seconds = time.perf_counter() - now
            load.latencies[op.name].append(seconds)
            load.timeline.append((now - load.started, seconds))
            if error:
                load.errors[op.name] += 1
                load.examples.setdefault(op.name, error)
    finally:
        await client.http.aclose()


PROBE_EVERY_S = 2.0
PROBE_WAIT_S = 15.0  # a reader that has not seen the edit after this counts as unseen


async def _status_seen(http: httpx2.AsyncClient, control: str) -> str:
    """The control's status as the (cached) control list shows it ("" when no answer)."""
    try:
        answer = await http.get(f"/api/controls?q={control}")
        rows = [c for c in answer.json()["controls"] if c["control_id"] == control]
    except (httpx2.HTTPError, ValueError, KeyError):  # a dropped idle connection: ask again
        return ""
    return str(rows[0]["status"]) if rows else ""


async def _watch(
    http: httpx2.AsyncClient, control: str, wanted: str, written: float, load: Load
) -> None:
    while time.perf_counter() - written < PROBE_WAIT_S:
        if await _status_seen(http, control) == wanted:
            load.lags.append(time.perf_counter() - written)
            return
        await asyncio.sleep(0.05)
    load.unseen += 1


async def probe_loop(
    base_url: str, writer: str, readers: list[str], control: str, schedule: Schedule, load: Load
) -> None:
    """Every PROBE_EVERY_S during the measured window: change ``control``'s status as
    ``writer``, check the writer's next read shows it (their own write, at once), and time
    until each reader (own connections, so other workers too) sees it in the control list,
    which is served from each worker's live program, not read from the table."""
    await schedule.primed.wait()
    author = await _signed_in(base_url, writer)
    watchers = [await _signed_in(base_url, email) for email in readers]
    try:
        await asyncio.sleep(max(0.0, schedule.warm_until - time.perf_counter()))
        turn = 0
        while time.perf_counter() + PROBE_EVERY_S < schedule.stop_at:
            wanted = STATUSES[turn % 2]  # operating <-> implemented: verdicts change
            turn += 1
            answer = await author.http.patch(
                f"/api/controls/{control}",
                json={"status": wanted},
                headers={"X-CSRF-Token": author.csrf},
            )
            written = time.perf_counter()
            load.probes += 1
            if answer.status_code >= 400:
                load.unseen += 1
                continue
            if await _status_seen(author.http, control) != wanted:
                load.author_stale += 1

            await asyncio.gather(
                *(_watch(w.http, control, wanted, written, load) for w in watchers)
            )
            await asyncio.sleep(max(0.0, written + PROBE_EVERY_S - time.perf_counter()))
    finally:
        for client in (author, *watchers):
            await client.http.aclose()


async def run_load(
    base_url: str,
    users: list[str],
    mix: list[Op],
    args: Any,
    load: Load,
    server_group: int,
    prime: list[str],
    probe: tuple[str, list[str], str] | None = None,
) -> float:
    """All clients: sign in (staggered: argon2 verifies are slow on purpose), prime, warm
    up, then the measured window; with ``probe`` (writer, readers, control) the visibility
    probe runs beside them. Returns the seconds priming took."""
    schedule = Schedule(
        turns=[asyncio.Event() for _ in range(args.clients)],
        primed=asyncio.Event(),
        warmup=args.warmup,
        duration=args.duration,
    )
    schedule.turns[0].set()

    async def one(index: int) -> None:
        await asyncio.sleep(index * 0.05)
        await client_loop(base_url, users[index % len(users)], mix, index, schedule, load, prime)

    async def account() -> None:  # where the CPU goes during the measured window
        await schedule.primed.wait()
        await asyncio.sleep(schedule.warm_until - time.perf_counter())
        before = cpu_snapshot(server_group)
        await asyncio.sleep((schedule.stop_at - time.perf_counter()) / 2)
        split = connections_per_worker(server_group, urlsplit(base_url).port or 80)
        await asyncio.sleep(schedule.stop_at - time.perf_counter())
        load.cpu = cpu_report(before, cpu_snapshot(server_group), args.duration)
        if split:
            load.cpu += (
                "\nclient connections per worker, mid-run: "
                + ", ".join(str(n) for n in split)
                + " (a keep-alive connection stays with the worker that accepted it)"
            )

    tasks = [account(), *(one(i) for i in range(args.clients))]
    if probe is not None:
        tasks.append(probe_loop(base_url, probe[0], probe[1], probe[2], schedule, load))
    await asyncio.gather(*tasks)
    return schedule.primed_in


@dataclass(frozen=True)
class LoadSummary:
    scenario: str
    duration: float
    total: int
    errors: int
    throughput: float  # requests per second over the measured window
    p50: float
    p95: float
    p99: float
    warmup_errors: int
    reads_p95: float
    writes_p95: float  # nan without writes
    writes: int
    lag_max: float  # nan without the probe
    lag_p95: float
    probes: int
    author_stale: int
    unseen: int


def report_load(scenario: str, mix: list[Op], load: Load, duration: float) -> LoadSummary:
    window = load.stopped - load.started
    all_times = [t for times in load.latencies.values() for t in times]
    reads = [t for op in mix if not op.writes for t in load.latencies.get(op.name, [])]
    writes = [t for op in mix if op.writes for t in load.latencies.get(op.name, [])]
    total, errors = len(all_times), sum(load.errors.values())
    print(f"{'operation':38} {'n':>6} {'errors':>7} {'p50 ms':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for op in mix:
        times = load.latencies.get(op.name, [])
        if times:
            print(
                f"{op.name:38} {len(times):6d} {load.errors.get(op.name, 0):7d} "
                f"{ms(pct(times, 50))} {ms(pct(times, 95))} {ms(pct(times, 99))} {ms(max(times))}"
            )
    for name, example in load.examples.items():
        print(f"  first error in {name}: {example}")
    width = duration / 6
    slices = []
    for index in range(6):
        times = [t for at, t in load.timeline if index * width <= at < (index + 1) * width]
        if times:
            slices.append(
                f"{index * width:g}-{(index + 1) * width:g}s {len(times) / width:.0f} req/s"
                f" p95 {pct(times, 95) * 1000:.0f} ms"
            )
    print("over time: " + "; ".join(slices))
    nan = math.nan
    summary = LoadSummary(
        scenario=scenario,
        duration=duration,
        total=total,
        errors=errors,
        throughput=total / window if window else 0.0,
        p50=pct(all_times, 50) if all_times else nan,
        p95=pct(all_times, 95) if all_times else nan,
        p99=pct(all_times, 99) if all_times else nan,
        warmup_errors=load.warmup_errors,
        reads_p95=pct(reads, 95) if reads else nan,
        writes_p95=pct(writes, 95) if writes else nan,
        writes=len(writes),
        lag_max=max(load.lags) if load.lags else nan,
        lag_p95=pct(load.lags, 95) if load.lags else nan,
        probes=load.probes,
        author_stale=load.author_stale,
        unseen=load.unseen,
    )
    print(
        f"ALL {total} requests in {window:.1f} s: {summary.throughput:.1f} req/s, {errors} errors"
        f" ({load.warmup_errors} more in warm-up, not counted), p50 {summary.p50 * 1000:.1f} ms,"
        f" p95 {summary.p95 * 1000:.1f} ms, p99 {summary.p99 * 1000:.1f} ms; reads p95 "
        f"{summary.reads_p95 * 1000:.1f} ms"
        + (f", writes ({len(writes)}) p95 {summary.writes_p95 * 1000:.1f} ms" if writes else "")
    )
    if load.probes:
        print(
            f"visibility probe: {load.probes} edits; author saw their edit at once in "
            f"{load.probes - load.author_stale} of {load.probes}; other readers "
            f"saw it after p95 {summary.lag_p95 * 1000:.0f} ms, max {summary.lag_max * 1000:.0f}"
            f" ms ({len(load.lags)} sightings, {load.unseen} not within {PROBE_WAIT_S:g} s)"
        )
    print(load.cpu)
    return summary


__all__ = ["ISO", "SOC2"]
