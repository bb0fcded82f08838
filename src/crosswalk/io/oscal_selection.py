"""The import phase of profile resolution: which controls one ``import`` takes.

Selection follows the draft specification (``profile-resolution-specml.xml``):

- ``include-all`` takes every control, nested ones too; ``include-controls`` takes the
  controls whose ``id`` is one of ``with-ids`` (exactly: case counts, labels and groups are
  not ids) or matches a ``matching`` glob pattern (``*``, ``?``, ``[...]``) over control ids;
  a ``matching`` without a pattern, or with an empty one, matches nothing;
- ``with-child-controls: yes`` adds every descendant control; ``no`` or nothing, none;
- a control taken brings its ancestor controls (NIST's ``with-parent-controls: no``,
  from its test suite, turns that off for its clause);
- ``exclude-controls`` works the same way and wins over any inclusion; a control whose
  parent is excluded is "up-levelled" to the nearest ancestor that stays;
- groups are kept when they hold a control taken (or say ``keep: always``); the
  catalog's own parameters are loose parameters, and so are the parameters of controls
  left out (a control taken may insert them), all pruned later if nothing refers to them.

The result is a tree of ``Item`` (copies: the source document is never changed), each
with an origin (the catalog and the position it came from), which ``oscal_merge`` uses
to merge the same group met through several imports and to keep the source order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

ORIGIN = "_crosswalk_origin"
"""Private key carrying a node's origin through chained resolution; never written out."""
CONTEXT = "_crosswalk_context"
"""Private key marking a control taken only as the ancestor of one selected; never written."""


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), much faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def obj_at(holder: dict[str, Any], key: str) -> dict[str, Any]:
    """``holder[key]`` when it is an object, else an empty one."""
    value = holder.get(key)
    return value if isinstance(value, dict) else {}


def keep_always(node: dict[str, Any]) -> bool:
    return any(
        isinstance(p, dict) and p.get("name") == "keep" and p.get("value") == "always"
        for p in node.get("props") or ()
    )


@dataclass
class Item:
    """A group or control taken by an import, with what it holds."""

    kind: str  # "group" | "control"
    data: dict[str, Any]  # the object without its nested "controls" and "groups"
    children: list[Item]
    origin: tuple[str, int]

    @property
    def id(self) -> str:
        return str(self.data.get("id") or "")


@dataclass
class Selection:
    """What one import takes from one catalog."""

    source: str  # as messages name it
    items: list[Item]
    params: list[dict[str, Any]]  # loose: the catalog's own, then those of controls left out
    resources: list[dict[str, Any]]
    metadata: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class _Node:
    kind: str
    obj: dict[str, Any]
    children: list[int]
    parent_control: int | None
    origin: tuple[str, int]


class _Tree:
    """The catalog as a flat list of nodes in document order."""

    def __init__(self, catalog: dict[str, Any], key: str) -> None:
        self.key = key
        self.nodes: list[_Node] = []
        self.roots = self._walk(catalog, None)
        self.by_id: dict[str, list[int]] = {}
        for index, node in enumerate(self.nodes):
            if node.kind == "control":
                self.by_id.setdefault(str(node.obj.get("id") or ""), []).append(index)

    def _walk(self, holder: dict[str, Any], parent_control: int | None) -> list[int]:
        found: list[int] = []
        for kind, key in (("control", "controls"), ("group", "groups")):
            for obj in holder.get(key) or ():
                if not isinstance(obj, dict):
                    continue
                index = len(self.nodes)
                origin = obj.get(ORIGIN)
                node = _Node(
                    kind,
                    obj,
                    [],
                    parent_control,
                    (str(origin[0]), int(origin[1]))
                    if isinstance(origin, list | tuple) and len(origin) == 2
                    else (self.key, index),
                )
                self.nodes.append(node)
                found.append(index)
                node.children = self._walk(obj, index if kind == "control" else None)
        return found

    def descendants(self, index: int) -> list[int]:
        found: list[int] = []
        stack = list(reversed(self.nodes[index].children))
        while stack:
            current = stack.pop()
            if self.nodes[current].kind == "control":
                found.append(current)
            stack.extend(reversed(self.nodes[current].children))
        return found

    def ancestors(self, index: int) -> list[int]:
        found: list[int] = []
        current = self.nodes[index].parent_control
        while current is not None:
            found.append(current)
            current = self.nodes[current].parent_control
        return found


def _clauses(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [c for c in value or () if isinstance(c, dict)]


class _Selector:
    def __init__(self, tree: _Tree, source: str) -> None:
        self.tree = tree
        self.source = source
        self.unknown: list[str] = []
        self.empty_patterns = 0
        self.unmatched_patterns: list[str] = []
        self.explicit: set[int] = set()

    def match(self, clause: dict[str, Any], counting: bool) -> set[int]:
        found: set[int] = set()
        for control_id in clause.get("with-ids") or ():
            hits = self.tree.by_id.get(str(control_id))
            if hits:
                found.update(hits)
            elif counting:
                self.unknown.append(str(control_id))
        for matching in _clauses(clause.get("matching")):
            pattern = matching.get("pattern")
            if not isinstance(pattern, str) or not pattern:
                self.empty_patterns += counting
                continue
            hits = [
                i for cid, ids in self.tree.by_id.items() if fnmatchcase(cid, pattern) for i in ids
            ]
            if not hits and counting:
                self.unmatched_patterns.append(pattern)
            found.update(hits)
        if clause.get("with-child-controls") == "yes":
            for index in list(found):
                found.update(self.tree.descendants(index))
        return found

    def select(self, directive: dict[str, Any]) -> set[int]:
        tree = self.tree
        included: set[int] = set()
        with_parents: set[int] = set()
        if "include-all" in directive:
            included = {i for i, n in enumerate(tree.nodes) if n.kind == "control"}
        for clause in _clauses(directive.get("include-controls")):
            matched = self.match(clause, counting=True)
            included |= matched
            if clause.get("with-parent-controls") != "no":
                with_parents |= matched
        excluded: set[int] = set()
        for clause in _clauses(directive.get("exclude-controls")):
            excluded |= self.match(clause, counting=False)
        kept = included - excluded
        self.explicit = set(kept)
        for index in sorted(with_parents & kept):
            kept.update(a for a in tree.ancestors(index) if a not in excluded)
        return kept


def _without_children(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: copy_json(v) for k, v in obj.items() if k not in ("controls", "groups")}


def select(catalog: dict[str, Any], directive: dict[str, Any], key: str, source: str) -> Selection:
    """What ``directive`` (one ``import``) takes from ``catalog`` (a catalog object)."""
    tree = _Tree(catalog, key)
    selector = _Selector(tree, source)
    kept = selector.select(directive)
    orphans: list[dict[str, Any]] = []

    def build(index: int) -> list[Item]:
        node = tree.nodes[index]
        inner = [item for child in node.children for item in build(child)]
        if node.kind == "control":
            if index in kept:
                data = _without_children(node.obj)
                if index in selector.explicit:
                    data.pop(CONTEXT, None)
                else:
                    data[CONTEXT] = True
                return [Item("control", data, inner, node.origin)]
            orphans.extend(
                copy_json(p) for p in node.obj.get("params") or () if isinstance(p, dict)
            )
            return inner
        if inner or keep_always(node.obj):
            return [Item("group", _without_children(node.obj), inner, node.origin)]
        return []

    items = [item for root in tree.roots for item in build(root)]
    loose = [copy_json(p) for p in catalog.get("params") or () if isinstance(p, dict)]
    resources = obj_at(catalog, "back-matter").get("resources") or []
    notes: list[str] = []
    if selector.unknown:
        shown = ", ".join(selector.unknown[:8]) + (", ..." if len(selector.unknown) > 8 else "")
        notes.append(
            f"{len(selector.unknown)} with-ids name no control of {source}, so select "
            f"nothing: {shown}"
        )
    if selector.empty_patterns:
        notes.append(
            f"{selector.empty_patterns} matching without a pattern in the import of {source}: "
            "it matches nothing (as the specification says)"
        )
    if selector.unmatched_patterns:
        notes.append(
            f"matching patterns that match no control of {source}: "
            + ", ".join(repr(p) for p in selector.unmatched_patterns)
        )
    return Selection(
        source=source,
        items=items,
        params=loose + orphans,
        resources=[copy_json(r) for r in resources if isinstance(r, dict)],
        metadata=obj_at(catalog, "metadata"),
        notes=notes,
    )


def count_controls(items: list[Item]) -> int:
    return sum((item.kind == "control") + count_controls(item.children) for item in items)
