"""The merge phase of profile resolution: combining what the imports took, and its structure.

``combine``: ``keep`` (the default) keeps controls that share an id, clashing; ``use-first``
keeps the first met in a depth-first walk of the imports and drops the others (their
nested controls that are new go under the one kept); ``merge``, deprecated and left
undefined by the specification, merges the clashing controls' contents into the first
(each distinct part, prop, param or link once) and says so in the notes.

Structure: ``flat`` (the default) puts every control directly under the catalog, without
groups and without nesting, with the loose parameters beside them; ``as-is`` reproduces
the source structure, the same group met through several imports (same id, or the same
group of the same catalog) merged into one, its contents in source order, a control whose
parent was left out up-levelled; ``custom`` builds the groups the profile declares and
inserts the controls its ``insert-controls`` select (by id, pattern or all, in the order
kept, ``ascending`` or ``descending`` by id). More than one structure is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_selection import (
    ORIGIN,
    Item,
    Selection,
    copy_json,
    keep_always,
    obj_at,
)

_TRUE = (True, "true", "1", "yes")


@dataclass
class _Merged:
    """A node of the merged tree."""

    kind: str
    data: dict[str, Any]
    origin: tuple[str, int]
    children: list[_Merged] = field(default_factory=list)
    groups: dict[tuple[str, str], _Merged] = field(default_factory=dict)

    def holds_controls(self) -> bool:
        """A group stays when it holds a control (a combine may have moved them all away)
        or says ``keep: always``."""
        return keep_always(self.data) or any(
            c.kind == "control" or c.holds_controls() for c in self.children
        )

    def emit(self, ranks: dict[str, int]) -> dict[str, Any]:
        found = dict(self.data)
        found[ORIGIN] = list(self.origin)
        ordered = sorted(self.children, key=lambda n: (ranks.get(n.origin[0], 0), n.origin[1]))
        controls = [c.emit(ranks) for c in ordered if c.kind == "control"]
        groups = [c.emit(ranks) for c in ordered if c.kind == "group" and c.holds_controls()]
        if controls:
            found["controls"] = controls
        if groups:
            found["groups"] = groups
        return found


def structure_of(merge: dict[str, Any], root: str) -> str:
    """``flat``, ``as-is`` or ``custom``; an error when the profile gives more than one."""
    given = [
        name
        for name, present in (
            ("flat", "flat" in merge and merge.get("flat") is not False),
            ("as-is", merge.get("as-is") in _TRUE),
            ("custom", isinstance(merge.get("custom"), dict)),
        )
        if present
    ]
    if len(given) > 1:
        raise ConversionError(
            root, "profile.merge", f"more than one structuring directive: {', '.join(given)}"
        )
    return given[0] if given else "flat"


class Merger:
    def __init__(self, method: str, notes: list[str]) -> None:
        self.method = method
        self.notes = notes
        self.by_id: dict[str, _Merged] = {}
        self.dropped = 0
        self.merged = 0
        self.ranks: dict[str, int] = {}

    # -- combine -------------------------------------------------------------------------

    def known(self, item: Item) -> _Merged | None:
        """The control already placed that ``item`` combines with (use-first, merge)."""
        if self.method == "keep" or not item.id:
            return None
        existing = self.by_id.get(item.id)
        if existing is None:
            return None
        if self.method == "merge":
            _merge_into(existing.data, item.data)
            self.merged += 1
        else:
            self.dropped += 1
        return existing

    def remember(self, item: Item) -> _Merged:
        node = _Merged("control", item.data, item.origin)
        if item.id:
            self.by_id.setdefault(item.id, node)
        return node

    def rank(self, origin: tuple[str, int]) -> None:
        self.ranks.setdefault(origin[0], len(self.ranks))

    # -- as-is ---------------------------------------------------------------------------

    def place(self, parent: _Merged, items: list[Item]) -> None:
        for item in items:
            self.rank(item.origin)
            if item.kind == "group":
                key = (
                    ("id", item.id) if item.id else ("origin", f"{item.origin[0]}#{item.origin[1]}")
                )
                node = parent.groups.get(key)
                if node is None:
                    node = _Merged("group", item.data, item.origin)
                    parent.groups[key] = node
                    parent.children.append(node)
                elif node.data is not item.data:
                    _merge_into(node.data, item.data)
                self.place(node, item.children)
                continue
            existing = self.known(item)
            if existing is not None:
                self.place(existing, item.children)
                continue
            node = self.remember(item)
            parent.children.append(node)
            self.place(node, item.children)

    # -- flat ----------------------------------------------------------------------------

    def flatten(
        self, items: list[Item], out: list[dict[str, Any]], loose: list[dict[str, Any]]
    ) -> None:
        for item in items:
            if item.kind == "group":
                loose.extend(item.data.get("params") or ())
                self.flatten(item.children, out, loose)
                continue
            existing = self.known(item)
            if existing is None:
                item.data[ORIGIN] = list(item.origin)
                out.append(self.remember(item).data)
            self.flatten(item.children, out, loose)

    def report(self, body: dict[str, Any]) -> None:
        if self.method == "keep":
            from crosswalk.io.oscal_modify import walk_controls

            seen: set[str] = set()
            repeated: list[str] = []
            for control in walk_controls(body):
                control_id = str(control.get("id"))
                if control_id in seen and control_id not in repeated:
                    repeated.append(control_id)
                seen.add(control_id)
            if repeated:
                shown = ", ".join(repeated[:8]) + (", ..." if len(repeated) > 8 else "")
                self.notes.append(
                    f"warning: combine keep (the default) keeps {len(repeated)} control id(s) "
                    f"more than once, which makes the catalog invalid: {shown}"
                )
        if self.dropped:
            self.notes.append(
                f"combine use-first: {self.dropped} control(s) met again under the same id "
                "were dropped (the first kept)"
            )
        if self.merged:
            self.notes.append(
                f"combine merge (deprecated; the specification leaves it undefined): "
                f"{self.merged} control(s) met again were merged into the first"
            )


def _merge_into(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """``extra``'s contents added to ``target``: each distinct list member once."""
    for key, value in extra.items():
        if key == ORIGIN:
            continue
        if key not in target:
            target[key] = copy_json(value)
        elif isinstance(value, list) and isinstance(target[key], list):
            for member in value:
                if member not in target[key]:
                    target[key].append(copy_json(member))


def _combine_params(params: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    if method == "keep":
        return params
    seen: dict[str, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    for param in params:
        param_id = str(param.get("id") or "")
        if param_id and param_id in seen:
            if method == "merge":
                _merge_into(seen[param_id], param)
            continue
        seen[param_id] = param
        kept.append(param)
    return kept


def merge(
    selections: list[Selection], directive: dict[str, Any], root: str, notes: list[str]
) -> dict[str, Any]:
    """The catalog body (``params``, ``controls``, ``groups``) the merge directive builds."""
    combine = obj_at(directive, "combine")
    method = str(combine.get("method") or "keep")
    if method not in ("keep", "use-first", "merge"):
        raise ConversionError(root, "profile.merge.combine.method", f"unknown method {method!r}")
    structure = structure_of(directive, root)
    merger = Merger(method, notes)
    loose = [p for s in selections for p in s.params]
    body: dict[str, Any] = {}
    if structure == "as-is":
        top = _Merged("group", {}, ("", 0))
        for selection in selections:
            merger.place(top, selection.items)
        emitted = top.emit(merger.ranks)
        body["controls"] = emitted.get("controls", [])
        body["groups"] = emitted.get("groups", [])
    elif structure == "flat":
        controls: list[dict[str, Any]] = []
        for selection in selections:
            merger.flatten(selection.items, controls, loose)
        body["controls"] = controls
    else:
        from crosswalk.io.oscal_custom import custom_structure

        body.update(custom_structure(selections, directive["custom"], merger, loose, notes))
    merger.report(body)
    body["params"] = _combine_params(loose, method)
    return {k: v for k, v in body.items() if v}
