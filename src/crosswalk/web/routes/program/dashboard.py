"""The dashboard: coverage per framework, what is due or stale, ISMS readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from crosswalk.services.coverage.live import LiveProgram
from crosswalk.services.program.dashboard import Dashboard, live_dashboard
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import json_answer, json_bytes, render

router = APIRouter()


def dashboard_data(context: RequestContext) -> Dashboard:
    return _dashboard(context, context.program())


def _dashboard(context: RequestContext, program: LiveProgram) -> Dashboard:
    return context.state.view(program, "dashboard", lambda: live_dashboard(program))


@router.get("/", include_in_schema=False)
def dashboard_page(context: Reader) -> HTMLResponse:
    return render(context, "program/dashboard.html", dashboard=dashboard_data(context))


@router.get("/api/dashboard", tags=["dashboard"], response_model=dict[str, Any])
def dashboard_api(context: Reader) -> Response:
    # The JSON of a big program is large (every stale control): written once per state.
    program = context.program()
    body = context.state.view(
        program,
        "dashboard-json",
        lambda: json_bytes(_dashboard(context, program), context.state.live.json_memo),
    )
    return json_answer(body)
