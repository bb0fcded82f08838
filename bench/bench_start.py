"""Benchmarks for everyday commands (issue 15): whole processes, as a user runs them.

Run: .venv/bin/python bench/bench_start.py [--frameworks 60] [--runs 5]

1. On the demo workspace: `crosswalk --help`, `show`, `map`, `frameworks` (target <= 0.3 s
   each) and `gap`, `controls list`, `window`, `isms readiness` (<= 0.6 s each).
2. A workspace holding N frameworks imported from the CISO Assistant library (the fixture
   folder at ../shared/fixtures/ciso-assistant/library, read in place): `frameworks`
   (<= 0.5 s), and importing one more framework into it against importing the same file into
   an empty workspace, the two run in turn (target: no slower than +10 %).

Each figure is the median (and spread) of --runs whole processes after one warm-up run (the
compiled library is built once, as on any machine after the first command). The cache lives
in a temporary folder, so nothing of the developer's own is used. Exit code 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CISO = REPO.parent / "shared" / "fixtures" / "ciso-assistant" / "library"
CROSSWALK = str(Path(sys.executable).with_name("crosswalk"))

FAST = [
    ["--help"],
    ["show", "iso27001-2022:A.5.15"],
    ["map", "soc2-tsc-2017:CC6.1", "--to", "iso27001-2022"],
    ["frameworks"],
]
EVERYDAY = [
    ["gap"],
    ["controls", "list"],
    ["window", "--start", "2026-01-01", "--end", "2026-06-30"],
    ["isms", "readiness"],
]


def run(args: list[str], cwd: Path, check: bool = True) -> float:
    started = time.perf_counter()
    done = subprocess.run([CROSSWALK, *args], cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if check and done.returncode not in (0, 1):  # 1: the command found problems, as designed
        raise SystemExit(f"crosswalk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def measure(args: list[str], cwd: Path, runs: int) -> tuple[float, float, float]:
    run(args, cwd)  # warm-up: compiled library, OS file cache
    times = [run(args, cwd) for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def demo_commands(root: Path, runs: int) -> bool:
    run(["demo", "demo"], root)
    demo = root / "demo"
    ok = True
    print("\ndemo workspace (median, min-max of whole processes)")
    for group, limit in ((FAST, 0.3), (EVERYDAY, 0.6)):
        for args in group:
            median, low, high = measure(args, demo, runs)
            verdict = "ok" if median <= limit else f"over {limit} s"
            ok &= median <= limit
            print(
                f"  crosswalk {' '.join(args):45} {median:6.3f} s ({low:.3f}-{high:.3f})  {verdict}"
            )
    return ok


def ciso_files(count: int) -> list[Path]:
    if not CISO.is_dir():
        raise SystemExit(f"CISO Assistant fixtures not found at {CISO}")
    return sorted(CISO.glob("*.yaml"))[: count + 10]  # spares: some files are mapping-only


def imported_workspace(root: Path, count: int) -> tuple[Path, Path]:
    """A workspace with ``count`` CISO Assistant frameworks; returns it and an unused file."""
    folder = root / "many"
    run(["init", str(folder)], root)
    imported = 0
    spare: Path | None = None
    for path in ciso_files(count):
        if imported >= count:
            spare = path
            break
        if run(["frameworks", "import", str(path)], folder, check=False) and _has_frameworks(
            folder, imported + 1
        ):
            imported += 1
    if spare is None or imported < count:
        raise SystemExit(f"only {imported} frameworks imported; need {count} and one spare")
    print(f"\nworkspace with {imported} imported CISO Assistant frameworks")
    return folder, spare


def _has_frameworks(folder: Path, wanted: int) -> bool:
    return len(list((folder / "catalogs" / "frameworks").glob("*.yaml"))) >= wanted


def import_side_by_side(many: Path, spare: Path, root: Path, runs: int) -> tuple[float, float]:
    """Import ``spare`` into the big workspace and into an empty one, in turn, ``runs`` times."""
    into_many: list[float] = []
    into_empty: list[float] = []
    for round_number in range(runs):
        big = root / f"big-{round_number}"
        shutil.copytree(many, big)
        empty = root / f"empty-{round_number}"
        run(["init", str(empty)], root)
        into_many.append(run(["frameworks", "import", str(spare)], big))
        into_empty.append(run(["frameworks", "import", str(spare)], empty))
        shutil.rmtree(big)
        shutil.rmtree(empty)
    return statistics.median(into_many), statistics.median(into_empty)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frameworks", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-demo", action="store_true")
    options = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()}"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-start-") as temporary:
        root = Path(temporary)
        os.environ["CROSSWALK_CACHE_DIR"] = str(root / "cache")
        if not options.skip_demo:
            ok &= demo_commands(root, options.runs)
        if options.frameworks:
            many, spare = imported_workspace(root, options.frameworks)
            median, low, high = measure(["frameworks"], many, options.runs)
            ok &= median <= 0.5
            print(f"  crosswalk frameworks {median:.3f} s ({low:.3f}-{high:.3f})  target <= 0.5 s")
            into_many, into_empty = import_side_by_side(many, spare, root, options.runs)
            ratio = into_many / into_empty
            ok &= ratio <= 1.10
            print(
                f"  import {spare.name}: into this workspace {into_many:.3f} s, into an empty one "
                f"{into_empty:.3f} s (x{ratio:.2f}; target <= x1.10)"
            )
    print("\nall targets hold" if ok else "\nsome targets missed")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
