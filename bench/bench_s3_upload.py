"""Evidence uploads through the web into S3-compatible storage.

Run: .venv/bin/python bench/bench_s3_upload.py [--files 1000] [--size-mb 1] [--clients 8]

A real `crosswalk serve` process (one worker, SQLite) with CROSSWALK_BLOB_URL pointing at
moto's S3 server on localhost; ``--clients`` signed-in clients, each on its own connection,
POST distinct files of ``--size-mb`` to /api/evidence until ``--files`` are in. Reports
throughput, latency percentiles and the server process's peak resident memory (VmHWM,
target under 150 MB), then checks that every object is in the bucket and that a sample
downloads byte for byte.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import httpx2

from _web_load import CLI, PASSWORD, sign_in, sign_in_async, stop_group, tail

BUCKET = "crosswalk-bench"
AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_REGION": "us-east-1",
}
EDITOR = "editor@bench.example"
CONTROL = "AC-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited ({process.returncode}):\n{tail(log)}")
        try:
            httpx2.get(url, timeout=2)
            return
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: not up after 120 s:\n{tail(log)}") from None
            time.sleep(0.1)


def reset_peak(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux: 5 > /proc/PID/clear_refs), so the peak
    read later is the upload run's, not start-up's or sign-in's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak since the process started) of ``pid``, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            found[name] = int(value.split()[0])
    return found


def start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def make_workspace(folder: Path) -> None:
    """A workspace with one control and one editor (setup, not timed)."""
    from crosswalk.services.access.users import add_user
    from crosswalk.services.controls.controls import ControlInput, add_control
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import init_workspace

    opened, _ = init_workspace(folder)
    with session_scope(opened.engine, actor="bench") as session:
        add_control(session, ControlInput(CONTROL, "Quarterly access review", owner="Dana"))
        add_user(session, EDITOR, "editor", PASSWORD, name="editor")
        session.commit()
    opened.close()


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    hashes: dict[int, str] = field(default_factory=dict)  # evidence id -> sha256 sent


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


async def signed_in(base: str) -> tuple[httpx2.AsyncClient, str]:
    limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    http = httpx2.AsyncClient(base_url=base, timeout=120, limits=limits)
    await sign_in_async(http, EDITOR)
    return http, (await http.get("/api/session")).json()["csrf_token"]


async def uploads(
    http: httpx2.AsyncClient, csrf: str, queue: asyncio.Queue[int], size: int, run: Run
) -> None:
    while True:
        try:
            number = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        content = number.to_bytes(8, "big") + os.urandom(size - 8)  # distinct content
        began = time.perf_counter()
        try:
            answer = await http.post(
                "/api/evidence",
                data={"title": f"export {number}", "controls": CONTROL},
                files={"file": (f"export-{number}.csv", content, "text/csv")},
                headers={"X-CSRF-Token": csrf},
            )
        except httpx2.HTTPError as error:
            run.errors.append(f"{type(error).__name__}: {error}")
            continue
        run.latencies.append(time.perf_counter() - began)
        if answer.status_code != 201:
            run.errors.append(f"{answer.status_code}: {answer.text[:200]}")
            continue
        run.hashes[int(answer.json()["id"])] = hashlib.sha256(content).hexdigest()


async def upload_all(
    base: str, files: int, size: int, clients: int, signed: Callable[[], None]
) -> tuple[Run, float]:
    """Sign every client in one after another (each password check takes argon2's 64 MB on
    purpose; that is sign-in's cost, not uploading's), call ``signed``, then upload."""
    sessions = [await signed_in(base) for _ in range(clients)]
    signed()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(files):
        queue.put_nowait(number)
    run = Run()
    began = time.perf_counter()
    try:
        await asyncio.gather(*(uploads(http, csrf, queue, size, run) for http, csrf in sessions))
    finally:
        for http, _csrf in sessions:
            await http.aclose()
    return run, time.perf_counter() - began


def check(base: str, run: Run, endpoint: str, sample: int = 20) -> tuple[int, int]:
    """Objects in the bucket, and how many of a sample downloaded byte for byte."""
    s3 = boto3.client("s3", endpoint_url=endpoint, **_credentials())
    objects = sum(
        page.get("KeyCount", 0)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    )
    intact = 0
    with httpx2.Client(base_url=base, timeout=60) as http:
        sign_in(http, EDITOR)
        for evidence_id, sha256 in list(run.hashes.items())[:sample]:
            body = http.get(f"/evidence/{evidence_id}/download").content
            intact += hashlib.sha256(body).hexdigest() == sha256
    return objects, intact


def _credentials() -> dict[str, str]:
    return {
        "region_name": AWS["AWS_REGION"],
        "aws_access_key_id": AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS["AWS_SECRET_ACCESS_KEY"],
    }


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--local", action="store_true", help="Store in the workspace folder instead (to compare)."
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    size = int(args.size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as temporary:
        folder = Path(temporary)
        moto_port, web_port = free_port(), free_port()
        endpoint = f"http://127.0.0.1:{moto_port}"
        moto_server = str(Path(sys.executable).parent / "moto_server")
        moto_command = [moto_server, "-H", "127.0.0.1", "-p", str(moto_port)]
        moto = start(moto_command, folder / "moto.log", dict(os.environ))
        server: subprocess.Popen[bytes] | None = None
        try:
            wait_for(f"{endpoint}/moto-api/", moto, folder / "moto.log")
            boto3.client("s3", endpoint_url=endpoint, **_credentials()).create_bucket(Bucket=BUCKET)
            make_workspace(folder / "ws")
            env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWALK_")}
            env.update(AWS, AWS_ENDPOINT_URL=endpoint)
            if not args.local:
                env["CROSSWALK_BLOB_URL"] = f"s3://{BUCKET}/ev"
            serve = [CLI, "-w", str(folder / "ws"), "serve", "--port", str(web_port)]
            server = start(serve, folder / "serve.log", env)
            base = f"http://127.0.0.1:{web_port}"
            wait_for(f"{base}/healthz", server, folder / "serve.log")
            started_kb = memory_kb(server.pid)["VmHWM"]
            before: dict[str, int] = {}

            def signed() -> None:
                assert server is not None
                before.update(memory_kb(server.pid))
                reset_peak(server.pid)

            run, seconds = asyncio.run(upload_all(base, args.files, size, args.clients, signed))
            memory = memory_kb(server.pid)
            objects, intact = check(base, run, endpoint)
        finally:
            if server is not None:
                stop_group(server)
            stop_group(moto)
            server_log = tail(folder / "serve.log", 400)
    done = len(run.hashes)
    figures: dict[str, Any] = {
        "store": "local folder" if args.local else "s3 (moto)",
        "files": args.files,
        "file_mb": args.size_mb,
        "clients": args.clients,
        "uploaded": done,
        "errors": len(run.errors),
        "seconds": round(seconds, 2),
        "files_per_s": round(done / seconds, 1),
        "mb_per_s": round(done * args.size_mb / seconds, 1),
        "p50_ms": round(pct(run.latencies, 50) * 1000, 1),
        "p95_ms": round(pct(run.latencies, 95) * 1000, 1),
        "p99_ms": round(pct(run.latencies, 99) * 1000, 1),
        "max_ms": round(max(run.latencies, default=math.nan) * 1000, 1),
        "server_peak_start_mb": round(started_kb / 1024, 1),
        "server_peak_sign_ins_mb": round(before["VmHWM"] / 1024, 1),
        "server_rss_before_uploads_mb": round(before["VmRSS"] / 1024, 1),
        "server_rss_peak_mb": round(memory["VmHWM"] / 1024, 1),
        "server_rss_after_mb": round(memory["VmRSS"] / 1024, 1),
        "objects_in_bucket": objects,
        "sample_intact": f"{intact}/{min(20, done)}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": date.today().isoformat(),
    }
    for error in sorted(set(run.errors))[:5]:
        print(f"  error: {error}")
    if run.errors:
        print(f"--- server log (end):\n{server_log}")
    print(json.dumps(figures, indent=2))
    summary(figures, args)


def summary(figures: dict[str, Any], args: argparse.Namespace) -> None:
    done, seconds, objects = figures["uploaded"], figures["seconds"], figures["objects_in_bucket"]
    peak = figures["server_rss_peak_mb"]
    print(
        f"{done} files of {args.size_mb:g} MB by {args.clients} clients in {seconds:.1f} s: "
        f"{figures['files_per_s']} files/s ({figures['mb_per_s']} MB/s), p95 "
        f"{figures['p95_ms']} ms; server peak RSS {peak} MB (target < 150: "
        f"{'met' if peak < 150 else 'MISSED'}; start-up peak {figures['server_peak_start_mb']} MB,"
        f" after {args.clients} sign-ins {figures['server_peak_sign_ins_mb']} MB); {objects} "
        "objects in the bucket"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
