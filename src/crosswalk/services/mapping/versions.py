"""Framework versions: which loaded frameworks are other versions of one, and which mapping
sets a new version puts up for review. Plain functions over the library, no database: an
import asks here first, and opens the workspace only when there is something to flag."""

from __future__ import annotations

import re

from crosswalk.catalogs.loader import Library

# Tokens that name a version rather than a framework: 2022, rev5, v2, 2.0, 5.1.1.
_VERSION_TOKEN = re.compile(r"(?:rev|r|v|version)\d+(?:\.\d+)*[a-z]?|(?:19|20)\d\d|\d+(?:\.\d+)+")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9.]+", text.lower()) if t]


def framework_family(text: str) -> str:
    """An id or a name without its version tokens: ``iso27001-2022`` -> ``iso27001``,
    ``nist-sp-800-53-rev5`` -> ``nist-sp-800-53``, ``nist-csf-2.0`` -> ``nist-csf``.

    A baseline of the same version keeps its own words (``nist-sp-800-53-rev5-moderate`` ->
    ``nist-sp-800-53-moderate``), so a profile is not taken for a new version."""
    kept = [t for t in _tokens(text.replace("-", " ")) if not _VERSION_TOKEN.fullmatch(t)]
    return "-".join(kept)


def other_versions(library: Library, framework_id: str, among: set[str] | None = None) -> list[str]:
    """Loaded frameworks (or those ``among`` them) that are other versions of
    ``framework_id``: the same id or name once version tokens are set aside (a name must also
    carry a different version)."""
    new = library.frameworks.get(framework_id)
    family = framework_family(framework_id)
    found = []
    candidates = sorted(library.frameworks if among is None else among & set(library.frameworks))
    for other_id in candidates:
        if other_id == framework_id:
            continue
        other = library.frameworks[other_id]
        same_id = bool(family) and framework_family(other_id) == family
        same_name = (
            new is not None
            and bool(framework_family(new.name))
            and framework_family(other.name) == framework_family(new.name)
            and other.version != new.version
        )
        if same_id or same_name:
            found.append(other_id)
    return found


def sets_to_review(library: Library, framework_id: str) -> dict[str, list[str]]:
    """Mapping sets that a new version ``framework_id`` puts up for review, each with the
    other versions it maps; a set that already speaks the new version is left alone."""
    # Only a framework some set maps can put a set up for review: the others are not read.
    mapped = {
        end
        for mapping_set in library.mapping_sets.values()
        for end in (mapping_set.source_framework, mapping_set.target_framework)
    }
    older = other_versions(library, framework_id, among=mapped)
    found: dict[str, list[str]] = {}
    if not older:
        return found
    for set_id, mapping_set in sorted(library.mapping_sets.items()):
        ends = (mapping_set.source_framework, mapping_set.target_framework)
        touched = [o for o in older if o in ends]
        if touched and framework_id not in ends:
            found[set_id] = touched
    return found
