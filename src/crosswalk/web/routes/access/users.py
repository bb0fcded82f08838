"""Accounts (admins only, reading included): who signs in with which role, a control
owner's owner name, an auditor's observation window, and who is disabled. Password hashes
never leave the server."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.access.users import (
    ROLES,
    User,
    add_user,
    get_user,
    list_users,
    set_active,
    set_password,
    set_role,
    set_window,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import form_date
from crosswalk.web.rendering import redirect, render

router = APIRouter()
WHAT = "managing users"


def _admin(context: RequestContext) -> None:
    permissions.require(permissions.can_manage_users(context.user), WHAT)


def user_json(user: User) -> dict[str, Any]:
    """What the API and the page show of an account (the view carries no password hash)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "owner_name": user.owner_name,
        "window_start": user.window_start.isoformat() if user.window_start else None,
        "window_end": user.window_end.isoformat() if user.window_end else None,
        "active": user.active,
        "created_at": user.created_at.isoformat(timespec="seconds") if user.created_at else None,
    }


def _users_page(
    context: RequestContext,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users = [user_json(u) for u in list_users(context.db)]
    return render(
        context,
        "access/users.html",
        status_code,
        users=users,
        roles=ROLES,
        counts={role: sum(1 for u in users if u["role"] == role) for role in ROLES},
        error=error,
        form=form or {},
        passwords=context.state.settings.local_passwords,
    )


@router.get("/users", include_in_schema=False)
def users_page(context: Reader) -> HTMLResponse:
    _admin(context)
    return _users_page(context)


@router.post("/users", include_in_schema=False)
def user_add(
    context: Writer,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    owner_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    _admin(context)
    if not password and not context.state.settings.local_passwords:
        password = secrets.token_urlsafe(32)  # never shown nor usable: they sign in by SSO
    try:
        added = add_user(context.db, email, role, password, name=name, owner_name=owner_name)
    except CrosswalkError as error:
        context.db.rollback()
        form = {"email": email, "role": role, "name": name, "owner_name": owner_name}
        return _users_page(context, str(error), form, status_code=400)
    message = f"{added.email} added as {added.role}."
    context.commit()
    return redirect("/users", message)


def _change(context: RequestContext, change: Any, done: str) -> Response:
    """Run one change to an account; a refusal re-renders the page with the reason."""
    try:
        change()
    except CrosswalkError as error:
        context.db.rollback()
        return _users_page(context, str(error), status_code=400)
    context.commit()
    return redirect("/users", done)


@router.post("/users/{email}/role", include_in_schema=False)
def user_role(
    context: Writer,
    email: str,
    role: Annotated[str, Form()] = "",
    owner_name: Annotated[str | None, Form()] = None,
) -> Response:
    _admin(context)
    return _change(
        context,
        lambda: set_role(context.db, email, role, owner_name),
        f"{email} is now {role.replace('_', ' ')}.",
    )


@router.post("/users/{email}/window", include_in_schema=False)
def user_window(
    context: Writer,
    email: str,
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
) -> Response:
    _admin(context)

    def change() -> None:
        set_window(context.db, email, form_date(start, "start"), form_date(end, "end"))

    shown = f"{start} .. {end}" if start or end else "none"
    return _change(context, change, f"{email}: observation window {shown}.")


@router.post("/users/{email}/active", include_in_schema=False)
def user_active(context: Writer, email: str, active: Annotated[str, Form()] = "") -> Response:
    _admin(context)
    enable = active.strip().lower() in {"1", "yes", "true", "on"}
    return _change(
        context,
        lambda: set_active(context.db, email, enable),
        f"{email} {'enabled' if enable else 'disabled: their sessions ended'}.",
    )


@router.post("/users/{email}/password", include_in_schema=False)
def user_password(context: Writer, email: str, password: Annotated[str, Form()] = "") -> Response:
    _admin(context)
    return _change(
        context,
        lambda: set_password(context.db, email, password),
        f"Password changed for {email}; their sessions ended.",
    )


# --- the JSON API -----------------------------------------------------------------------


@router.get("/api/users", tags=["users"])
def users_api(context: Reader) -> list[dict[str, Any]]:
    """Every account with role, owner name, observation window and whether active."""
    _admin(context)
    return [user_json(u) for u in list_users(context.db)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    role: str
    password: str
    name: str = ""
    owner_name: str | None = None


class UserPatch(BaseModel):
    """Fields to change; a window needs both ends (null for both removes it)."""

    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    owner_name: str | None = None
    window_start: date | None = None
    window_end: date | None = None
    active: bool | None = None
    password: str | None = None


@router.post("/api/users", tags=["users"])
def user_add_api(context: Writer, body: NewUser) -> dict[str, Any]:
    _admin(context)
    added = add_user(context.db, body.email, body.role, body.password, body.name, body.owner_name)
    result = user_json(added)
    context.commit()
    return result


@router.patch("/api/users/{email}", tags=["users"])
def user_patch_api(context: Writer, email: str, body: UserPatch) -> dict[str, Any]:
    _admin(context)
    sent = body.model_dump(exclude_unset=True)
    if "role" in sent or "owner_name" in sent:
        role = sent.get("role") or get_user(context.db, email).role
        set_role(context.db, email, role, sent.get("owner_name"))
    if "window_start" in sent or "window_end" in sent:
        set_window(context.db, email, sent.get("window_start"), sent.get("window_end"))
    if sent.get("active") is not None:
        set_active(context.db, email, bool(sent["active"]))
    if sent.get("password"):
        set_password(context.db, email, sent["password"])
    result = user_json(get_user(context.db, email))
    context.commit()
    return result
