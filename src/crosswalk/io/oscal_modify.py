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

from crosswalk.io.oscal_budget import ResolutionBudget, json_size
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


_CRITERIA = (
    ("by-id", "id"),
    ("by-name", "name"),
    ("by-class", "class"),
    ("by-ns", "ns"),
    ("by-item-name", "item"),
)


def _criteria(remove: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, wanted) for each criterion a remove gives; none given removes nothing."""
    return [(name, str(remove[key])) for key, name in _CRITERIA if remove.get(key) is not None]


def _matches(kind: str, obj: dict[str, Any], criteria: list[tuple[str, str]]) -> bool:
    for name, wanted in criteria:
        if name == "item":
            value: Any = kind
        elif name == "ns":
            value = (obj.get("ns") or OSCAL_NS) if kind in ("prop", "part") else None
        else:
            value = obj.get(name)
        if value is None or str(value) != wanted:
            return False
    return True


def _remove(
    holder: dict[str, Any],
    criteria: list[tuple[str, str]],
    top: bool,
    budget: ResolutionBudget,
    where: str,
) -> int:
    removed = 0
    keys = (*_CONTENTS, "controls") if top else _CONTENTS
    for key in keys:
        members = holder.get(key)
        if not isinstance(members, list):
            continue
        budget.spend(len(members), where)
        kind = _ITEM_NAMES.get(key, "control")
        kept = []
        for member in members:
            if isinstance(member, dict) and _matches(kind, member, criteria):
                removed += 1
                continue
            kept.append(member)
            if isinstance(member, dict) and key != "controls":
                removed += _remove(member, criteria, False, budget, where)
        if len(kept) != len(members):
            if kept:
                holder[key] = kept
            else:
                del holder[key]
    return removed


def _find(
    holder: dict[str, Any], wanted: str, budget: ResolutionBudget, where: str
) -> tuple[dict[str, Any], str, int] | None:
    """(the holder, the list key, the index) of the object with id ``wanted`` inside."""
    for key in ("params", "parts", "controls"):
        members = holder.get(key) or ()
        budget.spend(len(members), where)
        for index, member in enumerate(members):
            if not isinstance(member, dict):
                continue
            if member.get("id") == wanted:
                return holder, key, index
            found = _find(member, wanted, budget, where)
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


def _add(
    control: dict[str, Any], add: dict[str, Any], budget: ResolutionBudget, where: str
) -> bool:
    position = str(add.get("position") or "ending")
    by_id = add.get("by-id")
    if by_id is None:
        _add_contents(control, add, at_start=position in ("starting", "before"))
        return True
    found = _find(control, str(by_id), budget, where)
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


def modify(
    body: dict[str, Any], directive: dict[str, Any], source: str, budget: ResolutionBudget
) -> ModifyReport:
    """Apply ``directive`` (a profile's ``modify``) to the merged catalog ``body``; what it
    copies in and looks through is paid from ``budget``."""
    report = ModifyReport()
    params: dict[str, list[dict[str, Any]]] = {}
    for param in walk_params(body):
        params.setdefault(str(param.get("id")), []).append(param)
    for position, setting in enumerate(directive.get("set-parameters") or ()):
        if not isinstance(setting, dict):
            continue
        targets = params.get(str(setting.get("param-id")), [])
        if not targets:
            report.params_missing.append(str(setting.get("param-id")))
            report.unmatched.append(setting)
        where = f"profile.modify.set-parameters[{position}]"
        budget.spend(len(targets) * json_size(setting), where)
        for param in targets:
            _set_parameter(param, setting)
        report.params_set += bool(targets)
    controls: dict[str, list[dict[str, Any]]] = {}
    for control in walk_controls(body):
        controls.setdefault(str(control.get("id")), []).append(control)
    for position, alter in enumerate(directive.get("alters") or ()):
        if not isinstance(alter, dict):
            continue
        report.alters += 1
        targets = controls.get(str(alter.get("control-id")), [])
        if not targets:
            report.controls_missing.append(str(alter.get("control-id")))
        where = f"profile.modify.alters[{position}]"
        removes = [
            criteria
            for remove in alter.get("removes") or ()
            if isinstance(remove, dict) and (criteria := _criteria(remove))
        ]
        for control in targets:
            for criteria in removes:
                report.removed += _remove(control, criteria, True, budget, where)
            for add in alter.get("adds") or ():
                if not isinstance(add, dict):
                    continue
                budget.spend(json_size(add), where)
                if add.get("by-id") == control.get("id") or not _add(control, add, budget, where):
                    report.adds_inoperative.append(f"{control.get('id')}:{add.get('by-id')}")
                else:
                    report.adds += 1
    return report
