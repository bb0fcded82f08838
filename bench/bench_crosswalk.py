"""Benchmarks for the foundation issue. Run: .venv/bin/python bench/bench_crosswalk.py

Targets: load every shipped catalog and mapping set <= 0.3 s; one `map --explain` over a
synthetic graph of 70,000 requirements and 100,000 edges <= 50 ms after load;
`crosswalk --help` <= 0.5 s.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.services.mapping.queries import map_requirement

REPO = Path(__file__).resolve().parents[1]


def timed(function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def synthetic_library(requirements: int = 70_000, edges: int = 100_000, seed: int = 7) -> Library:
    """Source, backbone and target frameworks wired like a real crosswalk, only bigger."""
    rng = random.Random(seed)
    sizes = {"src": requirements * 2 // 7, "bb": requirements // 7, "tgt": requirements * 4 // 7}
    frameworks = {}
    for fid, size in sizes.items():
        reqs = tuple(Requirement(fid, f"R{i}", f"requirement {i}", "control") for i in range(size))
        frameworks[fid] = Framework(fid, fid, "1", "bench", "bench", "bench", reqs)
    relationships = list(Relationship)[:4]
    provenance = Provenance("bench", Method.AUTOMATION, reviewed_on=date(2026, 1, 1))

    def make(set_id: str, a: str, b: str, count: int) -> MappingSet:
        mappings = tuple(
            Mapping(
                set_id,
                f"{a}:R{rng.randrange(sizes[a])}",
                f"{b}:R{rng.randrange(sizes[b])}",
                rng.choice(relationships),
                RationaleKind.SEMANTIC,
                "synthetic edge",
                rng.randint(1, 10),
            )
            for _ in range(count)
        )
        return MappingSet(set_id, "1", set_id, a, b, provenance, mappings)

    sets = [
        make("src-bb", "src", "bb", edges * 2 // 5),
        make("bb-tgt", "bb", "tgt", edges * 2 // 5),
        make("src-tgt", "src", "tgt", edges // 5),
    ]
    return Library(frameworks, {s.id: s for s in sets})


def main() -> None:
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}",
    }
    load = timed(load_library, 10)
    results["load_shipped_s_median"] = round(statistics.median(load), 4)
    results["load_shipped_s_max"] = round(max(load), 4)
    library = load_library()
    results["shipped"] = {
        "requirements": sum(len(f) for f in library.frameworks.values()),
        "edges": sum(len(s.mappings) for s in library.mapping_sets.values()),
    }
    cold = timed(
        lambda: subprocess.run(
            [
                sys.executable,
                "-c",
                "from crosswalk.catalogs.loader import load_library; load_library()",
            ],
            check=True,
        ),
        5,
    )
    results["import_and_load_cold_process_s_median"] = round(statistics.median(cold), 4)

    build_start = time.perf_counter()
    synthetic = synthetic_library()
    _ = synthetic.graph
    results["synthetic_build_s"] = round(time.perf_counter() - build_start, 3)
    results["synthetic"] = {
        "requirements": sum(len(f) for f in synthetic.frameworks.values()),
        "edges": sum(len(s.mappings) for s in synthetic.mapping_sets.values()),
    }
    rng = random.Random(11)
    keys = [f"src:R{rng.randrange(len(synthetic.frameworks['src']))}" for _ in range(200)]
    per_query = []
    paths = []
    for key in keys:
        start = time.perf_counter()
        result = map_requirement(synthetic, key, "tgt", via=["bb"], max_hops=3)
        per_query.append(time.perf_counter() - start)
        paths.append(len(result.direct) + len(result.inferred))
    per_query.sort()
    results["map_explain_ms_median"] = round(statistics.median(per_query) * 1000, 2)
    results["map_explain_ms_p95"] = round(per_query[int(len(per_query) * 0.95)] * 1000, 2)
    results["map_explain_ms_max"] = round(per_query[-1] * 1000, 2)
    results["map_paths_per_query_median"] = statistics.median(paths)

    cli = str(REPO / ".venv" / "bin" / "crosswalk")
    help_times = timed(lambda: subprocess.run([cli, "--help"], check=True, capture_output=True), 7)
    results["cli_help_s_median"] = round(statistics.median(help_times), 3)
    results["cli_help_s_max"] = round(max(help_times), 3)
    print(json.dumps(results, indent=2))
    checks = {
        "load <= 0.3 s": statistics.median(load) <= 0.3,
        "map --explain <= 50 ms (p95)": per_query[int(len(per_query) * 0.95)] <= 0.05,
        "--help <= 0.5 s": statistics.median(help_times) <= 0.5,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
