"""Write frameworks and mapping sets in our own file format, so imports become plain files.

Each requirement and edge is one line of JSON, which is valid YAML flow style: fast to
write and to read back with the C loader, and a reviewer's diff shows one line per change.

The characters JSON leaves raw but YAML would refuse (C1 controls, U+FFFE/U+FFFF) or read
as a line break and fold (NEL, U+2028, U+2029) are written as ``\\uXXXX`` escapes, which
both read back as the same character: what is written reads back exactly as the document
it was rendered from, so an import checks that document and does not parse its own output.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from crosswalk.catalogs.schema import CATALOG_FORMAT, MAPPING_SET_FORMAT
from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.requirements import Framework, Requirement, split_key

# Outside YAML's printable set, or a YAML line break: never written raw. (A lone surrogate
# cannot be written at all: UTF-8 has no form for it, and the installer refuses it.)
_NOT_YAML_SAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # JSON escapes these; a comment cannot
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _line(value: Any) -> str:
    return _ENCODER.encode(value)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _yaml_safe(text: str) -> str:
    return _NOT_YAML_SAFE.sub(_escaped, text) if _NOT_YAML_SAFE.search(text) else text


def _comment(comment: str) -> list[str]:
    return [f"# {_CONTROL.sub('?', _LINE_BREAK.sub(' ', comment))}"] if comment else []


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


def framework_document(framework: Framework) -> dict[str, Any]:
    """The catalog file's content as data: what ``render_framework`` writes, line for line."""
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
    return {
        "format": CATALOG_FORMAT,
        "framework": header,
        "requirements": [_requirement(r) for r in framework.requirements],
    }


def render_framework(document: dict[str, Any], comment: str = "") -> str:
    lines = _comment(comment)
    lines += [f"format: {document['format']}", f"framework: {_line(document['framework'])}"]
    lines.append("requirements:")
    lines += [f"  - {_line(entry)}" for entry in document["requirements"]]
    return _yaml_safe("\n".join(lines) + "\n")


def dump_framework(framework: Framework, comment: str = "") -> str:
    return render_framework(framework_document(framework), comment)


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


def mapping_set_document(mapping_set: MappingSet) -> dict[str, Any]:
    """The mapping-set file's content as data: what ``render_mapping_set`` writes."""
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
    if mapping_set.alternative_to:
        header["alternative_to"] = mapping_set.alternative_to
    header["provenance"] = {
        k: v for k, v in header["provenance"].items() if v not in (None, "", [])
    }
    return {
        "format": MAPPING_SET_FORMAT,
        "mapping_set": header,
        "mappings": [_edge(m) for m in mapping_set.mappings],
    }


def render_mapping_set(document: dict[str, Any], comment: str = "") -> str:
    lines = _comment(comment)
    lines += [f"format: {document['format']}", f"mapping_set: {_line(document['mapping_set'])}"]
    lines.append("mappings:")
    lines += [f"  - {_line(entry)}" for entry in document["mappings"]]
    return _yaml_safe("\n".join(lines) + "\n")


def dump_mapping_set(mapping_set: MappingSet, comment: str = "") -> str:
    return render_mapping_set(mapping_set_document(mapping_set), comment)
