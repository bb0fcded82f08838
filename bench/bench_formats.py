"""Benchmarks for the open-formats issue. Run: .venv/bin/python bench/bench_formats.py

Targets: `read_oscal_catalog` of NIST SP 800-53 rev5 (3 MB, 1,189 controls) <= 0.3 s;
parse, validate and store it (read + `services.formats.install`) <= 0.5 s in process; the
CLI `crosswalk frameworks import` of that file faster than `trestle import` of the same
file (median of 3 each, both as fresh imports).

compliance-trestle is installed into its own venv under the temp folder (never into the
project): reused between runs if present, `--fresh-trestle` rebuilds it, `--skip-trestle`
leaves the comparison out.
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

from crosswalk.catalogs.loader import load_library
from crosswalk.io.oscal_catalog import read_oscal_catalog, write_oscal_catalog
from crosswalk.services.mapping.formats import install

REPO = Path(__file__).resolve().parents[1]
CISO = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ciso-assistant"
CATALOG = (
    REPO.parent
    / "shared"
    / "fixtures"
    / "oscal"
    / "catalogs"
    / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
)
CROSSWALK = REPO / ".venv" / "bin" / "crosswalk"
TRESTLE_VENV = Path(tempfile.gettempdir()) / "crosswalk-bench-trestle-venv"
TRESTLE_NAME = "nist800-53"


def run(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return elapsed


def in_process(repeat: int = 7) -> dict[str, object]:
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


def trestle_venv(fresh: bool) -> Path:
    """A venv with compliance-trestle, outside the repo; built once and reused."""
    trestle = TRESTLE_VENV / "bin" / "trestle"
    if fresh and TRESTLE_VENV.exists():
        shutil.rmtree(TRESTLE_VENV)
    if not trestle.exists():
        print(f"installing compliance-trestle into {TRESTLE_VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(TRESTLE_VENV)], check=True)
        subprocess.run(
            [str(TRESTLE_VENV / "bin" / "pip"), "install", "-q", "compliance-trestle"],
            check=True,
        )
    return TRESTLE_VENV


def time_trestle(venv: Path, scratch: Path, repeat: int = 3) -> tuple[list[float], str]:
    trestle = str(venv / "bin" / "trestle")
    root = scratch / "trestle-workspace"
    root.mkdir()
    run([trestle, "init"], cwd=root)
    times = []
    for _ in range(repeat):
        shutil.rmtree(root / "catalogs" / TRESTLE_NAME, ignore_errors=True)  # a fresh import
        times.append(run([trestle, "import", "-f", str(CATALOG), "-o", TRESTLE_NAME], cwd=root))
    version = subprocess.run([trestle, "version"], capture_output=True, text=True, check=False)
    return times, version.stdout.strip()


def time_crosswalk_cli(scratch: Path, repeat: int = 3) -> tuple[list[float], str]:
    workspace = scratch / "crosswalk-workspace"
    run([str(CROSSWALK), "init", str(workspace)])
    has_import = (
        subprocess.run(
            [str(CROSSWALK), "frameworks", "import", "--help"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if has_import:
        command = [str(CROSSWALK), "-w", str(workspace), "frameworks", "import", str(CATALOG)]
        how = "crosswalk -w WS frameworks import FILE"
    else:  # the CLI command is not wired yet: the same work through python -c
        code = (
            "import sys; from pathlib import Path;"
            "from crosswalk.catalogs.loader import load_library;"
            "from crosswalk.io.oscal_catalog import read_oscal_catalog;"
            "from crosswalk.services.mapping.formats import install;"
            "install(load_library(), Path(sys.argv[2]), read_oscal_catalog(Path(sys.argv[1])))"
        )
        python = str(REPO / ".venv" / "bin" / "python")
        command = [python, "-c", code, str(CATALOG), str(workspace / "catalogs")]
        how = "python -c read_oscal_catalog + install (frameworks import not wired yet)"
    times = []
    for _ in range(repeat):
        for stale in (workspace / "catalogs" / "frameworks").glob("*.yaml"):
            stale.unlink()  # a fresh import each time, not the no-op re-import
        times.append(run(command))
    return times, how


def trestle_accepts_export(venv: Path, scratch: Path) -> dict[str, str]:
    """Our OSCAL export of a shipped catalog and of SP 800-53, read by trestle's models."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-trestle", action="store_true")
    parser.add_argument("--fresh-trestle", action="store_true")
    options = parser.parse_args()
    if not CATALOG.exists():
        sys.exit(f"fixture not found: {CATALOG} (shared/ must sit beside the repo)")
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
        "file": f"{CATALOG.name} ({CATALOG.stat().st_size / 1e6:.1f} MB)",
    }
    process = in_process()
    results["in_process"] = process
    checks: dict[str, bool] = {
        "read_oscal_catalog SP 800-53 <= 0.3 s": float(str(process["read_s_median"])) <= 0.3,
        "parse, validate, store <= 0.5 s in process": (
            float(str(process["parse_validate_store_s_median"])) <= 0.5
        ),
        "1,189 controls (322 + 867)": process["counts"]
        == {"group": 20, "control": 322, "enhancement": 867},
    }
    ciso = ciso_speed()
    results["ciso_assistant"] = ciso
    checks["CISO Assistant import at least as fast per MB as parsing with the C loader"] = all(
        float(v["crosswalk_import_mb_per_s"]) >= float(v["pyyaml_c_parse_mb_per_s"])  # type: ignore[index]
        for v in ciso.values()
    )
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        ours, how = time_crosswalk_cli(scratch)
        results["crosswalk_cli"] = {
            "command": how,
            "runs_s": [round(t, 3) for t in ours],
            "median_s": round(statistics.median(ours), 3),
        }
        if not options.skip_trestle:
            venv = trestle_venv(options.fresh_trestle)
            theirs, version = time_trestle(venv, scratch)
            results["trestle_cli"] = {
                "command": f"trestle import -f FILE -o {TRESTLE_NAME}",
                "version": version,
                "venv": str(venv),
                "runs_s": [round(t, 3) for t in theirs],
                "median_s": round(statistics.median(theirs), 3),
            }
            checks["CLI import faster than trestle import (median of 3)"] = statistics.median(
                ours
            ) < statistics.median(theirs)
            accepted = trestle_accepts_export(venv, scratch)
            results["trestle_reads_our_export"] = accepted
            checks["our OSCAL export validates with trestle's models"] = all(
                v == "ok" for v in accepted.values()
            )
    print(json.dumps(results, indent=2))
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
