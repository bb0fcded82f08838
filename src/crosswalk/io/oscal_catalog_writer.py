"""Our frameworks out as OSCAL catalogs.

A framework becomes an OSCAL 1.1.2 catalog with a deterministic uuid, so an export of
the same framework is byte-for-byte stable. What OSCAL has no field for (our ref when it
is not a valid OSCAL id, the kind, attributes, the framework id, source and notice)
travels in props of the Crosswalk namespace, so reading an export back with
``read_oscal_catalog`` gives the framework that was written. The parameters, guidance and
links a catalog read from OSCAL had (``oscal_kept``) are written as OSCAL params, a
guidance part and links.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.oscal_document import CROSSWALK_NS, one_line
from crosswalk.io.oscal_ids import is_token, oscal_control_ids, oscal_token
from crosswalk.io.oscal_kept import KEPT, kept_structure

OSCAL_VERSION = "1.1.2"
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CROSSWALK_NS)
CONTROL_KINDS = frozenset({"control", "enhancement"})

_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
# Special attributes that map onto standard OSCAL props rather than Crosswalk ones.
_STANDARD_ATTRIBUTES = frozenset({"label", "sort_id", "withdrawn"})


def _last_modified(framework: Framework) -> str:
    """A fixed timestamp from the version (or source): exports must not change by the clock."""
    for text in (framework.version, framework.source):
        for match in _ISO_DATE.finditer(text):
            try:
                return f"{date.fromisoformat(match.group(0)).isoformat()}T00:00:00Z"
            except ValueError:
                continue
    for text in (framework.version, framework.source):
        years = _YEAR.findall(text)
        if years:
            return f"{max(years)}-01-01T00:00:00Z"
    return "1970-01-01T00:00:00Z"


def _prop(name: str, value: str, ours: bool = False) -> dict[str, str] | None:
    value = one_line(value)
    if not value:
        return None
    prop = {"name": oscal_token(name, "x")}
    if ours:
        prop["ns"] = CROSSWALK_NS
    prop["value"] = value
    return prop


class _CatalogWriter:
    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.ids = oscal_control_ids(framework)

    def _placement(
        self, siblings: Iterable[Requirement], inside_control: bool
    ) -> list[tuple[Requirement, bool]]:
        """(requirement, as group): siblings are all groups or all controls where possible,
        so their order survives (OSCAL keeps groups and controls in separate lists)."""
        siblings = list(siblings)
        if inside_control:
            return [(r, False) for r in siblings]
        groupable = [
            r.kind == "group"
            or (bool(self.framework.children(r.ref)) and r.kind not in CONTROL_KINDS)
            for r in siblings
        ]
        if all(groupable):
            return [(r, True) for r in siblings]
        return [(r, r.kind == "group") for r in siblings]

    def _props(self, requirement: Requirement) -> list[dict[str, str]]:
        attributes = requirement.attributes
        candidates = [
            _prop("label", attributes.get("label") or requirement.ref),
            _prop("sort-id", attributes.get("sort_id", "")),
            _prop("status", "withdrawn") if attributes.get("withdrawn") == "true" else None,
            _prop("ref", requirement.ref, True)
            if self.ids[requirement.ref] != requirement.ref
            else None,
            _prop("kind", requirement.kind, True),
            _prop("mandatory", "true", True) if requirement.mandatory else None,
        ]
        candidates += [
            _prop(key, str(value), True)
            for key, value in attributes.items()
            if key not in _STANDARD_ATTRIBUTES and key not in KEPT
        ]
        return [p for p in candidates if p is not None]

    def node(self, requirement: Requirement, as_group: bool) -> dict[str, Any]:
        oscal_id = self.ids[requirement.ref]
        node: dict[str, Any] = {"id": oscal_id}
        if is_token(requirement.kind):
            node["class"] = requirement.kind
        node["title"] = one_line(requirement.title) or requirement.ref
        kept = kept_structure(requirement.attributes, oscal_id)
        if "params" in kept:
            node["params"] = kept["params"]
        node["props"] = self._props(requirement)
        if "links" in kept:
            node["links"] = kept["links"]
        parts = [{"id": f"{oscal_id}_smt", "name": "statement", "prose": requirement.text}]
        parts = (parts if requirement.text else []) + kept.get("parts", [])
        if parts:
            node["parts"] = parts
        children = self.framework.children(requirement.ref)
        if children:
            placed = self._placement(children, inside_control=not as_group)
            controls = [self.node(r, False) for r, group in placed if not group]
            groups = [self.node(r, True) for r, group in placed if group]
            if controls:
                node["controls"] = controls
            if groups:
                node["groups"] = groups
        return node

    def document(self) -> dict[str, Any]:
        framework = self.framework
        party = str(uuid.uuid5(UUID_NAMESPACE, f"party:{framework.publisher}"))
        metadata: dict[str, Any] = {
            "title": one_line(framework.name),
            "last-modified": _last_modified(framework),
            "version": framework.version,
            "oscal-version": OSCAL_VERSION,
            "props": [
                p
                for p in (
                    _prop("framework-id", framework.id, True),
                    _prop("source", framework.source, True),
                    _prop("notice", framework.notice, True),
                    _prop("description", framework.description, True),
                )
                if p is not None
            ],
            "roles": [{"id": "publisher", "title": "Publisher"}],
            "parties": [{"uuid": party, "type": "organization", "name": framework.publisher}],
            "responsible-parties": [{"role-id": "publisher", "party-uuids": [party]}],
            "remarks": f"{framework.notice}\n\nSource: {framework.source}",
        }
        catalog: dict[str, Any] = {
            "uuid": str(uuid.uuid5(UUID_NAMESPACE, f"catalog:{framework.id}")),
            "metadata": metadata,
        }
        placed = self._placement(framework.roots(), inside_control=False)
        controls = [self.node(r, False) for r, group in placed if not group]
        groups = [self.node(r, True) for r, group in placed if group]
        if controls:
            catalog["controls"] = controls
        if groups:
            catalog["groups"] = groups
        return {"catalog": catalog}


def write_oscal_catalog(framework: Framework) -> dict[str, Any]:
    """``framework`` as an OSCAL 1.1.2 catalog document (``{"catalog": ...}``).

    Deterministic: the uuid comes from the framework id and last-modified from a date in
    the version or source, so the same framework always exports the same JSON.
    """
    return _CatalogWriter(framework).document()
