"""OSCAL profiles resolved against a catalog already read.

A profile (e.g. NIST's SP 800-53 MODERATE baseline) becomes a new framework of the
controls it selects, with every ancestor they need. It is resolved against a framework
we have, not the catalog file it names, so an import needs no network and no second file.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError, Imported
from crosswalk.io.oscal_document import (
    check_framework_id,
    kind_of,
    list_at,
    load_json,
    one_line,
    publisher_of,
    read_metadata,
    slug,
    source_of,
)

# Words that say how a profile selects, not what it is: dropped from a derived id.
_PROFILE_FILLER = frozenset(
    {"impact", "baseline", "baselines", "profile", "overlay", "the", "of", "for", "and", "a"}
)


def derive_profile_id(catalog: Framework, title: str) -> str:
    """``nist-sp-800-53-rev5`` + ``... Revision 5.1.1 MODERATE IMPACT BASELINE``: ``...-moderate``.

    The profile title's words that the catalog's short name lacks, without versions and
    words like "impact" or "baseline".
    """
    known = set(re.findall(r"[a-z0-9][a-z0-9.\-]*", catalog.name.split(":", 1)[0].lower()))
    words = [
        word
        for word in re.findall(r"[a-z0-9][a-z0-9.\-]*", title.lower())
        if word not in known and word not in _PROFILE_FILLER and not any(c.isdigit() for c in word)
    ]
    return slug(f"{catalog.id}-{'-'.join(words) or 'profile'}")


class _Selector:
    """Finds catalog refs for profile ids: exact, then case-insensitive, then by label."""

    def __init__(self, catalog: Framework) -> None:
        self.catalog = catalog
        self._loose: dict[str, str] | None = None

    def find(self, control_id: str) -> str | None:
        if control_id in self.catalog:
            return control_id
        if self._loose is None:
            self._loose = {}
            for requirement in self.catalog.requirements:
                label = requirement.attributes.get("label")
                if label:
                    self._loose.setdefault(label.lower(), requirement.ref)
            for requirement in self.catalog.requirements:
                self._loose[requirement.ref.lower()] = requirement.ref
        return self._loose.get(control_id.lower())

    def matching(self, pattern: str) -> list[str]:
        return [r.ref for r in self.catalog.requirements if fnmatchcase(r.ref, pattern)]


def _select(
    path: Path,
    selector: _Selector,
    clauses: list[Any],
    where: str,
    unknown: list[tuple[str, str]],
) -> set[str]:
    """Refs named by ``include-controls`` / ``exclude-controls`` clauses."""
    chosen: set[str] = set()
    catalog = selector.catalog
    for position, clause in enumerate(clauses):
        here = f"{where}[{position}]"
        if not isinstance(clause, dict):
            raise ConversionError(str(path), here, f"expected an object, got {kind_of(clause)}")
        found: list[str] = []
        for index, control_id in enumerate(list_at(path, clause, "with-ids", here)):
            ref = selector.find(str(control_id))
            if ref is None:
                unknown.append((f"{here}.with-ids[{index}]", str(control_id)))
            else:
                found.append(ref)
        for index, matching in enumerate(list_at(path, clause, "matching", here)):
            pattern = matching.get("pattern") if isinstance(matching, dict) else None
            if not isinstance(pattern, str):
                raise ConversionError(str(path), f"{here}.matching[{index}]", "no 'pattern'")
            found.extend(selector.matching(pattern))
        if clause.get("with-child-controls") == "yes":
            found.extend(d.ref for ref in list(found) for d in catalog.descendants(ref))
        chosen.update(found)
    return chosen


def _resolve_imports(
    path: Path, catalog: Framework, imports: list[Any], notes: list[str]
) -> set[str]:
    """The refs the profile's imports select; an id not in the catalog is an error."""
    name = str(path)
    selector = _Selector(catalog)
    selected: set[str] = set()
    unknown: list[tuple[str, str]] = []
    for position, entry in enumerate(imports):
        here = f"profile.imports[{position}]"
        if not isinstance(entry, dict):
            raise ConversionError(
                name, here, f"expected an import (an object), got {kind_of(entry)}"
            )
        if "include-all" not in entry and "include-controls" not in entry:
            raise ConversionError(
                name, here, "selects nothing: expected 'include-all' or 'include-controls'"
            )
        chosen: set[str] = set()
        if "include-all" in entry:
            chosen.update(r.ref for r in catalog.requirements if r.kind != "group")
        for clause in ("include-controls", "exclude-controls"):
            clauses = list_at(path, entry, clause, here)
            named = _select(path, selector, clauses, f"{here}.{clause}", unknown)
            chosen = chosen | named if clause == "include-controls" else chosen - named
        selected |= chosen
        href = entry.get("href")
        if isinstance(href, str) and href:
            notes.append(f"import {href} resolved against {catalog.id} {catalog.version}")
    if unknown:
        where, control_id = unknown[0]
        more = ""
        if len(unknown) > 1:
            others = ", ".join(repr(c) for _, c in unknown[1:6])
            more = f" (and {len(unknown) - 1} more: {others}{', ...' if len(unknown) > 6 else ''})"
        raise ConversionError(
            name, where, f"unknown control {control_id!r}: not in {catalog.id}{more}"
        )
    if not selected:
        raise ConversionError(name, "profile.imports", "the profile selects no controls")
    return selected


def _kept(catalog: Framework, selected: set[str], new_id: str) -> tuple[list[Requirement], int]:
    """Selected requirements with their ancestors, in catalog order; unselected parents
    that are controls (not groups) are marked ``selected: false``."""
    keep = set(selected)
    for ref in selected:
        keep.update(a.ref for a in catalog.ancestors(ref))
    requirements: list[Requirement] = []
    unselected = 0
    for requirement in catalog.requirements:
        if requirement.ref not in keep:
            continue
        attributes = dict(requirement.attributes)
        if requirement.ref not in selected and requirement.kind != "group":
            attributes["selected"] = "false"
            unselected += 1
        requirements.append(
            Requirement(
                framework=new_id,
                ref=requirement.ref,
                title=requirement.title,
                kind=requirement.kind,
                parent=requirement.parent,
                text=requirement.text,
                mandatory=requirement.mandatory,
                attributes=MappingProxyType(attributes),
            )
        )
    return requirements, unselected


def read_oscal_profile(
    path: Path, catalog: Framework, framework_id: str | None = None, *, document: Any = None
) -> Imported:
    """An OSCAL profile resolved against ``catalog``: a new framework of what it selects.

    Selected controls keep their groups and, for a selected enhancement, its base control
    even when the profile does not select it (marked ``selected: false``). Parameter
    settings and alterations (``modify``) are not applied; the notes say so.
    """
    name = str(path)
    if framework_id is not None:
        check_framework_id(path, framework_id)
    data = load_json(path) if document is None else document
    if not isinstance(data, dict) or not isinstance(data.get("profile"), dict):
        hint = "; this is an OSCAL catalog" if isinstance(data, dict) and "catalog" in data else ""
        raise ConversionError(name, "profile", f"missing 'profile' (an object){hint}")
    profile: dict[str, Any] = data["profile"]
    metadata = read_metadata(path, profile, "profile")
    title = one_line(str(metadata["title"]))
    imports = list_at(path, profile, "imports", "profile")
    if not imports:
        raise ConversionError(name, "profile.imports", "the profile imports nothing")
    notes: list[str] = []
    selected = _resolve_imports(path, catalog, imports, notes)
    new_id = framework_id or derive_profile_id(catalog, title)
    check_framework_id(path, new_id)
    requirements, unselected = _kept(catalog, selected, new_id)
    framework = Framework(
        id=new_id,
        name=title,
        version=str(metadata.get("version") or "").strip() or catalog.version,
        publisher=publisher_of(metadata, title),
        source=f"{source_of(path, metadata)}, resolved against {catalog.id} {catalog.version}",
        notice=catalog.notice,
        description=f"The controls the profile {title!r} selects from {catalog.name}.",
        requirements=tuple(requirements),
    )
    withdrawn = sum(1 for r in requirements if r.ref in selected and r.attributes.get("withdrawn"))
    total = sum(1 for r in catalog if r.kind != "group")
    notes.append(
        f"selected {len(selected)} of {total} controls of {catalog.id}; kept {unselected} "
        "unselected parent(s) marked selected: false"
        + (f"; {withdrawn} selected control(s) are withdrawn" if withdrawn else "")
    )
    if profile.get("modify"):
        notes.append("the profile's 'modify' (parameter settings, alterations) is not applied")
    return Imported(source=name, frameworks=[framework], notes=notes)
