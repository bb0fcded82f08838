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


def bench_window() -> dict[str, float]:
    from crosswalk.domain.frequency import Frequency
    from crosswalk.domain.window import EvidenceDating, check_control

    rng = random.Random(3)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    frequencies = [
        Frequency.QUARTERLY,
        Frequency.MONTHLY,
        Frequency.ANNUAL,
        Frequency.WEEKLY,
        Frequency.SEMIANNUAL,
        Frequency.CONTINUOUS,
    ]
    controls = []
    for index in range(2000):
        evidence = [
            EvidenceDating(index * 100 + n, day, day)
            for n in range(100)
            for day in [start + timedelta(days=rng.randrange(400) - 20)]
        ]
        controls.append((f"C-{index}", rng.choice(frequencies), evidence))
    began = time.perf_counter()
    exceptions = 0
    for control_id, frequency, evidence in controls:
        result = check_control(control_id, control_id, frequency, evidence, start, end)
        exceptions += len(result.exceptions)
    return {
        "window_2000_controls_200000_evidence_s": round(time.perf_counter() - began, 3),
        "window_exceptions_found": exceptions,
    }


def main() -> None:
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as temporary:
        results.update(bench_add(Path(temporary)))
    results.update(bench_window())
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
