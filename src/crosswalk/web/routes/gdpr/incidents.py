"""Incidents and the GDPR 72-hour breach clock: the register with its clocks, recording an
incident, assessing it, recording the notification (Art. 33) and the Art. 34 decision, and
the breach log (Art. 33(5)). Times are typed as read on a clock in the chosen zone and kept
in UTC with that zone; the service refuses what contradicts itself, naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.breach_clock import shown_in
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.gdpr.incidents import (
    EXEMPTIONS,
    MOMENTS,
    RISKS,
    SUBJECT_DECISIONS,
    BreachLogEntry,
    Incident,
    IncidentInput,
    add_incident,
    alerting,
    breach_log,
    edit_incident,
    get_incident,
    list_incidents,
    moment,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, FormError, form_int, pick
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "recording incidents"
TEXTS = (
    "title",
    "description",
    "owner",
    "data_categories",
    "consequences",
    "measures",
    "authority",
    "delay_reason",
    "annex_a",
)
CHOICES = ("risk", "subjects_decision", "subjects_exemption")
NULLABLE = {*CHOICES, "owner", "personal_data", "subjects_affected", *MOMENTS}
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Dublin",
    "America/New_York",
    "America/Los_Angeles",
)


@dataclass(frozen=True)
class ClockItem:
    """An incident with its moments as read in the zone each was entered in."""

    incident: Incident
    shown: dict[str, str]  # moment name -> "2027-03-28 01:30 +01:00 (Europe/Berlin)"
    due: str
    typed: dict[str, str]  # moment name -> "2027-03-28 01:30" (what the form shows)


def _item(row: Incident) -> ClockItem:
    shown, typed = {}, {}
    for name in MOMENTS:
        at, zone = getattr(row, f"{name}_at"), getattr(row, f"{name}_zone")
        shown[name] = shown_in(at, zone or "UTC") if at is not None else ""
        typed[name] = shown[name][:16] if at is not None else ""
    due_at = row.clock.due_at
    due = shown_in(due_at, row.aware_zone or "UTC") if due_at is not None else ""
    return ClockItem(row, shown, due, typed)


def _now() -> datetime:
    return datetime.now(UTC)


def breach_clocks(context: RequestContext) -> list[ClockItem]:
    """Open breach clocks under 12 h or past due, for the dashboard's banner."""
    return [_item(row) for row in alerting(context.db, _now())]


def _yes_no(text: str | None) -> bool | None:
    value = (text or "").strip().lower()
    if value in ("", "unknown"):
        return None
    if value in ("yes", "true", "on"):
        return True
    if value in ("no", "false", "off"):
        return False
    raise FormError(f"personal_data: {text!r}: use yes, no or unknown")


def _changes(fields: dict[str, str], current: Incident | None) -> dict[str, Any]:
    """The posted fields as service changes; a moment typed as it is shown is left alone."""
    changes: dict[str, Any] = dict(pick(fields, *TEXTS))
    for name in CHOICES:
        if name in fields:
            changes[name] = fields[name].strip() or None
    if "personal_data" in fields:
        changes["personal_data"] = _yes_no(fields["personal_data"])
    if "subjects_affected" in fields:
        changes["subjects_affected"] = form_int(fields["subjects_affected"], "subjects_affected")
    zone = fields.get("zone", "UTC").strip() or "UTC"
    typed = _item(current).typed if current is not None else {}
    for name in MOMENTS:
        if name not in fields:
            continue
        text = fields[name].strip()
        if current is not None and text == typed.get(name):
            continue  # shown in its own zone: unchanged, whatever zone the form chose
        changes[f"{name}_at"] = moment(text, zone, f"{name}_at") if text else None
        changes[f"{name}_zone"] = zone if text else None
    return changes


def _list_page(
    context: RequestContext, error: str = "", form: dict[str, str] | None = None, code: int = 200
) -> HTMLResponse:
    items = [_item(row) for row in list_incidents(context.db, open_only=False, now=_now())]
    items.sort(key=lambda i: (not i.incident.open, not i.incident.clock.alerting))
    return render(
        context,
        "gdpr/incidents.html",
        code,
        items=items,
        alerting=[i for i in items if i.incident.open and i.incident.clock.alerting],
        zones=ZONES,
        risks=RISKS,
        error=error,
        form=form or {},
    )


def _detail_page(
    context: RequestContext,
    incident_id: str,
    error: str = "",
    form: dict[str, str] | None = None,
    code: int = 200,
) -> HTMLResponse:
    item = _item(get_incident(context.db, incident_id, _now()))
    return render(
        context,
        "gdpr/incident.html",
        code,
        item=item,
        i=item.incident,
        zones=ZONES,
        risks=RISKS,
        decisions=SUBJECT_DECISIONS,
        exemptions=EXEMPTIONS,
        error=error,
        form=form or {},
    )


@router.get("/incidents", include_in_schema=False)
def incidents_page(context: Reader) -> HTMLResponse:
    return _list_page(context)


@router.get("/incidents/{incident_id}", include_in_schema=False)
def incident_page(context: Reader, incident_id: str) -> HTMLResponse:
    return _detail_page(context, incident_id)


@router.post("/incidents", include_in_schema=False)
def incident_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        changes = _changes(fields, None)
        if "detected_at" not in changes or changes["detected_at"] is None:
            raise FormError("detected_at: give when the incident was detected")
        data = IncidentInput(
            incident_id=fields.get("incident_id", ""),
            **{"title": "", **changes},
        )
        row = add_incident(context.db, data, _now())
    except CrosswalkError as error:
        context.db.rollback()
        return _list_page(context, str(error), fields, 400)
    key = row.incident_id
    context.commit()
    return redirect(f"/incidents/{key}", f"Incident {key} recorded: {row.clock_text}.")


@router.post("/incidents/{incident_id}", include_in_schema=False)
def incident_edit(context: Writer, incident_id: str, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        current = get_incident(context.db, incident_id, _now())
        changed = edit_incident(context.db, incident_id, **_changes(fields, current))
    except CrosswalkError as error:
        context.db.rollback()
        return _detail_page(context, incident_id, str(error), fields, 400)
    context.commit()
    what = ", ".join(c.replace("_", " ") for c in changed) or "nothing"
    return redirect(f"/incidents/{incident_id}", f"{incident_id}: changed {what}.")


# --- the JSON API -----------------------------------------------------------------------


@router.get("/api/incidents", tags=["incidents"])
def incidents_api(context: Reader, open: bool = False) -> list[dict[str, Any]]:
    """By detection; ``open=true`` keeps those not closed, the most urgent clock first.
    Each carries its Art. 33 clock (state, due, remaining or late by) and what it needs."""
    result: list[dict[str, Any]] = api(list_incidents(context.db, open, _now()))
    return result


@router.get("/api/incidents/{incident_id}", tags=["incidents"])
def incident_api(context: Reader, incident_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api(get_incident(context.db, incident_id, _now()))
    return result


@router.get("/api/breach-log", tags=["incidents"])
def breach_log_api(context: Reader) -> list[dict[str, Any]]:
    """The internal breach log (Art. 33(5)): every personal-data breach, notified or not."""
    entries: list[BreachLogEntry] = breach_log(context.db, _now())
    result: list[dict[str, Any]] = api(entries)
    return result


class IncidentBody(BaseModel):
    """Moments are text as read on a clock in ``zone`` (``YYYY-MM-DD HH:MM``, an offset may
    follow); they are kept in UTC with the zone."""

    model_config = ConfigDict(extra="forbid")
    incident_id: str
    title: str
    detected: str
    zone: str = "UTC"
    aware: str | None = None
    personal_data: bool | None = None
    risk: str | None = None
    description: str = ""
    owner: str | None = None


class IncidentPatch(BaseModel):
    """Only what is sent changes; a moment sent as "" is cleared."""

    model_config = ConfigDict(extra="forbid")
    zone: str = "UTC"
    title: Omissible[str] = None
    description: Omissible[str] = None
    owner: str | None = None
    detected: str | None = None
    aware: str | None = None
    assessed: str | None = None
    personal_data: bool | None = None
    risk: str | None = None
    data_categories: Omissible[str] = None
    subjects_affected: int | None = None
    consequences: Omissible[str] = None
    measures: Omissible[str] = None
    notified: str | None = None
    authority: Omissible[str] = None
    delay_reason: Omissible[str] = None
    subjects_decision: str | None = None
    subjects_exemption: str | None = None
    subjects: str | None = None
    closed: str | None = None
    annex_a: Omissible[str] = None


@router.post("/api/incidents", tags=["incidents"])
def incident_add_api(context: Writer, body: IncidentBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    data = IncidentInput(
        incident_id=body.incident_id,
        title=body.title,
        detected_at=moment(body.detected, body.zone, "detected_at"),
        detected_zone=body.zone,
        aware_at=moment(body.aware, body.zone, "aware_at") if body.aware else None,
        aware_zone=body.zone if body.aware else None,
        personal_data=body.personal_data,
        risk=body.risk,
        description=body.description,
        owner=body.owner,
    )
    result: dict[str, Any] = api(add_incident(context.db, data, _now()))
    context.commit()
    return result


@router.patch("/api/incidents/{incident_id}", tags=["incidents"])
def incident_patch_api(context: Writer, incident_id: str, body: IncidentPatch) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    sent = body.model_dump(exclude_unset=True)
    zone = sent.pop("zone", "UTC")
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if value is None and name not in NULLABLE:
            continue  # a text every incident has: null keeps it
        if name in MOMENTS:
            text = (value or "").strip()
            changes[f"{name}_at"] = moment(text, zone, f"{name}_at") if text else None
            changes[f"{name}_zone"] = zone if text else None
        else:
            changes[name] = value
    changed = edit_incident(context.db, incident_id, **changes)
    result: dict[str, Any] = api(get_incident(context.db, incident_id, _now()))
    context.commit()
    return {"incident": result, "changed": changed}
