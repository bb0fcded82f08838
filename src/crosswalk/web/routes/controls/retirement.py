"""Taking a control out of the program from the web: retired with a reason (its history
kept), restored, or deleted when it was created by mistake and nothing refers to it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.access.permissions import Forbidden
from crosswalk.services.controls.controls import get_control
from crosswalk.services.controls.retirement import delete_control, restore_control, retire_control
from crosswalk.web.context import Writer
from crosswalk.web.forms import form_date
from crosswalk.web.rendering import api, redirect
from crosswalk.web.routes.controls.controls import back_to_control, control_failed

router = APIRouter()
# Served after the controls' own routes: a bare path id would take "X/tags/REQ" from them.
after_controls = APIRouter()


@router.post("/controls/{control_id:path}/retire", include_in_schema=False)
def control_retire(
    context: Writer,
    control_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
    on: Annotated[str, Form(max_length=20)] = "",
) -> Any:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    try:
        done = retire_control(context.db, control.control_id, reason, form_date(on, "retired on"))
    except Forbidden:
        raise
    except CrosswalkError as error:
        return control_failed(context, control.control_id, error, reason=reason, on=on)
    context.commit()
    return back_to_control(control.control_id, f"Retired from {done.retired_on}")


@router.post("/controls/{control_id:path}/restore", include_in_schema=False)
def control_restore(context: Writer, control_id: str) -> Any:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    try:
        restore_control(context.db, control.control_id)
    except Forbidden:
        raise
    except CrosswalkError as error:
        return control_failed(context, control.control_id, error)
    context.commit()
    return back_to_control(control.control_id, "Restored: it counts toward coverage again")


@router.post("/controls/{control_id:path}/remove", include_in_schema=False)
def control_delete(
    context: Writer, control_id: str, confirm: Annotated[str, Form(max_length=200)] = ""
) -> Any:
    """Delete a mistake (editors, admins): the id typed again, and nothing referring to it.
    Named after ``controls remove --delete``; a ``/delete`` suffix would take the path of
    ``/controls/X/tags/delete``."""
    control = get_control(context.db, control_id)
    permissions.require_program(context.user, "deleting a control")
    try:
        if confirm.strip() != control.control_id:
            raise CrosswalkError(f"type the control's id, {control.control_id}, to delete it")
        deleted = delete_control(context.db, control.control_id)
    except CrosswalkError as error:
        return control_failed(context, control.control_id, error, confirm=confirm)
    context.commit()
    return redirect("/controls", f"{deleted} deleted.")


class RetireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    on: date | None = None


@router.post("/api/controls/{control_id:path}/retire", tags=["controls"])
def control_retire_api(context: Writer, control_id: str, body: RetireRequest) -> dict[str, Any]:
    """Retire a control with a reason: out of coverage from ``on`` (today), history kept."""
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    done = retire_control(context.db, control.control_id, body.reason, body.on)
    context.commit()
    result: dict[str, Any] = api(done)
    return result


@router.post("/api/controls/{control_id:path}/restore", tags=["controls"])
def control_restore_api(context: Writer, control_id: str) -> dict[str, Any]:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    restore_control(context.db, control.control_id)
    context.commit()
    return {"control_id": control.control_id, "restored": True}


@after_controls.delete("/api/controls/{control_id:path}", tags=["controls"])
def control_delete_api(context: Writer, control_id: str) -> dict[str, Any]:
    """Delete a control created by mistake; 400 once evidence, a risk, an asset or a
    confirmation refers to it (retire it instead, which keeps that history)."""
    control = get_control(context.db, control_id)
    permissions.require_program(context.user, "deleting a control")
    deleted = delete_control(context.db, control.control_id)
    context.commit()
    return {"control_id": deleted, "deleted": True}
