"""Fixtures for bench_web.py: a synthetic program, a real server process, a throwaway
PostgreSQL cluster, and signed-in HTTP clients. Nothing here is timed."""

from __future__ import annotations

import os
import platform
import pwd
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx2
from sqlalchemy import insert

from crosswalk.catalogs.loader import Library
from crosswalk.services.access.users import add_user
from crosswalk.store.engine import session_scope
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow, TagRow
from crosswalk.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
CLI = str(REPO / ".venv" / "bin" / "crosswalk")
PASSWORD = "bench-password-1234"
SOC2, ISO, CSF = "soc2-tsc-2017", "iso27001-2022", "nist-csf-2.0"

# Topics a real control inventory is made of: what the title says, and the SOC 2 criteria
# and ISO Annex A controls such a control is tagged to in practice.
TOPICS: list[tuple[list[str], str, str]] = [
    (
        [
            "Quarterly user access review for {}",
            "Access provisioning approval for {}",
            "Privileged access monitoring on {}",
            "Terminated user access removal from {}",
            "MFA enforced for access to {}",
        ],
        "A.5.15 A.5.16 A.5.17 A.5.18 A.8.2 A.8.3 A.8.5",
        "CC6.1 CC6.2 CC6.3",
    ),
    (
        [
            "Change approval before deployment of {}",
            "Configuration baseline review of {}",
            "Emergency change review for {}",
        ],
        "A.8.32 A.8.9 A.8.25 A.8.31",
        "CC8.1 CC7.1",
    ),
    (
        ["Daily backup of {}", "Restore test of {} backups", "Failover exercise for {}"],
        "A.8.13 A.8.14 A.5.29 A.5.30",
        "A1.2 A1.3 CC9.1",
    ),
    (
        ["Security event logging on {}", "Alert triage for {}", "Clock synchronisation of {}"],
        "A.8.15 A.8.16 A.8.17",
        "CC7.2 CC7.3",
    ),
    (
        ["Incident response runbook for {}", "Post-incident review of {} incidents"],
        "A.5.24 A.5.25 A.5.26 A.5.27 A.5.28 A.6.8",
        "CC7.3 CC7.4 CC7.5",
    ),
    (
        ["Vendor security review of {}", "Supplier contract terms for {}"],
        "A.5.19 A.5.20 A.5.21 A.5.22 A.5.23",
        "CC9.2 P6.4",
    ),
    (
        ["Security awareness training for {} staff", "Background screening of {} hires"],
        "A.6.1 A.6.2 A.6.3 A.6.4 A.6.5 A.6.6 A.6.7",
        "CC1.1 CC1.4 CC1.5 CC2.2",
    ),
    (
        ["Badge access to the {} facility", "Media disposal for {}"],
        "A.7.1 A.7.2 A.7.3 A.7.4 A.7.7 A.7.10 A.7.14",
        "CC6.4 CC6.5",
    ),
    (
        ["Encryption at rest of {} data", "Data classification of {}", "DLP rules for {}"],
        "A.8.24 A.8.10 A.8.11 A.8.12 A.5.12 A.5.13 A.5.14",
        "CC6.1 CC6.7 C1.1 C1.2",
    ),
    (
        ["Vulnerability scanning of {}", "Patch management for {}", "Malware protection on {}"],
        "A.8.7 A.8.8 A.8.19 A.8.20 A.8.21 A.8.22 A.8.23",
        "CC6.6 CC6.8 CC7.1",
    ),
    (
        ["Risk assessment covering {}", "Policy review for {}", "Internal audit of {}"],
        "A.5.1 A.5.2 A.5.3 A.5.4 A.5.8 A.5.9 A.5.31 A.5.35 A.5.36 A.5.37",
        "CC1.2 CC1.3 CC2.1 CC3.1 CC3.2 CC3.4 CC4.1 CC4.2 CC5.1 CC5.3",
    ),
    (
        ["Secure code review for {}", "Security testing of {} releases"],
        "A.8.4 A.8.25 A.8.26 A.8.27 A.8.28 A.8.29 A.8.33",
        "CC8.1 PI1.1 PI1.2",
    ),
    (
        ["Privacy notice for {} users", "Data subject requests for {}"],
        "A.5.34 A.5.33",
        "P1.1 P2.1 P4.2 P5.1 P6.6",
    ),
]
SYSTEMS = [
    "Salesforce", "AWS production", "GCP analytics", "Okta", "GitHub", "Jira", "Snowflake",
    "the data warehouse", "payroll", "the billing platform", "the customer portal", "Slack",
    "Google Workspace", "the VPN", "Kubernetes", "PostgreSQL clusters", "laptops", "Zendesk",
    "the mobile app", "the HR system", "Datadog", "the CI pipeline", "S3 buckets", "Azure AD",
]  # fmt: skip
FREQUENCIES = [
    ("quarterly", 30), ("annual", 20), ("monthly", 15), ("semiannual", 10), ("per change", 8),
    ("continuous", 5), ("per hire", 4), ("weekly", 3), (None, 5),
]  # fmt: skip
STATUSES = [("operating", 70), ("implemented", 18), ("on paper", 12)]


def _weighted(rng: random.Random, choices: Sequence[tuple[str | None, int]]) -> str | None:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@dataclass(frozen=True)
class Filled:
    controls: int
    tags: int
    evidence: int
    users: list[str]


def fill_workspace(
    workspace: Workspace, library: Library, controls: int, today: date, users: int, seed: int = 11
) -> Filled:
    """A program like a real one, only bigger: every control tagged to SOC 2 criteria and ISO
    Annex A controls of its topic (some to NIST CSF too), three in four with evidence of
    various ages so freshness applies. Bulk Core inserts: a fixture, not the thing measured."""
    rng = random.Random(seed)
    known = {fid: {r.ref for r in library.frameworks[fid]} for fid in (SOC2, ISO, CSF)}
    csf = sorted(r.ref for r in library.frameworks[CSF] if r.kind == "subcategory")
    iso_all = sorted(r.ref for r in library.frameworks[ISO] if r.kind == "control")
    soc2_all = sorted(r.ref for r in library.frameworks[SOC2] if r.kind == "criterion")
    for _, iso, soc2 in TOPICS:
        missing = (set(iso.split()) - known[ISO]) | (set(soc2.split()) - known[SOC2])
        assert not missing, f"topic refs not in the shipped catalogs: {missing}"
    owners = [
        f"Owner {i:02d} ({rng.choice(['IT', 'Security', 'HR', 'Eng', 'Ops'])})" for i in range(40)
    ]
    control_rows: list[dict[str, object]] = []
    tag_rows: list[dict[str, object]] = []
    evidence_rows: list[dict[str, object]] = []
    link_rows: list[dict[str, object]] = []
    for pk in range(1, controls + 1):
        titles, iso, soc2 = rng.choice(TOPICS)
        title = rng.choice(titles).format(rng.choice(SYSTEMS))
        control_rows.append(
            {
                "id": pk,
                "control_id": f"C-{pk:05d}",
                "title": title,
                "description": f"{title}. Performed by the owner; exceptions are followed up.",
                "status": _weighted(rng, STATUSES),
                "evidence": "Ticket export and reviewer sign-off",
                "owner": rng.choice(owners),
                "frequency": _weighted(rng, FREQUENCIES),
            }
        )
        refs: set[tuple[str, str]] = set()
        # Mostly the topic's own requirements; now and then one from elsewhere.
        refs |= {
            (ISO, r) for r in rng.sample(iso.split(), min(len(iso.split()), rng.randint(1, 3)))
        }
        refs |= {
            (SOC2, r) for r in rng.sample(soc2.split(), min(len(soc2.split()), rng.randint(1, 2)))
        }
        if rng.random() < 0.15:
            refs.add((ISO, rng.choice(iso_all)))
        if rng.random() < 0.10:
            refs.add((SOC2, rng.choice(soc2_all)))
        if rng.random() < 0.25:
            refs |= {(CSF, r) for r in rng.sample(csf, rng.randint(1, 2))}
        for framework, ref in sorted(refs):
            coverage = "full" if rng.random() < 0.8 else "partial"
            tag_rows.append(
                {"control_pk": pk, "framework": framework, "ref": ref, "coverage": coverage}
            )
        if rng.random() < 0.75:
            for _ in range(rng.randint(1, 4)):
                eid = len(evidence_rows) + 1
                day = today - timedelta(days=rng.randrange(400))
                evidence_rows.append(
                    {
                        "id": eid,
                        "title": f"{title}: evidence {eid}",
                        "kind": "url",
                        "url": f"https://tickets.example.com/EV-{eid}",
                        "performed_start": day,
                        "performed_end": day,
                        "collected_by": "bench",
                        "source": "bench",
                        "reference": f"EV-{eid}",
                    }
                )
                link_rows.append({"evidence_id": eid, "control_pk": pk})
                if rng.random() < 0.1 and pk > 1:  # one file serving two controls
                    link_rows.append({"evidence_id": eid, "control_pk": rng.randrange(1, pk)})
    emails = [f"bench{i}@example.com" for i in range(users)]
    with session_scope(workspace.engine) as session:
        session.execute(insert(ControlRow), control_rows)
        session.execute(insert(TagRow), tag_rows)
        if evidence_rows:
            session.execute(insert(EvidenceRow), evidence_rows)
            session.execute(insert(EvidenceLinkRow), link_rows)
        for index, email in enumerate(emails):
            add_user(session, email, "admin" if index == 0 else "editor", PASSWORD)
        session.commit()
    if workspace.database_url.startswith("postgresql"):
        _reset_sequences(workspace)
    return Filled(len(control_rows), len(tag_rows), len(evidence_rows), emails)


def _reset_sequences(workspace: Workspace) -> None:
    """Explicit ids leave PostgreSQL's sequences at 1; later inserts would collide."""
    from sqlalchemy import text

    with workspace.engine.begin() as connection:
        for table in ("controls", "control_tags", "evidence", "evidence_links"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )
            )


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    started_in_s: float  # process start to the first healthy answer
    log: Path
    pid: int  # also its process group: Uvicorn and its workers


@contextmanager
def serve(
    workspace: Path, log: Path, workers: int, today: date, database_url: str | None = None
) -> Iterator[Server]:
    """`crosswalk serve` in its own process group, stopped (group and all) on exit."""
    port = free_port()
    command = [CLI, "-w", str(workspace)]
    if database_url:
        command += ["--database-url", database_url]
    command += ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--today", today.isoformat()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWALK_")}
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{tail(log)}")
            try:
                if httpx2.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy after 120 s:\n{tail(log)}")
            time.sleep(0.1)
        try:
            yield Server(base, time.perf_counter() - started, log, process.pid)
        except BaseException:
            print(f"--- server log ({log}):\n{tail(log)}", file=sys.stderr)
            raise
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (Uvicorn and its workers), SIGKILL if slow."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_findings(path: Path, offset: int = 0) -> str:
    """What the server's own log says went wrong (from ``offset`` on): worker restarts,
    tracebacks, 5xx answers."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode(errors="replace")
    except OSError:
        return "no server log"
    died = len(re.findall(r"Child process \[\d+\] died", text))
    tracebacks = text.count("Traceback (most recent call last)")
    failures = len(re.findall(r'HTTP/1\.1" 5\d\d', text))
    return (
        f"server log: {died} worker restarts (Uvicorn kills a worker that misses its health "
        f"check), {tracebacks} tracebacks, {failures} 5xx answers"
        if died or tracebacks or failures
        else "server log: no worker restarts, tracebacks or 5xx answers"
    )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- postgres


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway cluster started the way the test suite starts one (tests/plugins/postgres:
    Debian binaries, run as the postgres user when we are root), with one empty database."""
    sys.path.insert(0, str(REPO))
    from tests.plugins.postgres import PostgresServer, _Cluster, _find_postgres_bindir

    bindir = _find_postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    cluster = _Cluster(bindir)
    try:
        cluster.init()
        cluster.start()
        server = PostgresServer(admin_url=cluster.url, origin=str(cluster.root))
        for _ in range(100):
            try:
                with server.connect_admin() as connection:
                    connection.execute("SELECT 1")
                break
            except Exception:  # not accepting connections yet
                time.sleep(0.2)
        yield server.create_database("bench_")
    finally:
        cluster.stop()


# --------------------------------------------------------------------------- clients

CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrf_token"')


def _login_form_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise RuntimeError("no csrf_token field on /login")
    return match.group(1) or match.group(2)


def sign_in(client: httpx2.Client, email: str) -> None:
    """The browser's way in: the form's CSRF token, then a 303 that sets the session."""
    form = client.get("/login")
    form.raise_for_status()
    answer = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": _login_form_token(form.text),
            "next": "/",
        },
    )
    if answer.status_code != 303 or "crosswalk_session" not in client.cookies:
        raise RuntimeError(f"sign-in as {email} failed: {answer.status_code} {answer.text[:200]}")


async def sign_in_async(client: httpx2.AsyncClient, email: str) -> None:
    form = await client.get("/login")
    form.raise_for_status()
    answer = await client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": _login_form_token(form.text),
            "next": "/",
        },
    )
    if answer.status_code != 303 or "crosswalk_session" not in client.cookies:
        raise RuntimeError(f"sign-in as {email} failed: {answer.status_code} {answer.text[:200]}")


# --------------------------------------------------------------------------- machine


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_group: int) -> dict[str, float]:
    """CPU seconds so far: the whole machine (busy), the server's process group, the
    postgres user's processes, and this load generator."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    taken = {"machine": (sum(fields[:8]) - idle) / _TICK, "server": 0.0, "postgres": 0.0}
    try:
        postgres_uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        postgres_uid = -1
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            uid = entry.stat().st_uid
        except OSError:  # the process ended meanwhile
            continue
        seconds = (int(after_name[11]) + int(after_name[12])) / _TICK
        if int(after_name[2]) == server_group:
            taken["server"] += seconds
        elif uid == postgres_uid:
            taken["postgres"] += seconds
    times = os.times()
    taken["client"] = times.user + times.system
    return taken


def connections_per_worker(server_group: int, port: int) -> list[int]:
    """Established connections to ``port`` held by each process of the server's group, most
    first. A keep-alive connection stays with the worker that accepted it, so an uneven
    split means uneven queues: the clients of the busiest worker wait longest."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])  # the socket's inode
    counts = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(after_name[2]) != server_group:
                continue
            links = [str(fd.readlink()) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        held = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in established)
        if held:
            counts.append(held)
    return sorted(counts, reverse=True)


def cpu_report(before: dict[str, float], after: dict[str, float], wall: float) -> str:
    """Where the machine's CPU went during a run: a busy neighbour skews every figure."""
    used = {key: max(0.0, after[key] - before[key]) for key in before}  # exits lower sums
    others = max(0.0, used["machine"] - used["server"] - used["postgres"] - used["client"])
    capacity = wall * (os.cpu_count() or 1)
    return (
        f"CPU during the run ({capacity:.0f} CPU-s available): server {used['server']:.0f} s, "
        f"PostgreSQL {used['postgres']:.0f} s, load generator {used['client']:.0f} s, "
        f"OTHER processes {others:.0f} s, idle {max(0.0, capacity - used['machine']):.0f} s"
    )


_LOADS: list[float] = []


def busy() -> str:
    """The machine's 1-minute load average now: other processes skew every figure here."""
    load = os.getloadavg()[0]
    _LOADS.append(load)
    cpus = os.cpu_count() or 1
    warning = " - BUSY: other processes compete for the CPUs" if load > cpus / 2 else ""
    return f"load average {load:.1f} on {cpus} CPUs{warning}"


def busy_history() -> str:
    return ", ".join(f"{load:.1f}" for load in _LOADS) + f" on {os.cpu_count()} CPUs"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "host": platform.node(),
        "nproc": str(os.cpu_count()),
        "ram": ram,
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
