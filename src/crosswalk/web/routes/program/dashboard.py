"""The dashboard: coverage per framework, what is due or stale, ISMS readiness."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from crosswalk.services.access import permissions
from crosswalk.services.coverage.live import LiveProgram
from crosswalk.services.evidence.freshness import ControlFreshness
from crosswalk.services.program.dashboard import Dashboard, live_dashboard
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import json_answer, json_bytes, render

router = APIRouter()


def dashboard_data(context: RequestContext) -> Dashboard:
    return _dashboard(context, context.program())


def _dashboard(context: RequestContext, program: LiveProgram) -> Dashboard:
    limit = permissions.performance_limit(context.user)
    if limit is None:
        return context.state.view(program, "dashboard", lambda: live_dashboard(program))

    def shown(items: list[ControlFreshness]) -> list[ControlFreshness]:
        return [permissions.performance_shown(item, limit) for item in items]

    def for_auditor() -> Dashboard:
        whole = _dashboard_of(context, program)
        return replace(
            whole,
            due_this_week=shown(whole.due_this_week),
            due_this_month=shown(whole.due_this_month),
            stale=shown(whole.stale),
        )

    return context.state.view(program, "dashboard", for_auditor, limit)


def _dashboard_of(context: RequestContext, program: LiveProgram) -> Dashboard:
    return context.state.view(program, "dashboard", lambda: live_dashboard(program))


@router.get("/", include_in_schema=False)
def dashboard_page(context: Reader) -> HTMLResponse:
    from crosswalk.web.routes.gdpr.incidents import breach_clocks

    return render(
        context,
        "program/dashboard.html",
        dashboard=dashboard_data(context),
        breach_clocks=breach_clocks(context),
    )


@router.get("/api/dashboard", tags=["dashboard"], response_model=dict[str, Any])
def dashboard_api(context: Reader) -> Response:
    # The JSON of a big program is large (every stale control): written once per state.
    program = context.program()
    body = context.state.view(
        program,
        "dashboard-json",
        lambda: json_bytes(_dashboard(context, program), context.state.live.json_memo),
        permissions.performance_limit(context.user),
    )
    return json_answer(body)
