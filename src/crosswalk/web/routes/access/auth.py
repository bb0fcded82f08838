"""Signing in and out. The sign-in form has its own CSRF token (a cookie it must match),
since there is no session yet to hold one."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crosswalk.services.access.users import (
    LoginLimited,
    LoginRefused,
    User,
    authenticate,
    end_session,
    start_session,
)
from crosswalk.web.context import SESSION_COOKIE, Db, Reader, SessionWriter, app_state
from crosswalk.web.rendering import redirect, templates
from crosswalk.web.security import set_cookie

router = APIRouter()
LOGIN_CSRF_COOKIE = "crosswalk_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(
    request: Request, token: str, next_path: str, error: str = "", status: int = 200
) -> HTMLResponse:
    settings = app_state(request).settings
    response = templates.TemplateResponse(
        request,
        "access/login.html",
        {
            "csrf_token": token,
            "next": next_path,
            "error": error,
            "sso_name": settings.sso.provider_name if settings.sso else None,
            "passwords": settings.local_passwords,
        },
        status_code=status,
    )
    set_cookie(response, request, settings, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return login_page(request, token, safe_next(next))


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    fresh = secrets.token_urlsafe(32)
    if not app_state(request).settings.local_passwords:
        return login_page(
            request,
            expected or fresh,
            safe_next(next),
            "Signing in with a password is turned off here; use single sign-on.",
            403,
        )
    if not expected or not csrf_token or not secrets.compare_digest(expected, csrf_token):
        return login_page(request, fresh, safe_next(next), "The form expired; sign in again.", 403)
    client = request.client.host if request.client else "unknown"
    try:
        user = authenticate(db, email, password, client)
    except LoginLimited as error:
        db.commit()
        return login_page(request, expected, safe_next(next), str(error).capitalize() + ".", 429)
    except LoginRefused:
        db.commit()  # the failed attempt counts towards the limit
        return login_page(request, expected, safe_next(next), "Wrong email or password.", 401)
    return signed_in(request, db, user, next)


def signed_in(request: Request, db: Db, user: User, next_path: str) -> RedirectResponse:
    """A new session for ``user``, committed, its cookie set, and on to ``next_path``: the
    end of every way in (password or single sign-on)."""
    settings = app_state(request).settings
    started = start_session(db, user, hours=settings.session_hours)
    db.commit()
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_cookie(
        response,
        request,
        settings,
        SESSION_COOKIE,
        started.token,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(context: SessionWriter) -> Response:
    end_session(context.db, context.request.cookies.get(SESSION_COOKIE))
    context.commit()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/session", tags=["session"])
def session_info(context: Reader) -> dict[str, Any]:
    """Who is signed in, and the CSRF token API clients send as ``X-CSRF-Token`` on writes."""
    user = context.user
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "owner_name": user.owner_name,
        "csrf_token": context.csrf_token,
        "observation_window": (
            [user.window_start.isoformat(), user.window_end.isoformat()]
            if user.window_start and user.window_end
            else None
        ),
    }
