"""Each request's context: its database transaction, the signed-in user, and the checks
every route gets before it runs (signed in; for writes, a valid CSRF token and a role
that may write). Routes declare ``Reader`` or ``Writer``; no route checks by hand."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.services.access import permissions
from crosswalk.services.access.users import find_session
from crosswalk.store.auth_models import UserRow, WebSessionRow
from crosswalk.store.engine import session_scope
from crosswalk.web.state import AppState

SESSION_COOKIE = "crosswalk_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotSignedIn(Exception):
    """No live session: pages redirect to the sign-in page, the API answers 401."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token (403)."""


@dataclass
class RequestContext:
    request: Request
    state: AppState
    db: Session
    user: UserRow
    web_session: WebSessionRow

    @property
    def library(self) -> Library:
        return self.state.library

    @property
    def today(self) -> date:
        return self.state.today()

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token

    @property
    def can_write(self) -> bool:
        return permissions.can_write(self.user)

    @property
    def can_edit_program(self) -> bool:
        return permissions.can_edit_program(self.user)

    @property
    def is_admin(self) -> bool:
        return permissions.can_manage_users(self.user)

    def commit(self) -> None:
        self.db.commit()


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.crosswalk
    return state


def open_db(request: Request) -> Iterator[Session]:
    """One transaction per request; routes that change data commit it themselves."""
    with session_scope(app_state(request).workspace.engine) as session:
        yield session


Db = Annotated[Session, Depends(open_db)]


def _context(request: Request, db: Db) -> RequestContext:
    row = find_session(db, request.cookies.get(SESSION_COOKIE))
    if row is None:
        raise NotSignedIn()
    db.info["actor"] = row.user.email  # every write this request makes is recorded under it
    return RequestContext(request, app_state(request), db, row.user, row)


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def reader(context: Annotated[RequestContext, Depends(_context)]) -> RequestContext:
    return context


async def same_session(
    context: Annotated[RequestContext, Depends(_context)],
) -> RequestContext:
    """Signed in, and the request carries the session's CSRF token."""
    submitted = await _submitted_csrf(context.request)
    if not submitted or not secrets.compare_digest(submitted, context.csrf_token):
        raise CsrfRefused()
    return context


def writer(context: Annotated[RequestContext, Depends(same_session)]) -> RequestContext:
    """A CSRF-checked request from a role that may write at all; the finer rule (whose
    control, which record) is checked by the permission service the route calls."""
    permissions.require(permissions.can_write(context.user), "changes (read-only role)")
    return context


Reader = Annotated[RequestContext, Depends(reader)]
Writer = Annotated[RequestContext, Depends(writer)]
# Only for signing out: any role may end its own session.
SessionWriter = Annotated[RequestContext, Depends(same_session)]
