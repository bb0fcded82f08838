"""Benchmarks for the open formats. Run: .venv/bin/python bench/bench_formats.py

The headline (issue 15): ``crosswalk frameworks import`` of NIST SP 800-53 rev5 (3 MB JSON,
1,189 controls) as a whole process into a fresh workspace is at least 3x faster than
``trestle import`` of the same file into a fresh trestle workspace. Both are measured in
this one run, side by side: for each of ``--rounds`` rounds, a fresh ``crosswalk init``
workspace gets the import, and a fresh ``trestle init`` workspace gets ``trestle import -f
FILE -o nist800-53``, the two taking turns (which one goes first alternates). Only the
import process is timed, never the init. The report gives the median, the spread and the
ratio, and the machine.

compliance-trestle (pinned, ``TRESTLE_PIN``) is installed into its own venv in the user's
cache folder, never into the project; it is reused between runs, ``--fresh-trestle``
rebuilds it. If it cannot be installed, the comparison is skipped with a message saying
why. ``--crosswalk-src DIR`` times another tree's ``src`` (e.g. ``git archive HEAD src``)
with this venv, for a before/after. ``--side-by-side-only`` leaves out the in-process,
CISO Assistant and export checks.

Other targets: ``read_oscal_catalog`` of SP 800-53 <= 0.3 s; parse, validate and store it
in process <= 0.5 s; CISO Assistant import at least as fast per MB as parsing the YAML with
the C loader; trestle's models accept our OSCAL export.
"""

from __future__ import annotations

import argparse
import json
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
CISO = REPO.parent / "shared" / "fixtures" / "ciso-assistant"
CATALOG = (
    REPO.parent
    / "shared"
    / "fixtures"
    / "oscal"
    / "catalogs"
    / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
)
CROSSWALK = REPO / ".venv" / "bin" / "crosswalk"
TRESTLE_PIN = "compliance-trestle==5.2.0"
TRESTLE_NAME = "nist800-53"
FRAMEWORK_FILE = Path("catalogs") / "frameworks" / "nist-sp-800-53-rev5.yaml"
TARGET_RATIO = 3.0


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crosswalk-bench"


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Wall time of one whole process; raises with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return elapsed


def machine() -> dict[str, object]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    found: dict[str, object] = {
        "cpus": os.cpu_count(),
        "cpu": model or platform.processor() or platform.machine(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
    if hasattr(os, "getloadavg"):
        found["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return found


# ---------------------------------------------------------------------------- trestle


class TrestleUnavailable(Exception):
    pass


def trestle_venv(folder: Path, fresh: bool) -> Path:
    """A venv holding ``TRESTLE_PIN``, outside the repo; built once and reused."""
    trestle = folder / "bin" / "trestle"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if trestle.exists():
        return folder
    print(f"installing {TRESTLE_PIN} into {folder} ...", file=sys.stderr)
    folder.parent.mkdir(parents=True, exist_ok=True)
    steps = (
        [sys.executable, "-m", "venv", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", TRESTLE_PIN],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)  # never leave a half-built venv behind
            raise TrestleUnavailable(
                f"`{' '.join(step)}` failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )
    if not trestle.exists():
        raise TrestleUnavailable(f"{TRESTLE_PIN} installed no `trestle` command in {folder}")
    return folder


def trestle_version(venv: Path) -> str:
    done = subprocess.run(
        [str(venv / "bin" / "trestle"), "version"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or done.stderr.strip()


# ---------------------------------------------------------------------------- side by side


def crosswalk_env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CROSSWALK_DATABASE_URL", None)  # the default SQLite workspace, as the issue measures
    env.pop("CROSSWALK_CATALOG_PATH", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def trestle_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def one_crosswalk(scratch: Path, round_no: int, env: dict[str, str]) -> float:
    workspace = scratch / f"crosswalk-{round_no}"
    run([str(CROSSWALK), "init", str(workspace)], env=env)
    elapsed = run([str(CROSSWALK), "frameworks", "import", str(CATALOG)], cwd=workspace, env=env)
    if not (workspace / FRAMEWORK_FILE).is_file():
        raise RuntimeError(f"crosswalk wrote no {FRAMEWORK_FILE} in {workspace}")
    shutil.rmtree(workspace)
    return elapsed


def one_trestle(venv: Path, scratch: Path, round_no: int, env: dict[str, str]) -> float:
    trestle = str(venv / "bin" / "trestle")
    root = scratch / f"trestle-{round_no}"
    root.mkdir()
    run([trestle, "init"], cwd=root, env=env)
    elapsed = run([trestle, "import", "-f", str(CATALOG), "-o", TRESTLE_NAME], cwd=root, env=env)
    if not (root / "catalogs" / TRESTLE_NAME / "catalog.json").is_file():
        raise RuntimeError(f"trestle wrote no catalogs/{TRESTLE_NAME}/catalog.json in {root}")
    shutil.rmtree(root)
    return elapsed


def summary(times: list[float]) -> dict[str, object]:
    ordered = sorted(times)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else [ordered[0]] * 3
    return {
        "runs_s": [round(t, 3) for t in times],
        "median_s": round(statistics.median(ordered), 3),
        "min_s": round(ordered[0], 3),
        "max_s": round(ordered[-1], 3),
        "iqr_s": round(quartiles[2] - quartiles[0], 3),
    }


def side_by_side(
    rounds: int, venv: Path | None, src: Path | None
) -> tuple[dict[str, object], float | None]:
    ours: list[float] = []
    theirs: list[float] = []
    ours_env, theirs_env = crosswalk_env(src), trestle_env()
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-formats-") as folder:
        scratch = Path(folder)
        for round_no in range(rounds):
            crosswalk_first = round_no % 2 == 0 or venv is None
            if crosswalk_first:
                ours.append(one_crosswalk(scratch, round_no, ours_env))
            if venv is not None:
                theirs.append(one_trestle(venv, scratch, round_no, theirs_env))
            if not crosswalk_first:
                ours.append(one_crosswalk(scratch, round_no, ours_env))
            print(
                f"round {round_no + 1}/{rounds}: crosswalk {ours[-1]:.3f} s"
                + (f", trestle {theirs[-1]:.3f} s" if theirs else ""),
                file=sys.stderr,
            )
    found: dict[str, object] = {
        "rounds": rounds,
        "crosswalk": {
            "command": "crosswalk init WS (untimed); cd WS; crosswalk frameworks import FILE",
            "src": str(src) if src is not None else str(REPO / "src"),
            **summary(ours),
        },
    }
    if not theirs:
        return found, None
    ratio = statistics.median(theirs) / statistics.median(ours)
    found["trestle"] = {
        "command": f"trestle init (untimed); trestle import -f FILE -o {TRESTLE_NAME}",
        "pin": TRESTLE_PIN,
        "version": trestle_version(venv) if venv is not None else "",
        "venv": str(venv),
        **summary(theirs),
    }
    per_round = [t / o for o, t in zip(ours, theirs, strict=True)]
    found["ratio_trestle_over_crosswalk"] = {
        "of_medians": round(ratio, 2),
        "per_round_median": round(statistics.median(per_round), 2),
        "per_round_min": round(min(per_round), 2),
        "per_round_max": round(max(per_round), 2),
    }
    return found, ratio


# ---------------------------------------------------------------------------- in process


def in_process(repeat: int = 7) -> dict[str, object]:
    from crosswalk.catalogs.loader import load_library
    from crosswalk.io.oscal_catalog import read_oscal_catalog
    from crosswalk.services.mapping.formats import install

    library = load_library()
    reads: list[float] = []
    totals: list[float] = []
    counts: dict[str, int] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            imported = read_oscal_catalog(CATALOG)
            read_done = time.perf_counter()
            report = install(library, Path(folder), imported)
            totals.append(time.perf_counter() - start)
            reads.append(read_done - start)
            assert report.created, "nothing was written"
            counts = imported.frameworks[0].counts_by_kind()
    return {
        "counts": counts,
        "read_s_median": round(statistics.median(reads), 4),
        "read_s_max": round(max(reads), 4),
        "parse_validate_store_s_median": round(statistics.median(totals), 4),
        "parse_validate_store_s_max": round(max(totals), 4),
    }


def trestle_accepts_export(venv: Path, scratch: Path) -> dict[str, str]:
    """Our OSCAL export of a shipped catalog and of SP 800-53, read by trestle's models."""
    from crosswalk.catalogs.loader import load_library
    from crosswalk.io.oscal_catalog import read_oscal_catalog, write_oscal_catalog

    library = load_library()
    exported = {
        "nist-csf-2.0": write_oscal_catalog(library.frameworks["nist-csf-2.0"]),
        "iso27001-2022": write_oscal_catalog(library.frameworks["iso27001-2022"]),
        "nist-sp-800-53-rev5": write_oscal_catalog(read_oscal_catalog(CATALOG).frameworks[0]),
    }
    results = {}
    check = (
        "import json, sys; from trestle.oscal.catalog import Catalog;"
        "Catalog.model_validate(json.load(open(sys.argv[1]))['catalog'])"
    )
    for name, document in exported.items():
        path = scratch / f"export-{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run(
            [str(venv / "bin" / "python"), "-c", check, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        results[name] = "ok" if done.returncode == 0 else done.stderr.strip()[-600:]
    return results


def ciso_speed(repeat: int = 15) -> dict[str, object]:
    """CISO Assistant import vs merely parsing the same YAML with PyYAML's C loader, per MB."""
    import yaml

    from crosswalk.catalogs.loader import load_library
    from crosswalk.io.ciso_assistant import read_library

    library = load_library()
    found: dict[str, object] = {}
    for path in sorted(CISO.glob("*.yaml")):
        megabytes = path.stat().st_size / 1e6
        parse, convert = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            with path.open("rb") as handle:
                yaml.load(handle, Loader=yaml.CSafeLoader)
            parse.append(time.perf_counter() - started)
            started = time.perf_counter()
            read_library(path, library.frameworks)
            convert.append(time.perf_counter() - started)
        found[path.name] = {
            "mb": round(megabytes, 3),
            "pyyaml_c_parse_mb_per_s": round(megabytes / statistics.median(parse), 1),
            "crosswalk_import_mb_per_s": round(megabytes / statistics.median(convert), 1),
        }
    return found


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="side-by-side rounds (default 7)")
    parser.add_argument("--skip-trestle", action="store_true", help="time crosswalk alone")
    parser.add_argument("--fresh-trestle", action="store_true", help="rebuild trestle's venv")
    parser.add_argument(
        "--trestle-venv",
        type=Path,
        default=cache_folder() / TRESTLE_PIN.replace("==", "-"),
        help="where trestle's venv lives (default: %(default)s)",
    )
    parser.add_argument(
        "--crosswalk-src", type=Path, help="time this tree's src/ instead (PYTHONPATH)"
    )
    parser.add_argument("--side-by-side-only", action="store_true", help="only the CLI comparison")
    options = parser.parse_args()
    if not CATALOG.exists():
        sys.exit(f"fixture not found: {CATALOG} (shared/ must sit beside the repo)")
    if options.rounds < 1:
        sys.exit("--rounds must be at least 1")
    if options.crosswalk_src is not None:  # the in-process checks time that tree too
        sys.path.insert(0, str(options.crosswalk_src.resolve()))
    results: dict[str, object] = {
        "machine": machine(),
        "file": f"{CATALOG.name} ({CATALOG.stat().st_size / 1e6:.1f} MB)",
    }
    checks: dict[str, bool] = {}
    venv: Path | None = None
    if options.skip_trestle:
        results["trestle_skipped"] = "--skip-trestle"
    else:
        try:
            venv = trestle_venv(options.trestle_venv, options.fresh_trestle)
        except TrestleUnavailable as error:
            message = f"SKIPPED the comparison: {TRESTLE_PIN} cannot be installed: {error}"
            print(message, file=sys.stderr)
            results["trestle_skipped"] = message
    compared, ratio = side_by_side(options.rounds, venv, options.crosswalk_src)
    results["side_by_side"] = compared
    if ratio is not None:
        checks[
            f"frameworks import >= {TARGET_RATIO:g}x faster than trestle import "
            f"(median of {options.rounds}, side by side)"
        ] = ratio >= TARGET_RATIO
    if not options.side_by_side_only:
        process = in_process()
        results["in_process"] = process
        checks["read_oscal_catalog SP 800-53 <= 0.3 s"] = (
            float(str(process["read_s_median"])) <= 0.3
        )
        checks["parse, validate, store <= 0.5 s in process"] = (
            float(str(process["parse_validate_store_s_median"])) <= 0.5
        )
        checks["1,189 controls (322 + 867)"] = process["counts"] == {
            "group": 20,
            "control": 322,
            "enhancement": 867,
        }
        ciso = ciso_speed()
        results["ciso_assistant"] = ciso
        checks["CISO Assistant import at least as fast per MB as parsing with the C loader"] = all(
            float(v["crosswalk_import_mb_per_s"]) >= float(v["pyyaml_c_parse_mb_per_s"])  # type: ignore[index]
            for v in ciso.values()
        )
        if venv is not None:
            with tempfile.TemporaryDirectory() as folder:
                accepted = trestle_accepts_export(venv, Path(folder))
            results["trestle_reads_our_export"] = accepted
            checks["our OSCAL export validates with trestle's models"] = all(
                v == "ok" for v in accepted.values()
            )
    if hasattr(os, "getloadavg"):
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
