"""The asset inventory the scope is drawn over: every asset with owner, boundary and scope,
added and changed here as ``crosswalk assets add|edit`` does in the terminal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.isms.assets import AssetInput, add_asset, edit_asset, get_asset
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, form_list, pick
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render
from crosswalk.web.routes.isms.scope import scope_data

router = APIRouter()
WHAT = "changing the asset inventory"
TEXT_FIELDS = ("asset_id", "name", "kind", "owner", "classification", "depends_on", "controls",
               "description")  # fmt: skip
FLAGS = ("in_isms_scope", "in_soc2_boundary")


def _page(
    context: RequestContext,
    status_code: int = 200,
    error: str = "",
    new: dict[str, Any] | None = None,
    editing: str = "",
) -> HTMLResponse:
    return render(
        context, "isms/assets.html", status_code, scope=scope_data(context), error=error,
        new=new or {}, editing=editing,
    )  # fmt: skip


@router.get("/assets", include_in_schema=False)
def assets_page(context: Reader) -> HTMLResponse:
    return _page(context)


def _sent(fields: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The text fields sent, and each check box as on (present) or off (absent)."""
    sent: dict[str, Any] = pick(fields, *names)
    sent.update({flag: flag in fields for flag in FLAGS})
    return sent


@router.post("/assets", include_in_schema=False)
def asset_add(context: Writer, fields: Fields) -> Response:
    """Add an asset (editors, admins): every dependency and control must exist."""
    permissions.require_program(context.user, WHAT)
    sent = _sent(fields, TEXT_FIELDS)
    try:
        added = add_asset(
            context.db,
            AssetInput(
                asset_id=sent.get("asset_id", ""),
                name=sent.get("name", ""),
                kind=sent.get("kind") or "system",
                owner=sent.get("owner"),
                classification=sent.get("classification"),
                in_soc2_boundary=sent["in_soc2_boundary"],
                in_isms_scope=sent["in_isms_scope"],
                depends_on=form_list(sent.get("depends_on")),
                controls=form_list(sent.get("controls")),
                description=sent.get("description", ""),
            ),
        )
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), sent)
    context.commit()
    return redirect("/assets", f"{added.asset_id} added to the inventory.")


@router.post("/assets/{asset_id}", include_in_schema=False)
def asset_edit(context: Writer, asset_id: str, fields: Fields) -> Response:
    """Owner, classification, scope and boundary as the row's form sends them."""
    permissions.require_program(context.user, WHAT)
    changes: dict[str, Any] = _sent(fields, ("owner", "classification", "depends_on"))
    if "depends_on" in changes:
        changes["depends_on"] = form_list(changes["depends_on"])
    try:
        changed = edit_asset(context.db, asset_id, **changes)
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), editing=asset_id)
    context.commit()
    what = ", ".join(name.replace("_", " ") for name in changed) or "nothing"
    return redirect("/assets", f"{asset_id}: changed {what}.")


@router.get("/api/assets", tags=["scope"])
def assets_api(context: Reader) -> dict[str, Any]:
    """Every asset: owner, classification, SOC 2 boundary, ISMS scope, dependencies, controls."""
    return {"assets": api(scope_data(context).assets)}


class NewAsset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    asset_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    kind: str = Field(default="system", max_length=100)
    owner: str | None = Field(default=None, max_length=200)
    classification: str | None = Field(default=None, max_length=100)
    in_soc2_boundary: bool = False
    in_isms_scope: bool = False
    depends_on: list[str] = Field(default_factory=list, max_length=500)
    controls: list[str] = Field(default_factory=list, max_length=500)
    description: str = Field(default="", max_length=20_000)


@router.post("/api/assets", tags=["scope"], status_code=201)
def asset_add_api(context: Writer, body: NewAsset) -> dict[str, Any]:
    """Add an asset, checked as the form and the CLI check it (400 names what is unknown)."""
    permissions.require_program(context.user, WHAT)
    added = add_asset(context.db, AssetInput(**body.model_dump()))
    context.commit()
    return dict(api(added))


class AssetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Omissible[str] = None
    kind: Omissible[str] = None
    owner: str | None = None
    classification: str | None = None
    in_soc2_boundary: Omissible[bool] = None
    in_isms_scope: Omissible[bool] = None
    depends_on: list[str] | None = None
    description: Omissible[str] = None


@router.patch("/api/assets/{asset_id}", tags=["scope"])
def asset_patch_api(context: Writer, asset_id: str, body: AssetPatch) -> dict[str, Any]:
    """Change an asset; only the fields sent change, and a bad one changes nothing."""
    permissions.require_program(context.user, WHAT)
    changes = body.model_dump(exclude_unset=True)
    if "depends_on" in changes:
        changes["depends_on"] = changes["depends_on"] or []
    changed = edit_asset(context.db, asset_id, **changes)
    result = api(get_asset(context.db, asset_id))
    context.commit()
    return {"asset": result, "changed": changed}
