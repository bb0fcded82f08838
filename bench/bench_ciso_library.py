"""CISO Assistant's library folder imported in one command (issue 16), against PyYAML's C
loader only parsing the same files, the two measured in turn in this one run.

Run: .venv/bin/python bench/bench_ciso_library.py [--rounds 3]

Each round runs, as whole processes and taking turns (which goes first alternates):
- ``crosswalk frameworks import FOLDER --json`` into a fresh ``crosswalk init`` workspace
  (only the import is timed);
- a Python process that parses every YAML file of the folder with ``yaml.CSafeLoader``.
The target: the import takes at most 2x the parse. The report gives the medians, the
ratio, the machine, and how many files were imported, matched or refused, by reason.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO.parent / "shared" / "fixtures" / "ciso-assistant" / "library"
CROSSWALK = REPO / ".venv" / "bin" / "crosswalk"
TARGET_RATIO = 2.0
PARSE = (
    "import pathlib, yaml\n"
    "for p in sorted(pathlib.Path({folder!r}).iterdir()):\n"
    "    if p.suffix in ('.yaml', '.yml'):\n"
    "        yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)\n"
)


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def import_once(folder: Path) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="bench-ciso-") as workspace:
        subprocess.run([str(CROSSWALK), "init"], cwd=workspace, capture_output=True, check=True)
        elapsed, out = timed(
            [str(CROSSWALK), "frameworks", "import", str(folder), "--json"], Path(workspace)
        )
    return elapsed, json.loads(out)


def parse_once(folder: Path) -> float:
    return timed([sys.executable, "-c", PARSE.format(folder=str(folder))])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=LIBRARY)
    options = parser.parse_args()
    if not options.folder.is_dir():
        sys.exit(f"not found: {options.folder} (shared/ must sit beside the repo)")
    files = [p for p in options.folder.iterdir() if p.suffix in (".yaml", ".yml")]
    size = sum(p.stat().st_size for p in files)
    imports: list[float] = []
    parses: list[float] = []
    report: dict[str, object] = {}
    for round_number in range(options.rounds):
        order = ("import", "parse") if round_number % 2 == 0 else ("parse", "import")
        for which in order:
            if which == "import":
                elapsed, report = import_once(options.folder)
                imports.append(elapsed)
            else:
                parses.append(parse_once(options.folder))
    outcomes: dict[str, int] = {}
    for item in report.get("files", []):  # type: ignore[union-attr]
        outcomes[item["outcome"]] = outcomes.get(item["outcome"], 0) + 1
    imported, parsed = statistics.median(imports), statistics.median(parses)
    ratio = imported / parsed
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    print(f"folder: {options.folder} ({len(files)} files, {size / 1e6:.1f} MB)")
    print(f"import (whole process): median {imported:.2f} s of {[round(t, 2) for t in imports]}")
    print(
        f"PyYAML CSafeLoader parse only: median {parsed:.2f} s of {[round(t, 2) for t in parses]}"
    )
    print(
        f"ratio: {ratio:.2f}x (target <= {TARGET_RATIO}x): "
        + ("met" if ratio <= TARGET_RATIO else "MISSED")
    )
    print(
        "files: " + ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    )
    from crosswalk.services.mapping.bulk_import import reason_kind

    kinds: dict[str, int] = {}
    for item in report.get("files", []):  # type: ignore[union-attr]
        if item["outcome"] == "refused":
            kind = reason_kind(item["reason"])
            kinds[kind] = kinds.get(kind, 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda pair: -pair[1]):
        print(f"  refused: {count} {kind}")
    sys.exit(0 if ratio <= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
