"""Benchmark for issue 19 (GDPR beside the ISMS). Run: .venv/bin/python bench/bench_gdpr.py

Target: the "What your ISO certificate does not cover" report for 2,000 processing
activities and 10,000 incidents <= 2 s (the figures, and each of MD, HTML and XLSX written).
Also timed: the open-clock check behind `incidents list --open` and the dashboard banner.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crosswalk.catalogs.loader import load_library
from crosswalk.reports.gdpr_report import write_gdpr_report
from crosswalk.services.gdpr.incidents import alerting
from crosswalk.services.gdpr.report import certificate_gaps
from crosswalk.store.engine import session_scope
from crosswalk.store.gdpr_models import DataSubjectRequestRow, IncidentRow, ProcessingActivityRow
from crosswalk.store.isms_models import AssetRow
from crosswalk.store.models import ControlRow, TagRow
from crosswalk.store.workspace import init_workspace

ACTIVITIES = 2_000
INCIDENTS = 10_000
REQUESTS = 1_000
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _seed(session: object, rng: random.Random) -> None:
    add = session.add  # type: ignore[attr-defined]
    for index in range(200):
        add(AssetRow(asset_id=f"A-{index}", name=f"system {index}", owner="IT", in_isms_scope=True))
    for index, ref in enumerate(("A.5.15", "A.8.13", "A.8.15", "A.5.24", "A.8.24", "A.5.26")):
        control = ControlRow(control_id=f"C-{index}", title=ref, status="operating", evidence="")
        control.tags = [TagRow(framework="iso27001-2022", ref=ref, coverage="full")]
        add(control)
    for index in range(ACTIVITIES):
        special = rng.random() < 0.1
        add(
            ProcessingActivityRow(
                activity_id=f"PA-{index:05d}",
                name=f"activity {index}",
                role="controller",
                controller="",
                purpose="purpose",
                subject_categories="customers",
                data_categories="contact",
                special_categories="health" if special else "",
                lawful_basis=rng.choice(["contract", "consent", None]),
                art9_condition="b" if special and rng.random() < 0.8 else None,
                recipients="",
                processors="Mailer" if rng.random() < 0.3 else "",
                processor_agreement=rng.random() < 0.8,
                transfers="US" if rng.random() < 0.2 else "",
                transfer_safeguard=None,
                retention="6 years",
                assets=f"A-{rng.randrange(200)}",
                controls="",
                security_measures="",
                dpia_criteria=rng.choice(["", "large scale", "large scale,scoring"]),
                dpia_risks="",
            )
        )
    for index in range(INCIDENTS):
        aware = NOW - timedelta(hours=rng.randrange(1, 24 * 365))
        breach = rng.random() < 0.4
        notified = aware + timedelta(hours=rng.randrange(1, 90)) if rng.random() < 0.95 else None
        if notified is not None and notified > NOW:
            notified = None
        late = notified is not None and notified - aware > timedelta(hours=72)
        add(
            IncidentRow(
                incident_id=f"INC-{index:05d}",
                title=f"incident {index}",
                description="",
                detected_at=aware - timedelta(hours=1),
                detected_zone="Europe/Berlin",
                aware_at=aware if breach else None,
                aware_zone="Europe/Berlin" if breach else None,
                personal_data=breach if breach or rng.random() < 0.5 else None,
                risk=rng.choice(["unlikely", "risk", "high"]) if breach else None,
                data_categories="",
                consequences="",
                measures="",
                notified_at=notified if breach else None,
                notified_zone="Europe/Berlin" if breach and notified else None,
                authority="",
                delay_reason="reasons" if breach and late else "",
                closed_at=None,
                annex_a="",
            )
        )
    for index in range(REQUESTS):
        add(
            DataSubjectRequestRow(
                request_id=f"DSR-{index:05d}",
                kind=rng.choice(["access", "erasure", "portability"]),
                received_on=date(2026, 1, 1) + timedelta(days=rng.randrange(330)),
                extension_reason="",
                done_on=None,
                activity_id="",
                notes="",
            )
        )


def main() -> None:
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, SQLite",
        "activities": ACTIVITIES,
        "incidents": INCIDENTS,
        "requests": REQUESTS,
    }
    library = load_library()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        workspace, _ = init_workspace(folder / "ws")
        start = time.perf_counter()
        with session_scope(workspace.engine) as session:
            _seed(session, random.Random(19))
            session.commit()
        results["seed_s"] = round(time.perf_counter() - start, 2)
        timings: dict[str, list[float]] = {"figures": [], "md": [], "html": [], "xlsx": []}
        clocks = []
        for _ in range(5):
            with session_scope(workspace.engine) as session:
                start = time.perf_counter()
                report = certificate_gaps(session, library, NOW)
                timings["figures"].append(time.perf_counter() - start)
                for fmt in ("md", "html", "xlsx"):
                    start = time.perf_counter()
                    write_gdpr_report(report, fmt, folder / f"gdpr.{fmt}")
                    timings[fmt].append(time.perf_counter() - start)
                start = time.perf_counter()
                alerting(session, NOW)
                clocks.append(time.perf_counter() - start)
        workspace.close()
    for name, values in timings.items():
        results[f"report_{name}_s_median"] = round(sorted(values)[2], 3)
        results[f"report_{name}_s_worst"] = round(max(values), 3)
    whole = [sum(values[i] for values in timings.values()) for i in range(5)]
    slowest_format = [
        timings["figures"][i] + max(timings[f][i] for f in ("md", "html", "xlsx")) for i in range(5)
    ]
    results["report_figures_plus_slowest_format_s_worst"] = round(max(slowest_format), 3)
    results["report_figures_plus_all_three_formats_s_worst"] = round(max(whole), 3)
    results["open_clocks_check_s_worst"] = round(max(clocks), 3)
    results["articles"] = dict(report.counts)
    print(json.dumps(results, indent=2))
    ok = max(slowest_format) <= 2
    print(f"{'PASS' if ok else 'FAIL'}  GDPR report, 2,000 activities / 10,000 incidents <= 2 s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
