"""A longer fuzz run of every importer (issue 18): the same hypothesis properties CI runs
(``pytest -m fuzz``), with many more cases each and fresh random inputs.

Run: .venv/bin/python bench/bench_fuzz.py [--examples 2000] [--seed N]

Each property feeds an importer generated or mutated input and requires success or a clean
refusal with the workspace unchanged (see ``tests/fuzzing.py``). Prints the cases tried, the
wall time, the machine, and pytest's verdict; exit code 1 when any property failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="cases per property")
    parser.add_argument("--seed", type=int, default=None, help="replay one random seed")
    args = parser.parse_args()
    env = dict(os.environ, CROSSWALK_FUZZ_EXAMPLES=str(args.examples), CROSSWALK_FUZZ_RANDOM="1")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "fuzz",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
    ]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    started = time.perf_counter()
    result = subprocess.run(command, check=False, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    output = result.stdout + result.stderr
    # hypothesis's statistics: a "path::test:" line per property, then "- N passing, ..." per phase
    passing = re.findall(r"^\s*- (\d+) passing", output, flags=re.MULTILINE)
    properties = len(re.findall(r"^\S+::\S+:$", output, flags=re.MULTILINE))
    cases = sum(int(n) for n in passing)
    print(output.strip().splitlines()[-1] if output.strip() else "(no output)")
    for line in re.findall(r"^api fuzz as .*$", output, flags=re.MULTILINE):
        print(line)  # the web API's operations and cases per role (tests/web/test_api_fuzz.py)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"properties: {properties or len(passing)}, cases run: {cases}, "
        f"cases per property asked: {args.examples}, wall time: {elapsed:.0f} s"
    )
    if result.returncode < 0:  # pytest itself was killed: no property got to report
        print(
            f"pytest was killed by signal {-result.returncode} (SIGKILL is most often the"
            " kernel's out-of-memory killer: a case that eats memory). Run the files one by"
            " one under `ulimit -v` to turn it into a MemoryError that names the property."
        )
    if result.returncode != 0:
        print(output)
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
