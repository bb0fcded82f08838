"""Linking a stored piece of evidence to more controls, or unlinking it: the file stays
stored once and counts for every requirement its controls reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.evidence.evidence import link, unlink
from crosswalk.services.evidence.uploads import parse_control_ids
from crosswalk.services.evidence.views import visible_evidence
from crosswalk.web.context import RequestContext, Writer
from crosswalk.web.rendering import api, redirect
from crosswalk.web.routes.evidence.evidence import (
    ControlsField,
    render_detail,
    require_linkable,
    status_for,
)

router = APIRouter()


@dataclass(frozen=True)
class LinkResult:
    evidence: int
    changed: list[str]  # linked or unlinked by this request
    controls: list[str]  # what it supports now


def change_links(
    context: RequestContext, evidence_id: int, control_ids: list[str], add: bool
) -> LinkResult:
    visible_evidence(context.db, context.user, evidence_id)
    what = "linking evidence to this control" if add else "unlinking evidence from this control"
    require_linkable(context, control_ids, what)
    changed = (link if add else unlink)(context.db, evidence_id, control_ids)
    context.commit()
    item = visible_evidence(context.db, context.user, evidence_id)
    return LinkResult(evidence_id, changed, list(item.controls))


def _links_form(
    context: RequestContext, evidence_id: int, controls: list[str] | None, add: bool
) -> Response:
    try:
        result = change_links(context, evidence_id, parse_control_ids(controls or []), add)
    except CrosswalkError as problem:
        context.db.rollback()
        return render_detail(context, evidence_id, status_for(problem), str(problem))
    verb = "Linked to" if add else "Unlinked from"
    notice = f"{verb} {', '.join(result.changed)}." if result.changed else "Nothing changed."
    return redirect(f"/evidence/{evidence_id}", notice)


@router.post("/evidence/{evidence_id}/links", include_in_schema=False)
def link_page(context: Writer, evidence_id: int, controls: ControlsField = None) -> Response:
    return _links_form(context, evidence_id, controls, add=True)


@router.post("/evidence/{evidence_id}/links/delete", include_in_schema=False)
def unlink_page(context: Writer, evidence_id: int, controls: ControlsField = None) -> Response:
    return _links_form(context, evidence_id, controls, add=False)


class LinkBody(BaseModel):
    controls: list[str]


@router.post("/api/evidence/{evidence_id}/links", tags=["evidence"])
def link_api(context: Writer, evidence_id: int, body: LinkBody) -> dict[str, Any]:
    """Link existing evidence to more controls (the file is not stored again)."""
    data: dict[str, Any] = api(
        change_links(context, evidence_id, parse_control_ids(body.controls), add=True)
    )
    return data


@router.delete("/api/evidence/{evidence_id}/links/{control_id:path}", tags=["evidence"])
def unlink_api(context: Writer, evidence_id: int, control_id: str) -> dict[str, Any]:
    """Unlink evidence from a control (it must keep at least one)."""
    data: dict[str, Any] = api(change_links(context, evidence_id, [control_id], add=False))
    return data
