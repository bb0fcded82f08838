"""The unsubscribe link of the e-mail digest. The link's signed token is its own
authority: no sign-in (people open it from their mail), no CSRF token (a forged post could
only turn off the digest of the link's own holder).

Opening the link asks before it changes anything, since mail scanners open links on their
own; mail clients that offer their own button post to it directly (RFC 8058 one-click).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from crosswalk.services.notify.subscriptions import (
    LinkRefused,
    check_token,
    unsubscribe_by_token,
)
from crosswalk.web.context import Db
from crosswalk.web.rendering import templates

router = APIRouter()


def _page(
    request: Request, token: str, email: str = "", done: bool = False, error: str = ""
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "notify/unsubscribe.html",
        {"token": token, "email": email, "done": done, "error": error},
        status_code=400 if error else 200,
    )


@router.get("/unsubscribe", include_in_schema=False)
def unsubscribe_form(request: Request, db: Db, token: str = "") -> HTMLResponse:
    try:
        email = check_token(db, token)
    except LinkRefused as error:
        return _page(request, "", error=str(error).capitalize() + ".")
    return _page(request, token, email)


@router.post("/unsubscribe", include_in_schema=False)
def unsubscribe(
    request: Request,
    db: Db,
    token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    given = token or request.query_params.get("token", "")  # one-click posts to the link
    try:
        result = unsubscribe_by_token(db, given, datetime.now(UTC))
    except LinkRefused as error:
        return _page(request, "", error=str(error).capitalize() + ".")
    db.commit()
    return _page(request, "", result.email, done=True)
