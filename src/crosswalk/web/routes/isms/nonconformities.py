"""Nonconformities and corrective action (ISO/IEC 27001 10.2): open, overdue and closed,
what each still needs before it may be closed, and closing it (refused by the service,
naming what is missing, until the correction, root cause, corrective action and an
effectiveness check with its date are recorded). Served from the ``isms`` router."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.isms.nonconformities import (
    CLOSE_NEEDS,
    COLUMNS,
    SOURCES,
    STATES,
    Nonconformity,
    NonconformityInput,
    add_nonconformity,
    close_blockers,
    close_nonconformity,
    edit_nonconformity,
    get_nonconformity,
    list_nonconformities,
    nc_state,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, form_date, pick
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "changing nonconformities"
DATES = ("raised_on", "due_on", "effectiveness_checked_on")
TEXTS = (
    "source",
    "source_ref",
    "description",
    "owner",
    "correction",
    "root_cause",
    "corrective_action",
    "effectiveness_check",
)
COMPLETIONS = ("correction", "root_cause", "corrective_action", "effectiveness_check")


@dataclass(frozen=True)
class NcItem:
    nc_id: str
    state: str
    days_overdue: int
    source: str
    source_ref: str
    description: str
    owner: str | None
    raised_on: date
    due_on: date | None
    correction: str
    root_cause: str
    corrective_action: str
    effectiveness_check: str
    effectiveness_checked_on: date | None
    closed_on: date | None
    missing_to_close: list[str]


def nc_item(row: Nonconformity, today: date) -> NcItem:
    state = nc_state(row, today)
    values = {name: getattr(row, name) for name in COLUMNS}
    late = (today - row.due_on).days if state == "overdue" and row.due_on else 0
    blockers = [] if row.closed_on else close_blockers(row)
    return NcItem(
        nc_id=row.nc_id, state=state, days_overdue=late, **values, missing_to_close=blockers
    )


def ncs_data(context: RequestContext, state: str | None = None) -> list[NcItem]:
    today = context.today
    return [nc_item(r, today) for r in list_nonconformities(context.db, today, state or None)]


def _values(item: NcItem, fields: dict[str, str] | None) -> dict[str, str]:
    """A form's fields: the record's values, overlaid with what was posted."""
    values = {
        name: "" if (value := getattr(item, name)) is None else str(value)
        for name in (*TEXTS, *DATES)
    }
    return {**values, **(fields or {})}


def _list_page(
    context: RequestContext,
    state: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items = ncs_data(context)
    shown = [
        i for i in items if not state or i.state == state or (state == "open" and not i.closed_on)
    ]
    return render(
        context,
        "isms/nonconformities.html",
        status_code,
        items=shown,
        counts={s: sum(1 for i in items if i.state == s) for s in STATES},
        total=len(items),
        state=state,
        sources=SOURCES,
        error=error,
        form=form or {},
    )


def _detail_page(
    context: RequestContext,
    nc_id: str,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    item = nc_item(get_nonconformity(context.db, nc_id), context.today)
    return render(
        context,
        "isms/nonconformity.html",
        status_code,
        nc=item,
        needs=CLOSE_NEEDS,
        sources=SOURCES,
        form=_values(item, form),
        error=error,
    )


@router.get("/nonconformities", include_in_schema=False)
def nonconformities_page(context: Reader, state: str = "") -> HTMLResponse:
    return _list_page(context, state if state in STATES else "")


@router.get("/nonconformities/{nc_id}", include_in_schema=False)
def nonconformity_page(context: Reader, nc_id: str) -> HTMLResponse:
    return _detail_page(context, nc_id)


def _changes(fields: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    changes: dict[str, Any] = dict(pick(fields, *(n for n in names if n in TEXTS)))
    for name in DATES:
        if name in names and name in fields:
            changes[name] = form_date(fields[name], name.replace("_", " "))
    return changes


@router.post("/nonconformities", include_in_schema=False)
def nonconformity_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        changes = {"source": "", "description": "", **_changes(fields, (*TEXTS, *DATES))}
        data = NonconformityInput(nc_id=fields.get("nc_id", ""), **changes)
        row = add_nonconformity(context.db, data, context.today)
    except CrosswalkError as error:
        context.db.rollback()
        return _list_page(context, error=str(error), form=fields, status_code=400)
    key = row.nc_id
    context.commit()
    return redirect(f"/nonconformities/{key}", f"Nonconformity {key} raised.")


@router.post("/nonconformities/{nc_id}/close", include_in_schema=False)
def nonconformity_close(context: Writer, nc_id: str, fields: Fields) -> Response:
    """Close, filling in the last fields on the way; the service names what is missing."""
    permissions.require_program(context.user, "closing nonconformities")
    try:
        completions = _changes(fields, (*COMPLETIONS, "effectiveness_checked_on"))
        closed_on = form_date(fields.get("closed_on"), "closed on") or context.today
        row = close_nonconformity(context.db, nc_id, closed_on, **completions)
    except CrosswalkError as error:
        context.db.rollback()
        return _detail_page(context, nc_id, str(error), fields, status_code=400)
    key, day = row.nc_id, row.closed_on
    context.commit()
    return redirect(f"/nonconformities/{key}", f"{key} closed on {day}.")


@router.post("/nonconformities/{nc_id}", include_in_schema=False)
def nonconformity_edit(context: Writer, nc_id: str, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        changed = edit_nonconformity(context.db, nc_id, **_changes(fields, (*TEXTS, *DATES)))
    except CrosswalkError as error:
        context.db.rollback()
        return _detail_page(context, nc_id, str(error), fields, status_code=400)
    context.commit()
    what = ", ".join(c.replace("_", " ") for c in changed) or "nothing"
    return redirect(f"/nonconformities/{nc_id}", f"{nc_id}: changed {what}.")


# --- the JSON API -----------------------------------------------------------------------


@router.get("/api/nonconformities", tags=["nonconformities"])
def nonconformities_api(context: Reader, state: str | None = None) -> list[dict[str, Any]]:
    """By date raised, with state (open, overdue, closed) and what each needs to close."""
    result: list[dict[str, Any]] = api(ncs_data(context, state))
    return result


@router.get("/api/nonconformities/{nc_id}", tags=["nonconformities"])
def nonconformity_api(context: Reader, nc_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api(nc_item(get_nonconformity(context.db, nc_id), context.today))
    return result


class NcBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nc_id: str
    source: str
    description: str
    source_ref: str = ""
    owner: str | None = None
    raised_on: date | None = None
    due_on: date | None = None
    correction: str = ""
    root_cause: str = ""
    corrective_action: str = ""
    effectiveness_check: str = ""
    effectiveness_checked_on: date | None = None


class NcPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Omissible[str] = None
    source_ref: Omissible[str] = None
    description: Omissible[str] = None
    owner: str | None = None
    raised_on: date | None = None
    due_on: date | None = None
    correction: Omissible[str] = None
    root_cause: Omissible[str] = None
    corrective_action: Omissible[str] = None
    effectiveness_check: Omissible[str] = None
    effectiveness_checked_on: date | None = None


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closed_on: date | None = None
    correction: Omissible[str] = None
    root_cause: Omissible[str] = None
    corrective_action: Omissible[str] = None
    effectiveness_check: Omissible[str] = None
    effectiveness_checked_on: date | None = None


@router.post("/api/nonconformities", tags=["nonconformities"])
def nonconformity_add_api(context: Writer, body: NcBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    row = add_nonconformity(context.db, NonconformityInput(**body.model_dump()), context.today)
    result: dict[str, Any] = api(nc_item(row, context.today))
    context.commit()
    return result


@router.patch("/api/nonconformities/{nc_id}", tags=["nonconformities"])
def nonconformity_patch_api(context: Writer, nc_id: str, body: NcPatch) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    changed = edit_nonconformity(context.db, nc_id, **body.model_dump(exclude_unset=True))
    result: dict[str, Any] = api(nc_item(get_nonconformity(context.db, nc_id), context.today))
    context.commit()
    return {"nonconformity": result, "changed": changed}


@router.post("/api/nonconformities/{nc_id}/close", tags=["nonconformities"])
def nonconformity_close_api(
    context: Writer, nc_id: str, body: CloseBody | None = None
) -> dict[str, Any]:
    """Close; refused (400, naming what is missing) until the 10.2 story is complete."""
    permissions.require_program(context.user, "closing nonconformities")
    completions = body.model_dump(exclude_unset=True) if body else {}
    closed_on = completions.pop("closed_on", None) or context.today
    row = close_nonconformity(context.db, nc_id, closed_on, **completions)
    result: dict[str, Any] = api(nc_item(row, context.today))
    context.commit()
    return result
