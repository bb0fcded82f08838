"""Each request's context: its database transaction, the signed-in user, and the checks
every route gets before it runs (signed in; for writes, a valid CSRF token and a role
that may write). Routes declare ``Reader`` or ``Writer``; no route checks by hand.

The only web module that touches storage (the open workspace and its transactions):
everything else goes through services."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.services.access import permissions
from crosswalk.services.access.users import User, WebSession, find_session
from crosswalk.services.coverage.live import LiveProgram, build_program
from crosswalk.services.mapping.adjustments import adjusted_library
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.engine import session_scope, workspace_busy, write_conflict
from crosswalk.store.workspace import Workspace, open_workspace
from crosswalk.web.settings import WebSettings
from crosswalk.web.state import (
    ACTOR_SINCE,
    PENDING_WRITES,
    TRAIL_VERSION,
    BackgroundCheck,
    LiveState,
    ResultCache,
)

SESSION_COOKIE = "crosswalk_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LIBRARY_VIEWS = 256  # results kept per library (explorer searches...)
T = TypeVar("T")


def evidence_in_a_bucket() -> bool:
    """Whether this node stores evidence in an S3-compatible bucket (``CROSSWALK_BLOB_URL``)."""
    return os.environ.get(BLOB_URL_ENV, "").startswith("s3://")


def busy_workspace(error: BaseException) -> bool:
    """Another writer holds the workspace (SQLite's wait ran out): 503, retry."""
    return workspace_busy(error)


def conflicting_write(error: BaseException) -> bool:
    """Another writer stored the same record meanwhile: 409, nothing changed."""
    return write_conflict(error)


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
    live: LiveState = field(default_factory=LiveState)
    trail_check: BackgroundCheck[Any] = field(default_factory=BackgroundCheck)
    _adjusted: tuple[int, Library] | None = None  # the adjusted library at a trail version
    _for_library: dict[tuple[Any, ...], tuple[Library, Any]] = field(default_factory=dict)

    def today(self) -> date:
        return self.settings.today or date.today()

    def cached(self, session: Session, name: str, compute: Callable[[], T], *key: Any) -> T:
        """``compute()`` once per (name, key, day) and data version; see ``ResultCache``."""
        return self.results.cached(session, (name, key, self.today()), compute)

    def adjusted_library(self, session: Session) -> Library:
        """The library with the team's adjustments (they are in the trail: read again only
        when it moved)."""
        version = self.live.head(session)
        known = self._adjusted
        if known is not None and known[0] == version:
            return known[1]
        library = adjusted_library(session, self.library)
        if not session.info.get(PENDING_WRITES):
            self._adjusted = (version, library)
        return library

    def warm(self) -> None:
        """Build the live program now, before the first request needs it (a program of
        thousands of controls takes most of a second to build)."""
        with session_scope(self.workspace.engine) as session:
            self.program(session, self.adjusted_library(session))

    def program(self, session: Session, library: Library) -> LiveProgram:
        """The program's coverage as of now, for ``library`` (the team's adjusted one) and
        today; see ``LiveState``."""
        today, root = self.today(), self.workspace.root
        return self.live.program(
            session, self._fits(library), lambda: build_program(session, library, today, root)
        )

    def settled_program(self, session: Session, library: Library) -> LiveProgram | None:
        """The program if this request may have it without bringing it up to date first
        (see ``LiveState.settled``), else None."""
        return self.live.settled(session, self._fits(library))

    def _fits(self, library: Library) -> Callable[[LiveProgram], bool]:
        """Whether a state was built for ``library`` and today."""
        today = self.today()
        return lambda program: program.library is library and program.today == today

    def for_library(self, library: Library, name: str, compute: Callable[[], T], *key: Any) -> T:
        """``compute()`` once per library (the team's adjustments make a new one), ``name``
        and ``key``: for results that read the crosswalk only, never the program."""
        slot = (name, key)
        found = self._for_library.get(slot)
        if found is not None and found[0] is library:
            return found[1]  # type: ignore[no-any-return]
        value = compute()
        if len(self._for_library) >= LIBRARY_VIEWS:
            self._for_library.clear()
        self._for_library[slot] = (library, value)
        return value

    def view(self, program: LiveProgram, name: str, compute: Callable[[], T], *key: Any) -> T:
        """``compute()`` once per state of the program, ``name`` and ``key``."""
        return self.live.view(program, (name, key), compute)


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
        return self.state.adjusted_library(self.db)

    def program(self) -> LiveProgram:
        """The program's coverage as of now (cheap: see ``LiveState``); every page that
        shows verdicts, counts or evidence states reads them from here."""
        return self.state.program(self.db, self.library)

    def settled_program(self) -> LiveProgram | None:
        """The program if it is there for this request without any work (else None): for a
        result cheaper read afresh than waited for (one control's page)."""
        return self.state.settled_program(self.db, self.library)

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


@contextmanager
def own_session(state: AppState) -> Iterator[Session]:
    """A session of its own, for work done off the request (a background check)."""
    with session_scope(state.workspace.engine) as session:
        yield session


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.crosswalk
    return state


@event.listens_for(Session, "after_flush")
def _note_pending_writes(session: Session, _context: object) -> None:
    session.info[PENDING_WRITES] = True
    session.info.pop(TRAIL_VERSION, None)
    session.info.pop(ACTOR_SINCE, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _written_or_undone(session: Session) -> None:
    session.info.pop(PENDING_WRITES, None)
    session.info.pop(TRAIL_VERSION, None)
    session.info.pop(ACTOR_SINCE, None)


def open_db(request: Request) -> Iterator[Session]:
    """One transaction per request; routes that change data commit it themselves."""
    with session_scope(app_state(request).workspace.engine) as session:
        yield session


Db = Annotated[Session, Depends(open_db)]


def _context(request: Request, db: Db) -> RequestContext:
    state = app_state(request)
    since = state.live.version()
    signed_in = find_session(db, request.cookies.get(SESSION_COOKIE), trail_since=since)
    if signed_in is None:
        raise NotSignedIn()
    db.info["actor"] = signed_in.user.email  # every write this request makes is recorded under it
    if signed_in.trail_head is not None:  # read with the session: no round trip of its own
        latest, mine = signed_in.trail_head
        db.info[TRAIL_VERSION] = latest
        db.info[ACTOR_SINCE] = (since, mine)
    return RequestContext(request, state, db, signed_in.user, signed_in)


def render_signed_in(request: Request, render: Callable[[RequestContext], T]) -> T | None:
    """``render`` with the signed-in user's context, outside any route (an error page for a
    URL no route answers); None when nobody is signed in or the app is not started."""
    state = getattr(request.app.state, "crosswalk", None)
    token = request.cookies.get(SESSION_COOKIE)
    if not isinstance(state, AppState) or not token:
        return None
    with session_scope(state.workspace.engine) as db:
        signed_in = find_session(db, token)
        if signed_in is None:
            return None
        return render(RequestContext(request, state, db, signed_in.user, signed_in))


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


async def reader(context: Annotated[RequestContext, Depends(_context)]) -> RequestContext:
    """Signed in (no work of its own: run on the event loop, not in a worker thread)."""
    return context


async def same_session(
    context: Annotated[RequestContext, Depends(_context)],
) -> RequestContext:
    """Signed in, and the request carries the session's CSRF token."""
    submitted = await _submitted_csrf(context.request)
    if not submitted or not secrets.compare_digest(submitted, context.csrf_token):
        raise CsrfRefused()
    return context


async def writer(context: Annotated[RequestContext, Depends(same_session)]) -> RequestContext:
    """A CSRF-checked request from a role that may write at all; the finer rule (whose
    control, which record) is checked by the permission service the route calls. (No I/O:
    run on the event loop.)"""
    permissions.require(permissions.can_write(context.user), "changes (read-only role)")
    return context


Reader = Annotated[RequestContext, Depends(reader)]
Writer = Annotated[RequestContext, Depends(writer)]
# Only for signing out: any role may end its own session.
SessionWriter = Annotated[RequestContext, Depends(same_session)]
