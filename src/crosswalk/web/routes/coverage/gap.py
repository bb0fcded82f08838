"""The gap analysis as a page, downloads (XLSX, HTML) and JSON: the CLI's ``crosswalk gap``,
cached until the program changes, written by the same report writers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse

from crosswalk.reports.gap_report import write_gap_report
from crosswalk.services.coverage.gap import ISO_2022, GapReport
from crosswalk.services.coverage.live import LiveProgram
from crosswalk.services.mapping.library import resolve_framework
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import XLSX, api, download, render

router = APIRouter()

SOURCE = "soc2-tsc-2017"

ToQuery = Annotated[
    str | None, Query(description="Framework to assess (like `crosswalk gap --to`); ISO 2022.")
]


# --- gap analysis --------------------------------------------------------------------------


def gap_target(context: RequestContext, to: str | None) -> str:
    return resolve_framework(context.library, to) if to and to.strip() else ISO_2022


def gap_report(
    context: RequestContext, target: str = ISO_2022, program: LiveProgram | None = None
) -> GapReport:
    """The gap analysis as of today, from the live program (once per state of it: an edit
    rebuilds the views of the requirements it touched, the others are lent)."""
    live = program if program is not None else context.program()
    return context.state.view(live, "gap-report", lambda: live.gap_report(SOURCE, target), target)


def gap_targets(context: RequestContext) -> list[tuple[str, str]]:
    """Every framework but the source: each gets a report shaped for it."""
    return [
        (fid, framework.name)
        for fid, framework in sorted(context.library.frameworks.items())
        if fid != SOURCE
    ]


@router.get("/gap", include_in_schema=False)
def gap_page(context: Reader, to: ToQuery = None) -> HTMLResponse:
    target = gap_target(context, to)
    report = gap_report(context, target)
    themes = [(theme or "(no theme)", c.by_verdict) for theme, c in report.annex_a_by_theme.items()]
    return render(
        context,
        "coverage/gap.html",
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


@router.get(
    "/gap/report.xlsx",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def gap_xlsx(context: Reader, to: ToQuery = None) -> FileResponse:
    """The gap analysis workbook (one sheet per table, filterable)."""
    target = gap_target(context, to)
    report = gap_report(context, target)
    return download(
        lambda path: write_gap_report(report, "xlsx", path),
        f"gap-{target}-{context.today}.xlsx",
        XLSX,
    )


@router.get(
    "/gap/report.html",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download("text/html"),
)
def gap_html(context: Reader, to: ToQuery = None) -> FileResponse:
    """The gap analysis as one self-contained HTML file (charts inline)."""
    target = gap_target(context, to)
    report = gap_report(context, target)
    return download(
        lambda path: write_gap_report(report, "html", path),
        f"gap-{target}-{context.today}.html",
        "text/html; charset=utf-8",
    )
