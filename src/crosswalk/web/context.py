"""Each request's context: its database transaction, the signed-in user, and the checks
every route gets before it runs (signed in; for writes, a valid CSRF token and a role
that may write). Routes declare ``Reader`` or ``Writer``; no route checks by hand.

The only web module that touches storage (the open workspace and its transactions):
everything else goes through services."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.services.access import permissions
from crosswalk.services.access.users import User, WebSession, find_session
from crosswalk.services.mapping.adjustments import adjusted_library
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, open_workspace
from crosswalk.web.settings import WebSettings
from crosswalk.web.state import ResultCache

SESSION_COOKIE = "crosswalk_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


class NotSignedIn(Exception):
    """No live session: pages redirect to the sign-in page, the API answers 401."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token (403)."""


def open_app_workspace(settings: WebSettings) -> Workspace:
    """The workspace the server runs on; it stays open for the life of the process."""
    return open_workspace(settings.workspace, settings.database_url)


@dataclass
class AppState:
    """What one server process keeps between requests: the workspace, the library, and
    the cache of results that only change when the program does."""

    settings: WebSettings
    workspace: Workspace
    library: Library
    results: ResultCache = field(default_factory=ResultCache)

    def today(self) -> date:
        return self.settings.today or date.today()

    def cached(self, session: Session, name: str, compute: Callable[[], T], *key: Any) -> T:
        """``compute()`` once per (name, key, day) and data version; see ``ResultCache``."""
        return self.results.cached(session, (name, key, self.today()), compute)


@dataclass
class RequestContext:
    request: Request
    state: AppState
    db: Session
    user: User
    web_session: WebSession

    @cached_property
    def library(self) -> Library:
        """The library as this workspace's team adjusted it: what every verdict uses."""
        return adjusted_library(self.db, self.state.library)

    @property
    def shipped_library(self) -> Library:
        """The sets as shipped and imported, before the team's adjustments."""
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
    signed_in = find_session(db, request.cookies.get(SESSION_COOKIE))
    if signed_in is None:
        raise NotSignedIn()
    db.info["actor"] = signed_in.user.email  # every write this request makes is recorded under it
    return RequestContext(request, app_state(request), db, signed_in.user, signed_in)


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
