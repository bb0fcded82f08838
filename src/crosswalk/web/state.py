"""What one server process keeps between requests: results that are expensive to compute
and only change when the program does. (The workspace and library they come from are held
by ``crosswalk.web.context.AppState``, which owns this cache.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from crosswalk.services.evidence.trail import latest_entry_id, written_by_since

T = TypeVar("T")
CACHE_SIZE = 64
# How stale a result may be for someone who did not make the change (seconds): under a
# stream of edits, each worker recomputes a result at most this often for other readers.
REFRESH_SECONDS = 5.0


def data_version(session: Session) -> int:
    """Every change to program data appends to the audit trail, so its newest id versions
    the data: a cached result computed at the same id is still right."""
    return latest_entry_id(session)


def wrote_since(session: Session, version: int) -> bool:
    """Whether this request's user changed anything after ``version`` (read your writes)."""
    actor = session.info.get("actor")
    if not actor:
        return True
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
                current = self._cache.get(slot)
                if current is None or current.version <= version:
                    self._cache[slot] = _Entry(version, value)
        return value
