"""What one server process keeps between requests: the workspace, the library, and results
that are expensive to compute and only change when the program does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace
from crosswalk.web.settings import WebSettings

T = TypeVar("T")
CACHE_SIZE = 32


def data_version(session: Session) -> int:
    """Every change to program data appends to the audit trail, so its newest id versions
    the data: a cached result computed at the same id is still right."""
    return int(session.scalar(select(func.max(AuditRow.id))) or 0)


@dataclass
class AppState:
    settings: WebSettings
    workspace: Workspace
    library: Library
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _computing: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)

    def today(self) -> date:
        return self.settings.today or date.today()

    def cached(self, session: Session, name: str, compute: Callable[[], T], *key: Any) -> T:
        """``compute()`` once per (name, key, data version, day); recomputed after any change.

        Requests that miss at the same moment wait for the one computing it rather than
        each computing it again (after an edit, every open dashboard asks at once).
        """
        full = (name, key, data_version(session), self.today())
        with self._lock:
            if full in self._cache:
                return self._cache[full]  # type: ignore[no-any-return]
            computing = self._computing.setdefault(full, threading.Lock())
        with computing:
            with self._lock:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[full] = value
                self._computing.pop(full, None)
        return value
