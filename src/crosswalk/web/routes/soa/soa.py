"""The Statement of Applicability editor: the 93 Annex A rows by theme, the version and its
approval, validation findings, diffs between versions, and one row edited at a time with a
live check of what the server would refuse (an exclusion without a reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.controls.controls import list_controls
from crosswalk.services.evidence.trail_view import TrailEntry, TrailFilter, trail
from crosswalk.services.isms.risks import resolve_annex_a
from crosswalk.services.soa.edit import (
    EntryChange,
    EntryCheck,
    check_entry,
    form_change,
    save_entry,
)
from crosswalk.services.soa.soa import (
    ISO,
    JUSTIFICATION_KINDS,
    STATUSES,
    Change,
    Finding,
    SoaEntry,
    SoaMeta,
    SoaRow,
    current_draft,
    diff,
    init_soa,
    is_approved,
    list_versions,
    soa_meta,
    soa_rows,
    split_kinds,
    validate,
)
from crosswalk.services.soa.soa import approve as approve_draft
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import form_date
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import HTML, XLSX, api, download, redirect, render
from crosswalk.web.routes.coverage.gap import gap_report

router = APIRouter()
WHAT = "changing the Statement of Applicability"
SHOW = ("applicable", "excluded", "not-implemented", "findings")


def shown(show: str, row: SoaRow, findings: dict[str, list[Finding]]) -> bool:
    """Whether a row belongs on a tab of the table (every row when no tab is chosen)."""
    if show == "applicable":
        return row.applicable
    if show == "excluded":
        return not row.applicable
    if show == "not-implemented":
        return row.implementation_status in ("not implemented", "planned")
    if show == "findings":
        return row.ref in findings
    return True


@dataclass(frozen=True)
class VersionItem:
    version: int
    status: str
    approved_by: str | None
    approved_on: date | None
    created_on: date
    note: str


@dataclass(frozen=True)
class SoaPage:
    """One version of the SoA with what the page shows beside it."""

    exists: bool
    meta: SoaMeta | None = None
    rows: list[SoaRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    versions: list[VersionItem] = field(default_factory=list)
    draft: int | None = None  # the draft's number, when there is one
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def editable(self) -> bool:
        return self.meta is not None and self.meta.status == "draft"


def _rows(context: RequestContext, version: int) -> list[SoaRow]:
    """The rows, with the controls reaching each and their facts lent by the live program
    (kept current edit by edit) instead of a gap analysis of their own."""
    live = context.program()
    return soa_rows(
        context.db, context.library, version, report=gap_report(context, program=live),
        facts=live.facts(),
    )  # fmt: skip


def soa_data(context: RequestContext, version: str | None = None) -> SoaPage:
    def compute() -> SoaPage:
        session, library = context.db, context.library
        versions = list_versions(session)
        if not versions:
            return SoaPage(exists=False)
        meta = soa_meta(session, version)
        rows = _rows(context, meta.version)
        draft = current_draft(session)
        counts = {s: sum(1 for r in rows if r.implementation_status == s) for s in STATUSES}
        return SoaPage(
            exists=True,
            meta=meta,
            rows=rows,
            findings=validate(session, library, meta.version),
            versions=[
                VersionItem(
                    v.version,
                    "approved" if is_approved(v) else "draft",
                    v.approved_by,
                    v.approved_on,
                    v.created_at.date(),
                    v.note,
                )
                for v in reversed(versions)
            ],
            draft=draft.version if draft is not None else None,
            statuses=counts,
        )

    return context.state.cached(context.db, "soa", compute, version)


def _values(row: SoaRow | SoaEntry) -> dict[str, Any]:
    """An edit form's fields filled from a row."""
    kinds = row.justification_kinds
    return {
        "applicable": "yes" if row.applicable else "no",
        "justification": row.justification,
        "kinds": split_kinds(kinds) if isinstance(kinds, str) else list(kinds),
        "exclusion_reason": row.exclusion_reason,
        "implementation_status": row.implementation_status,
    }


def _themes(rows: list[SoaRow]) -> list[tuple[str, list[SoaRow]]]:
    groups: dict[str, list[SoaRow]] = {}
    for row in rows:
        groups.setdefault(row.theme or "Other", []).append(row)
    return list(groups.items())


def _by_ref(findings: list[Finding]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.ref, []).append(finding)
    return found


def _resolve(context: RequestContext, ref: str) -> str:
    return resolve_annex_a(context.library, ref)


def _form(values: dict[str, Any] | None, row: SoaRow | None) -> dict[str, Any]:
    if values is not None:
        return values
    return _values(row) if row is not None else {}


def _soa_page(
    context: RequestContext,
    version: str | None = None,
    edit: str | None = None,
    show: str = "",
    values: dict[str, Any] | None = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    data = soa_data(context, version)
    findings = _by_ref(data.findings)
    editing = None
    if edit and data.editable and context.can_edit_program:
        wanted = _resolve(context, edit)
        editing = next((r for r in data.rows if r.ref == wanted), None)
    tab = show if show in SHOW else ""
    rows = [r for r in data.rows if shown(tab, r, findings)]
    return render(
        context,
        "soa/soa.html",
        status_code,
        soa=data,
        themes=_themes(rows),
        shown_rows=len(rows),
        show=tab,
        counts={name: sum(1 for r in data.rows if shown(name, r, findings)) for name in SHOW},
        by_ref=findings,
        editing=editing,
        form=_form(values, editing),
        kinds=JUSTIFICATION_KINDS,
        statuses=STATUSES,
        version_param=version or "",
        error=error,
    )


@router.get("/soa", include_in_schema=False)
def soa_page(
    context: Reader, version: str | None = None, edit: str | None = None, show: str = ""
) -> HTMLResponse:
    return _soa_page(context, version or None, edit, show)


def _soa_download(context: RequestContext, version: str | None, output_format: str) -> Response:
    from crosswalk.reports.soa_report import write_soa

    if not list_versions(context.db):
        raise CrosswalkError("there is no Statement of Applicability yet to download")

    def compute() -> tuple[SoaMeta, list[SoaRow]]:  # the rows only, as `soa export` writes
        meta = soa_meta(context.db, version or None)
        return meta, _rows(context, meta.version)

    meta, rows = context.state.cached(context.db, "soa-download", compute, version)
    return download(
        lambda path: write_soa(rows, meta, output_format, path),
        f"soa-v{meta.version}-{context.today}.{output_format}",
        XLSX if output_format == "xlsx" else HTML,
    )


@router.get(
    "/soa/report.xlsx", tags=["soa"], response_class=FileResponse, responses=file_download(XLSX)
)
def soa_xlsx(context: Reader, version: str | None = None) -> Response:
    """The SoA as auditors expect it, one row per Annex A control (a version, or the newest)."""
    return _soa_download(context, version, "xlsx")


@router.get(
    "/soa/report.html", tags=["soa"], response_class=FileResponse, responses=file_download(HTML)
)
def soa_html(context: Reader, version: str | None = None) -> Response:
    """The SoA as one self-contained HTML page."""
    return _soa_download(context, version, "html")


@router.get("/soa/diff", include_in_schema=False)
def soa_diff_page(
    context: Reader,
    v1: Annotated[str | None, Query(alias="from")] = None,
    v2: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    data = soa_data(context)
    numbers = [v.version for v in data.versions]
    newer = v2 or (str(numbers[0]) if numbers else "1")
    older = v1 or (str(numbers[1]) if len(numbers) > 1 else newer)
    changes = diff(context.db, older, newer)
    titles = {r.ref: r.title for r in data.rows}
    return render(
        context,
        "soa/soa_diff.html",
        soa=data,
        older=older.removeprefix("v"),
        newer=newer.removeprefix("v"),
        changes=changes,
        refs=list(dict.fromkeys(c.ref for c in changes)),
        titles=titles,
    )


def _history(context: RequestContext, ref: str) -> list[TrailEntry]:
    entries = trail(context.db, TrailFilter(entity="soa_entry", key=ref, limit=100))
    return [e for e in entries if e.entity_key.split()[-1:] == [ref]]


def _entry_page(
    context: RequestContext,
    ref: str,
    version: str | None = None,
    values: dict[str, Any] | None = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    wanted = _resolve(context, ref)
    data = soa_data(context, version)
    row = next((r for r in data.rows if r.ref == wanted), None)
    if row is None:
        raise CrosswalkError(f"{wanted} has no row in this version of the SoA")
    controls = {c.control_id: c for c in list_controls(context.db)}
    editable = data.editable and context.can_edit_program
    return render(
        context,
        "soa/soa_entry.html",
        status_code,
        soa=data,
        row=row,
        requirement=context.library.requirement(f"{ISO}:{wanted}"),
        findings=[f for f in data.findings if f.ref == wanted],
        controls=[controls[c] for c in row.controls if c in controls],
        history=_history(context, wanted),
        editing=row if editable else None,
        form=_form(values, row),
        kinds=JUSTIFICATION_KINDS,
        statuses=STATUSES,
        version_param=version or "",
        error=error,
    )


@router.get("/soa/{ref:path}", include_in_schema=False)
def soa_entry_page(context: Reader, ref: str, version: str | None = None) -> HTMLResponse:
    return _entry_page(context, ref, version or None)


# --- writes from the page ---------------------------------------------------------------


@router.post("/soa/init", include_in_schema=False)
def soa_init(context: Writer) -> Response:
    permissions.require_program(context.user, WHAT)
    row = init_soa(context.db, context.library, today=context.today)
    context.commit()
    return redirect("/soa", f"Draft v{row.version} created: {row.note}.")


@router.post("/soa/approve", include_in_schema=False)
def soa_approve(context: Writer) -> Response:
    permissions.require_program(context.user, "approving the Statement of Applicability")
    row = approve_draft(context.db, approver(context), context.today)
    context.commit()
    return redirect("/soa", f"v{row.version} approved by {row.approved_by} on {row.approved_on}.")


def approver(context: RequestContext) -> str:
    """Who approves: the signed-in person, as the trail knows them."""
    user = context.user
    return f"{user.name} ({user.email})" if user.name else user.email


@router.post("/soa/{ref:path}", include_in_schema=False)
def soa_save(
    context: Writer,
    ref: str,
    applicable: Annotated[str, Form()] = "",
    justification: Annotated[str | None, Form()] = None,
    kinds: Annotated[list[str] | None, Form()] = None,
    exclusion_reason: Annotated[str | None, Form()] = None,
    implementation_status: Annotated[str | None, Form()] = None,
    back: Annotated[str, Form()] = "list",
) -> Response:
    permissions.require_program(context.user, WHAT)
    values = {
        "applicable": applicable,
        "justification": justification or "",
        "kinds": [k for k in kinds or [] if k],
        "exclusion_reason": exclusion_reason or "",
        "implementation_status": implementation_status or "",
    }
    try:
        change = form_change(
            applicable, justification, kinds, exclusion_reason, implementation_status
        )
        entry = save_entry(context.db, context.library, ref, change, context.today)
    except CrosswalkError as error:
        context.db.rollback()
        if back == "detail":
            return _entry_page(context, ref, values=values, error=str(error), status_code=400)
        return _soa_page(context, edit=ref, values=values, error=str(error), status_code=400)
    state = "applicable" if entry.applicable else f"excluded ({entry.exclusion_reason})"
    ref_saved = entry.ref
    context.commit()
    target = f"/soa/{ref_saved}" if back == "detail" else "/soa"
    return redirect(target, f"{ref_saved} saved: {state}, {entry.implementation_status}.")


# --- the JSON API -----------------------------------------------------------------------


@router.get("/api/soa", tags=["soa"])
def soa_api(context: Reader, version: str | None = None) -> dict[str, Any]:
    """A version (default: the newest) with its 93 rows and the version list."""
    data = soa_data(context, version)
    return {
        "version": api(data.meta),
        "entries": api(data.rows),
        "versions": api(data.versions),
        "draft": data.draft,
    }


@router.get("/api/soa/validate", tags=["soa"])
def soa_validate_api(context: Reader, version: str | None = None) -> dict[str, Any]:
    data = soa_data(context, version)
    number = data.meta.version if data.meta else None
    return {"version": number, "findings": api(data.findings), "valid": not data.findings}


@router.get("/api/soa/diff", tags=["soa"])
def soa_diff_api(
    context: Reader,
    v1: Annotated[str, Query(alias="from")],
    v2: Annotated[str, Query(alias="to")],
) -> list[dict[str, Any]]:
    changes: list[Change] = diff(context.db, v1, v2)
    result: list[dict[str, Any]] = api(changes)
    return result


@router.get("/api/soa/check/{ref:path}", tags=["soa"])
def soa_check_api(
    context: Reader,
    ref: str,
    applicable: str = "",
    justification: str | None = None,
    kinds: Annotated[list[str] | None, Query()] = None,
    exclusion_reason: str | None = None,
    implementation_status: str | None = None,
) -> dict[str, Any]:
    """What saving this edit form would be refused for, as the form is filled in; nothing
    is written. ``problems`` block the save; ``warnings`` are findings it would leave."""
    try:
        change = form_change(
            applicable, justification, kinds, exclusion_reason, implementation_status
        )
    except CrosswalkError as error:
        return {"ref": ref, "problems": [f"{str(error).capitalize()}."], "warnings": []}
    checked: EntryCheck = check_entry(context.db, context.library, ref, change)
    return {"ref": checked.ref, "problems": checked.problems, "warnings": checked.warnings}


class EntryBody(BaseModel):
    """Fields of one SoA row; only those sent change (as ``crosswalk soa set``)."""

    model_config = ConfigDict(extra="forbid")
    applicable: bool | None = None
    justification: str | None = None
    justification_kinds: list[str] | None = None
    exclusion_reason: str | None = None
    implementation_status: str | None = None


def entry_json(entry: SoaEntry) -> dict[str, Any]:
    return {
        "ref": entry.ref,
        "applicable": entry.applicable,
        "justification": entry.justification,
        "justification_kinds": split_kinds(entry.justification_kinds),
        "exclusion_reason": entry.exclusion_reason,
        "implementation_status": entry.implementation_status,
        "last_reviewed": api(entry.last_reviewed),
    }


@router.put("/api/soa/{ref:path}", tags=["soa"])
def soa_put_api(context: Writer, ref: str, body: EntryBody) -> dict[str, Any]:
    """Change one row of the draft; an exclusion without a reason is refused (400)."""
    permissions.require_program(context.user, WHAT)
    change = EntryChange(
        applicable=body.applicable,
        justification=body.justification,
        kinds=body.justification_kinds,
        exclusion_reason=body.exclusion_reason,
        status=body.implementation_status,
    )
    entry = save_entry(context.db, context.library, ref, change, context.today)
    result = entry_json(entry)
    context.commit()
    return result


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: str | None = None


@router.post("/api/soa/approve", tags=["soa"])
def soa_approve_api(context: Writer, body: ApproveBody | None = None) -> dict[str, Any]:
    """Approve the draft as the signed-in user; an approved version never changes again."""
    permissions.require_program(context.user, "approving the Statement of Applicability")
    on = form_date(body.on if body else None, "on")
    row = approve_draft(context.db, approver(context), on, today=context.today)
    number = row.version
    context.commit()
    findings = validate(context.db, context.library, number)
    return {"version": api(soa_meta(context.db, number)), "open_findings": len(findings)}


@router.post("/api/soa/init", tags=["soa"])
def soa_init_api(context: Writer) -> dict[str, Any]:
    """Start a draft: the first from the gap analysis, later ones copying the approved one."""
    permissions.require_program(context.user, WHAT)
    row = init_soa(context.db, context.library, today=context.today)
    number = row.version
    context.commit()
    result: dict[str, Any] = api(soa_meta(context.db, number))
    return result
