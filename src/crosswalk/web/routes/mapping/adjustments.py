"""The team's adjustments to the crosswalk: the list, and the forms and API that change,
retire, add or undo an edge's adjustment. Editors and admins only; the edge's page in the
explorer carries the form."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.mapping.adjustments import (
    AdjustmentView,
    adjust_edge,
    list_adjustments,
    restore_edge,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()

WHAT = "adjusting the crosswalk"


def adjustments_data(context: RequestContext) -> list[AdjustmentView]:
    return list_adjustments(context.db, context.shipped_library)


def _back(key: str, notice: str) -> RedirectResponse:
    target = f"/explorer/{quote(key, safe=':')}" if key else "/adjustments"
    return redirect(target, notice)


@router.get("/adjustments", include_in_schema=False)
def adjustments_page(context: Reader) -> HTMLResponse:
    return render(context, "mapping/adjustments.html", adjustments=adjustments_data(context))


@router.post("/adjustments", include_in_schema=False)
def adjust_form(
    context: Writer,
    source: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[str, Form(max_length=200)] = "",
    relationship: Annotated[str, Form(max_length=40)] = "",
    strength: Annotated[str, Form(max_length=4)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    because: Annotated[str, Form(max_length=2000)] = "",
    action: Annotated[str, Form(max_length=20)] = "change",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Any:
    permissions.require_program(context.user, WHAT)
    try:
        if action == "undo":
            edge = restore_edge(context.db, context.shipped_library, source, target)
            notice = f"{edge}: adjustment undone, the shipped edge applies"
        else:
            view = adjust_edge(
                context.db,
                context.shipped_library,
                source,
                target,
                because,
                context.today,
                relationship=relationship or None,
                strength=_strength(strength),
                note=note or None,
                retire=action == "retire",
            )
            notice = f"{view.edge}: {view.kind} by the team"
    except CrosswalkError as error:
        context.db.rollback()
        return render(
            context,
            "mapping/adjustments.html",
            400,
            adjustments=adjustments_data(context),
            error=str(error),
            typed={
                "source": source,
                "target": target,
                "relationship": relationship,
                "strength": strength,
                "note": note,
                "because": because,
            },
        )
    context.commit()
    return _back(back, notice)


def _strength(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # isdigit alone takes "¹", which int refuses
        raise CrosswalkError(f"strength {text!r}: expected a whole number from 1 to 10")
    return int(text)


class AdjustmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(max_length=200)
    target: str = Field(max_length=200)
    because: str = Field(max_length=2000)
    relationship: str | None = Field(default=None, max_length=40)
    strength: int | None = Field(default=None, ge=1, le=10)
    note: str | None = Field(default=None, max_length=2000)
    retire: bool = False


class UndoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(max_length=200)
    target: str = Field(max_length=200)


@router.get("/api/adjustments", tags=["crosswalk"])
def adjustments_api(context: Reader) -> list[dict[str, Any]]:
    """The team's adjustments, each with the shipped edge it changes."""
    data: list[dict[str, Any]] = api(adjustments_data(context))
    return data


@router.post("/api/adjustments", tags=["crosswalk"])
def adjust_api(context: Writer, body: AdjustmentBody) -> dict[str, Any]:
    """Change, retire or add one edge for this workspace, with a reason (editors, admins)."""
    permissions.require_program(context.user, WHAT)
    view = adjust_edge(
        context.db,
        context.shipped_library,
        body.source,
        body.target,
        body.because,
        context.today,
        relationship=body.relationship,
        strength=body.strength,
        note=body.note,
        retire=body.retire,
    )
    result: dict[str, Any] = api(view)
    context.commit()
    return result


@router.post("/api/adjustments/undo", tags=["crosswalk"])
def undo_api(context: Writer, body: UndoBody) -> dict[str, Any]:
    """Drop the team's adjustment of one edge: the shipped edge applies again."""
    permissions.require_program(context.user, WHAT)
    edge = restore_edge(context.db, context.shipped_library, body.source, body.target)
    context.commit()
    return {"undone": edge}
