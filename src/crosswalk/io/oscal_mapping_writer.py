"""Our mapping sets out as OSCAL 1.2 mapping collections.

``write_mapping_collection`` writes one mapping set as a collection with one ``mapping``
and one ``map`` per edge, valid against NIST's OSCAL 1.2.1 mapping JSON schema:

- relationships: ``equal`` -> ``equal-to`` when the rationale is syntactic (the same
  words) and ``equivalent-to`` otherwise (the same meaning); both are OSCAL's equality
  words and both read back as ``equal``; the others are ``subset-of``, ``superset-of``,
  ``intersects-with`` and ``no-relationship``;
- ``matching-rationale`` on every map; strength n as ``confidence-score.percentage`` n/10
  (read back as round(percentage * 10)); the note as the map's ``remarks``;
- a ``no_relationship`` edge without a target cannot be a ``map`` (OSCAL requires a
  target). It is written as a prop of the mapping, ``{"name": "no-relationship", "ns":
  NS, "value": <source ref>, "class": <rationale>, "group": "u<n>", "remarks": <note>}``
  (strength and other extras as props of the same group), and the source is also listed
  in ``source-gap-summary`` by its id in our catalog export, so other tools see it as
  unmapped;
- ``beyond_refined``, edge ``attributes`` and ``weak`` (as the set marks it) ride along as
  props in our namespace ``NS``; the set's id, ``refines`` and provenance (source,
  reviewed date and reviewer, licence, url) as props of the metadata and provenance;
  authors and reviewer as parties;
- ``id-ref`` is the id the control has in our OSCAL catalog export of its framework
  (``oscal_ids.oscal_control_ids``: ``4.1`` -> ``clause-4.1``, ``Art. 12`` -> ``Art.-12``),
  so every map resolves against ``crosswalk frameworks export``;
- an edge read from a statement-level item (``target_statement`` / ``source_statement``
  attributes, e.g. ``ac-2_smt.a`` under ``ac-2``) is written back as that statement
  (``type: statement``), its note without the statement the reader appended;
- resources: ``href`` ``<framework id>.json`` (where ``crosswalk frameworks export`` of
  that framework can be saved) with a ``framework-id`` prop;
- uuids are uuid5 of the set id, version and edge keys, so an export is repeatable;
  ``last-modified`` is the review date when there is one.

``read_mapping_collection`` (``oscal_mapping``) reads such an export back as the set.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, split_key
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_document import one_line
from crosswalk.io.oscal_ids import oscal_control_ids

NS = "urn:crosswalk:oscal"
"""Namespace of the props Crosswalk adds to the OSCAL it writes (as ``oscal_catalog`` does)."""

OSCAL_VERSION = "1.2.1"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)

_TOKEN = re.compile(r"^[^\W\d](?:[\w.\-])*$")


def _is_token(text: str) -> bool:
    return bool(_TOKEN.match(text))


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, "\x1f".join(parts)))


def _prop(name: str, value: str, **extra: str) -> dict[str, str] | None:
    """One prop in our namespace; ``None`` when the value is empty."""
    value = one_line(value)
    if not value:
        return None
    prop = {"name": name, "ns": NS, "value": value}
    prop.update({k: v for k, v in extra.items() if v})
    return prop


def _props(*candidates: dict[str, str] | None) -> list[dict[str, str]]:
    return [c for c in candidates if c is not None]


def _oscal_relationship(edge: Edge) -> str:
    if edge.relationship is Relationship.EQUAL:
        return "equal-to" if edge.rationale is RationaleKind.SYNTACTIC else "equivalent-to"
    return edge.relationship.value.replace("_", "-")


_STATEMENTS = {"source": "source_statement", "target": "target_statement"}


def _item(edge: Edge, side: str, key: str, ids: Mapping[str, str]) -> dict[str, str]:
    """A map's source or target: the statement when the edge is statement-level
    (``ac-2_smt.a`` under ``ac-2``), else the requirement by its id in our OSCAL catalog
    export of the framework (``ids``, from ``oscal_control_ids``)."""
    statement = edge.attributes.get(_STATEMENTS[side])
    if statement:
        return {"type": "statement", "id-ref": statement}
    ref = split_key(key)[1]
    return {"type": "control", "id-ref": ids.get(ref, ref)}


def _remarks(edge: Edge) -> str:
    """The note without what the reader adds for a statement-level end (it adds it again)."""
    note = edge.note
    for side in ("target", "source"):
        statement = edge.attributes.get(_STATEMENTS[side])
        suffix = f" ({side} statement {statement})"
        if statement and note.endswith(suffix):
            note = note[: -len(suffix)]
    return note


def _edge_extras(edge: Edge, group: str = "") -> list[dict[str, str] | None]:
    kept = {k: v for k, v in edge.attributes.items() if k not in _STATEMENTS.values()}
    attributes = json.dumps(kept, ensure_ascii=False, sort_keys=True) if kept else ""
    return [
        _prop("beyond-refined", edge.beyond_refined or "", group=group),
        _prop("attributes", attributes, group=group),
        _prop("adjusted-by-team", edge.adjusted or "", group=group),
        _prop("weak", _weak_word(edge.marked_weak), group=group),
    ]


def _weak_word(marked: bool | None) -> str:
    return "" if marked is None else str(marked).lower()


def _resource(framework_id: str, framework: Framework | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": "catalog",
        "href": f"{framework_id}.json",
        "props": _props(_prop("framework-id", framework_id)),
    }
    if framework is not None:
        resource["remarks"] = f"{framework.name} {framework.version} ({framework.publisher})"
    return resource


def _timestamp(mapping_set: MappingSet, last_modified: datetime | None) -> str:
    if last_modified is None:
        reviewed = mapping_set.provenance.reviewed_on
        last_modified = (
            datetime(reviewed.year, reviewed.month, reviewed.day, tzinfo=UTC)
            if reviewed is not None
            else datetime.now(UTC)
        )
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=UTC)
    return last_modified.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parties(mapping_set: MappingSet) -> dict[str, Any]:
    provenance = mapping_set.provenance
    people: dict[str, str] = {}
    responsible: list[dict[str, Any]] = []
    roles: list[dict[str, str]] = []
    for role, title, given in (
        ("author", "Author", list(provenance.authors)),
        ("reviewer", "Reviewer", [provenance.reviewed_by] if provenance.reviewed_by else []),
    ):
        names = [n for n in (one_line(g) for g in given) if n]
        if not names:
            continue
        for name in names:
            people.setdefault(name, _uuid(mapping_set.id, "party", name))
        roles.append({"id": role, "title": title})
        responsible.append({"role-id": role, "party-uuids": [people[n] for n in names]})
    if not people:
        return {}
    return {
        "roles": roles,
        "parties": [
            {"uuid": party_uuid, "type": "organization", "name": name}
            for name, party_uuid in people.items()
        ],
        "responsible-parties": responsible,
    }


class _MapWriter:
    """Turns the edges of one set into OSCAL maps, and targetless edges into props."""

    def __init__(self, mapping_set: MappingSet, frameworks: Mapping[str, Framework]) -> None:
        self.set_key = (mapping_set.id, mapping_set.version)
        self.source_fw = frameworks.get(mapping_set.source_framework)
        self.target_fw = frameworks.get(mapping_set.target_framework)
        self.source_ids = oscal_control_ids(self.source_fw) if self.source_fw else {}
        self.target_ids = oscal_control_ids(self.target_fw) if self.target_fw else {}
        self.maps: list[dict[str, Any]] = []
        self.props: list[dict[str, str] | None] = []
        self.gap_ids: list[str] = []
        self.seen: Counter[str] = Counter()
        for edge in mapping_set.mappings:
            if edge.target is None:
                self.unmapped(edge)
            else:
                self.maps.append(self.map(edge, edge.target))

    def map(self, edge: Edge, target: str) -> dict[str, Any]:
        key = "\x1f".join((edge.source, target, edge.relationship.value))
        self.seen[key] += 1
        entry: dict[str, Any] = {
            "uuid": _uuid(*self.set_key, "map", key, str(self.seen[key])),
            "matching-rationale": edge.rationale.value,
            "relationship": _oscal_relationship(edge),
            "sources": [_item(edge, "source", edge.source, self.source_ids)],
            "targets": [_item(edge, "target", target, self.target_ids)],
        }
        if edge.strength is not None:
            entry["confidence-score"] = {"percentage": edge.strength / 10}
        extras = _props(*_edge_extras(edge))
        if extras:
            entry["props"] = extras
        if _remarks(edge):
            entry["remarks"] = _remarks(edge)
        return entry

    def unmapped(self, edge: Edge) -> None:
        source_ref = split_key(edge.source)[1]
        group = f"u{len(self.gap_ids) + 1}"
        self.gap_ids.append(self.source_ids.get(source_ref, source_ref))
        extra = {"class": edge.rationale.value, "group": group, "remarks": edge.note}
        self.props.append(_prop("no-relationship", source_ref, **extra))
        if edge.strength is not None:
            self.props.append(_prop("strength", str(edge.strength), group=group))
        self.props.extend(_edge_extras(edge, group))


def _metadata(mapping_set: MappingSet, last_modified: datetime | None) -> dict[str, Any]:
    provenance = mapping_set.provenance
    reviewed_on = provenance.reviewed_on.isoformat() if provenance.reviewed_on else ""
    metadata: dict[str, Any] = {
        "title": one_line(mapping_set.title) or mapping_set.id,
        "last-modified": _timestamp(mapping_set, last_modified),
        "version": one_line(mapping_set.version) or "1",
        "oscal-version": OSCAL_VERSION,
        "props": _props(_prop("mapping-set-id", mapping_set.id), _prop("reviewed-on", reviewed_on)),
    }
    if provenance.url:
        metadata["links"] = [{"href": provenance.url, "rel": "reference"}]
    metadata.update(_parties(mapping_set))
    return metadata


def _provenance(mapping_set: MappingSet) -> dict[str, Any]:
    provenance = mapping_set.provenance
    rationales = Counter(edge.rationale for edge in mapping_set.mappings)
    order = list(RationaleKind)
    overall = min(rationales, key=lambda r: (-rationales[r], order.index(r)))
    written: dict[str, Any] = {
        "method": provenance.method.value,
        "matching-rationale": overall.value,
        "status": "complete",
        "mapping-description": mapping_set.description or mapping_set.title,
    }
    props = _props(
        _prop("source", provenance.source),
        _prop("license", provenance.license),
        _prop("url", provenance.url),
    )
    if props:
        written["props"] = props
    return written


def write_mapping_collection(
    mapping_set: MappingSet,
    frameworks: Mapping[str, Framework],
    *,
    last_modified: datetime | None = None,
) -> dict[str, Any]:
    """An OSCAL 1.2 mapping collection (a JSON-ready dict) holding this mapping set.

    ``metadata.last-modified`` is ``last_modified``, else the set's review date, else now.
    """
    edges = _MapWriter(mapping_set, frameworks)
    if not edges.maps:
        raise ConversionError(
            mapping_set.id,
            "mappings",
            "OSCAL needs at least one edge with a target; this set only records sources "
            "without a counterpart",
        )
    set_key = edges.set_key
    mapping: dict[str, Any] = {
        "uuid": _uuid(*set_key, "mapping"),
        "source-resource": _resource(mapping_set.source_framework, edges.source_fw),
        "target-resource": _resource(mapping_set.target_framework, edges.target_fw),
        "maps": edges.maps,
    }
    mapping_props = _props(_prop("refines", mapping_set.refines or ""), *edges.props)
    if mapping_props:
        mapping["props"] = mapping_props
    tokens = [element for element in edges.gap_ids if _is_token(element)]
    if tokens:  # OSCAL lists unmapped controls by token ids only; the props keep them all
        mapping["source-gap-summary"] = {
            "uuid": _uuid(*set_key, "source-gap-summary"),
            "unmapped-controls": [{"with-ids": tokens}],
        }
    return {
        "mapping-collection": {
            "uuid": _uuid(*set_key, "collection"),
            "metadata": _metadata(mapping_set, last_modified),
            "provenance": _provenance(mapping_set),
            "mappings": [mapping],
        }
    }
