"""Information security objectives (6.2): what is measured, the target, owner and due date."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from crosswalk.services.isms.objectives import Objective, list_objectives
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()


def objectives_data(context: RequestContext) -> list[Objective]:
    return context.state.cached(context.db, "objectives", lambda: list_objectives(context.db))


@router.get("/objectives", include_in_schema=False)
def objectives_page(context: Reader) -> HTMLResponse:
    return render(context, "isms/objectives.html", objectives=objectives_data(context))


@router.get("/api/objectives", tags=["objectives"])
def objectives_api(context: Reader) -> dict[str, Any]:
    """Every objective with its measure, target, owner, due date and status."""
    return {"objectives": api(objectives_data(context))}
