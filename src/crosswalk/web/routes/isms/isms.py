"""ISMS records: internal audits (9.2) with the programme's coverage of a cycle, and
management reviews (9.3) with the 9.3.2 inputs checked off. Nonconformities (10.2) are in
``nonconformities`` and served from this router."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.isms.audits import (
    ISO,
    Audit,
    AuditFile,
    AuditInput,
    Programme,
    add_audit,
    audit_scope,
    audit_state,
    edit_audit,
    list_audits,
    programme,
)
from crosswalk.services.isms.nonconformities import list_nonconformities
from crosswalk.services.isms.reviews import (
    REVIEW_INPUTS,
    ReviewData,
    ReviewDetail,
    ReviewFile,
    add_review,
    describe_review,
    edit_review,
    list_reviews,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, FormError, form_date, form_list, pick
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render
from crosswalk.web.routes.isms import nonconformities as isms_nc

router = APIRouter()
AUDIT_TEXT = ("title", "auditor", "findings")
REVIEW_TEXT = ("chair", "attendees", "decisions", "outputs")


# --- internal audits --------------------------------------------------------------------


@dataclass(frozen=True)
class AuditItem:
    audit_id: str
    title: str
    scope: list[str]
    auditor: str | None
    planned_on: date | None
    performed_on: date | None
    state: str
    findings: str
    nonconformities: list[str]


@dataclass(frozen=True)
class AuditsPage:
    audits: list[AuditItem]
    programme: Programme
    titles: dict[str, str]  # scope ref -> title


def audit_item(row: Audit, today: date, ncs: list[str]) -> AuditItem:
    return AuditItem(
        row.audit_id,
        row.title,
        audit_scope(row),
        row.auditor,
        row.planned_on,
        row.performed_on,
        audit_state(row, today),
        row.findings,
        ncs,
    )


def cycle(context: RequestContext, start: str, end: str) -> tuple[date, date]:
    """The audit cycle asked for; by default the calendar year of today."""
    year = context.today.year
    first = form_date(start, "cycle start") or date(year, 1, 1)
    last = form_date(end, "cycle end") or date(year, 12, 31)
    return first, last


def audits_data(context: RequestContext, start: date, end: date) -> AuditsPage:
    def compute() -> AuditsPage:
        session, today = context.db, context.today
        raised: dict[str, list[str]] = {}
        for nc in list_nonconformities(session, today):
            if nc.source == "audit" and nc.source_ref:
                raised.setdefault(nc.source_ref, []).append(nc.nc_id)
        audits = [
            audit_item(r, today, raised.get(r.audit_id, []))
            for r in list_audits(session, today=today)
        ]
        refs = {ref for a in audits for ref in a.scope}
        titles = {}
        for ref in refs:
            requirement = context.library.requirement(f"{ISO}:{ref}")
            titles[ref] = requirement.title if requirement else ""
        result = programme(session, context.library, start, end, today)
        return AuditsPage(audits, result, titles)

    return context.state.cached(context.db, "audits", compute, start, end)


def _audits_page(
    context: RequestContext,
    start: str = "",
    end: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    first, last = cycle(context, start, end)
    data = audits_data(context, first, last)
    return render(
        context,
        "isms/audits.html",
        status_code,
        data=data,
        start=first,
        end=last,
        error=error,
        form=form or {},
    )


@router.get("/audits", include_in_schema=False)
def audits_page(context: Reader, start: str = "", end: str = "") -> HTMLResponse:
    return _audits_page(context, start, end)


def _audit_changes(fields: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = dict(pick(fields, *AUDIT_TEXT))
    if "scope" in fields:
        changes["scope"] = form_list(fields["scope"])
    for name in ("planned_on", "performed_on"):
        if name in fields:
            changes[name] = form_date(fields[name], name.replace("_", " "))
    return changes


@router.post("/audits", include_in_schema=False)
def audit_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, "recording internal audits")
    try:
        changes = {"title": "", **_audit_changes(fields)}
        row = add_audit(
            context.db,
            context.library,
            AuditInput(audit_id=fields.get("audit_id", ""), **changes),
        )
    except CrosswalkError as error:
        context.db.rollback()
        return _audits_page(context, error=str(error), form=fields, status_code=400)
    key = row.audit_id
    context.commit()
    return redirect("/audits", f"Audit {key} recorded.")


@router.post("/audits/{audit_id}", include_in_schema=False)
def audit_edit(context: Writer, audit_id: str, fields: Fields) -> Response:
    permissions.require_program(context.user, "changing internal audits")
    try:
        changed = edit_audit(context.db, context.library, audit_id, **_audit_changes(fields))
    except CrosswalkError as error:
        context.db.rollback()
        return _audits_page(context, error=str(error), status_code=400)
    context.commit()
    what = ", ".join(c.replace("_", " ") for c in changed) or "nothing"
    return redirect("/audits", f"{audit_id}: changed {what}.")


@router.get("/api/audits", tags=["audits"])
def audits_api(context: Reader, start: str = "", end: str = "") -> dict[str, Any]:
    """Internal audits by date, and the programme's coverage of a cycle (default: this
    calendar year) of clauses 4-10 and the applicable Annex A controls."""
    first, last = cycle(context, start, end)
    data = audits_data(context, first, last)
    return {
        "audits": api(data.audits),
        "programme": {**api(data.programme), "complete": data.programme.complete},
    }


class AuditPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Omissible[str] = None
    scope: Omissible[list[str]] = None
    auditor: str | None = None
    planned_on: date | None = None
    performed_on: date | None = None
    findings: Omissible[str] = None


@router.post("/api/audits", tags=["audits"])
def audit_add_api(context: Writer, body: AuditFile) -> dict[str, Any]:
    permissions.require_program(context.user, "recording internal audits")
    row = add_audit(context.db, context.library, AuditInput(**body.model_dump()))
    item = api(audit_item(row, context.today, []))
    context.commit()
    result: dict[str, Any] = item
    return result


@router.patch("/api/audits/{audit_id}", tags=["audits"])
def audit_patch_api(context: Writer, audit_id: str, body: AuditPatch) -> dict[str, Any]:
    permissions.require_program(context.user, "changing internal audits")
    changed = edit_audit(
        context.db, context.library, audit_id, **body.model_dump(exclude_unset=True)
    )
    context.commit()
    return {"audit_id": audit_id, "changed": changed}


# --- management reviews -----------------------------------------------------------------


def reviews_data(context: RequestContext) -> list[ReviewDetail]:
    return [describe_review(context.db, r.review_id) for r in list_reviews(context.db)]


def _reviews_page(
    context: RequestContext,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        context,
        "isms/reviews.html",
        status_code,
        reviews=reviews_data(context),
        inputs=REVIEW_INPUTS,
        error=error,
        form=form or {},
    )


@router.get("/reviews", include_in_schema=False)
def reviews_page(context: Reader) -> HTMLResponse:
    return _reviews_page(context)


def _review_changes(fields: dict[str, str]) -> dict[str, Any]:
    """A review form: text fields, the held date, and ``input_KEY`` notes per 9.3.2 input."""
    changes: dict[str, Any] = dict(pick(fields, *REVIEW_TEXT))
    if "held_on" in fields:
        held = form_date(fields["held_on"], "held on")
        if held is None:
            raise FormError("a management review needs the date it was held")
        changes["held_on"] = held
    notes = {i.key: fields[f"input_{i.key}"] for i in REVIEW_INPUTS if f"input_{i.key}" in fields}
    if notes:
        changes["inputs"] = notes
    return changes


@router.post("/reviews", include_in_schema=False)
def review_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, "recording management reviews")
    try:
        changes = _review_changes(fields)
        if "held_on" not in changes:
            raise FormError("a management review needs the date it was held")
        row = add_review(context.db, ReviewData(review_id=fields.get("review_id", ""), **changes))
    except CrosswalkError as error:
        context.db.rollback()
        return _reviews_page(context, str(error), fields, status_code=400)
    key = row.review_id
    context.commit()
    return redirect("/reviews", f"Management review {key} recorded.")


@router.post("/reviews/{review_id}", include_in_schema=False)
def review_edit(context: Writer, review_id: str, fields: Fields) -> Response:
    permissions.require_program(context.user, "changing management reviews")
    try:
        changed = edit_review(context.db, review_id, **_review_changes(fields))
    except CrosswalkError as error:
        context.db.rollback()
        return _reviews_page(context, str(error), status_code=400)
    context.commit()
    what = ", ".join(c.replace("_", " ") for c in changed) or "nothing"
    return redirect("/reviews", f"{review_id}: changed {what}.")


@router.get("/api/reviews", tags=["reviews"])
def reviews_api(context: Reader) -> list[dict[str, Any]]:
    """Each review with its 9.3.2 checklist (notes, or missing) and its outputs."""
    result: list[dict[str, Any]] = api(reviews_data(context))
    return result


class ReviewPatch(BaseModel):
    """Inputs given are merged into the checklist; an empty note removes that input."""

    model_config = ConfigDict(extra="forbid")
    held_on: Omissible[date] = None
    chair: str | None = None
    attendees: Omissible[str] = None
    inputs: Omissible[dict[str, str]] = None
    decisions: Omissible[str] = None
    outputs: Omissible[str] = None


@router.post("/api/reviews", tags=["reviews"])
def review_add_api(context: Writer, body: ReviewFile) -> dict[str, Any]:
    permissions.require_program(context.user, "recording management reviews")
    row = add_review(context.db, ReviewData(**body.model_dump()))
    result: dict[str, Any] = api(describe_review(context.db, row.review_id))
    context.commit()
    return result


@router.patch("/api/reviews/{review_id}", tags=["reviews"])
def review_patch_api(context: Writer, review_id: str, body: ReviewPatch) -> dict[str, Any]:
    permissions.require_program(context.user, "changing management reviews")
    changed = edit_review(context.db, review_id, **body.model_dump(exclude_unset=True))
    context.commit()
    return {"review_id": review_id, "changed": changed}


router.include_router(isms_nc.router)
