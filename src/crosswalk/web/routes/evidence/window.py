"""The SOC 2 Type 2 observation window as a page, an XLSX download and JSON: the CLI's
``crosswalk window``; auditors see only their own window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.window import WindowReport, WindowSummary
from crosswalk.reports.window_report import write_window_report
from crosswalk.services.access import permissions
from crosswalk.services.evidence.views import (
    default_window,
    reader_window,
    window_chart_rows,
    without_outside_evidence,
)
from crosswalk.services.evidence.window import run_window
from crosswalk.services.mapping.library import resolve_framework
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import XLSX, api, download, render

router = APIRouter()

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
            "evidence/window.html",
            status_code=403,
            data=None,
            refused=str(refused),
            frameworks=frameworks,
        )
    except CrosswalkError as problem:
        data = window_data(context, framework=None, audit_day_days=days)
        return render(
            context,
            "evidence/window.html",
            status_code=400,
            data=data,
            error=str(problem),
            frameworks=frameworks,
            chart_rows=window_chart_rows(data.report),
        )
    return render(
        context,
        "evidence/window.html",
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


@router.get(
    "/window/report.xlsx",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def window_xlsx(
    context: Reader,
    start: StartQuery = None,
    end: EndQuery = None,
    framework: FrameworkQuery = None,
    days: DaysQuery = 14,
) -> FileResponse:
    """The window check as a workbook: summary, controls, missing periods, outside evidence."""
    data = window_data(context, start, end, framework, days)
    return download(
        lambda path: write_window_report(data.report, "xlsx", path),
        f"window-{data.start}-{data.end}.xlsx",
        XLSX,
    )
