"""What "the live program equals a full recompute" means, checked piece by piece: every
surface's result from the live state against the function the CLI runs from scratch."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.reports.serialize import to_jsonable
from crosswalk.services.coverage.control_views import list_items
from crosswalk.services.coverage.explorer import assess_framework, requirement_program
from crosswalk.services.coverage.gap import GapReport, run_gap
from crosswalk.services.coverage.live import LiveProgram
from crosswalk.services.coverage.verdicts import verdict_view
from crosswalk.services.evidence.freshness import control_freshness
from crosswalk.services.program.dashboard import build_dashboard, live_dashboard

SOURCE = "soc2-tsc-2017"


def _report(report: GapReport) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(report)
    data.pop("generated_at")
    return data


def differences(
    program: LiveProgram, session: Session, library: Library, today: date, root: Path | None
) -> list[str]:
    """Where the live program and a full recompute disagree (empty: nowhere)."""
    found: list[str] = []

    def same(what: str, live: Any, full: Any) -> None:
        if to_jsonable(live) != to_jsonable(full):
            found.append(what)

    same("dashboard", live_dashboard(program), build_dashboard(session, library, today, root))
    same("control list", program.items(), list_items(session, library, today))
    same("freshness", program.freshness(), control_freshness(session, library, today))
    missing = program.missing()
    for framework_id in library.frameworks:
        full = assess_framework(session, library, framework_id, today, root)
        live = program.assessments[framework_id]
        if list(full) != list(live):
            found.append(f"{framework_id}: requirements assessed")
            continue
        for key, assessment in full.items():
            same(
                f"{key}: verdict view",
                verdict_view(library, live[key], missing),
                verdict_view(library, assessment, missing),
            )
            same(
                f"{key}: explorer",
                requirement_program(live, key),
                requirement_program(full, key),
            )
        if framework_id != SOURCE:
            live_report = _report(program.gap_report(SOURCE, framework_id))
            full_report = _report(
                run_gap(session, library, SOURCE, framework_id, today=today, workspace_root=root)
            )
            for part in full_report:
                if live_report[part] != full_report[part]:
                    found.append(f"gap analysis of {framework_id}: {part}")
    return found
