"""Profile resolution, side by side with trestle. Run: .venv/bin/python bench/bench_profiles.py

The headline (issue 23): ``crosswalk frameworks resolve`` of NIST's SP 800-53 rev5 HIGH
baseline (370 controls) against the 5.0.1 catalog, as a whole process, next to
compliance-trestle's profile resolver (``trestle author profile-resolve``) on the same two
files, in one run: for each of ``--rounds`` rounds the two take turns (which goes first
alternates); only the resolving process is timed. Trestle reads the profile from a
trestle workspace holding the catalog (``trestle import``, untimed) and a copy of the
profile whose import points at it (``trestle://catalogs/...``), since the profile's own
import is a path in NIST's repository; Crosswalk is given the catalog with ``--catalog``.
Both outputs are checked: the same 370 control ids, and trestle's models accept ours.
The report gives the medians, the spread, the ratio and the machine.

compliance-trestle (``bench_formats.TRESTLE_PIN``) is the venv ``bench_formats.py`` builds
under the user's cache folder (``--fresh-trestle`` rebuilds it); if it cannot be
installed, Crosswalk is timed alone and the report says why.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_formats import (
    CROSSWALK,
    REPO,
    TRESTLE_PIN,
    TrestleUnavailable,
    cache_folder,
    crosswalk_env,
    machine,
    run,
    summary,
    trestle_env,
    trestle_venv,
    trestle_version,
)

FIXTURES = REPO.parent / "shared" / "fixtures" / "oscal" / "catalogs"
CATALOG = FIXTURES / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
PROFILE = FIXTURES / "NIST_SP-800-53_rev5_HIGH-baseline_profile.json"
EXPECTED_CONTROLS = 370


def control_ids(path: Path) -> list[str]:
    catalog = json.loads(path.read_text(encoding="utf-8"))["catalog"]
    found: list[str] = []

    def walk(holder: dict[str, object]) -> None:
        for control in holder.get("controls") or []:  # type: ignore[attr-defined]
            found.append(control["id"])
            walk(control)
        for group in holder.get("groups") or []:  # type: ignore[attr-defined]
            walk(group)

    walk(catalog)
    return found


def one_crosswalk(scratch: Path, round_no: int, env: dict[str, str]) -> float:
    output = scratch / f"crosswalk-{round_no}.json"
    elapsed = run(
        [
            str(CROSSWALK),
            "frameworks",
            "resolve",
            str(PROFILE),
            "--catalog",
            str(CATALOG),
            "-o",
            str(output),
        ],
        cwd=scratch,
        env=env,
    )
    if len(control_ids(output)) != EXPECTED_CONTROLS:
        raise RuntimeError(f"crosswalk resolved {len(control_ids(output))} controls")
    return elapsed


def trestle_workspace(venv: Path, scratch: Path, env: dict[str, str]) -> Path:
    """A trestle workspace with the catalog imported and the profile pointing at it."""
    trestle = str(venv / "bin" / "trestle")
    root = scratch / "trestle"
    root.mkdir()
    run([trestle, "init"], cwd=root, env=env)
    run([trestle, "import", "-f", str(CATALOG), "-o", "nist800-53"], cwd=root, env=env)
    document = json.loads(PROFILE.read_text(encoding="utf-8"))
    for entry in document["profile"]["imports"]:
        entry["href"] = "trestle://catalogs/nist800-53/catalog.json"
    folder = root / "profiles" / "high"
    folder.mkdir(parents=True)
    (folder / "profile.json").write_text(json.dumps(document), encoding="utf-8")
    return root


def one_trestle(venv: Path, root: Path, round_no: int, env: dict[str, str]) -> float:
    name = f"high-resolved-{round_no}"
    elapsed = run(
        [str(venv / "bin" / "trestle"), "author", "profile-resolve", "-n", "high", "-o", name],
        cwd=root,
        env=env,
    )
    output = root / "catalogs" / name / "catalog.json"
    if len(control_ids(output)) != EXPECTED_CONTROLS:
        raise RuntimeError(f"trestle resolved {len(control_ids(output))} controls")
    return elapsed


def trestle_reads(venv: Path, path: Path) -> str:
    check = (
        "import json, sys; from trestle.oscal.catalog import Catalog;"
        "Catalog.model_validate(json.load(open(sys.argv[1]))['catalog'])"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", check, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "ok" if done.returncode == 0 else done.stderr.strip()[-600:]


def side_by_side(
    rounds: int, venv: Path | None, results: dict[str, object]
) -> tuple[dict[str, object], dict[str, bool]]:
    """The rounds, taking turns, and the checks on both outputs."""
    ours: list[float] = []
    theirs: list[float] = []
    checks: dict[str, bool] = {}
    ours_env, theirs_env = crosswalk_env(None), trestle_env()
    with tempfile.TemporaryDirectory(prefix="crosswalk-bench-profiles-") as folder:
        scratch = Path(folder)
        root = trestle_workspace(venv, scratch, theirs_env) if venv is not None else None
        for round_no in range(rounds):
            crosswalk_first = round_no % 2 == 0 or root is None
            if crosswalk_first:
                ours.append(one_crosswalk(scratch, round_no, ours_env))
            if venv is not None and root is not None:
                theirs.append(one_trestle(venv, root, round_no, theirs_env))
            if not crosswalk_first:
                ours.append(one_crosswalk(scratch, round_no, ours_env))
            print(
                f"round {round_no + 1}/{rounds}: crosswalk {ours[-1]:.3f} s"
                + (f", trestle {theirs[-1]:.3f} s" if theirs else ""),
                file=sys.stderr,
            )
        mine = control_ids(scratch / "crosswalk-0.json")
        checks[f"crosswalk resolves {EXPECTED_CONTROLS} controls"] = len(mine) == EXPECTED_CONTROLS
        compared: dict[str, object] = {
            "rounds": rounds,
            "crosswalk": {
                "command": "crosswalk frameworks resolve PROFILE --catalog CATALOG -o OUT",
                **summary(ours),
            },
        }
        if venv is not None and root is not None:
            trestle_ids = control_ids(root / "catalogs" / "high-resolved-0" / "catalog.json")
            checks["the same control ids as trestle"] = sorted(mine) == sorted(trestle_ids)
            accepted = trestle_reads(venv, scratch / "crosswalk-0.json")
            results["trestle_reads_our_resolved_catalog"] = accepted
            checks["trestle's models accept our resolved catalog"] = accepted == "ok"
            compared["trestle"] = {
                "command": "trestle author profile-resolve -n high -o OUT (workspace untimed)",
                "pin": TRESTLE_PIN,
                "version": trestle_version(venv),
                **summary(theirs),
            }
            per_round = [t / o for o, t in zip(ours, theirs, strict=True)]
            compared["ratio_trestle_over_crosswalk"] = {
                "of_medians": round(statistics.median(theirs) / statistics.median(ours), 2),
                "per_round_median": round(statistics.median(per_round), 2),
                "per_round_min": round(min(per_round), 2),
                "per_round_max": round(max(per_round), 2),
            }
        shutil.rmtree(scratch / "trestle", ignore_errors=True)
    return compared, checks


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
    options = parser.parse_args()
    for path in (CATALOG, PROFILE):
        if not path.exists():
            sys.exit(f"fixture not found: {path} (shared/ must sit beside the repo)")
    if options.rounds < 1:
        sys.exit("--rounds must be at least 1")
    results: dict[str, object] = {
        "machine": machine(),
        "profile": PROFILE.name,
        "catalog": f"{CATALOG.name} ({CATALOG.stat().st_size / 1e6:.1f} MB)",
    }
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
    compared, checks = side_by_side(options.rounds, venv, results)
    results["side_by_side"] = compared
    if hasattr(os, "getloadavg"):
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2))
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
