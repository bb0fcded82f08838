"""The first-run page: the one-time link ``crosswalk serve`` prints creates the first admin
(``crosswalk.services.access.first_admin``). The link's token is the form's secret: there
is no session yet to hold a CSRF token, and no one without the link can post."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access.first_admin import (
    SetupRefused,
    check_link,
    create_first_admin,
    forget_link,
)
from crosswalk.services.access.users import start_session
from crosswalk.web.context import SESSION_COOKIE, Db, app_state
from crosswalk.web.rendering import templates
from crosswalk.web.security import set_cookie

router = APIRouter()


def _page(
    request: Request,
    token: str,
    error: str = "",
    status: int = 200,
    refused: bool = False,
    email: str = "",
    name: str = "",
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "access/first_admin.html",
        {"token": token, "error": error, "refused": refused, "email": email, "name": name},
        status_code=status,
    )


@router.get("/setup", include_in_schema=False)
def setup_form(request: Request, db: Db, token: str = "") -> HTMLResponse:
    try:
        check_link(db, app_state(request).workspace.root, token)
    except SetupRefused as error:
        return _page(request, "", str(error).capitalize() + ".", 403, refused=True)
    return _page(request, token)


@router.post("/setup", include_in_schema=False)
def setup(
    request: Request,
    db: Db,
    token: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    repeated: Annotated[str, Form()] = "",
) -> Response:
    root = app_state(request).workspace.root
    if password != repeated:
        try:  # a stranger without the link learns nothing from the form
            check_link(db, root, token)
        except SetupRefused as error:
            return _page(request, "", str(error).capitalize() + ".", 403, refused=True)
        return _page(request, token, "The two passwords differ.", 400, email=email, name=name)
    try:
        user = create_first_admin(db, root, token, email, password, name)
    except SetupRefused as error:
        db.rollback()
        return _page(request, "", str(error).capitalize() + ".", 403, refused=True)
    except CrosswalkError as error:
        db.rollback()
        return _page(request, token, str(error).capitalize() + ".", 400, email=email, name=name)
    settings = app_state(request).settings
    started = start_session(db, user, hours=settings.session_hours)
    db.commit()
    forget_link(root)
    response = RedirectResponse(
        "/users?notice=You+are+the+first+admin.+Add+your+team+here.", status_code=303
    )
    set_cookie(
        response,
        request,
        settings,
        SESSION_COOKIE,
        started.token,
        max_age=settings.session_hours * 3600,
    )
    return response
