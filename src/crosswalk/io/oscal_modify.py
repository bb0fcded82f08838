"""The modify phase of profile resolution: ``set-parameters`` and ``alters``.

``set-parameters``, in the order given (several for one parameter all apply): ``class``,
``depends-on``, ``label``, ``usage``, ``values`` and ``select`` replace the parameter's
own; ``constraints`` and ``guidelines`` are added to its own; ``props`` and ``links`` are
added, replacing one with the same ``uuid`` (a prop) or the same ``href`` and ``rel`` (a
link). A parameter that is not in the catalog is reported in the notes and skipped.

``alters`` (on every control with that id; an id not in the catalog is reported):
``removes`` first, then ``adds``. A remove takes out every object inside the control
(parameter, prop, link, part, at any depth of parts, nested controls excluded) that meets
all its criteria: ``by-id``, ``by-name``, ``by-class``, ``by-ns`` (the OSCAL namespace
also matches an object without ``ns``) and ``by-item-name`` (``param``, ``prop``, ``link``,
``part``, ``control``). An add without ``by-id`` applies to the control: its contents go
at the start (``starting``, ``before``) or the end (``ending``, ``after``, the default) of
the control's lists of the same kind. With ``by-id`` it applies to the object inside the
control with that id (a parameter, a part at any depth, a nested control): ``starting``
and ``ending`` put the contents inside it, ``before`` and ``after`` beside it (what is not
of its kind goes into the holder's list of that kind). A ``by-id`` that names no object
inside the control, or the control itself, makes the add inoperative, as the
specification says; the notes count them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crosswalk.io.oscal_selection import copy_json

OSCAL_NS = "http://csrc.nist.gov/ns/oscal"
_OVERWRITE = ("class", "depends-on", "label", "usage", "values", "select")
_APPEND = ("constraints", "guidelines")
_CONTENTS = ("params", "props", "links", "parts")
_ITEM_NAMES = {"params": "param", "props": "prop", "links": "link", "parts": "part"}


@dataclass
class ModifyReport:
    params_set: int = 0
    params_missing: list[str] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)  # those set-parameters
    alters: int = 0
    controls_missing: list[str] = field(default_factory=list)
    removed: int = 0
    adds: int = 0
    adds_inoperative: list[str] = field(default_factory=list)

    def notes(self, source: str) -> list[str]:
        found = []
        if self.params_set or self.params_missing:
            found.append(f"set-parameters applied to {self.params_set} parameter(s)")
        if self.params_missing:
            found.append(
                f"{len(self.params_missing)} set-parameter(s) name a parameter not in {source}, "
                f"skipped: {_few(self.params_missing)}"
            )
        if self.controls_missing:
            found.append(
                f"{len(self.controls_missing)} alter(s) name a control not in the resolved "
                f"catalog, skipped: {_few(self.controls_missing)}"
            )
        if self.alters:
            found.append(
                f"alters: {self.adds} add(s) applied, {self.removed} object(s) removed"
                + (
                    f"; {len(self.adds_inoperative)} add(s) inoperative (by-id names nothing "
                    f"inside the control, or the control itself): {_few(self.adds_inoperative)}"
                    if self.adds_inoperative
                    else ""
                )
            )
        return found


def _few(items: list[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (
        f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    )


def walk_controls(holder: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for control in holder.get("controls") or ():
        if isinstance(control, dict):
            yield control
            yield from walk_controls(control)
    for group in holder.get("groups") or ():
        if isinstance(group, dict):
            yield from walk_controls(group)


def walk_params(holder: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for param in holder.get("params") or ():
        if isinstance(param, dict):
            yield param
    for key in ("controls", "groups"):
        for child in holder.get(key) or ():
            if isinstance(child, dict):
                yield from walk_params(child)


def _set_parameter(param: dict[str, Any], setting: dict[str, Any]) -> None:
    for key in _OVERWRITE:
        if key in setting:
            param[key] = copy_json(setting[key])
            if key == "values":
                param.pop("select", None)
    for key in _APPEND:
        if setting.get(key):
            param.setdefault(key, []).extend(copy_json(setting[key]))
    for prop in setting.get("props") or ():
        props = param.setdefault("props", [])
        if prop.get("uuid"):
            props[:] = [p for p in props if p.get("uuid") != prop.get("uuid")]
        props.append(copy_json(prop))
    for link in setting.get("links") or ():
        links = param.setdefault("links", [])
        links[:] = [
            k for k in links if (k.get("href"), k.get("rel")) != (link.get("href"), link.get("rel"))
        ]
        links.append(copy_json(link))


def _matches(kind: str, obj: dict[str, Any], remove: dict[str, Any]) -> bool:
    checks = (
        ("by-id", obj.get("id")),
        ("by-name", obj.get("name")),
        ("by-class", obj.get("class")),
        ("by-ns", (obj.get("ns") or OSCAL_NS) if kind in ("prop", "part") else None),
        ("by-item-name", kind),
    )
    given = [(key, value) for key, value in checks if remove.get(key) is not None]
    return bool(given) and all(
        value is not None and str(remove[key]) == str(value) for key, value in given
    )


def _remove(holder: dict[str, Any], remove: dict[str, Any], top: bool) -> int:
    removed = 0
    keys = (*_CONTENTS, "controls") if top else _CONTENTS
    for key in keys:
        members = holder.get(key)
        if not isinstance(members, list):
            continue
        kind = _ITEM_NAMES.get(key, "control")
        kept = []
        for member in members:
            if isinstance(member, dict) and _matches(kind, member, remove):
                removed += 1
                continue
            kept.append(member)
            if isinstance(member, dict) and key != "controls":
                removed += _remove(member, remove, top=False)
        if len(kept) != len(members):
            if kept:
                holder[key] = kept
            else:
                del holder[key]
    return removed


def _find(holder: dict[str, Any], wanted: str) -> tuple[dict[str, Any], str, int] | None:
    """(the holder, the list key, the index) of the object with id ``wanted`` inside."""
    for key in ("params", "parts", "controls"):
        for index, member in enumerate(holder.get(key) or ()):
            if not isinstance(member, dict):
                continue
            if member.get("id") == wanted:
                return holder, key, index
            found = _find(member, wanted)
            if found is not None:
                return found
    return None


def _add_contents(target: dict[str, Any], add: dict[str, Any], at_start: bool) -> None:
    for key in _CONTENTS:
        new = [copy_json(v) for v in add.get(key) or ()]
        if new:
            current = target.get(key) or []
            target[key] = new + current if at_start else current + new
    if isinstance(add.get("title"), str):
        target["title"] = add["title"]


def _add(control: dict[str, Any], add: dict[str, Any]) -> bool:
    position = str(add.get("position") or "ending")
    by_id = add.get("by-id")
    if by_id is None:
        _add_contents(control, add, at_start=position in ("starting", "before"))
        return True
    found = _find(control, str(by_id))
    if found is None:
        return False
    holder, key, index = found
    target = holder[key][index]
    if position in ("starting", "ending"):
        _add_contents(target, add, at_start=position == "starting")
        return True
    for content in _CONTENTS:
        new = [copy_json(v) for v in add.get(content) or ()]
        if not new:
            continue
        if content == key:
            place = index if position == "before" else index + 1
            holder[key][place:place] = new
            index += len(new) if position == "before" else 0
        else:
            current = holder.get(content) or []
            holder[content] = new + current if position == "before" else current + new
    return True


def modify(body: dict[str, Any], directive: dict[str, Any], source: str) -> ModifyReport:
    """Apply ``directive`` (a profile's ``modify``) to the merged catalog ``body``."""
    report = ModifyReport()
    params: dict[str, list[dict[str, Any]]] = {}
    for param in walk_params(body):
        params.setdefault(str(param.get("id")), []).append(param)
    for setting in directive.get("set-parameters") or ():
        if not isinstance(setting, dict):
            continue
        targets = params.get(str(setting.get("param-id")), [])
        if not targets:
            report.params_missing.append(str(setting.get("param-id")))
            report.unmatched.append(setting)
        for param in targets:
            _set_parameter(param, setting)
        report.params_set += bool(targets)
    controls: dict[str, list[dict[str, Any]]] = {}
    for control in walk_controls(body):
        controls.setdefault(str(control.get("id")), []).append(control)
    for alter in directive.get("alters") or ():
        if not isinstance(alter, dict):
            continue
        report.alters += 1
        targets = controls.get(str(alter.get("control-id")), [])
        if not targets:
            report.controls_missing.append(str(alter.get("control-id")))
        for control in targets:
            for remove in alter.get("removes") or ():
                if isinstance(remove, dict):
                    report.removed += _remove(control, remove, top=True)
            for add in alter.get("adds") or ():
                if not isinstance(add, dict):
                    continue
                if add.get("by-id") == control.get("id") or not _add(control, add):
                    report.adds_inoperative.append(f"{control.get('id')}:{add.get('by-id')}")
                else:
                    report.adds += 1
    return report
