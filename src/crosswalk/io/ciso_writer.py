"""Our mapping sets written as CISO Assistant mapping libraries (YAML).

Node urns follow CISO Assistant's own: for a framework CISO Assistant ships under another
id (``ciso_matching.EXPORTED_AS``), its id and its way of numbering (``Art. 5(1)(f)`` is
``5.1.f``, ``Art. 32`` is ``article-32``), so that the urns exist in their library; for a
framework that came from CISO Assistant, the urns recorded when it was read.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingOf
from typing import Any

import yaml

from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.requirements import Framework, split_key
from crosswalk.io.ciso_library import one_line
from crosswalk.io.ciso_mapping_sets import EXTENSION, SET_PREFIX, URN_PACKAGER, WORDS, urns_in
from crosswalk.io.ciso_matching import EXPORTED_AS, their_node_tail

OUR_PACKAGER = "crosswalk"  # the namespace of the libraries we write


def _framework_urns(framework_id: str, framework: Framework | None) -> tuple[str, str, str]:
    """(library urn, framework urn, node urn prefix) for one of our frameworks."""
    theirs = EXPORTED_AS.get(framework_id, framework_id)
    library_urn = f"urn:{URN_PACKAGER}:risk:library:{theirs}"
    framework_urn = f"urn:{URN_PACKAGER}:risk:framework:{theirs}"
    if framework is not None:
        for urn in urns_in(framework.source):
            if ":risk:library:" in urn:
                library_urn = urn
            else:
                framework_urn = urn
    packager, tail = framework_urn.split(":")[1], framework_urn.rsplit(":", 1)[-1]
    return library_urn, framework_urn, f"urn:{packager}:risk:req_node:{tail}:"


class _NodeUrns:
    def __init__(
        self,
        framework_id: str,
        framework: Framework | None,
        matched: MappingOf[str, str] | None = None,
    ) -> None:
        self.library, self.framework, self.prefix = _framework_urns(framework_id, framework)
        self.framework_id = framework_id
        self.framework_ref = framework
        self.matched = bool(matched)
        self.broadened: set[str] = set()
        self.known: dict[str, str] = dict(matched or {})
        if framework is not None:
            for requirement in framework.requirements:
                urn = requirement.attributes.get("urn")
                if urn:
                    self.known.setdefault(requirement.ref, urn)

    def __call__(self, key: str) -> str:
        ref = split_key(key)[1]
        found = self.known.get(ref)
        if found is not None:
            return found
        if self.matched and self.framework_ref is not None:
            # their library has no node for it (our SOC 2 series A1): its nearest ancestor's
            for ancestor in self.framework_ref.ancestors(ref):
                if ancestor.ref in self.known:
                    self.broadened.add(ref)
                    return self.known[ancestor.ref]
        return self.prefix + their_node_tail(ref, self.framework_id)


def _dropping_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value not in (None, "", [], {})}


def _library_version(version: str) -> int:
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and int(head) > 0 else 1


def write_mapping_set_library(
    mapping_set: MappingSet,
    frameworks: MappingOf[str, Framework],
    matched_urns: MappingOf[str, MappingOf[str, str]] | None = None,
) -> str:
    """Our mapping set as a CISO Assistant mapping library (YAML text).

    Urns follow CISO Assistant's style (``urn:intuitem:risk:req_node:iso27001-2022:a.5.1``);
    the urns kept when their library of the framework was matched to ours
    (``matched_urns``: framework id -> our ref -> urn) or recorded when the framework came
    from CISO Assistant come first. Edges without a target cannot be expressed there and are
    left out (a comment at the top counts them).
    """
    kept = matched_urns or {}
    sources = _NodeUrns(
        mapping_set.source_framework,
        frameworks.get(mapping_set.source_framework),
        kept.get(mapping_set.source_framework),
    )
    targets = _NodeUrns(
        mapping_set.target_framework,
        frameworks.get(mapping_set.target_framework),
        kept.get(mapping_set.target_framework),
    )
    ref_id = mapping_set.id.removeprefix(SET_PREFIX)
    provenance = mapping_set.provenance
    edges: list[dict[str, Any]] = []
    skipped = 0
    for mapping in mapping_set.mappings:
        if mapping.target is None:
            skipped += 1
            continue
        edge: dict[str, Any] = {
            "source_requirement_urn": sources(mapping.source),
            "target_requirement_urn": targets(mapping.target),
            "relationship": WORDS[mapping.relationship],
            "rationale": mapping.rationale.value,
        }
        if mapping.strength is not None:
            edge["strength_of_relationship"] = mapping.strength
        edge["annotation"] = mapping.note
        extension = _dropping_empty(
            {
                "beyond_refined": mapping.beyond_refined,
                "weak": mapping.marked_weak,
                "attributes": dict(mapping.attributes),
            }
        )
        if extension:
            edge[EXTENSION] = extension
        edges.append(edge)
    library: dict[str, Any] = {
        "urn": f"urn:{OUR_PACKAGER}:risk:library:mapping-{ref_id}",
        "locale": "en",
        "ref_id": f"mapping-{ref_id}",
        "name": mapping_set.title,
        "description": mapping_set.description or mapping_set.title,
        "copyright": provenance.license or provenance.source,
        "version": _library_version(mapping_set.version),
    }
    if provenance.reviewed_on is not None:
        library["publication_date"] = provenance.reviewed_on
    library["provider"] = ", ".join(provenance.authors) or provenance.source
    library["packager"] = OUR_PACKAGER
    library["dependencies"] = list(dict.fromkeys([sources.library, targets.library]))
    library["objects"] = {
        "requirement_mapping_sets": [
            {
                "urn": f"urn:{OUR_PACKAGER}:risk:req_mapping_set:{ref_id}",
                "ref_id": ref_id,
                "name": mapping_set.title,
                "description": mapping_set.description or mapping_set.title,
                "source_framework_urn": sources.framework,
                "target_framework_urn": targets.framework,
                EXTENSION: _dropping_empty(
                    {
                        "id": mapping_set.id,
                        "version": mapping_set.version,
                        "refines": mapping_set.refines,
                        "alternative_to": mapping_set.alternative_to,
                        "source": provenance.source,
                        "method": provenance.method.value,
                        "authors": list(provenance.authors),
                        "reviewed_on": provenance.reviewed_on.isoformat()
                        if provenance.reviewed_on
                        else None,
                        "reviewed_by": provenance.reviewed_by,
                        "license": provenance.license,
                        "url": provenance.url,
                    }
                ),
                "requirement_mappings": edges,
            }
        ]
    }
    comment = [
        f"# Crosswalk mapping set {mapping_set.id} (version {mapping_set.version}) "
        "as a CISO Assistant mapping library.",
        f"# Source: {one_line(provenance.source)}",
    ]
    broadened = sorted(sources.broadened | targets.broadened)
    if broadened:
        comment.append(
            f"# {', '.join(broadened)}: no node of their library is it; written as the nearest "
            "broader node that is."
        )
    if skipped:
        comment.append(
            f"# {skipped} no_relationship edge(s) without a target are left out: "
            "CISO Assistant mappings need a target."
        )
    body = yaml.dump(
        library,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return "\n".join(comment) + "\n" + body
