"""The ISMS scope (4.3) and the asset inventory it is drawn over: the statement's versions,
the check of statement against inventory, and every asset with owner, boundary and scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from crosswalk.services.isms.assets import Asset, list_assets
from crosswalk.services.isms.scope import ScopeCheck, ScopeStatement, check_scope, scope_versions
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()


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


@router.get("/scope", include_in_schema=False)
def scope_page(context: Reader) -> HTMLResponse:
    return render(context, "isms/scope.html", scope=scope_data(context))


@router.get("/assets", include_in_schema=False)
def assets_page(context: Reader) -> HTMLResponse:
    return render(context, "isms/assets.html", scope=scope_data(context))


@router.get("/api/scope", tags=["scope"])
def scope_api(context: Reader) -> dict[str, Any]:
    """The scope statement's versions (newest first) and its check against the inventory."""
    data = scope_data(context)
    return {"versions": api(data.versions), "check": api(data.check)}


@router.get("/api/assets", tags=["scope"])
def assets_api(context: Reader) -> dict[str, Any]:
    """Every asset: owner, classification, SOC 2 boundary, ISMS scope, dependencies, controls."""
    return {"assets": api(scope_data(context).assets)}
