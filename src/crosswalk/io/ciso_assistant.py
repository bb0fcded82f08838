"""CISO Assistant libraries (YAML): frameworks and requirement mapping sets, in and out.

A library file holds ``objects.framework`` (requirement nodes linked by ``parent_urn``)
and/or ``objects.requirement_mapping_sets``. Reading turns them into our frameworks and
mapping sets:

- a framework we already have (same id, from the framework urn) is not imported again:
  every assessable node must name a ref we know, and a note says so; pass
  ``framework_id`` to import it beside ours as a separate framework instead;
- mapping sets must point at frameworks we know (or the one in the same file), and each
  requirement urn must resolve to one of our refs, or nothing is imported.

Speed: the file is composed into YAML nodes by libyaml with implicit type resolution
switched off (every scalar stays the text it was written as; we read the few typed fields
ourselves) and without constructing Python objects for the parts we skip (translations,
reference controls, scores). That costs about half of ``yaml.load`` with the C loader, and
everything after it is one linear pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement, requirement_key, split_key
from crosswalk.io.converted import ConversionError, Imported

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

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

_STR = "tag:yaml.org,2002:str"
_TAGS: dict[type[Node], str] = {
    ScalarNode: _STR,
    SequenceNode: "tag:yaml.org,2002:seq",
    MappingNode: "tag:yaml.org,2002:map",
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_NOT_ID = re.compile(r"[^a-z0-9.]+")
_SPACES = re.compile(r"\s+")
_URN_IN_TEXT = re.compile(r"urn:[a-z0-9._-]+:risk:(framework|library):[^\s,;()]+")
_TITLE_LENGTH = 120


class _RawLoader(_BaseLoader):
    """Composes nodes, leaving every scalar as written: no implicit ints, dates or floats.

    Nothing is ever constructed from the nodes, so no tag can run code, and a ref such as
    ``5.10`` stays ``5.10`` instead of becoming the float ``5.1``.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return _TAGS.get(kind, _STR)


def slug(text: str) -> str:
    """``NIST-CSF-2.0`` -> ``nist-csf-2.0``; ``ISO/IEC 27001:2022`` -> ``iso-iec-27001-2022``."""
    return _NOT_ID.sub("-", text.strip().lower()).strip("-.")


def urn_tail(urn: str) -> str:
    """The part of a node urn after its framework: ``...:iso27001-2022:a.5.1`` -> ``a.5.1``."""
    parts = urn.split(":")
    if len(parts) > 5 and parts[3] == "req_node":
        return ":".join(parts[5:])
    return parts[-1]


def urn_ref(ref: str) -> str:
    """Our ref in CISO Assistant's urn style: lower case, no spaces (``A.5.1`` -> ``a.5.1``)."""
    return _SPACES.sub("", ref.strip().lower())


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _shorten(text: str, limit: int = _TITLE_LENGTH) -> str:
    line = _one_line(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return cut + "\u2026"


def _line_of(node: Node) -> str:
    mark = node.start_mark
    return f" (line {mark.line + 1})" if mark is not None else ""


class _Reader:
    """Typed access to raw nodes; every problem names the file and the document path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, message: str, node: Node | None = None) -> ConversionError:
        return ConversionError(self.path, where, message + (_line_of(node) if node else ""))

    def mapping(self, node: Node | None, where: str) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(where, "expected a mapping", node)
        return {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}

    def sequence(self, node: Node | None, where: str) -> list[Node]:
        if node is None or (isinstance(node, ScalarNode) and self._null(node)):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(where, "expected a list", node)
        items: list[Node] = node.value
        return items

    @staticmethod
    def _null(node: ScalarNode) -> bool:
        return not node.style and node.value in _NULLS

    def text(self, fields: dict[str, Node], key: str, where: str) -> str | None:
        node = fields.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            raise self.fail(f"{where}.{key}", "expected text", node)
        if self._null(node):
            return None
        value: str = node.value
        return value.strip() or None

    def required(self, fields: dict[str, Node], key: str, where: str, owner: Node) -> str:
        value = self.text(fields, key, where)
        if value is None:
            raise self.fail(where, f"missing {key!r}", owner)
        return value

    def flag(self, fields: dict[str, Node], key: str, where: str) -> bool:
        node = fields.get(key)
        if node is None or (isinstance(node, ScalarNode) and self._null(node)):
            return False
        if isinstance(node, ScalarNode) and node.value in _TRUE:
            return True
        if isinstance(node, ScalarNode) and node.value in _FALSE:
            return False
        raise self.fail(f"{where}.{key}", "expected true or false", node)

    def integer(self, fields: dict[str, Node], key: str, where: str) -> int | None:
        value = self.text(fields, key, where)
        if value is None:
            return None
        if re.fullmatch(r"[-+]?\d+(\.0*)?", value):
            return int(float(value))
        raise self.fail(f"{where}.{key}", f"expected a whole number, not {value!r}", None)


@dataclass(slots=True)
class _Node:
    where: str
    urn: str
    ref_id: str | None
    parent_urn: str | None
    assessable: bool
    name: str | None
    description: str | None
    annotation: str | None
    depth: int | None
    node: Node


@dataclass(slots=True)
class _Library:
    """The library header: who made it, when, under which terms."""

    urn: str
    ref_id: str
    name: str
    version: str
    publication_date: str
    provider: str
    packager: str
    copyright: str

    def describe(self) -> str:
        parts = [f"CISO Assistant library {self.name} ({self.urn})"]
        if self.version:
            parts.append(f"version {self.version}")
        if self.publication_date:
            parts.append(f"published {self.publication_date}")
        if self.provider:
            parts.append(f"provider {self.provider}")
        if self.packager:
            parts.append(f"packaged by {self.packager}")
        return ", ".join(parts)


@dataclass(slots=True)
class _OwnFramework:
    """The framework in the file being read: matched to one of ours, or new."""

    urn: str
    id: str
    refs: dict[str, str]  # node urn -> our ref (where it has one)


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


def _compose(path: Path) -> Node | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConversionError(str(path), "", f"cannot read file: {error.strerror}") from error
    loader = _RawLoader(data)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConversionError(str(path), where, f"not valid YAML: {problem}") from error
    finally:
        loader.dispose()
    return root


def _library_header(reader: _Reader, fields: dict[str, Node]) -> _Library:
    def text(key: str) -> str:
        return reader.text(fields, key, "") or ""

    urn = text("urn")
    return _Library(
        urn=urn,
        ref_id=text("ref_id"),
        name=_one_line(text("name") or text("ref_id") or urn or "(unnamed)"),
        version=text("version"),
        publication_date=text("publication_date"),
        provider=text("provider"),
        packager=text("packager"),
        copyright=_one_line(text("copyright")),
    )


def _read_nodes(reader: _Reader, framework: dict[str, Node], where: str) -> list[_Node]:
    nodes: list[_Node] = []
    seen: dict[str, str] = {}
    list_where = f"{where}.requirement_nodes"
    for position, item in enumerate(reader.sequence(framework.get("requirement_nodes"), where)):
        node_where = f"{list_where}[{position}]"
        fields = reader.mapping(item, node_where)
        urn = reader.required(fields, "urn", node_where, item)
        if urn in seen:
            raise reader.fail(node_where, f"duplicate urn {urn!r} (first at {seen[urn]})", item)
        seen[urn] = node_where
        nodes.append(
            _Node(
                where=node_where,
                urn=urn,
                ref_id=reader.text(fields, "ref_id", node_where),
                parent_urn=reader.text(fields, "parent_urn", node_where),
                assessable=reader.flag(fields, "assessable", node_where),
                name=reader.text(fields, "name", node_where),
                description=reader.text(fields, "description", node_where),
                annotation=reader.text(fields, "annotation", node_where),
                depth=reader.integer(fields, "depth", node_where),
                node=item,
            )
        )
    if not nodes:
        raise reader.fail(list_where, "the framework has no requirement nodes")
    for node in nodes:
        if node.parent_urn is not None and node.parent_urn not in seen:
            raise reader.fail(
                node.where,
                f"parent_urn {node.parent_urn!r} names no requirement node in this file "
                f"(node {node.urn!r})",
                node.node,
            )
    return nodes


def _parents_first(reader: _Reader, nodes: list[_Node]) -> list[_Node]:
    """Document order, unless a child comes before its parent: then a depth-first walk."""
    placed: set[str] = set()
    in_order = True
    for node in nodes:
        if node.parent_urn is not None and node.parent_urn not in placed:
            in_order = False
            break
        placed.add(node.urn)
    if in_order:
        return nodes
    children: dict[str | None, list[_Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_urn, []).append(node)
    ordered: list[_Node] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.urn, [])))
    if len(ordered) != len(nodes):
        reached = {n.urn for n in ordered}
        stuck = next(n for n in nodes if n.urn not in reached)
        raise reader.fail(stuck.where, f"parent_urn chain of {stuck.urn!r} loops", stuck.node)
    return ordered


def _title(node: _Node, ref: str) -> str:
    if node.name:
        return _one_line(node.name)
    if node.description:
        return _shorten(node.description)
    return ref


def _new_framework(
    reader: _Reader,
    library: _Library,
    header: dict[str, Node],
    framework_urn: str,
    framework_id: str,
    nodes: list[_Node],
) -> tuple[Framework, dict[str, str], int]:
    """Every node becomes a requirement; returns the framework, urn -> ref, refs from urns."""
    refs: dict[str, str] = {}
    used: set[str] = set()
    from_urn = 0
    for node in nodes:
        ref = _one_line(node.ref_id) if node.ref_id else ""
        if not ref or ref in used:
            ref = urn_tail(node.urn)
            from_urn += 1
        if ref in used:
            raise reader.fail(node.where, f"duplicate ref {ref!r} (urn {node.urn!r})", node.node)
        used.add(ref)
        refs[node.urn] = ref
    requirements: list[Requirement] = []
    for node in _parents_first(reader, nodes):
        ref = refs[node.urn]
        attributes = {"urn": node.urn}
        if node.depth is not None:
            attributes["depth"] = str(node.depth)
        if node.annotation:
            attributes["annotation"] = node.annotation
        requirements.append(
            Requirement(
                framework=framework_id,
                ref=ref,
                title=_title(node, ref),
                kind="requirement" if node.assessable else "section",
                parent=refs[node.parent_urn] if node.parent_urn is not None else None,
                text=node.description,
                attributes=MappingProxyType(attributes),
            )
        )
    where = "objects.framework"
    name = reader.text(header, "name", where) or library.name
    framework = Framework(
        id=framework_id,
        name=_one_line(name),
        version=library.version or library.publication_date or "1",
        publisher=library.provider or library.packager or "unknown",
        source=f"{library.describe()}; framework {framework_urn}",
        notice=library.copyright
        or f"From the CISO Assistant library {library.urn}; check its licence before sharing.",
        description=_one_line(reader.text(header, "description", where) or ""),
        requirements=tuple(requirements),
    )
    return framework, refs, from_urn


def _match_framework(
    reader: _Reader, framework: Framework, nodes: list[_Node]
) -> tuple[dict[str, str], str]:
    """Check that every assessable node is a requirement we know; urn -> our ref."""
    index = RefIndex(framework)
    refs: dict[str, str] = {}
    unknown: list[_Node] = []
    assessable = 0
    for node in nodes:
        ours = index.exact(node.ref_id or urn_tail(node.urn))
        if ours is not None:
            refs[node.urn] = ours
        if node.assessable:
            assessable += 1
            if ours is None:
                unknown.append(node)
    if unknown:
        shown = ", ".join(repr(n.ref_id or n.urn) for n in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise reader.fail(
            unknown[0].where,
            f"{len(unknown)} of {assessable} assessable requirements are not in the loaded "
            f"{framework.id}: {shown}{more}. This looks like another version or edition; "
            "import it as a separate framework under a new id "
            "(crosswalk frameworks import FILE --id NEW)",
            unknown[0].node,
        )
    return (
        refs,
        f"matched the loaded {framework.id}: {assessable} assessable requirements, all known",
    )


def _framework_id_for(
    urn: str, own: _OwnFramework | None, frameworks: MappingOf[str, Framework]
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
    reader: _Reader
    library: _Library
    frameworks: MappingOf[str, Framework]
    own: _OwnFramework | None
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

    reader: _Reader
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
                note=_one_line(annotation) if annotation else self.generic_note,
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
        title=_one_line(reader.text(fields, "name", where) or set_ref),
        description=_one_line(reader.text(fields, "description", where) or ""),
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
    reader = _Reader(str(path))
    root = _compose(path)
    document = reader.mapping(root, "")
    library = _library_header(reader, document)
    objects = reader.mapping(document.get("objects"), "objects")
    imported = Imported(source=str(path))
    own: _OwnFramework | None = None
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
        nodes = _read_nodes(reader, header, where)
        if framework_id is None and library_id in frameworks:
            refs, note = _match_framework(reader, frameworks[library_id], nodes)
            imported.notes.append(note)
            own = _OwnFramework(urn, library_id, refs)
        else:
            new_id = framework_id or library_id
            if not _IDENTIFIER.match(new_id):
                raise reader.fail(
                    f"{where}.urn", f"cannot make a framework id from {urn!r}", framework_node
                )
            framework, refs, from_urn = _new_framework(reader, library, header, urn, new_id, nodes)
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
            own = _OwnFramework(urn, new_id, refs)
    known: dict[str, Framework] = dict(frameworks)
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
    return int(head) if head.isdigit() and int(head) > 0 else 1


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
        f"# Source: {_one_line(provenance.source)}",
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
