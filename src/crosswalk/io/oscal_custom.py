"""``merge: custom``: the groups a profile declares, filled by its ``insert-controls``.

The controls the imports took (combined as the profile says) form one pool, in the order
of a depth-first walk of the imports. Each ``insert-controls`` selects from that pool with
the import phase's own directives (``include-all``, ``include-controls`` by id or pattern,
with child controls, ``exclude-controls``) and inserts the selected controls there, each
without its nested controls (a nested control appears where it is selected itself), in
the order of the pool (``keep``, the default) or sorted by id (``ascending``,
``descending``). A group declared with the id of a group the imports took gets that
group's title, parameters, props, links and parts, then its own. A selection that selects
nothing is ignored, with a note; controls selected nowhere are left out, with a count.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from crosswalk.io.oscal_selection import ORIGIN, Item, Selection, copy_json

if TYPE_CHECKING:
    from crosswalk.io.oscal_merge import Merger

_GROUP_FIELDS = ("params", "props", "links", "parts")


def _clauses(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [c for c in value or () if isinstance(c, dict)]


class _Pool:
    def __init__(self, selections: list[Selection], merger: Merger) -> None:
        self.controls: list[dict[str, Any]] = []
        self.children: dict[int, list[int]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.group_params: list[dict[str, Any]] = []
        for selection in selections:
            self._walk(selection.items, None, merger)

    def _walk(self, items: list[Item], parent: int | None, merger: Merger) -> None:
        for item in items:
            if item.kind == "group":
                if item.id and item.id not in self.groups:
                    self.groups[item.id] = item.data
                else:
                    self.group_params.extend(item.data.get("params") or ())
                self._walk(item.children, None, merger)
                continue
            if merger.known(item) is not None:
                self._walk(item.children, parent, merger)
                continue
            index = len(self.controls)
            merger.remember(item)
            item.data[ORIGIN] = list(item.origin)
            self.controls.append(item.data)
            if parent is not None:
                self.children.setdefault(parent, []).append(index)
            self._walk(item.children, index, merger)

    def descendants(self, index: int) -> list[int]:
        found: list[int] = []
        for child in self.children.get(index, []):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def match(self, clause: dict[str, Any]) -> list[int]:
        ids = {str(i) for i in clause.get("with-ids") or ()}
        patterns = [
            str(m.get("pattern"))
            for m in _clauses(clause.get("matching"))
            if isinstance(m.get("pattern"), str) and m.get("pattern")
        ]
        found = [
            index
            for index, control in enumerate(self.controls)
            if str(control.get("id")) in ids
            or any(fnmatchcase(str(control.get("id")), p) for p in patterns)
        ]
        if clause.get("with-child-controls") == "yes":
            found += [d for index in found for d in self.descendants(index)]
        return found

    def select(self, insert: dict[str, Any]) -> list[int]:
        chosen: set[int] = set()
        if "include-all" in insert:
            chosen = set(range(len(self.controls)))
        for clause in _clauses(insert.get("include-controls")):
            chosen.update(self.match(clause))
        for clause in _clauses(insert.get("exclude-controls")):
            chosen.difference_update(self.match(clause))
        order = str(insert.get("order") or "keep")
        indexes = sorted(chosen)
        if order in ("ascending", "descending"):
            indexes.sort(
                key=lambda i: str(self.controls[i].get("id")), reverse=order == "descending"
            )
        return indexes


def custom_structure(
    selections: list[Selection],
    custom: dict[str, Any],
    merger: Merger,
    loose: list[dict[str, Any]],
    notes: list[str],
) -> dict[str, Any]:
    pool = _Pool(selections, merger)
    used: set[int] = set()
    ignored = 0

    def inserted(holder: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal ignored
        found: list[dict[str, Any]] = []
        for insert in _clauses(holder.get("insert-controls")):
            indexes = pool.select(insert)
            if not indexes:
                ignored += 1
            for index in indexes:
                used.add(index)
                found.append(copy_json(pool.controls[index]))
        return found

    def group(declared: dict[str, Any]) -> dict[str, Any]:
        built: dict[str, Any] = {
            k: copy_json(v)
            for k, v in declared.items()
            if k not in ("insert-controls", "groups", "controls")
        }
        taken = pool.groups.get(str(declared.get("id") or ""))
        if taken is not None:
            built.setdefault("title", taken.get("title"))
            for key in _GROUP_FIELDS:
                combined = [copy_json(v) for v in taken.get(key) or ()]
                combined += [v for v in built.get(key) or () if v not in combined]
                if combined:
                    built[key] = combined
        controls = inserted(declared)
        groups = [group(g) for g in _clauses(declared.get("groups"))]
        if controls:
            built["controls"] = controls
        if groups:
            built["groups"] = groups
        return built

    body: dict[str, Any] = {"controls": inserted(custom)}
    body["groups"] = [group(g) for g in _clauses(custom.get("groups"))]
    matched = {str(g.get("id")) for g in _clauses(custom.get("groups"))}
    loose.extend(pool.group_params)
    for group_id, data in pool.groups.items():
        if group_id not in matched:
            loose.extend(data.get("params") or ())
    if ignored:
        notes.append(f"merge custom: {ignored} insert-controls selected nothing and were ignored")
    left = len(pool.controls) - len(used)
    if left:
        notes.append(f"merge custom: {left} control(s) the imports took are inserted nowhere")
    return body
