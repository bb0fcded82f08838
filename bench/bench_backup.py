"""How long a backup and a restore of the demo workspace take (issue 18), as a user runs them.

Run: .venv/bin/python bench/bench_backup.py [--runs 5]

Builds the demo workspace (`crosswalk demo`) in a temporary folder, then times whole
processes: `crosswalk backup` (.tar.gz and uncompressed .tar) and `crosswalk restore` of
each (into a new folder, every check included). Prints the machine, the workspace's size,
the archives' sizes and, per command, the median (min-max) of --runs runs after a warm-up;
then the same work called in one process, without the start-up every command pays.
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

CROSSWALK = str(Path(sys.executable).with_name("crosswalk"))


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([CROSSWALK, *args], cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"crosswalk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def figure(times: list[float]) -> str:
    return f"{statistics.median(times):6.3f} s ({min(times):.3f}-{max(times):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-backup-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        run(["demo", "demo"], root)
        demo = root / "demo"
        evidence = [p for p in (demo / "evidence").rglob("*") if p.is_file()]
        print(
            f"demo workspace built in {time.perf_counter() - started:.1f} s: database "
            f"{(demo / 'crosswalk.db').stat().st_size / 1e6:.1f} MB, {len(evidence)} evidence "
            f"files ({sum(p.stat().st_size for p in evidence) / 1e6:.1f} MB), "
            f"{size_of(demo) / 1e6:.1f} MB in all (reports included, which are not archived)"
        )
        key = demo / ".crosswalk" / "audit.key"
        print(f"\n(median, min-max of {options.runs} whole processes after one warm-up)")
        for suffix in (".tar.gz", ".tar"):
            archive = root / f"demo{suffix}"
            backups = []
            for attempt in range(options.runs + 1):
                elapsed = run(["backup", str(archive), "--force"], demo)
                if attempt:
                    backups.append(elapsed)
            restores = []
            for attempt in range(options.runs + 1):
                target = root / f"restored{attempt}"
                elapsed = run(["restore", str(archive), str(target), "--key-file", str(key)], root)
                shutil.rmtree(target)
                if attempt:
                    restores.append(elapsed)
            size = archive.stat().st_size / 1e6
            print(f"  crosswalk backup  {suffix:8} {figure(backups)}   archive {size:.1f} MB")
            print(f"  crosswalk restore {suffix:8} {figure(restores)}   every check included")
        in_process(root, demo, key, options.runs)


def in_process(root: Path, demo: Path, key: Path, runs: int) -> None:
    """The same work without a process's start-up (imports are most of a short command)."""
    from crosswalk.services.backup.backup import take_backup
    from crosswalk.services.backup.restore import restore_backup
    from crosswalk.store.workspace import open_workspace

    print(f"\n(in one process, median, min-max of {runs} runs after one warm-up)")
    workspace = open_workspace(demo)
    try:
        for suffix in (".tar.gz", ".tar"):
            archive = root / f"in-process{suffix}"
            backups, restores = [], []
            for attempt in range(runs + 1):
                started = time.perf_counter()
                take_backup(workspace, archive, replace=True)
                backups.append(time.perf_counter() - started)
                target = root / f"in-process-restored{attempt}"
                started = time.perf_counter()
                restore_backup(archive, target, key_file=key)
                restores.append(time.perf_counter() - started)
                shutil.rmtree(target)
            print(f"  take_backup       {suffix:8} {figure(backups[1:])}")
            print(f"  restore_backup    {suffix:8} {figure(restores[1:])}")
    finally:
        workspace.close()


if __name__ == "__main__":
    main()
