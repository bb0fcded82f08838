"""Access to the loaded frameworks and mapping sets, and reading what users type."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

from crosswalk.catalogs.loader import Library, extra_files, load_library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.refs import resolve_framework_id, resolve_key

# The loaded catalogs, as every client holds them: re-exported so clients need nothing below the
# services.
__all__ = ["Library"]

WORKSPACE_CATALOGS = "catalogs"  # a workspace's imported catalogs and mapping sets live here


def catalogs_folder(workspace_root: Path) -> Path:
    return workspace_root / WORKSPACE_CATALOGS


_cache: dict[tuple[tuple[str, int], ...], Library] = {}


def open_library(extra: Sequence[Path | str] = (), strict: bool = True) -> Library:
    """Load once per process for the same extra files; an import that adds or changes a
    file (new name or modification time) is picked up on the next call."""
    if not strict:
        return load_library(extra, strict=False)
    key = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in extra_files(extra)))
    if key not in _cache:
        _cache[key] = load_library(extra, strict=True)
        _ = _cache[key].graph  # built once, here, not inside the first query
        # The library lives as long as the process: keep the collector from walking its
        # hundreds of thousands of objects on every collection (a large gap analysis
        # otherwise spends a third of its time in the collector).
        gc.freeze()
    return _cache[key]


def resolve_requirement(library: Library, given: str, framework: str | None = None) -> str:
    """``framework:ref`` key for what the user typed; raises with suggestions if unknown."""
    default = resolve_framework(library, framework) if framework else None
    return resolve_key(given, library.ref_indexes, default)


def resolve_framework(library: Library, given: str) -> str:
    return resolve_framework_id(given, library.frameworks)


def resolve_mapping_set(library: Library, given: str) -> str:
    try:
        return resolve_framework_id(given, library.mapping_sets)
    except UnknownReferenceError as error:
        raise UnknownReferenceError(given, "mapping set", error.suggestions) from None
