"""The mapping sets of a CISO Assistant library: their edges read into our mapping sets.

Each requirement urn must resolve to one of our refs (recorded urns first, then the ref
itself, then, for a framework CISO Assistant writes at a finer grain, the requirement its
urn says it is part of: ``ciso_matching``). Repeated edges are merged, contradicting ones
refused; edges between parts of our requirements are combined at our grain. What CISO
Assistant's format has no field for travels in a key of our own (``EXTENSION``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from yaml.nodes import Node

from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, requirement_key
from crosswalk.io.ciso_framework import OwnFramework
from crosswalk.io.ciso_library import LibraryHeader, NodeReader, one_line, slug, urn_tail
from crosswalk.io.ciso_matching import (
    broad_refs,
    combined,
    equivalent_id,
    resolve_by_shape,
    rolled_relationship,
)

SET_PREFIX = "ciso-"
EXTENSION = "crosswalk"
"""A key of our own in a mapping set and in an edge (``ciso_writer``): what CISO Assistant's
format has no field for (the version as written, review, refines, beyond_refined), so a
round trip through it keeps everything; CISO Assistant reads the fields it knows."""
URN_PACKAGER = "intuitem"  # the namespace of the framework and node urns CISO Assistant ships

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

IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_URN_IN_TEXT = re.compile(r"urn:[a-z0-9._-]+:risk:(framework|library):[^\s,;()]+")


class _Resolver:
    """Node urns -> our refs in one framework: recorded urns first, then the ref itself;
    for a framework CISO Assistant writes at a finer grain (``by_shape``), a node is rolled
    up to the requirement its urn says it is part of."""

    def __init__(
        self,
        framework: Framework,
        own: OwnFramework | None = None,
        by_shape: bool = False,
    ) -> None:
        self.framework = framework
        self.by_urn: dict[str, str] = dict(own.refs if own is not None else {})
        self.rolled: set[str] = set(own.rolled) if own is not None else set()
        self.in_file: set[str] = set(own.nodes) if own is not None else set()
        for requirement in framework.requirements:
            urn = requirement.attributes.get("urn")
            if urn:
                self.by_urn.setdefault(urn, requirement.ref)
        self.index = RefIndex(framework)
        self.by_shape = by_shape
        self.broad = broad_refs(framework) if by_shape else set()
        self.cache: dict[str, tuple[str, bool] | None] = {}

    def ref(self, urn: str) -> tuple[str, bool] | None:
        """(our ref, whether the node is only a part of it), or None."""
        if urn in self.cache:
            return self.cache[urn]
        found: tuple[str, bool] | None = None
        known = self.by_urn.get(urn)
        if known is not None:
            found = (known, urn in self.rolled)
        elif urn not in self.in_file:  # a node of the file that matched nothing stays so
            found = resolve_by_shape(self.index, urn_tail(urn), self.broad, roll=self.by_shape)
        self.cache[urn] = found
        return found

    def known_unmatched(self, urn: str) -> bool:
        """A node of a matched framework (or of an equivalent written at a finer grain)
        that is not ours: its edges are left out and counted, not refused."""
        return self.by_shape or (urn in self.in_file and urn not in self.by_urn)


def _framework_id_for(
    urn: str, own: OwnFramework | None, frameworks: MappingOf[str, Framework]
) -> str | None:
    if own is not None and urn == own.urn:
        return own.id
    candidate = equivalent_id(slug(urn.rsplit(":", 1)[-1]), frameworks)
    if candidate is not None:
        return candidate
    named = [fid for fid, fw in frameworks.items() if urn in urns_in(fw.source)]
    return named[0] if len(named) == 1 else None


def urns_in(text: str) -> list[str]:
    return [m.group(0) for m in _URN_IN_TEXT.finditer(text)]


@dataclass
class SetContext:
    reader: NodeReader
    library: LibraryHeader
    frameworks: MappingOf[str, Framework]
    own: OwnFramework | None
    resolvers: dict[tuple[str, str], _Resolver]
    skip_unknown_refs: bool = False

    def resolver(self, framework_id: str, urn: str) -> _Resolver:
        found = self.resolvers.get((framework_id, urn))
        if found is None:
            own = self.own if self.own is not None and self.own.urn == urn else None
            finer = slug(urn.rsplit(":", 1)[-1]) != framework_id and own is None
            found = _Resolver(self.frameworks[framework_id], own, by_shape=finer)
            self.resolvers[(framework_id, urn)] = found
        return found


@dataclass
class _Pending:
    """One edge between two of our requirements, from one or more of theirs."""

    position: int
    relationships: list[Relationship]
    rationale: RationaleKind
    notes: list[str]
    strength: int | None
    parts: list[str]  # their node refs, when rolled up
    extension: dict[str, Any] = field(default_factory=dict)  # ours, written by ciso_writer


@dataclass
class _Edges:
    """The edges of one mapping set, read one by one. Repeats are merged and conflicts
    refused; edges between parts of our requirements (rolled up) are combined."""

    reader: NodeReader
    set_id: str
    source_id: str
    target_id: str
    sources: _Resolver
    targets: _Resolver
    generic_note: str
    skip_unknown_refs: bool = False
    pending: dict[tuple[str, str | None], _Pending] = field(default_factory=dict)
    direct: dict[tuple[str, str | None], tuple[int, Relationship]] = field(default_factory=dict)
    duplicates: int = 0
    rolled: int = 0
    left_out: dict[str, int] = field(default_factory=dict)  # why -> count
    unknown: list[str] = field(default_factory=list)

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

    def ref(
        self, edge: dict[str, Node], side: str, where: str, entry: Node
    ) -> tuple[str, bool] | str | None:
        """(ref, rolled up); None when not given; the urn itself when it is to be left out."""
        urn = self.reader.text(edge, f"{side}_requirement_urn", where)
        if urn is None:
            return None
        resolver, framework_id = (
            (self.sources, self.source_id) if side == "source" else (self.targets, self.target_id)
        )
        found = resolver.ref(urn)
        if found is not None:
            return found
        if resolver.known_unmatched(urn) or self.skip_unknown_refs:
            return urn
        hint = ", ".join(resolver.index.suggest(urn_tail(urn)))
        raise self.reader.fail(
            where,
            f"{side} requirement {urn!r} is not a requirement of {framework_id}"
            + (f" (did you mean {hint}?)" if hint else "")
            + "; --skip-unknown-refs leaves such edges out",
            entry,
        )

    def _leave_out(self, why: str, urn: str | None = None) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1
        if urn is not None and urn not in self.unknown:
            self.unknown.append(urn)

    def read(self, position: int, entry: Node, where: str) -> None:
        edge = self.reader.mapping(entry, where)
        relationship = self.relationship(edge, where, entry)
        source = self.ref(edge, "source", where, entry)
        if source is None:
            raise self.reader.fail(where, "missing 'source_requirement_urn'", entry)
        target = self.ref(edge, "target", where, entry)
        if target is None and relationship is not Relationship.NO_RELATIONSHIP:
            raise self.reader.fail(where, "missing 'target_requirement_urn'", entry)
        if isinstance(source, str) or isinstance(target, str):
            self._leave_out(
                "a requirement not in ours", source if isinstance(source, str) else str(target)
            )
            return
        source_ref, source_rolled = source
        target_ref, target_rolled = target if target is not None else (None, False)
        said = rolled_relationship(relationship, source_rolled, target_rolled)
        if said is None:
            self._leave_out("no_relationship of a part, which says nothing of the whole")
            return
        pair = (source_ref, target_ref)
        rolled = source_rolled or target_rolled
        if not rolled:
            if pair in self.direct:
                first, earlier = self.direct[pair]
                if earlier is not relationship:
                    raise self.reader.fail(
                        where,
                        f"{source_ref} -> {target_ref} is {WORDS[relationship]} here but "
                        f"{WORDS[earlier]} at requirement_mappings[{first}]",
                        entry,
                    )
                self.duplicates += 1
                return
            self.direct[pair] = (position, relationship)
        else:
            self.rolled += 1
        strength = self.reader.integer(edge, "strength_of_relationship", where)
        annotation = self.reader.text(edge, "annotation", where)
        rationale = self.rationale(edge, where, entry)
        parts = [
            urn_tail(str(self.reader.text(edge, f"{side}_requirement_urn", where))).upper()
            for side, was in (("source", source_rolled), ("target", target_rolled))
            if was
        ]
        found = self.pending.get(pair)
        if found is None:
            self.pending[pair] = _Pending(
                position,
                [said],
                rationale,
                [one_line(annotation)] if annotation else [],
                strength,
                parts,
                _extension(self.reader, edge, where),
            )
            return
        if not rolled and not found.parts:
            self.duplicates += 1
            return
        found.relationships.append(said)
        if annotation and one_line(annotation) not in found.notes:
            found.notes.append(one_line(annotation))
        if strength is not None:
            found.strength = max(found.strength or strength, strength)
        found.parts.extend(p for p in parts if p not in found.parts)

    def mappings(self) -> list[Mapping]:
        found: list[Mapping] = []
        for (source, target), edge in self.pending.items():
            note = "; ".join(edge.notes) or self.generic_note
            if edge.parts:
                note += f" (read from their {', '.join(edge.parts[:8])}"
                note += ", ...)" if len(edge.parts) > 8 else ")"
            ours = edge.extension
            found.append(
                Mapping(
                    set_id=self.set_id,
                    source=requirement_key(self.source_id, source),
                    target=requirement_key(self.target_id, target) if target is not None else None,
                    relationship=combined(edge.relationships),
                    rationale=edge.rationale,
                    note=note,
                    strength=min(10, max(1, edge.strength)) if edge.strength is not None else None,
                    beyond_refined=ours.get("beyond_refined"),
                    attributes=MappingProxyType(ours.get("attributes", {})),
                    marked_weak=ours.get("weak"),
                )
            )
        return found


def _extension(reader: NodeReader, fields: dict[str, Node], where: str) -> dict[str, Any]:
    """Our own fields (``EXTENSION``) of a set or an edge, as written by ``ciso_writer``."""
    node = fields.get(EXTENSION)
    if node is None:
        return {}
    here = f"{where}.{EXTENSION}"
    ours = reader.mapping(node, here)
    found: dict[str, Any] = {}
    for key in (
        "id",
        "version",
        "refines",
        "alternative_to",
        "source",
        "method",
        "reviewed_on",
        "reviewed_by",
        "license",
        "url",
        "beyond_refined",
    ):
        value = reader.text(ours, key, here)
        if value is not None:
            found[key] = value
    if "weak" in ours:
        found["weak"] = reader.flag(ours, "weak", here)
    if "authors" in ours:
        found["authors"] = tuple(
            reader.text({"a": item}, "a", f"{here}.authors") or ""
            for item in reader.sequence(ours["authors"], f"{here}.authors")
        )
    if "attributes" in ours:
        attributes = reader.mapping(ours["attributes"], f"{here}.attributes")
        found["attributes"] = {
            key: reader.text(attributes, key, f"{here}.attributes") or "" for key in attributes
        }
    return found


def _provenance(
    library: LibraryHeader, ours: dict[str, Any], where: str, reader: NodeReader
) -> Provenance:
    reviewed = ours.get("reviewed_on")
    try:
        reviewed_on = date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        raise reader.fail(
            f"{where}.reviewed_on", f"expected a date (YYYY-MM-DD), not {reviewed!r}"
        ) from None
    try:
        method = Method(ours.get("method", Method.HUMAN.value))
    except ValueError:
        raise reader.fail(f"{where}.method", f"unknown method {ours.get('method')!r}") from None
    if "source" in ours:  # written by us: as it was, nothing filled in
        return Provenance(
            source=ours["source"],
            method=method,
            authors=ours.get("authors", ()),
            reviewed_on=reviewed_on,
            reviewed_by=ours.get("reviewed_by"),
            license=ours.get("license", ""),
            url=ours.get("url", ""),
        )
    return Provenance(
        source=library.describe(),
        method=method,
        authors=(library.provider,) if library.provider else (),
        license=library.copyright,
    )


def read_mapping_set(
    context: SetContext, item: Node, where: str, set_id: str | None = None
) -> tuple[MappingSet, list[str]]:
    reader = context.reader
    fields = reader.mapping(item, where)
    set_ref = reader.text(fields, "ref_id", where) or urn_tail(
        reader.required(fields, "urn", where, item)
    )
    set_id = set_id or SET_PREFIX + slug(set_ref.removeprefix(SET_PREFIX))
    if not IDENTIFIER.match(set_id):
        raise reader.fail(f"{where}.ref_id", f"cannot make a set id from {set_ref!r}", item)
    sides: dict[str, tuple[str, str]] = {}
    for side in ("source", "target"):
        key = f"{side}_framework_urn"
        urn = reader.required(fields, key, where, item)
        framework_id = _framework_id_for(urn, context.own, context.frameworks)
        if framework_id is None:
            raise reader.fail(
                f"{where}.{key}",
                f"unknown framework {urn!r}: import its CISO Assistant library first "
                "(importing a folder orders the files for you)",
                fields[key],
            )
        sides[side] = (framework_id, urn)
    (source_id, source_urn), (target_id, target_urn) = sides["source"], sides["target"]
    edges = _Edges(
        reader,
        set_id,
        source_id,
        target_id,
        context.resolver(source_id, source_urn),
        context.resolver(target_id, target_urn),
        f"CISO Assistant mapping set {set_ref}: no annotation given",
        context.skip_unknown_refs,
    )
    list_where = f"{where}.requirement_mappings"
    for position, entry in enumerate(reader.sequence(fields.get("requirement_mappings"), where)):
        edges.read(position, entry, f"{list_where}[{position}]")
    mappings = edges.mappings()
    if not mappings:
        raise reader.fail(
            list_where,
            "the mapping set has no requirement mappings"
            + (" between requirements we have" if edges.left_out else ""),
            item,
        )
    library = context.library
    ours = _extension(reader, fields, where)
    mapping_set = MappingSet(
        id=set_id,
        version=ours.get("version") or library.version or "1",
        title=one_line(reader.text(fields, "name", where) or set_ref),
        description=one_line(reader.text(fields, "description", where) or ""),
        source_framework=source_id,
        target_framework=target_id,
        provenance=_provenance(library, ours, f"{where}.{EXTENSION}", reader),
        mappings=tuple(mappings),
        refines=ours.get("refines"),
    )
    notes = [f"mapping set {set_id}: {len(mappings)} edges, {source_id} -> {target_id}"]
    if edges.duplicates:
        notes.append(f"mapping set {set_id}: {edges.duplicates} repeated edge(s) dropped")
    if edges.rolled:
        notes.append(
            f"mapping set {set_id}: {edges.rolled} edge(s) on parts of our requirements "
            "(points of focus, paragraphs) read as edges of the requirement, combined"
        )
    for why, count in edges.left_out.items():
        shown = ", ".join(edges.unknown[:5]) if why.startswith("a requirement") else ""
        notes.append(
            f"mapping set {set_id}: {count} edge(s) left out: {why}"
            + (f" ({shown}{', ...' if len(edges.unknown) > 5 else ''})" if shown else "")
        )
    return mapping_set, notes
