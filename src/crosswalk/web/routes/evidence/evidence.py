"""Evidence: the list with freshness and store verification, each piece with its links and
the requirements it counts for, drag-and-drop upload, link/unlink, and downloads.

Uploads stream from the parsed form's spooled file into the content-addressed store; every
check (file name, format, size, which controls the user may touch) runs before a byte is
stored. Auditors see only evidence performed inside their observation window, here, in
the API and in downloads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Annotated, Any, BinaryIO
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.controls.controls import get_control
from crosswalk.services.coverage.gap import ISO_2022, first_evidence_switch
from crosswalk.services.coverage.reach import Reach, requirements_reached
from crosswalk.services.evidence.evidence import (
    CHUNK,
    Evidence,
    EvidenceError,
    EvidenceInput,
    VerifyReport,
    add_stream_evidence,
    add_url_evidence,
    evidence_exists,
    list_evidence,
    verify,
)
from crosswalk.services.evidence.uploads import (
    ALLOWED_TYPES,
    UPLOAD_KINDS,
    UnsafeFileName,
    UnsupportedFileType,
    UploadTooLarge,
    check_kind,
    check_upload,
    content_disposition,
    parse_control_ids,
)
from crosswalk.services.evidence.views import (
    EVIDENCE_PER_PAGE,
    ControlChoice,
    EvidenceCounts,
    FreshnessSummary,
    Verification,
    evidence_listing,
    hidden_reason,
    linkable_controls,
    verification,
    visible,
    visible_evidence,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.openapi import errors, file_download
from crosswalk.web.rendering import api, redirect, render
from crosswalk.web.routes.coverage.gap import gap_report

router = APIRouter()
API_PER_PAGE = 500  # the API's page; the page itself shows EVIDENCE_PER_PAGE
MAX_API_PER_PAGE = 2000


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidencePage:
    evidence: list[Evidence]  # this page
    counts: EvidenceCounts  # over everything the filters keep
    control: str | None  # listing only this control's evidence
    hidden_reason: str  # why an auditor sees less; empty for everyone else
    freshness: FreshnessSummary | None  # not shown to auditors (it dates all evidence)
    verification: Verification
    page: int = 1
    pages: int = 1
    per_page: int = EVIDENCE_PER_PAGE
    q: str = ""
    kind: str = ""

    @property
    def query(self) -> str:
        """The filters as a query string, for the links to other pages."""
        given = (("control", self.control or ""), ("q", self.q), ("kind", self.kind))
        return urlencode([(name, value) for name, value in given if value])


def verify_report(context: RequestContext, recheck: bool = False) -> VerifyReport:
    """Re-hashing every file is slow on a big store: once per change, unless asked."""

    def compute() -> VerifyReport:
        return verify(context.db, context.state.workspace.blobs)

    if recheck:
        return compute()
    return context.state.cached(context.db, "evidence-verify", compute)


def verification_data(context: RequestContext, recheck: bool = False) -> Verification:
    report = verify_report(context, recheck)
    if not permissions.limited_to_window(context.user):
        return verification(report)
    allowed = {r.id for r in visible(context.user, list_evidence(context.db)) if r.sha256}
    return verification(report, allowed)


def evidence_data(
    context: RequestContext,
    control: str | None = None,
    recheck: bool = False,
    q: str = "",
    kind: str = "",
    page: int = 1,
    per_page: int = EVIDENCE_PER_PAGE,
) -> EvidencePage:
    listing = evidence_listing(
        context.db,
        context.user,
        control or None,
        q,
        kind,
        page,
        per_page,
        lambda wanted, count: context.state.cached(context.db, "evidence-totals", count, wanted),
    )
    freshness = None
    if not permissions.limited_to_window(context.user):
        freshness = context.program().freshness_lists.summary
    return EvidencePage(
        evidence=listing.evidence,
        counts=listing.counts,
        control=control or None,
        hidden_reason=hidden_reason(context.user),
        freshness=freshness,
        verification=verification_data(context, recheck),
        page=listing.page,
        pages=listing.pages,
        per_page=listing.per_page,
        q=q,
        kind=kind,
    )


def upload_choices(context: RequestContext) -> list[ControlChoice]:
    """The controls this user may add evidence to, from the live program's list (read once
    per state of the program, not from the database on every page)."""
    program = context.program()
    user = context.user
    return context.state.view(
        program,
        "evidence-choices",
        lambda: linkable_controls(user, program.items()),
        user.role,
        user.owner_name,
    )


def _render_list(
    context: RequestContext,
    control: str | None = None,
    recheck: bool = False,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    error: str = "",
    q: str = "",
    kind: str = "",
    page: int = 1,
) -> HTMLResponse:
    defaults = {
        "title": "",
        "performed_start": str(context.today),
        "performed_end": str(context.today),
        "controls": [control] if control else [],
        "kind": "file",
        "reference": "",
        "url": "",
    }
    return render(
        context,
        "evidence/evidence.html",
        status_code=status_code,
        page=evidence_data(context, control, recheck, q, kind, page),
        choices=upload_choices(context),
        form={**defaults, **(form or {})},
        kinds=UPLOAD_KINDS,
        accepted=sorted(ALLOWED_TYPES),
        max_upload_bytes=context.state.settings.max_upload_bytes,
        error=error,
    )


@router.get("/evidence", include_in_schema=False)
def evidence_page(
    context: Reader,
    control: str | None = None,
    recheck: bool = False,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=32)] = "",
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
) -> Response:
    return _render_list(context, control, recheck, q=q, kind=kind, page=page)


@router.get("/api/evidence", tags=["evidence"])
def evidence_api(
    context: Reader,
    control: str | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=32)] = "",
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_API_PER_PAGE)] = API_PER_PAGE,
) -> dict[str, Any]:
    """Evidence the signed-in user may see, newest first, a page at a time (``counts``
    over all it matches, ``page``, ``pages``), freshness per control, and store
    verification. ``q`` searches titles, file names, references, links and hashes."""
    data: dict[str, Any] = api(evidence_data(context, control, False, q, kind, page, per_page))
    return data


@router.get("/api/evidence/verify", tags=["evidence"])
def verify_api(context: Reader, recheck: bool = False) -> dict[str, Any]:
    """Every stored file re-hashed against the database (cached until the next change)."""
    result = verification_data(context, recheck)
    data: dict[str, Any] = api(result)
    data["intact"] = result.intact
    return data


@dataclass(frozen=True)
class LinkedControl:
    control_id: str
    title: str
    owner: str | None
    status: str
    can_unlink: bool


@dataclass(frozen=True)
class EvidenceDetail:
    evidence: Evidence
    stored: bool  # the file is in the store (False: url-only, or missing on disk)
    controls: list[LinkedControl]
    reaches_framework: str
    reaches: list[Reach]  # requirements its controls reach, with today's gap verdict
    linkable: list[ControlChoice]  # controls the user may still link it to


def detail_data(context: RequestContext, evidence_id: int) -> EvidenceDetail:
    view = visible_evidence(context.db, context.user, evidence_id)
    user = context.user
    linked = [get_control(context.db, control_id) for control_id in view.controls]
    controls = [
        LinkedControl(
            c.control_id,
            c.title,
            c.owner,
            c.status,
            can_unlink=len(linked) > 1
            and permissions.can_write(user)
            and permissions.can_edit_control(user, c),
        )
        for c in linked
    ]
    report = gap_report(context, ISO_2022)
    have = set(view.controls)
    return EvidenceDetail(
        evidence=view,
        stored=bool(view.sha256) and context.state.workspace.blobs.exists(view.sha256 or ""),
        controls=controls,
        reaches_framework=context.library.frameworks[ISO_2022].name,
        reaches=requirements_reached(report, view.controls),
        linkable=[c for c in upload_choices(context) if c.control_id not in have],
    )


def render_detail(
    context: RequestContext, evidence_id: int, status_code: int = 200, error: str = ""
) -> HTMLResponse:
    return render(
        context,
        "evidence/evidence_detail.html",
        status_code=status_code,
        detail=detail_data(context, evidence_id),
        error=error,
    )


def _unknown(context: RequestContext, evidence_id: int) -> Response | None:
    """404 for an evidence number that does not exist (reads only; writes answer 400)."""
    if not evidence_exists(context.db, evidence_id):
        return _not_found(context, f"no evidence #{evidence_id}")
    return None


@router.get("/evidence/{evidence_id}", include_in_schema=False)
def evidence_detail_page(context: Reader, evidence_id: int) -> Response:
    return _unknown(context, evidence_id) or render_detail(context, evidence_id)


@router.get("/api/evidence/{evidence_id}", tags=["evidence"], responses=errors(404))
def evidence_detail_api(context: Reader, evidence_id: int) -> Any:
    """One piece of evidence, its controls and the ISO requirements they reach."""
    return _unknown(context, evidence_id) or api(detail_data(context, evidence_id))


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


@router.get(
    "/evidence/{evidence_id}/download",
    tags=["evidence"],
    response_class=StreamingResponse,
    responses={**file_download("*/*"), **errors(404, pages=True)},
)
def download(context: Reader, evidence_id: int) -> Response:
    """The stored file, as an attachment under the name it was uploaded with."""
    if missing := _unknown(context, evidence_id):
        return missing
    item = visible_evidence(context.db, context.user, evidence_id)
    if not item.sha256:
        return _not_found(context, f"evidence #{evidence_id} is a link, not a stored file")
    store = context.state.workspace.blobs
    size = store.size(item.sha256)
    if size is None:
        return _not_found(
            context, f"the file of evidence #{evidence_id} is missing from the store; run verify"
        )
    handle = store.open(item.sha256)
    return StreamingResponse(
        _chunks(handle),
        media_type=item.media_type or "application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(item.filename or f"evidence-{item.id}"),
            "Content-Length": str(size),
        },
    )


def _not_found(context: RequestContext, message: str) -> Response:
    if context.request.url.path.startswith("/api/") or "application/json" in (
        context.request.headers.get("accept", "")
    ):
        return JSONResponse({"detail": message}, status_code=404)
    return render(context, "error.html", status_code=404, status=404, message=message)


# --- uploading -----------------------------------------------------------------------------


def status_for(problem: CrosswalkError) -> int:
    if isinstance(problem, permissions.Forbidden):
        return 403
    if isinstance(problem, UnsupportedFileType):
        return 415
    if isinstance(problem, UploadTooLarge):
        return 413
    return 400


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise EvidenceError(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def _size(upload: UploadFile) -> int:
    if upload.size is not None:
        return upload.size
    upload.file.seek(0, os.SEEK_END)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


def require_linkable(context: RequestContext, control_ids: list[str], what: str) -> None:
    """Editors link to any control; a control owner only to their own (before any write)."""
    if not control_ids:
        raise EvidenceError("choose at least one control the evidence supports")
    chosen = [get_control(context.db, control_id) for control_id in control_ids]
    permissions.require_controls(context.user, chosen, what)


FileField = Annotated[UploadFile | None, File(description="The evidence file.")]
TitleField = Annotated[str, Form(description="Title (default: the file name).")]
StartField = Annotated[str, Form(description="Performed on / from (YYYY-MM-DD; today).")]
EndField = Annotated[str, Form(description="Performed until (YYYY-MM-DD; the start).")]
ControlsField = Annotated[
    list[str] | None, Form(description="Control ids it supports (repeat, or comma-separated).")
]
KindField = Annotated[str, Form(description="file, attestation or collector.")]
ReferenceField = Annotated[str, Form(description="Ticket or event ids, e.g. CHG-1042.")]
UrlField = Annotated[
    str, Form(max_length=4000, description="A link instead of a file (http or https).")
]


@dataclass(frozen=True)
class EvidenceForm:
    """What the add-evidence form (and its API twin) sends besides the file, as typed."""

    title: str = ""
    performed_start: str = ""
    performed_end: str = ""
    controls: list[str] = field(default_factory=list)
    kind: str = "file"
    reference: str = ""
    url: str = ""

    def data(self, context: RequestContext, kind: str, source: str) -> EvidenceInput:
        start = _day(self.performed_start, "performed_start")
        return EvidenceInput(
            title=self.title.strip(),
            kind=kind,
            performed_start=start,
            performed_end=_day(self.performed_end, "performed_end") or start,
            collected_by=context.user.email,
            source=source,
            reference=self.reference.strip(),
        )


def evidence_form(
    title: TitleField = "",
    performed_start: StartField = "",
    performed_end: EndField = "",
    controls: ControlsField = None,
    kind: KindField = "file",
    reference: ReferenceField = "",
    url: UrlField = "",
) -> EvidenceForm:
    return EvidenceForm(title, performed_start, performed_end, controls or [], kind, reference, url)


EvidenceFields = Annotated[EvidenceForm, Depends(evidence_form)]


def _store_link(context: RequestContext, form: EvidenceForm) -> Evidence:
    if form.kind not in ("", "file", "url"):
        raise EvidenceError(f"kind {form.kind!r}: a link is recorded as kind 'url'")
    control_ids = parse_control_ids(form.controls)
    require_linkable(context, control_ids, "adding evidence to this control")
    data = form.data(context, "url", "")
    item = add_url_evidence(context.db, form.url, control_ids, data, context.today)
    context.commit()
    return item


def store_upload(
    context: RequestContext, upload: UploadFile | None, form: EvidenceForm
) -> Evidence:
    """Check everything, then stream the file into the store (or record the link) and
    commit. A link is used when no file is chosen; a file and a link together are refused,
    so nobody wonders which one was kept."""
    chosen = upload is not None and bool(upload.filename)
    if chosen and form.url.strip():
        raise EvidenceError("give a file or a link, not both")
    if not chosen and form.url.strip():
        return _store_link(context, form)
    if upload is None or not chosen:
        raise UnsafeFileName("choose a file to upload, or give a link")
    name, media_type = check_upload(
        upload.filename, _size(upload), context.state.settings.max_upload_bytes
    )
    check_kind(form.kind)
    control_ids = parse_control_ids(form.controls)
    require_linkable(context, control_ids, "adding evidence to this control")
    data = form.data(context, form.kind, "web upload")
    upload.file.seek(0)
    item = add_stream_evidence(
        context.db,
        context.state.workspace.blobs,
        upload.file,
        name,
        media_type,
        control_ids,
        data,
        context.today,
    )
    context.commit()
    return item


@router.post("/evidence", include_in_schema=False)
def upload_page(context: Writer, form: EvidenceFields, file: FileField = None) -> Response:
    try:
        item = store_upload(context, file, form)
    except CrosswalkError as problem:
        context.db.rollback()
        typed = {**asdict(form), "controls": parse_control_ids(form.controls)}
        return _render_list(
            context, status_code=status_for(problem), form=typed, error=str(problem)
        )
    linked = ", ".join(item.controls)
    switch = first_evidence_switch(context.db, context.library, context.today)
    return redirect(
        "/evidence",
        f"Evidence #{item.id} “{item.title}” stored ({(item.sha256 or '')[:12]}) and linked to "
        f"{linked}." + (f" {switch.message}" if switch else ""),
    )


@router.post("/api/evidence", tags=["evidence"], status_code=201, responses=errors(413, 415))
def upload_api(context: Writer, form: EvidenceFields, file: FileField = None) -> JSONResponse:
    """Upload evidence (multipart), or record a link (``url`` without a file): 201 with the
    new evidence; 400 unsafe name or bad link, 403 someone else's control, 413 too large,
    415 not an evidence format. Nothing is stored on refusal."""
    try:
        item = store_upload(context, file, form)
    except CrosswalkError as problem:
        context.db.rollback()
        return JSONResponse({"detail": str(problem)}, status_code=status_for(problem))
    switch = first_evidence_switch(context.db, context.library, context.today)
    return JSONResponse({**api(item), "coverage_rule_changed": api(switch)}, status_code=201)
