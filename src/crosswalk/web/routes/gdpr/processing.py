"""Records of processing (Art. 30) on the asset inventory, data-subject requests (Art. 12,
15-22), and the report of what an ISO certificate does not cover, with its downloads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.gdpr import LAWFUL_BASES, REQUEST_KINDS, SAFEGUARDS
from crosswalk.reports.gdpr_report import write_gdpr_report
from crosswalk.services.access import permissions
from crosswalk.services.gdpr.activities import (
    ActivityFields,
    ActivityInput,
    add_activity,
    edit_activity,
    get_activity,
    list_activities,
)
from crosswalk.services.gdpr.dpia import QUESTIONS, record_dpia
from crosswalk.services.gdpr.report import CertificateGaps, certificate_gaps
from crosswalk.services.gdpr.requests import (
    RequestInput,
    add_request,
    edit_request,
    extend_request,
    list_requests,
)
from crosswalk.services.gdpr.ropa import export_activities_xlsx
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, FormError, form_date, form_list, pick
from crosswalk.web.openapi import Omissible, file_download
from crosswalk.web.rendering import XLSX, api, download, redirect, render

router = APIRouter()
WHAT = "changing the GDPR records"
ACTIVITY_TEXTS = (
    "name",
    "role",
    "controller",
    "purpose",
    "subject_categories",
    "data_categories",
    "recipients",
    "retention",
    "security_measures",
)
ACTIVITY_CHOICES = ("lawful_basis", "art9_condition", "transfer_safeguard", "owner")
ACTIVITY_LISTS = ("special_categories", "processors", "transfers", "assets", "controls")


# --- the report -------------------------------------------------------------------------


def report_data(context: RequestContext) -> CertificateGaps:
    return certificate_gaps(context.db, context.shipped_library)


@router.get("/gdpr", include_in_schema=False)
def gdpr_page(context: Reader) -> HTMLResponse:
    from crosswalk.reports.gdpr_report import SECTIONS, controls_text, summary_line

    report = report_data(context)
    return render(
        context,
        "gdpr/report.html",
        report=report,
        sections=[(state, heading, report.by_state(state)) for state, heading in SECTIONS],
        summary=summary_line(report),
        controls_of=controls_text,
    )


@router.get("/api/gdpr/report", tags=["gdpr"])
def gdpr_report_api(context: Reader) -> dict[str, Any]:
    """Each GDPR article met through ISMS controls, met by this module's records, open or
    not used, with its fine tier and the controls that meet it."""
    result: dict[str, Any] = api(report_data(context))
    return result


def _report_file(context: RequestContext, fmt: str, media: str) -> FileResponse:
    report = report_data(context)
    return download(
        lambda path: write_gdpr_report(report, fmt, path),
        f"gdpr-iso-gaps-{context.today}.{fmt}",
        media,
    )


@router.get(
    "/gdpr/report.xlsx",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def gdpr_xlsx(context: Reader) -> FileResponse:
    """What your ISO certificate does not cover, as a workbook (articles; controls explained)."""
    return _report_file(context, "xlsx", XLSX)


@router.get(
    "/gdpr/report.html",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download("text/html"),
)
def gdpr_html(context: Reader) -> FileResponse:
    """What your ISO certificate does not cover, as one self-contained HTML file."""
    return _report_file(context, "html", "text/html; charset=utf-8")


@router.get(
    "/gdpr/report.md",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download("text/markdown"),
)
def gdpr_md(context: Reader) -> FileResponse:
    """What your ISO certificate does not cover, as Markdown."""
    return _report_file(context, "md", "text/markdown; charset=utf-8")


# --- records of processing ------------------------------------------------------------------


def _activity_changes(fields: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = dict(pick(fields, *ACTIVITY_TEXTS))
    for name in ACTIVITY_CHOICES:
        if name in fields:
            changes[name] = fields[name].strip() or None
    for name in ACTIVITY_LISTS:
        if name in fields:
            changes[name] = form_list(fields[name])
    if "processor_agreement" in fields:
        changes["processor_agreement"] = fields["processor_agreement"] in ("yes", "on", "true")
    return changes


def _processing_page(
    context: RequestContext, error: str = "", form: dict[str, str] | None = None, code: int = 200
) -> HTMLResponse:
    return render(
        context,
        "gdpr/processing.html",
        code,
        items=list_activities(context.db),
        bases=LAWFUL_BASES,
        safeguards=SAFEGUARDS,
        error=error,
        form=form or {},
    )


@router.get("/processing", include_in_schema=False)
def processing_page(context: Reader) -> HTMLResponse:
    return _processing_page(context)


@router.post("/processing", include_in_schema=False)
def processing_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        changes = {"name": "", **_activity_changes(fields)}
        item = add_activity(context.db, ActivityInput(fields.get("activity_id", ""), **changes))
    except CrosswalkError as error:
        context.db.rollback()
        return _processing_page(context, str(error), fields, 400)
    context.commit()
    flags = f" Flags: {'; '.join(item.flags)}." if item.flags else ""
    return redirect("/processing", f"{item.activity_id} recorded ({item.dpia}).{flags}")


@router.get(
    "/processing/ropa.xlsx",
    tags=["reports"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def processing_xlsx(context: Reader) -> FileResponse:
    """The record of processing activities as one sheet, the Art. 30(1) fields as columns
    (the layout `crosswalk processing import` reads back)."""

    def write(path: Path) -> None:
        export_activities_xlsx(context.db, path)

    return download(
        write,
        f"records-of-processing-{context.today}.xlsx",
        XLSX,
    )


def _activity_page(
    context: RequestContext,
    activity_id: str,
    error: str = "",
    code: int = 200,
) -> HTMLResponse:
    item = get_activity(context.db, activity_id)
    return render(
        context,
        "gdpr/activity.html",
        code,
        a=item,
        bases=LAWFUL_BASES,
        safeguards=SAFEGUARDS,
        questions=QUESTIONS,
        error=error,
    )


@router.get("/processing/{activity_id}", include_in_schema=False)
def activity_page(context: Reader, activity_id: str) -> HTMLResponse:
    return _activity_page(context, activity_id)


@router.post("/processing/{activity_id}", include_in_schema=False)
def activity_edit(context: Writer, activity_id: str, fields: Fields) -> Response:
    """Edit the record; the screening form sends its questions answered yes, and a DPIA
    done with the privacy risks of the register it assessed."""
    permissions.require_program(context.user, WHAT)
    try:
        changes = _activity_changes(fields)
        if fields.get("screening"):
            changes["dpia_criteria"] = [key for key in QUESTIONS if fields.get(f"q:{key}")]
        edit_activity(context.db, activity_id, **changes)
        done = form_date(fields.get("dpia_completed_on"), "dpia_completed_on")
        if done is not None:
            linked = form_list(fields.get("dpia_risks"))
            record_dpia(context.db, context.library, activity_id, done, [], link=linked)
    except CrosswalkError as error:
        context.db.rollback()
        return _activity_page(context, activity_id, str(error), 400)
    context.commit()
    item = get_activity(context.db, activity_id)
    return redirect(f"/processing/{activity_id}", f"{activity_id} saved: {item.dpia}.")


@router.get("/api/processing", tags=["gdpr"])
def processing_api(context: Reader, flagged: bool = False) -> list[dict[str, Any]]:
    """Processing activities with their systems, DPIA screening and flags."""
    result: list[dict[str, Any]] = api(list_activities(context.db, flagged))
    return result


@router.get("/api/processing/{activity_id}", tags=["gdpr"])
def activity_api(context: Reader, activity_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api(get_activity(context.db, activity_id))
    return result


class ActivityBody(ActivityFields):
    """A new activity: the fields a person writes (its DPIA is recorded apart)."""


class ActivityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Omissible[str] = None
    role: Omissible[str] = None
    controller: Omissible[str] = None
    purpose: Omissible[str] = None
    subject_categories: Omissible[str] = None
    data_categories: Omissible[str] = None
    special_categories: Omissible[list[str]] = None
    lawful_basis: str | None = None
    art9_condition: str | None = None
    recipients: Omissible[str] = None
    processors: Omissible[list[str]] = None
    processor_agreement: Omissible[bool] = None
    transfers: Omissible[list[str]] = None
    transfer_safeguard: str | None = None
    retention: Omissible[str] = None
    assets: Omissible[list[str]] = None
    controls: Omissible[list[str]] = None
    security_measures: Omissible[str] = None
    owner: str | None = None
    dpia_criteria: Omissible[list[str]] = None
    dpia_completed_on: date | None = None


@router.post("/api/processing", tags=["gdpr"])
def activity_add_api(context: Writer, body: ActivityBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    result: dict[str, Any] = api(add_activity(context.db, ActivityInput(**body.model_dump())))
    context.commit()
    return result


@router.patch("/api/processing/{activity_id}", tags=["gdpr"])
def activity_patch_api(context: Writer, activity_id: str, body: ActivityPatch) -> dict[str, Any]:
    """Only what is sent changes; null clears a choice (lawful basis, safeguard, owner)."""
    permissions.require_program(context.user, WHAT)
    sent = body.model_dump(exclude_unset=True)
    nullable = {*ACTIVITY_CHOICES, "dpia_completed_on"}
    changes = {k: v for k, v in sent.items() if v is not None or k in nullable}
    changed = edit_activity(context.db, activity_id, **changes)
    result: dict[str, Any] = api(get_activity(context.db, activity_id))
    context.commit()
    return {"activity": result, "changed": changed}


# --- data-subject requests ----------------------------------------------------------------


def _requests_page(
    context: RequestContext, error: str = "", form: dict[str, str] | None = None, code: int = 200
) -> HTMLResponse:
    items = list_requests(context.db, today=context.today)
    return render(
        context,
        "gdpr/requests.html",
        code,
        items=items,
        overdue=[r for r in items if r.state == "overdue"],
        kinds=REQUEST_KINDS,
        error=error,
        form=form or {},
    )


@router.get("/subject-requests", include_in_schema=False)
def requests_page(context: Reader) -> HTMLResponse:
    return _requests_page(context)


@router.post("/subject-requests", include_in_schema=False)
def request_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        received = form_date(fields.get("received_on"), "received_on")
        if received is None:
            raise FormError("received_on: give the day the request was received")
        data = RequestInput(
            fields.get("request_id", ""),
            fields.get("kind", ""),
            received,
            form_date(fields.get("identity_verified_on"), "identity_verified_on"),
            activity_id=fields.get("activity_id", ""),
            owner=fields.get("owner") or None,
        )
        item = add_request(context.db, data, context.today)
    except CrosswalkError as error:
        context.db.rollback()
        return _requests_page(context, str(error), fields, 400)
    context.commit()
    return redirect("/subject-requests", f"{item.request_id} recorded, due {item.due_on}.")


@router.post("/subject-requests/{request_id}", include_in_schema=False)
def request_edit(context: Writer, request_id: str, fields: Fields) -> Response:
    """Identity verified, answered, or extended (a reason extends it by two months)."""
    permissions.require_program(context.user, WHAT)
    try:
        if fields.get("extension_reason", "").strip():
            extend_request(context.db, request_id, fields["extension_reason"], context.today)
        changes: dict[str, Any] = {}
        for name in ("identity_verified_on", "done_on"):
            if fields.get(name, "").strip():
                changes[name] = form_date(fields[name], name)
        if changes:
            edit_request(context.db, request_id, **changes)
    except CrosswalkError as error:
        context.db.rollback()
        return _requests_page(context, str(error), None, 400)
    context.commit()
    return redirect("/subject-requests", f"{request_id} saved.")


@router.get("/api/subject-requests", tags=["gdpr"])
def requests_api(context: Reader, state: str | None = None) -> list[dict[str, Any]]:
    """By receipt, each with its Art. 12(3) due date; ``state`` is open, overdue or done."""
    result: list[dict[str, Any]] = api(list_requests(context.db, state, context.today))
    return result


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str
    kind: str
    received_on: date
    identity_verified_on: date | None = None
    activity_id: str = ""
    owner: str | None = None
    notes: str = ""


class RequestPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identity_verified_on: date | None = None
    done_on: date | None = None
    owner: str | None = None
    notes: Omissible[str] = None


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str


@router.post("/api/subject-requests", tags=["gdpr"])
def request_add_api(context: Writer, body: RequestBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    item = add_request(context.db, RequestInput(**body.model_dump()), context.today)
    result: dict[str, Any] = api(item)
    context.commit()
    return result


@router.patch("/api/subject-requests/{request_id}", tags=["gdpr"])
def request_patch_api(context: Writer, request_id: str, body: RequestPatch) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    sent = body.model_dump(exclude_unset=True)
    changed = edit_request(context.db, request_id, **sent)
    context.commit()
    return {"request_id": request_id, "changed": changed}


@router.post("/api/subject-requests/{request_id}/extend", tags=["gdpr"])
def request_extend_api(context: Writer, request_id: str, body: ExtendBody) -> dict[str, Any]:
    """Two more months, once, with the reason the requester is told (Art. 12(3))."""
    permissions.require_program(context.user, WHAT)
    result: dict[str, Any] = api(extend_request(context.db, request_id, body.reason, context.today))
    context.commit()
    return result
