"""CISO Assistant libraries (YAML): frameworks and requirement mapping sets, in and out.

A library file holds ``objects.framework`` (requirement nodes linked by ``parent_urn``)
and/or ``objects.requirement_mapping_sets``. Reading turns them into our frameworks and
mapping sets:

- a framework we already have (same id, from the framework urn) is not imported again:
  every assessable node must name a ref we know, and a note says so; pass
  ``framework_id`` to import it beside ours as a separate framework instead;
- mapping sets must point at frameworks we know (or the one in the same file), and each
  requirement urn must resolve to one of our refs, or nothing is imported.

The YAML itself is read in ``ciso_library``, the framework nodes in ``ciso_framework``
(matched to ours in ``ciso_matching``) and the mapping sets in ``ciso_mapping_sets``; this
module ties the parts of a file together in ``read_library``. ``ciso_writer`` writes our
mapping sets as mapping libraries.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping as MappingOf
from pathlib import Path

from yaml.nodes import MappingNode, Node

from crosswalk.domain.requirements import Framework
from crosswalk.io.ciso_framework import OwnFramework, match_framework, new_framework, read_nodes
from crosswalk.io.ciso_library import (
    LibraryHeader,
    NodeReader,
    compose,
    read_library_header,
    slug,
    urn_ref,
    urn_tail,
)
from crosswalk.io.ciso_mapping_sets import (
    IDENTIFIER,
    RELATIONSHIPS,
    WORDS,
    SetContext,
    read_mapping_set,
)
from crosswalk.io.ciso_matching import equivalent_id
from crosswalk.io.converted import Imported


def _read_own_framework(
    reader: NodeReader,
    library: LibraryHeader,
    framework_node: Node | None,
    frameworks: MappingOf[str, Framework],
    framework_id: str | None,
    imported: Imported,
) -> OwnFramework | None:
    """The file's framework: matched to one of ours (or its equivalent), or a new one."""
    if framework_node is None:
        return None
    where = "objects.framework"
    header = reader.mapping(framework_node, where)
    urn = reader.required(header, "urn", where, framework_node)
    library_id = slug(urn_tail(urn)) or slug(reader.text(header, "ref_id", where) or "")
    nodes = read_nodes(reader, header, where)
    ours = equivalent_id(library_id, frameworks) if framework_id is None else None
    if ours is not None:
        match, note = match_framework(reader, frameworks[ours], nodes)
        imported.notes.append(
            note if ours == library_id else f"{urn}: the same work as {ours}; {note}"
        )
        exact: dict[str, str] = {}
        for node in nodes:  # the node that is our requirement, not a part of it
            ref = match.refs.get(node.urn)
            if ref is not None and node.urn not in match.rolled:
                exact.setdefault(ref, node.urn)
        imported.urns[ours] = exact
        return OwnFramework(urn, ours, match.refs, match.rolled, {n.urn for n in nodes})
    new_id = framework_id or library_id
    if not IDENTIFIER.match(new_id):
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
    return OwnFramework(urn, new_id, refs)


_SET_KEYS = ("requirement_mapping_sets", "requirement_mapping_set")  # the older, singular


def read_library(
    path: Path | str,
    frameworks: MappingOf[str, Framework],
    framework_id: str | None = None,
    *,
    set_id: str | None = None,
    skip_unknown_refs: bool = False,
) -> Imported:
    """Read a CISO Assistant library YAML file: its framework and its mapping sets.

    ``frameworks`` are those already loaded. ``framework_id`` imports the file's framework
    under that new id even when we already have it (or its equivalent). ``set_id`` names
    the file's one mapping set; ``skip_unknown_refs`` leaves out (and counts) edges to
    requirements we do not have instead of refusing the file.
    """
    path = Path(path)
    reader = NodeReader(str(path))
    root = compose(path)
    document = reader.mapping(root, "")
    library = read_library_header(reader, document)
    objects = reader.mapping(document.get("objects"), "objects")
    imported = Imported(source=str(path))
    for given in (framework_id, set_id):
        if given is not None and not IDENTIFIER.match(given):
            raise reader.fail("", f"--id {given!r}: use lower-case letters, digits, '.' and '-'")
    framework_node = objects.get("framework")
    own = _read_own_framework(reader, library, framework_node, frameworks, framework_id, imported)
    # Over the loaded ones, read as needed: a workspace's sixty frameworks are not all loaded.
    known: ChainMap[str, Framework] = ChainMap({}, frameworks)  # type: ignore[arg-type]
    for framework in imported.frameworks:
        known[framework.id] = framework
    context = SetContext(reader, library, known, own, {}, skip_unknown_refs)
    set_ids: dict[str, str] = {}
    sets_key = next((k for k in _SET_KEYS if k in objects), _SET_KEYS[0])
    sets_node = objects.get(sets_key)
    items: list[tuple[int, Node]]
    if sets_key == "requirement_mapping_set" and isinstance(sets_node, MappingNode):
        items = [(0, sets_node)]  # the older form: one set, not a list
    else:
        items = list(enumerate(reader.sequence(sets_node, f"objects.{sets_key}")))
    if set_id is not None and len(items) > 1:
        raise reader.fail(
            f"objects.{sets_key}",
            f"--id {set_id!r} names one mapping set; the file has {len(items)}",
        )
    for position, item in items:
        where = f"objects.{sets_key}[{position}]"
        mapping_set, notes = read_mapping_set(context, item, where, set_id)
        if mapping_set.id in set_ids:
            raise reader.fail(
                where, f"set id {mapping_set.id!r} again (first at {set_ids[mapping_set.id]})"
            )
        set_ids[mapping_set.id] = where
        imported.mapping_sets.append(mapping_set)
        imported.notes.extend(notes)
    if framework_node is None and not imported.mapping_sets:
        present = ", ".join(sorted(str(k) for k in objects)) or "nothing"
        raise reader.fail(
            "objects",
            f"no framework and no requirement_mapping_sets (it holds {present}): nothing to "
            "import; reference controls, threats and risk matrices are not imported (see the "
            "README)",
        )
    return imported


__all__ = [
    "RELATIONSHIPS",
    "WORDS",
    "read_library",
    "slug",
    "urn_ref",
    "urn_tail",
]
