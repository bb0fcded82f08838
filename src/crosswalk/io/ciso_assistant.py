"""CISO Assistant libraries (YAML): frameworks and requirement mapping sets, in and out.

A library file holds ``objects.framework`` (requirement nodes linked by ``parent_urn``)
and/or ``objects.requirement_mapping_sets``. Reading turns them into our frameworks and
mapping sets:

- a framework we already have (same id, from the framework urn) is not imported again:
  every assessable node must name a ref we know, and a note says so; pass
  ``framework_id`` to import it beside ours as a separate framework instead;
- mapping sets must point at frameworks we know (or the one in the same file), and each
  requirement urn must resolve to one of our refs, or nothing is imported.

The YAML itself is read in ``ciso_library`` and the framework nodes in
``ciso_framework``; this module reads the mapping sets, ties the parts of a file
together in ``read_library`` and writes our mapping sets as mapping libraries.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, requirement_key, split_key
from crosswalk.io.ciso_framework import OwnFramework, match_framework, new_framework, read_nodes
from crosswalk.io.ciso_library import (
    LibraryHeader,
    NodeReader,
    compose,
    one_line,
    read_library_header,
    slug,
    urn_ref,
    urn_tail,
)
from crosswalk.io.converted import Imported

SET_PREFIX = "ciso-"
URN_PACKAGER = "intuitem"  # the namespace of the framework and node urns CISO Assistant ships
OUR_PACKAGER = "crosswalk"  # the namespace of the libraries we write

RELATIONSHIPS: dict[str, Relationship] = {
    "equal": Relationship.EQUAL,
    "equivalent": Relationship.EQUAL,
    "subset": Relationship.SUBSET_OF,
    "subset_of": Relationship.SUBSET_OF,
    "superset": Relationship.SUPERSET_OF,
    "superset_of": Relationship.SUPERSET_OF,
    "intersect": Relationship.INTERSECTS_WITH,
    "intersects": Relationship.INTERSECTS_WITH,
    "intersects_with": Relationship.INTERSECTS_WITH,
    "not_related": Relationship.NO_RELATIONSHIP,
    "no_relationship": Relationship.NO_RELATIONSHIP,
}
WORDS: dict[Relationship, str] = {
    Relationship.EQUAL: "equal",
    Relationship.SUBSET_OF: "subset",
    Relationship.SUPERSET_OF: "superset",
    Relationship.INTERSECTS_WITH: "intersect",
    Relationship.NO_RELATIONSHIP: "not_related",
}

_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_URN_IN_TEXT = re.compile(r"urn:[a-z0-9._-]+:risk:(framework|library):[^\s,;()]+")


class _Resolver:
    """Node urns -> our refs in one framework: recorded urns first, then the ref itself."""

    def __init__(self, framework: Framework, known: MappingOf[str, str] | None = None) -> None:
        self.framework = framework
        self.by_urn: dict[str, str] = dict(known or {})
        for requirement in framework.requirements:
            urn = requirement.attributes.get("urn")
            if urn:
                self.by_urn.setdefault(urn, requirement.ref)
        self.index = RefIndex(framework)
        self.cache: dict[str, str | None] = {}

    def ref(self, urn: str) -> str | None:
        if urn in self.cache:
            return self.cache[urn]
        found = self.by_urn.get(urn)
        if found is None:
            found = self.index.exact(urn_tail(urn))
        self.cache[urn] = found
        return found


def _framework_id_for(
    urn: str, own: OwnFramework | None, frameworks: MappingOf[str, Framework]
) -> str | None:
    if own is not None and urn == own.urn:
        return own.id
    candidate = slug(urn.rsplit(":", 1)[-1])
    if candidate in frameworks:
        return candidate
    named = [fid for fid, fw in frameworks.items() if urn in _urns_in(fw.source)]
    return named[0] if len(named) == 1 else None


def _urns_in(text: str) -> list[str]:
    return [m.group(0) for m in _URN_IN_TEXT.finditer(text)]


@dataclass
class _SetContext:
    reader: NodeReader
    library: LibraryHeader
    frameworks: MappingOf[str, Framework]
    own: OwnFramework | None
    resolvers: dict[str, _Resolver]

    def resolver(self, framework_id: str) -> _Resolver:
        found = self.resolvers.get(framework_id)
        if found is None:
            known = self.own.refs if self.own is not None and self.own.id == framework_id else None
            found = _Resolver(self.frameworks[framework_id], known)
            self.resolvers[framework_id] = found
        return found


@dataclass
class _Edges:
    """The edges of one mapping set, read one by one; repeats merged, conflicts refused."""

    reader: NodeReader
    set_id: str
    source_id: str
    target_id: str
    sources: _Resolver
    targets: _Resolver
    generic_note: str
    mappings: list[Mapping] = field(default_factory=list)
    seen: dict[tuple[str, str | None], tuple[int, Relationship]] = field(default_factory=dict)
    duplicates: int = 0

    def relationship(self, edge: dict[str, Node], where: str, entry: Node) -> Relationship:
        word = (self.reader.text(edge, "relationship", where) or "").lower()
        relationship = RELATIONSHIPS.get(word)
        if relationship is None:
            raise self.reader.fail(
                f"{where}.relationship",
                f"unknown relationship {word!r}; expected one of "
                + ", ".join(sorted(set(WORDS.values()))),
                entry,
            )
        return relationship

    def rationale(self, edge: dict[str, Node], where: str, entry: Node) -> RationaleKind:
        word = (self.reader.text(edge, "rationale", where) or "semantic").lower()
        try:
            return RationaleKind(word)
        except ValueError:
            raise self.reader.fail(
                f"{where}.rationale",
                f"unknown rationale {word!r}; expected syntactic, semantic or functional",
                entry,
            ) from None

    def ref(self, edge: dict[str, Node], side: str, where: str, entry: Node) -> str | None:
        urn = self.reader.text(edge, f"{side}_requirement_urn", where)
        if urn is None:
            return None
        resolver, framework_id = (
            (self.sources, self.source_id) if side == "source" else (self.targets, self.target_id)
        )
        ref = resolver.ref(urn)
        if ref is None:
            hint = ", ".join(resolver.index.suggest(urn_tail(urn)))
            raise self.reader.fail(
                where,
                f"{side} requirement {urn!r} is not a requirement of {framework_id}"
                + (f" (did you mean {hint}?)" if hint else ""),
                entry,
            )
        return ref

    def read(self, position: int, entry: Node, where: str) -> None:
        edge = self.reader.mapping(entry, where)
        relationship = self.relationship(edge, where, entry)
        source = self.ref(edge, "source", where, entry)
        if source is None:
            raise self.reader.fail(where, "missing 'source_requirement_urn'", entry)
        target = self.ref(edge, "target", where, entry)
        if target is None and relationship is not Relationship.NO_RELATIONSHIP:
            raise self.reader.fail(where, "missing 'target_requirement_urn'", entry)
        pair = (source, target)
        if pair in self.seen:
            first, earlier = self.seen[pair]
            if earlier is not relationship:
                raise self.reader.fail(
                    where,
                    f"{source} -> {target} is {WORDS[relationship]} here but "
                    f"{WORDS[earlier]} at requirement_mappings[{first}]",
                    entry,
                )
            self.duplicates += 1
            return
        self.seen[pair] = (position, relationship)
        strength = self.reader.integer(edge, "strength_of_relationship", where)
        annotation = self.reader.text(edge, "annotation", where)
        self.mappings.append(
            Mapping(
                set_id=self.set_id,
                source=requirement_key(self.source_id, source),
                target=requirement_key(self.target_id, target) if target is not None else None,
                relationship=relationship,
                rationale=self.rationale(edge, where, entry),
                note=one_line(annotation) if annotation else self.generic_note,
                strength=min(10, max(1, strength)) if strength is not None else None,
            )
        )


def _read_mapping_set(context: _SetContext, item: Node, where: str) -> tuple[MappingSet, list[str]]:
    reader = context.reader
    fields = reader.mapping(item, where)
    set_ref = reader.text(fields, "ref_id", where) or urn_tail(
        reader.required(fields, "urn", where, item)
    )
    set_id = SET_PREFIX + slug(set_ref.removeprefix(SET_PREFIX))
    if not _IDENTIFIER.match(set_id):
        raise reader.fail(f"{where}.ref_id", f"cannot make a set id from {set_ref!r}", item)
    sides: dict[str, str] = {}
    for side in ("source", "target"):
        key = f"{side}_framework_urn"
        urn = reader.required(fields, key, where, item)
        framework_id = _framework_id_for(urn, context.own, context.frameworks)
        if framework_id is None:
            raise reader.fail(
                f"{where}.{key}",
                f"unknown framework {urn!r}: import its CISO Assistant library first",
                fields[key],
            )
        sides[side] = framework_id
    source_id, target_id = sides["source"], sides["target"]
    edges = _Edges(
        reader,
        set_id,
        source_id,
        target_id,
        context.resolver(source_id),
        context.resolver(target_id),
        f"CISO Assistant mapping set {set_ref}: no annotation given",
    )
    list_where = f"{where}.requirement_mappings"
    for position, entry in enumerate(reader.sequence(fields.get("requirement_mappings"), where)):
        edges.read(position, entry, f"{list_where}[{position}]")
    if not edges.mappings:
        raise reader.fail(list_where, "the mapping set has no requirement mappings", item)
    library = context.library
    mapping_set = MappingSet(
        id=set_id,
        version=library.version or "1",
        title=one_line(reader.text(fields, "name", where) or set_ref),
        description=one_line(reader.text(fields, "description", where) or ""),
        source_framework=source_id,
        target_framework=target_id,
        provenance=Provenance(
            source=library.describe(),
            method=Method.HUMAN,
            authors=(library.provider,) if library.provider else (),
            license=library.copyright,
        ),
        mappings=tuple(edges.mappings),
    )
    notes = [f"mapping set {set_id}: {len(edges.mappings)} edges, {source_id} -> {target_id}"]
    if edges.duplicates:
        notes.append(f"mapping set {set_id}: {edges.duplicates} repeated edge(s) dropped")
    return mapping_set, notes


def read_library(
    path: Path | str,
    frameworks: MappingOf[str, Framework],
    framework_id: str | None = None,
) -> Imported:
    """Read a CISO Assistant library YAML file: its framework and its mapping sets.

    ``frameworks`` are those already loaded. ``framework_id`` imports the file's framework
    under that new id even when we already have one with the library's id.
    """
    path = Path(path)
    reader = NodeReader(str(path))
    root = compose(path)
    document = reader.mapping(root, "")
    library = read_library_header(reader, document)
    objects = reader.mapping(document.get("objects"), "objects")
    imported = Imported(source=str(path))
    own: OwnFramework | None = None
    if framework_id is not None and not _IDENTIFIER.match(framework_id):
        raise reader.fail(
            "", f"--framework-id {framework_id!r}: use lower-case letters, digits, '.' and '-'"
        )
    framework_node = objects.get("framework")
    if framework_node is not None:
        where = "objects.framework"
        header = reader.mapping(framework_node, where)
        urn = reader.required(header, "urn", where, framework_node)
        library_id = slug(urn_tail(urn)) or slug(reader.text(header, "ref_id", where) or "")
        nodes = read_nodes(reader, header, where)
        if framework_id is None and library_id in frameworks:
            refs, note = match_framework(reader, frameworks[library_id], nodes)
            imported.notes.append(note)
            own = OwnFramework(urn, library_id, refs)
        else:
            new_id = framework_id or library_id
            if not _IDENTIFIER.match(new_id):
                raise reader.fail(
                    f"{where}.urn", f"cannot make a framework id from {urn!r}", framework_node
                )
            framework, refs, from_urn = new_framework(reader, library, header, urn, new_id, nodes)
            imported.frameworks.append(framework)
            counts = framework.counts_by_kind()
            imported.notes.append(
                f"framework {new_id}: {counts.get('requirement', 0)} requirements, "
                f"{counts.get('section', 0)} sections"
            )
            if from_urn:
                imported.notes.append(
                    f"framework {new_id}: {from_urn} node(s) without a unique ref_id "
                    "took their ref from their urn"
                )
            own = OwnFramework(urn, new_id, refs)
    # Over the loaded ones, read as needed: a workspace's sixty frameworks are not all loaded.
    known: ChainMap[str, Framework] = ChainMap({}, frameworks)  # type: ignore[arg-type]
    for framework in imported.frameworks:
        known[framework.id] = framework
    context = _SetContext(reader, library, known, own, {})
    set_ids: dict[str, str] = {}
    sets_where = "objects.requirement_mapping_sets"
    for position, item in enumerate(
        reader.sequence(objects.get("requirement_mapping_sets"), sets_where)
    ):
        where = f"{sets_where}[{position}]"
        mapping_set, notes = _read_mapping_set(context, item, where)
        if mapping_set.id in set_ids:
            raise reader.fail(
                where, f"set id {mapping_set.id!r} again (first at {set_ids[mapping_set.id]})"
            )
        set_ids[mapping_set.id] = where
        imported.mapping_sets.append(mapping_set)
        imported.notes.extend(notes)
    if framework_node is None and not imported.mapping_sets:
        raise reader.fail(
            "objects", "no framework and no requirement_mapping_sets: nothing to import"
        )
    return imported


# -- writing --------------------------------------------------------------------------


def _framework_urns(framework_id: str, framework: Framework | None) -> tuple[str, str, str]:
    """(library urn, framework urn, node urn prefix) for one of our frameworks."""
    library_urn = f"urn:{URN_PACKAGER}:risk:library:{framework_id}"
    framework_urn = f"urn:{URN_PACKAGER}:risk:framework:{framework_id}"
    if framework is not None:
        for urn in _urns_in(framework.source):
            if ":risk:library:" in urn:
                library_urn = urn
            else:
                framework_urn = urn
    packager, tail = framework_urn.split(":")[1], framework_urn.rsplit(":", 1)[-1]
    return library_urn, framework_urn, f"urn:{packager}:risk:req_node:{tail}:"


class _NodeUrns:
    def __init__(self, framework_id: str, framework: Framework | None) -> None:
        self.library, self.framework, self.prefix = _framework_urns(framework_id, framework)
        self.known: dict[str, str] = {}
        if framework is not None:
            for requirement in framework.requirements:
                urn = requirement.attributes.get("urn")
                if urn:
                    self.known[requirement.ref] = urn

    def __call__(self, key: str) -> str:
        ref = split_key(key)[1]
        return self.known.get(ref) or self.prefix + urn_ref(ref)


def _library_version(version: str) -> int:
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and int(head) > 0 else 1


def write_mapping_set_library(
    mapping_set: MappingSet, frameworks: MappingOf[str, Framework]
) -> str:
    """Our mapping set as a CISO Assistant mapping library (YAML text).

    Urns follow CISO Assistant's style (``urn:intuitem:risk:req_node:iso27001-2022:a.5.1``),
    or the urns recorded when the framework came from CISO Assistant. Edges without a
    target cannot be expressed there and are left out (a comment at the top counts them).
    """
    sources = _NodeUrns(mapping_set.source_framework, frameworks.get(mapping_set.source_framework))
    targets = _NodeUrns(mapping_set.target_framework, frameworks.get(mapping_set.target_framework))
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
                "requirement_mappings": edges,
            }
        ]
    }
    comment = [
        f"# Crosswalk mapping set {mapping_set.id} (version {mapping_set.version}) "
        "as a CISO Assistant mapping library.",
        f"# Source: {one_line(provenance.source)}",
    ]
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


__all__ = [
    "RELATIONSHIPS",
    "WORDS",
    "read_library",
    "slug",
    "urn_ref",
    "urn_tail",
    "write_mapping_set_library",
]
