"""Access to the loaded frameworks and mapping sets, and reading what users type."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.refs import resolve_framework_id, resolve_key

_cache: dict[tuple[str, ...], Library] = {}


def open_library(extra: Sequence[Path | str] = (), strict: bool = True) -> Library:
    """Load once per process for a given set of extra files; strict loads are cached."""
    if not strict:
        return load_library(extra, strict=False)
    key = tuple(str(p) for p in extra)
    if key not in _cache:
        _cache[key] = load_library(extra, strict=True)
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
