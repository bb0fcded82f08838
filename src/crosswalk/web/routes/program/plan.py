"""The plan to certification as a page, downloads (HTML with the timeline, XLSX) and JSON:
the CLI's ``crosswalk plan``, from the same service and the same report writers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse
from markupsafe import Markup

from crosswalk.domain.errors import CrosswalkError
from crosswalk.reports.plan_report import summary_lines, timeline_svg, write_plan
from crosswalk.services.program.plan import CertificationPlan, certification_plan, default_target
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import XLSX, api, download, render

router = APIRouter()

TargetQuery = Annotated[
    str | None, Query(max_length=10, description="Stage 2 audit date, YYYY-MM-DD.")
]


def _target(context: RequestContext, text: str | None) -> date:
    if not text or not text.strip():
        return default_target(context.today)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CrosswalkError(f"target {text!r} is not a date (YYYY-MM-DD)") from None


def plan_data(context: RequestContext, target: str | None) -> CertificationPlan:
    day = _target(context, target)
    return context.state.cached(
        context.db,
        "plan",
        lambda: certification_plan(
            context.db,
            context.library,
            day,
            context.today,
            workspace_root=context.state.workspace.root,
        ),
        day,
    )


@router.get("/plan", include_in_schema=False)
def plan_page(context: Reader, target: TargetQuery = None) -> HTMLResponse:
    plan = plan_data(context, target)
    return render(
        context,
        "program/plan.html",
        plan=plan,
        summary=summary_lines(plan),
        timeline=Markup(timeline_svg(plan)),
        query=f"?target={plan.target_date}",
    )


@router.get("/api/plan", tags=["plan"])
def plan_api(context: Reader, target: TargetQuery = None) -> dict[str, Any]:
    """The dated plan: phases with their items, milestones, and whether the target holds."""
    data: dict[str, Any] = api(plan_data(context, target))
    return data


@router.get(
    "/plan/report.html",
    tags=["plan"],
    response_class=FileResponse,
    responses=file_download("text/html"),
)
def plan_html(context: Reader, target: TargetQuery = None) -> FileResponse:
    """The plan as one self-contained HTML page with its timeline."""
    plan = plan_data(context, target)
    return download(
        lambda path: write_plan(plan, "html", path),
        f"plan-{plan.target_date}.html",
        "text/html; charset=utf-8",
    )


@router.get(
    "/plan/report.xlsx", tags=["plan"], response_class=FileResponse, responses=file_download(XLSX)
)
def plan_xlsx(context: Reader, target: TargetQuery = None) -> FileResponse:
    """The plan as a workbook: an overview and one sheet per phase."""
    plan = plan_data(context, target)
    return download(
        lambda path: write_plan(plan, "xlsx", path), f"plan-{plan.target_date}.xlsx", XLSX
    )
