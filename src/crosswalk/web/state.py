"""What one server process keeps between requests: results that are expensive to compute
and only change when the program does. (The workspace and library they come from are held
by ``crosswalk.web.context.AppState``, which owns these caches.)

Two kinds, both versioned by the audit trail (every change to program data appends to it,
in the same transaction, one writer at a time: its newest id versions the data, in every
worker, through the database):

- ``LiveState`` keeps the program's coverage live (``crosswalk.services.coverage.live``): a
  worker brings it up to the trail's newest entry by reading again only what the entries
  since name (a control edit: that control and the requirements it reaches), so one
  worker's edit costs every other worker that small step, not a recomputation of the whole
  program. Whoever made an edit gets the state brought up to date on their next request;
  others get it at most ``LIVE_LAG_SECONDS`` old, so a stream of edits is followed in
  batches. The pages built on a state (dashboard, control list, explorer, gap analysis) are
  derived from it once; rows and JSON of unchanged views are reused across states.
- ``ResultCache`` keeps the other expensive results (risk register, audits, SoA, plan...)
  per trail version: any change recomputes them, at most once per ``REFRESH_SECONDS`` for
  readers who did not make the change.

A request that wrote and has not committed never feeds either (``PENDING_WRITES``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from markupsafe import Markup
from sqlalchemy.orm import Session

from crosswalk.reports.serialize import Memo
from crosswalk.services.coverage.live import LiveProgram, advance
from crosswalk.services.evidence.trail import latest_entry_id, trail_head, written_by_since

T = TypeVar("T")
CACHE_SIZE = 64
# How stale a result may be for someone who did not make the change (seconds): under a
# stream of edits, each worker recomputes a result at most this often for other readers.
REFRESH_SECONDS = 5.0
VIEWS_KEPT = 256  # views of the live program (control list pages, gap reports...)
JSON_KEPT = 200_000  # views whose JSON is remembered
CONTROLS_KEPT = 20_000  # controls whose page reads are remembered
# How old the live program may be for a reader who changed nothing since (seconds): under
# a stream of edits, a worker brings it up to date at most this often for them.
LIVE_LAG_SECONDS = 2.5
# A session that wrote and has not committed yet says so here (see web.context): what it
# reads must not go into a cache other requests share.
PENDING_WRITES = "crosswalk.pending_writes"
TRAIL_VERSION = "crosswalk.trail_version"
ACTOR_SINCE = "crosswalk.actor_since"  # (since, the actor's newest entry after it)


def data_version(session: Session) -> int:
    """Every change to program data appends to the audit trail, so its newest id versions
    the data: a cached result computed at the same id is still right. Read once per
    transaction (web.context forgets it when the transaction writes, commits or ends)."""
    known = session.info.get(TRAIL_VERSION)
    if known is None:
        known = session.info[TRAIL_VERSION] = latest_entry_id(session)
    return int(known)


def read_trail(session: Session, since: int) -> int:
    """``data_version``, reading in the same round trip whether this request's user wrote
    after entry ``since`` (the live program's version: ``wrote_since`` then needs none)."""
    known = session.info.get(TRAIL_VERSION)
    if known is not None:
        return int(known)
    actor = session.info.get("actor")
    latest, mine = trail_head(session, since, str(actor) if actor else None)
    session.info[TRAIL_VERSION] = latest
    session.info[ACTOR_SINCE] = (since, mine)
    return latest


def wrote_since(session: Session, version: int) -> bool:
    """Whether this request's user changed anything after ``version`` (read your writes)."""
    actor = session.info.get("actor")
    if not actor:
        return True
    known = session.info.get(ACTOR_SINCE)
    if known is not None and known[0] <= version:
        return bool(known[1] > version)
    return written_by_since(session, version, str(actor))


@dataclass
class _Entry:
    version: int
    value: Any
    computed_at: float = field(default_factory=time.monotonic)


@dataclass
class ResultCache:
    """Results by slot, each kept with the data version it was computed at."""

    _cache: dict[tuple[Any, ...], _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _computing: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)

    def cached(self, session: Session, slot: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per ``slot`` and data version.

        Everyone reads their own writes: a user who changed something since the cached
        result gets it recomputed (or waits for the recomputation under way). Others get
        the previous result while one request recomputes it, and for up to
        ``REFRESH_SECONDS`` after it was computed, so a busy server never stacks up
        recomputations.
        """
        if session.info.get(PENDING_WRITES):
            return compute()  # what an uncommitted write shows is nobody else's
        version = data_version(session)
        with self._lock:
            entry = self._cache.get(slot)
            if entry is not None and entry.version == version:
                return entry.value  # type: ignore[no-any-return]
            computing = self._computing.setdefault(slot, threading.Lock())
        if entry is not None:
            recent = time.monotonic() - entry.computed_at < REFRESH_SECONDS
            if (computing.locked() or recent) and not wrote_since(session, entry.version):
                return entry.value  # type: ignore[no-any-return]
        with computing:
            with self._lock:
                entry = self._cache.get(slot)
                if entry is not None and entry.version >= version:
                    return entry.value  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                    self._computing = {k: v for k, v in self._computing.items() if v.locked()}
                current = self._cache.get(slot)
                if current is None or current.version <= version:
                    self._cache[slot] = _Entry(version, value)
        return value


@dataclass
class LiveState:
    """The live program of this process, and the views derived from each of its states."""

    _program: LiveProgram | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _updated: float = 0.0  # when the state was last brought up to date
    _views: dict[tuple[Any, ...], tuple[LiveProgram, Any]] = field(default_factory=dict)
    _view_locks: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)
    _lock_guard: threading.Lock = field(default_factory=threading.Lock)
    json_memo: Memo = field(default_factory=dict)  # the JSON of views converted before
    html_memo: dict[int, tuple[Any, Markup]] = field(default_factory=dict)  # rows rendered
    row_memo: dict[tuple[Any, ...], Markup] = field(default_factory=dict)  # ... by value
    _per_control: dict[str, tuple[object, Any]] = field(default_factory=dict)

    def program(
        self,
        session: Session,
        fits: Callable[[LiveProgram], bool],
        build: Callable[[], LiveProgram],
    ) -> LiveProgram:
        """The program as of now. ``fits`` says whether a state was built for this
        request's library and day (else ``build`` makes a new one).

        Whoever changed something since the current state gets it brought up to date (or
        waits for the request doing that): they see their edit at once. Anyone else gets
        the current state while it is less than ``LIVE_LAG_SECONDS`` old (or while an
        update is under way), so a worker under a stream of edits follows them in batches,
        not one request at a time; the first request after that brings it up to date
        (the trail, and the policy files, which the trail does not record). A session
        with uncommitted writes gets a state of its own, shared with nobody."""
        if session.info.get(PENDING_WRITES):
            return build()
        settled = self.settled(session, fits)
        if settled is not None:
            return settled
        version = self.head(session)
        with self._lock:
            current = self._program
            if current is None or not fits(current):
                current = build()
            elif current.version < version or time.monotonic() - self._updated >= (
                LIVE_LAG_SECONDS
            ):
                current = advance(current, session)
            self._updated = time.monotonic()
            self._program = current
            return current

    def settled(self, session: Session, fits: Callable[[LiveProgram], bool]) -> LiveProgram | None:
        """The current state if this request may have it as it is (see ``program``), or
        None when it would have to be brought up to date first (or built, or the request
        has uncommitted writes): for a result that is cheaper read afresh than waited for."""
        if session.info.get(PENDING_WRITES):
            return None
        version = self.head(session)
        current = self._program
        if current is None or not fits(current):
            return None
        recent = time.monotonic() - self._updated < LIVE_LAG_SECONDS
        if recent and current.version >= version:
            return current
        if (recent or self._lock.locked()) and not wrote_since(session, current.version):
            return current
        return None

    def version(self) -> int:
        """The trail entry the current state is up to (0 before the first)."""
        current = self._program
        return current.version if current is not None else 0

    def head(self, session: Session) -> int:
        """The trail's newest id (see ``read_trail``: one round trip per request)."""
        current = self._program
        return read_trail(session, current.version if current is not None else 0)

    def view(self, program: LiveProgram, slot: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per state of the program and ``slot``."""
        found = self._views.get(slot)
        if found is not None and found[0] is program:
            return found[1]  # type: ignore[no-any-return]
        with self._lock_for(slot):
            found = self._views.get(slot)
            if found is not None and found[0] is program:
                return found[1]  # type: ignore[no-any-return]
            value = compute()
            if len(self._views) >= VIEWS_KEPT:
                self._views.clear()
            if len(self.json_memo) >= JSON_KEPT:
                self.json_memo.clear()
            if len(self.html_memo) >= JSON_KEPT:
                self.html_memo.clear()
            if len(self.row_memo) >= JSON_KEPT:
                self.row_memo.clear()
            current = self._views.get(slot)
            if current is None or current[0].version <= program.version:
                self._views[slot] = (program, value)
            return value

    def per_control(self, program: LiveProgram, control_id: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per state of one control: kept while the program holds the same
        record of it, which every change to the control, its tags, evidence, confirmations or
        review flags replaces (``advance``), and a new library or day replaces them all. So a
        control's page reads the database again after it changed, not after any change."""
        live = program.controls.get(control_id)
        if live is None:  # not in the program (retired, or not there): nothing to key it by
            return compute()
        found = self._per_control.get(control_id)
        if found is not None and found[0] is live:
            return found[1]  # type: ignore[no-any-return]
        value = compute()
        if len(self._per_control) >= CONTROLS_KEPT:
            self._per_control.clear()
        self._per_control[control_id] = (live, value)
        return value

    def _lock_for(self, slot: tuple[Any, ...]) -> threading.Lock:
        with self._lock_guard:
            if len(self._view_locks) >= VIEWS_KEPT:
                self._view_locks.clear()
            return self._view_locks.setdefault(slot, threading.Lock())


@dataclass
class BackgroundCheck(Generic[T]):
    """A slow check (the whole trail re-hashed and every record held against it) run off
    the request: a page waits ``wait`` seconds for it, then shows the last finished result
    and says the next one is running. On a small workspace it always finishes in time."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _done: dict[Any, tuple[T, datetime]] = field(default_factory=dict)  # key -> result, when
    _running: dict[Any, threading.Thread] = field(default_factory=dict)
    last: tuple[T, datetime] | None = None
    seconds: float = 0.0  # how long the last check took

    def get(self, key: Any, compute: Callable[[], T], wait: float) -> tuple[T | None, bool]:
        """(the result for ``key`` or the last one before it, whether it is for ``key``).
        Only the request that starts a check waits for it; the others do not queue."""
        with self._lock:
            found = self._done.get(key)
            if found is not None:
                return found[0], True
            thread = self._running.get(key)
            if thread is None:
                thread = threading.Thread(target=self._run, args=(key, compute), daemon=True)
                self._running[key] = thread
                thread.start()
            else:  # started by another request: do not queue behind it
                return (self.last[0] if self.last is not None else None), False
        thread.join(wait)
        with self._lock:
            found = self._done.get(key)
            if found is not None:
                return found[0], True
            return (self.last[0] if self.last is not None else None), False

    def _run(self, key: Any, compute: Callable[[], T]) -> None:
        started = time.perf_counter()
        try:
            value = compute()
        finally:
            with self._lock:
                self._running.pop(key, None)
        with self._lock:
            self.seconds = time.perf_counter() - started
            self._done = {key: (value, datetime.now(UTC))}  # only the newest is kept
            self.last = self._done[key]
