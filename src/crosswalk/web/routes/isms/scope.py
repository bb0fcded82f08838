"""The ISMS scope (4.3): the statement's versions, each new one a draft until approved, and
the check of statement against the asset inventory (the inventory's own pages: ``assets``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.isms.assets import Asset, list_assets
from crosswalk.services.isms.scope import (
    ScopeCheck,
    ScopeStatement,
    approve_scope,
    check_scope,
    scope_versions,
    set_scope_statement,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import FormError, form_date, form_list
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "changing the ISMS scope"


@dataclass(frozen=True)
class ScopePage:
    versions: list[ScopeStatement]  # newest first
    check: ScopeCheck
    assets: list[Asset]


def scope_data(context: RequestContext) -> ScopePage:
    def compute() -> ScopePage:
        return ScopePage(
            list(reversed(scope_versions(context.db))),
            check_scope(context.db),
            list_assets(context.db),
        )

    return context.state.cached(context.db, "scope", compute)


def _page(
    context: RequestContext, status_code: int = 200, error: str = "", form: Any = None
) -> HTMLResponse:
    return render(
        context, "isms/scope.html", status_code, scope=scope_data(context), error=error,
        form=form or {},
    )  # fmt: skip


@router.get("/scope", include_in_schema=False)
def scope_page(context: Reader) -> HTMLResponse:
    return _page(context)


def exclusions(text: str) -> list[tuple[str, str]]:
    """``ID=reason``, one per line: the form's spelling of ``--exclude ID=reason``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        asset, sep, reason = line.partition("=")
        if not sep or not asset.strip() or not reason.strip():
            raise FormError(f"exclusions, line {number}: {line.strip()!r} should be ID=reason")
        found.append((asset.strip(), reason.strip()))
    return found


FormText = Annotated[str, Form(max_length=50_000)]


@router.post("/scope", include_in_schema=False)
def scope_set(
    context: Writer, text: FormText = "", includes: FormText = "", excludes: FormText = ""
) -> Response:
    """Record a new version as a draft; every version before it stays as it was."""
    permissions.require_program(context.user, WHAT)
    try:
        added = set_scope_statement(context.db, text, form_list(includes), exclusions(excludes))
    except CrosswalkError as error:
        context.db.rollback()
        form = {"text": text, "includes": includes, "excludes": excludes}
        return _page(context, 400, str(error), form)
    context.commit()
    return redirect("/scope", f"Scope statement v{added.version} recorded as a draft.")


@router.post("/scope/{version}/approve", include_in_schema=False)
def scope_approve(context: Writer, version: int, by: FormText = "", on: FormText = "") -> Response:
    permissions.require_program(context.user, "approving the ISMS scope")
    try:
        approved = approve_scope(
            context.db, version, by, form_date(on, "approved on") or context.today
        )
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), {"by": by, "on": on})
    context.commit()
    return redirect(
        "/scope", f"Scope statement v{approved.version} approved by {approved.approved_by}."
    )


@router.get("/api/scope", tags=["scope"])
def scope_api(context: Reader) -> dict[str, Any]:
    """The scope statement's versions (newest first) and its check against the inventory."""
    data = scope_data(context)
    return {"versions": api(data.versions), "check": api(data.check)}


class NewScope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=50_000)
    includes: list[str] = Field(default_factory=list, max_length=5000)
    excludes: dict[str, str] = Field(default_factory=dict, description="asset id -> reason")


@router.post("/api/scope", tags=["scope"], status_code=201)
def scope_set_api(context: Writer, body: NewScope) -> dict[str, Any]:
    """Record a new version of the statement as a draft (every asset must be known)."""
    permissions.require_program(context.user, WHAT)
    added = set_scope_statement(context.db, body.text, body.includes, list(body.excludes.items()))
    context.commit()
    return dict(api(added))


class ScopeApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)
    on: date | None = None  # default: today


@router.post("/api/scope/{version}/approve", tags=["scope"])
def scope_approve_api(context: Writer, version: int, body: ScopeApproval) -> dict[str, Any]:
    permissions.require_program(context.user, "approving the ISMS scope")
    approved = approve_scope(context.db, version, body.by, body.on or context.today)
    context.commit()
    return dict(api(approved))
