"""Information security objectives (6.2): what is measured, the target, owner and due date;
added and updated here as ``crosswalk objectives add|edit`` does in the terminal."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.isms.objectives import (
    STATUSES,
    Objective,
    ObjectiveInput,
    add_objective,
    edit_objective,
    get_objective,
    list_objectives,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, form_date, pick
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "changing the security objectives"
FIELDS = ("objective_id", "title", "measure", "target", "owner", "due_on", "status")


def objectives_data(context: RequestContext) -> list[Objective]:
    return context.state.cached(context.db, "objectives", lambda: list_objectives(context.db))


def _page(
    context: RequestContext,
    status_code: int = 200,
    error: str = "",
    new: dict[str, str] | None = None,
    editing: str = "",
) -> HTMLResponse:
    return render(
        context,
        "isms/objectives.html",
        status_code,
        objectives=objectives_data(context),
        statuses=STATUSES,
        error=error,
        new=new or {},
        editing=editing,
    )


@router.get("/objectives", include_in_schema=False)
def objectives_page(context: Reader) -> HTMLResponse:
    return _page(context)


def _input(sent: dict[str, str]) -> ObjectiveInput:
    return ObjectiveInput(
        objective_id=sent.get("objective_id", ""),
        title=sent.get("title", ""),
        measure=sent.get("measure", ""),
        target=sent.get("target", ""),
        owner=sent.get("owner") or None,
        due_on=form_date(sent.get("due_on"), "due date"),
        status=sent.get("status") or "open",
    )


@router.post("/objectives", include_in_schema=False)
def objective_add(context: Writer, fields: Fields) -> Response:
    """Add an objective (editors, admins); a refused value comes back beside the form."""
    permissions.require_program(context.user, WHAT)
    sent = pick(fields, *FIELDS)
    try:
        added = add_objective(context.db, _input(sent))
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), sent)
    context.commit()
    return redirect("/objectives", f"{added.objective_id} added.")


@router.post("/objectives/{objective_id}", include_in_schema=False)
def objective_edit(context: Writer, objective_id: str, fields: Fields) -> Response:
    """Change what the form sent (a blank owner or due date clears it)."""
    permissions.require_program(context.user, WHAT)
    sent = pick(fields, *FIELDS[1:])
    try:
        changes: dict[str, Any] = dict(sent)
        if "due_on" in changes:
            changes["due_on"] = form_date(sent["due_on"], "due date")
        if "owner" in changes:
            changes["owner"] = sent["owner"] or None
        changed = edit_objective(context.db, objective_id, **changes)
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), editing=objective_id)
    context.commit()
    what = ", ".join(name.replace("_on", "") for name in changed) or "nothing"
    return redirect("/objectives", f"{objective_id}: changed {what}.")


@router.get("/api/objectives", tags=["objectives"])
def objectives_api(context: Reader) -> dict[str, Any]:
    """Every objective with its measure, target, owner, due date and status."""
    return {"objectives": api(objectives_data(context))}


class NewObjective(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objective_id: str = Field(default="", max_length=200)
    title: str = Field(min_length=1, max_length=500)
    measure: str = Field(default="", max_length=5000)
    target: str = Field(default="", max_length=2000)
    owner: str | None = Field(default=None, max_length=200)
    due_on: date | None = None
    status: str = "open"


@router.post("/api/objectives", tags=["objectives"], status_code=201)
def objective_add_api(context: Writer, body: NewObjective) -> dict[str, Any]:
    """Add an objective, checked as the form and the CLI check it (400 names the field)."""
    permissions.require_program(context.user, WHAT)
    added = add_objective(context.db, ObjectiveInput(**body.model_dump()))
    context.commit()
    return dict(api(added))


class ObjectivePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Omissible[str] = None
    measure: Omissible[str] = None
    target: Omissible[str] = None
    owner: str | None = None
    due_on: date | None = None
    status: Omissible[str] = None


@router.patch("/api/objectives/{objective_id}", tags=["objectives"])
def objective_patch_api(context: Writer, objective_id: str, body: ObjectivePatch) -> dict[str, Any]:
    """Change an objective; only the fields sent change (``null`` clears owner or due)."""
    permissions.require_program(context.user, WHAT)
    changed = edit_objective(context.db, objective_id, **body.model_dump(exclude_unset=True))
    result = api(get_objective(context.db, objective_id))
    context.commit()
    return {"objective": result, "changed": changed}
