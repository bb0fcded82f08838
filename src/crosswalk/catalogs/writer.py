"""Write frameworks and mapping sets in our own file format, so imports become plain files.

Each requirement and edge is one line of JSON, which is valid YAML flow style: fast to
write and to read back with the C loader, and a reviewer's diff shows one line per change.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from crosswalk.catalogs.schema import CATALOG_FORMAT, MAPPING_SET_FORMAT
from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.requirements import Framework, Requirement, split_key


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _requirement(requirement: Requirement) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ref": requirement.ref,
        "kind": requirement.kind,
        "title": requirement.title,
    }
    if requirement.parent is not None:
        entry["parent"] = requirement.parent
    if requirement.text:
        entry["text"] = requirement.text
    if requirement.mandatory:
        entry["mandatory"] = True
    if requirement.attributes:
        entry["attributes"] = dict(requirement.attributes)
    return entry


def dump_framework(framework: Framework, comment: str = "") -> str:
    header = {
        "id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "publisher": framework.publisher,
        "source": framework.source,
        "notice": framework.notice,
        "description": framework.description,
        "counts": dict(Counter(r.kind for r in framework.requirements)),
    }
    lines = [f"# {comment}"] if comment else []
    lines += [f"format: {CATALOG_FORMAT}", f"framework: {_line(header)}", "requirements:"]
    lines += [f"  - {_line(_requirement(r))}" for r in framework.requirements]
    return "\n".join(lines) + "\n"


def _edge(mapping: Mapping) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": split_key(mapping.source)[1]}
    if mapping.target is not None:
        entry["target"] = split_key(mapping.target)[1]
    entry["relationship"] = mapping.relationship.value
    entry["rationale"] = mapping.rationale.value
    if mapping.strength is not None:
        entry["strength"] = mapping.strength
    if mapping.marked_weak is not None:
        entry["weak"] = mapping.marked_weak
    entry["note"] = mapping.note
    if mapping.beyond_refined:
        entry["beyond_refined"] = mapping.beyond_refined
    if mapping.attributes:
        entry["attributes"] = dict(mapping.attributes)
    return entry


def dump_mapping_set(mapping_set: MappingSet, comment: str = "") -> str:
    provenance = mapping_set.provenance
    header: dict[str, Any] = {
        "id": mapping_set.id,
        "version": mapping_set.version,
        "title": mapping_set.title,
        "description": mapping_set.description,
        "source_framework": mapping_set.source_framework,
        "target_framework": mapping_set.target_framework,
        "provenance": {
            "source": provenance.source,
            "method": provenance.method.value,
            "authors": list(provenance.authors),
            "reviewed_on": provenance.reviewed_on.isoformat() if provenance.reviewed_on else None,
            "reviewed_by": provenance.reviewed_by,
            "license": provenance.license,
            "url": provenance.url,
        },
    }
    if mapping_set.refines:
        header["refines"] = mapping_set.refines
    header["provenance"] = {
        k: v for k, v in header["provenance"].items() if v not in (None, "", [])
    }
    lines = [f"# {comment}"] if comment else []
    lines += [f"format: {MAPPING_SET_FORMAT}", f"mapping_set: {_line(header)}", "mappings:"]
    lines += [f"  - {_line(_edge(m))}" for m in mapping_set.mappings]
    return "\n".join(lines) + "\n"
