"""Benchmarks for the evidence issue. Run: .venv/bin/python bench/bench_evidence.py

Targets: `evidence add` of a 100 MB file keeps peak memory under 100 MB; window analysis
over 2,000 controls and 200,000 evidence items <= 3 s.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = str(REPO / ".venv" / "bin" / "crosswalk")


def bench_add(folder: Path) -> dict[str, float]:
    workspace = folder / "ws"
    subprocess.run([CLI, "init", str(workspace)], check=True, capture_output=True)
    subprocess.run(
        [CLI, "-w", str(workspace), "controls", "add", "AC-1", "--title", "t"],
        check=True,
        capture_output=True,
    )
    big = folder / "big.bin"
    with big.open("wb") as handle:
        for _ in range(100):
            handle.write(os.urandom(1024 * 1024))
    # Peak RSS of the child process alone: run it under a fresh python that reports it.
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            CLI,
            "-w",
            str(workspace),
            "evidence",
            "add",
            str(big),
            "-c",
            "AC-1",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    peak_kib = int(result.stdout.strip().splitlines()[-1])
    baseline = subprocess.run(
        [sys.executable, "-c", code, CLI, "-w", str(workspace), "evidence", "list"],
        check=True,
        capture_output=True,
        text=True,
    )
    return {
        "evidence_add_100mb_peak_rss_mb": round(peak_kib / 1024, 1),
        "same_process_listing_only_peak_rss_mb": round(
            int(baseline.stdout.strip().splitlines()[-1]) / 1024, 1
        ),
        "evidence_add_100mb_s": round(seconds, 2),
    }


def bench_window(folder: Path) -> dict[str, float]:
    """The service end to end: query 200,000 evidence rows, check 2,000 controls."""
    from sqlalchemy import insert

    from crosswalk.catalogs.loader import load_library
    from crosswalk.services.evidence.window import run_window
    from crosswalk.store.engine import session_scope
    from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow, TagRow
    from crosswalk.store.workspace import init_workspace

    rng = random.Random(3)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    frequencies = ["quarterly", "monthly", "annual", "weekly", "semiannual", "continuous"]
    workspace, _ = init_workspace(folder / "window")
    with session_scope(workspace.engine) as session:  # bulk Core inserts: fixture, not timed
        session.execute(
            insert(ControlRow),
            [
                {
                    "id": i + 1,
                    "control_id": f"C-{i:04d}",
                    "title": f"control {i}",
                    "description": "",
                    "status": "operating",
                    "evidence": "",
                    "frequency": rng.choice(frequencies),
                }
                for i in range(2000)
            ],
        )
        session.execute(
            insert(TagRow),
            [
                {
                    "control_pk": i + 1,
                    "framework": "soc2-tsc-2017",
                    "ref": "CC7.2",
                    "coverage": "full",
                }
                for i in range(2000)
            ],
        )
        evidence, links = [], []
        for n in range(200_000):
            day = start + timedelta(days=rng.randrange(400) - 20)
            evidence.append(
                {
                    "id": n + 1,
                    "title": f"e{n}",
                    "kind": "file",
                    "performed_start": day,
                    "performed_end": day,
                    "collected_by": "",
                    "source": "",
                    "reference": "",
                }
            )
            links.append({"evidence_id": n + 1, "control_pk": n % 2000 + 1})
        session.execute(insert(EvidenceRow), evidence)
        session.execute(insert(EvidenceLinkRow), links)
        session.commit()
    library = load_library()
    _ = library.graph
    timings = []
    for _ in range(3):
        with session_scope(workspace.engine) as session:
            began = time.perf_counter()
            report = run_window(session, library, start, end)
            timings.append(time.perf_counter() - began)
    workspace.close()
    return {
        "window_2000_controls_200000_evidence_s": round(max(timings), 3),
        "window_best_s": round(min(timings), 3),
        "window_exceptions_found": report.exceptions_count,
    }


def main() -> None:
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as temporary:
        results.update(bench_add(Path(temporary)))
        results.update(bench_window(Path(temporary)))
    print(json.dumps(results, indent=2))
    checks = {
        "evidence add 100 MB: peak RSS < 100 MB": float(results["evidence_add_100mb_peak_rss_mb"])
        < 100,  # type: ignore[arg-type]
        "window 2,000 x 100 <= 3 s": float(results["window_2000_controls_200000_evidence_s"]) <= 3,  # type: ignore[arg-type]
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
