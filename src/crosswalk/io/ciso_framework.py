"""The framework in a CISO Assistant library: requirement nodes into one of our frameworks.

A framework we already have (same id, from the framework urn) is matched instead of
imported again: every assessable node must name a ref we know. Otherwise each node
becomes a requirement, parents first, with its urn kept so mappings can find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from yaml.nodes import Node

from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.ciso_library import LibraryHeader, NodeReader, one_line, urn_tail
from crosswalk.io.ciso_matching import NodeMatch, match_nodes, matched_note

_TITLE_LENGTH = 120


def _shorten(text: str, limit: int = _TITLE_LENGTH) -> str:
    line = one_line(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return cut + "\u2026"


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
class OwnFramework:
    """The framework in the file being read: matched to one of ours, or new."""

    urn: str
    id: str
    refs: dict[str, str]  # node urn -> our ref (where it has one)
    rolled: set[str] = field(default_factory=set)  # urns read as a part of their ref
    nodes: set[str] = field(default_factory=set)  # every node urn of a matched framework


def read_nodes(reader: NodeReader, framework: dict[str, Node], where: str) -> list[_Node]:
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


def _parents_first(reader: NodeReader, nodes: list[_Node]) -> list[_Node]:
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
        return one_line(node.name)
    if node.description:
        return _shorten(node.description)
    return ref


def new_framework(
    reader: NodeReader,
    library: LibraryHeader,
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
        ref = one_line(node.ref_id) if node.ref_id else ""
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
        name=one_line(name),
        version=library.version or library.publication_date or "1",
        publisher=library.provider or library.packager or "unknown",
        source=f"{library.describe()}; framework {framework_urn}",
        notice=library.copyright
        or f"From the CISO Assistant library {library.urn}; check its licence before sharing.",
        description=one_line(reader.text(header, "description", where) or ""),
        requirements=tuple(requirements),
    )
    return framework, refs, from_urn


def match_framework(
    reader: NodeReader, framework: Framework, nodes: list[_Node]
) -> tuple[NodeMatch, str]:
    """Read the nodes as requirements of ``framework`` (``ciso_matching``): refused when
    half of the assessable ones or more are not there, as another edition would be."""
    match = match_nodes(
        framework,
        (
            (n.urn, n.ref_id or urn_tail(n.urn), n.name, n.parent_urn, n.assessable)
            for n in _parents_first(reader, nodes)
        ),
    )
    if match.unmatched and match.matched_assessable * 2 <= match.assessable:
        unknown = [n for n in nodes if n.assessable and n.urn not in match.refs]
        shown = ", ".join(repr(n.ref_id or n.urn) for n in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise reader.fail(
            unknown[0].where,
            f"{len(unknown)} of {match.assessable} assessable requirements are not in the "
            f"loaded {framework.id}: {shown}{more}. This looks like another version or "
            "edition; import it as a separate framework under a new id "
            "(crosswalk frameworks import FILE --id NEW)",
            unknown[0].node,
        )
    if not match.unmatched and not match.rolled:
        return match, (
            f"matched the loaded {framework.id}: {match.assessable} assessable requirements, "
            "all known"
        )
    return match, matched_note(match)
