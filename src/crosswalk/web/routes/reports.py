"""The gap analysis and the SOC 2 Type 2 observation window, as pages, downloads and JSON.

Both reports are the CLI's (``crosswalk gap``, ``crosswalk window``): the same services,
cached until the program changes, and the same XLSX/HTML writers for the downloads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.window import WindowReport, WindowSummary
from crosswalk.reports.gap_report import write_gap_report
from crosswalk.reports.window_report import write_window_report
from crosswalk.services import permissions
from crosswalk.services.evidence_views import (
    default_window,
    reader_window,
    window_chart_rows,
    without_outside_evidence,
)
from crosswalk.services.gap import ISO_2022, GapReport, run_gap
from crosswalk.services.library import resolve_framework
from crosswalk.services.window import run_window
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()

SOURCE = "soc2-tsc-2017"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAP_KINDS = {"control", "clause"}  # what the gap analysis assesses (Annex A, clauses 4-10)

ToQuery = Annotated[
    str | None, Query(description="Framework to assess (like `crosswalk gap --to`); ISO 2022.")
]


# --- gap analysis --------------------------------------------------------------------------


def gap_target(context: RequestContext, to: str | None) -> str:
    return resolve_framework(context.library, to) if to and to.strip() else ISO_2022


def gap_report(context: RequestContext, target: str = ISO_2022) -> GapReport:
    """The gap analysis as of today, computed once per change of the program."""
    return context.state.cached(
        context.db,
        "gap-report",
        lambda: run_gap(context.db, context.library, SOURCE, target, today=context.today),
        target,
    )


def gap_targets(context: RequestContext) -> list[tuple[str, str]]:
    """Frameworks the gap analysis can assess: those with controls or clauses."""
    return [
        (fid, framework.name)
        for fid, framework in sorted(context.library.frameworks.items())
        if fid != SOURCE and any(r.kind in GAP_KINDS for r in framework)
    ]


@router.get("/gap", include_in_schema=False)
def gap_page(context: Reader, to: ToQuery = None) -> HTMLResponse:
    target = gap_target(context, to)
    report = gap_report(context, target)
    themes = [(theme or "(no theme)", c.by_verdict) for theme, c in report.annex_a_by_theme.items()]
    return render(
        context,
        "gap.html",
        report=report,
        target=target,
        target_name=context.library.frameworks[target].name,
        targets=gap_targets(context),
        theme_rows=[
            *(themes if len(themes) > 1 else []),
            ("All", report.annex_a_summary.by_verdict),
        ],
        query=f"?to={target}",
    )


@router.get("/api/gap", tags=["reports"])
def gap_api(context: Reader, to: ToQuery = None) -> dict[str, Any]:
    """The whole gap analysis (verdicts, routes, net-new clauses, backlog, draft SoA)."""
    data: dict[str, Any] = api(gap_report(context, gap_target(context, to)))
    return data


def _download(write: Callable[[Path], None], filename: str, media_type: str) -> FileResponse:
    """Write a report into a private temporary folder, send it, then remove the folder."""
    folder = Path(tempfile.mkdtemp(prefix="crosswalk-report-"))
    try:
        path = folder / filename
        write(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/gap/report.xlsx", tags=["reports"])
def gap_xlsx(context: Reader, to: ToQuery = None) -> FileResponse:
    """The gap analysis workbook (one sheet per table, filterable)."""
    target = gap_target(context, to)
    report = gap_report(context, target)
    return _download(
        lambda path: write_gap_report(report, "xlsx", path),
        f"gap-{target}-{context.today}.xlsx",
        XLSX,
    )


@router.get("/gap/report.html", tags=["reports"])
def gap_html(context: Reader, to: ToQuery = None) -> FileResponse:
    """The gap analysis as one self-contained HTML file (charts inline)."""
    target = gap_target(context, to)
    report = gap_report(context, target)
    return _download(
        lambda path: write_gap_report(report, "html", path),
        f"gap-{target}-{context.today}.html",
        "text/html; charset=utf-8",
    )


# --- observation window --------------------------------------------------------------------


@dataclass(frozen=True)
class WindowPage:
    start: date
    end: date
    framework: str | None
    audit_day_days: int
    requested: tuple[date, date]
    clamped: bool  # an auditor asked for more than their own window
    auditor_window: tuple[date, date] | None
    summary: WindowSummary
    report: WindowReport


def _day(text: str | None, name: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CrosswalkError(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def window_data(
    context: RequestContext,
    start: str | None = None,
    end: str | None = None,
    framework: str | None = None,
    audit_day_days: int = 14,
) -> WindowPage:
    user = context.user
    default_start, default_end = default_window(user, context.today)
    requested = (_day(start, "start") or default_start, _day(end, "end") or default_end)
    chosen = reader_window(user, *requested)  # auditors: clamped to their window
    framework_id = resolve_framework(context.library, framework) if framework else None

    def compute() -> WindowReport:
        return run_window(
            context.db, context.library, chosen.start, chosen.end, framework_id, audit_day_days
        )

    report = context.state.cached(
        context.db, "window-report", compute, chosen.start, chosen.end, framework_id, audit_day_days
    )
    if permissions.limited_to_window(user):
        report = without_outside_evidence(report)
    return WindowPage(
        start=chosen.start,
        end=chosen.end,
        framework=framework_id,
        audit_day_days=audit_day_days,
        requested=requested,
        clamped=chosen.clamped,
        auditor_window=permissions.auditor_window(user)
        if permissions.limited_to_window(user)
        else None,
        summary=report.summary,
        report=report,
    )


StartQuery = Annotated[str | None, Query(description="First day (YYYY-MM-DD).")]
EndQuery = Annotated[str | None, Query(description="Last day (YYYY-MM-DD).")]
FrameworkQuery = Annotated[str | None, Query(description="Only controls tagged to this framework.")]
DaysQuery = Annotated[
    int,
    Query(ge=1, le=366, description="Flag controls whose evidence all falls in the last N days."),
]


def _frameworks(context: RequestContext) -> list[tuple[str, str]]:
    return [(fid, f.name) for fid, f in sorted(context.library.frameworks.items())]


@router.get("/window", include_in_schema=False)
def window_page(
    context: Reader,
    start: StartQuery = None,
    end: EndQuery = None,
    framework: FrameworkQuery = None,
    days: DaysQuery = 14,
) -> HTMLResponse:
    frameworks = _frameworks(context)
    try:
        data = window_data(context, start, end, framework, days)
    except permissions.Forbidden as refused:
        return render(
            context,
            "window.html",
            status_code=403,
            data=None,
            refused=str(refused),
            frameworks=frameworks,
        )
    except CrosswalkError as problem:
        data = window_data(context, framework=None, audit_day_days=days)
        return render(
            context,
            "window.html",
            status_code=400,
            data=data,
            error=str(problem),
            frameworks=frameworks,
            chart_rows=window_chart_rows(data.report),
        )
    return render(
        context,
        "window.html",
        data=data,
        frameworks=frameworks,
        chart_rows=window_chart_rows(data.report),
    )


@router.get("/api/window", tags=["reports"])
def window_api(
    context: Reader,
    start: StartQuery = None,
    end: EndQuery = None,
    framework: FrameworkQuery = None,
    days: DaysQuery = 14,
) -> dict[str, Any]:
    """The observation-window check; auditors get their own window (clamped to it)."""
    data: dict[str, Any] = api(window_data(context, start, end, framework, days))
    return data


@router.get("/window/report.xlsx", tags=["reports"])
def window_xlsx(
    context: Reader,
    start: StartQuery = None,
    end: EndQuery = None,
    framework: FrameworkQuery = None,
    days: DaysQuery = 14,
) -> FileResponse:
    """The window check as a workbook: summary, controls, missing periods, outside evidence."""
    data = window_data(context, start, end, framework, days)
    return _download(
        lambda path: write_window_report(data.report, "xlsx", path),
        f"window-{data.start}-{data.end}.xlsx",
        XLSX,
    )
