"""The dashboard: coverage per framework, what is due or stale, ISMS readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from crosswalk.services.program.dashboard import Dashboard, build_dashboard
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()


def dashboard_data(context: RequestContext) -> Dashboard:
    return context.state.cached(
        context.db,
        "dashboard",
        lambda: build_dashboard(
            context.db, context.library, context.today, context.state.workspace.root
        ),
    )


@router.get("/", include_in_schema=False)
def dashboard_page(context: Reader) -> HTMLResponse:
    return render(context, "program/dashboard.html", dashboard=dashboard_data(context))


@router.get("/api/dashboard", tags=["dashboard"])
def dashboard_api(context: Reader) -> dict[str, Any]:
    # The JSON of a big program is large (every stale control): converted once per version.
    data: dict[str, Any] = context.state.cached(
        context.db, "dashboard-json", lambda: api(dashboard_data(context))
    )
    return data
