"""OSCAL catalogs in; profiles and catalog export re-exported from their own modules.

Reading: an OSCAL catalog (e.g. NIST SP 800-53 rev5, OSCAL 1.0 to 1.2) becomes one
framework whose refs are the OSCAL ids: groups are kind ``group``, controls ``control``
and controls nested in a control ``enhancement`` (parent = that control). The statement
prose is flattened into ``text`` with its item labels and parameters rendered the way
NIST prints them (``[Assignment: ...]``, ``[Selection (one or more): ...]``). Withdrawn
controls stay, marked ``withdrawn: true``. A parameter's value, once set (a resolved
profile's ``values``), is printed in place of its label, and its constraints after it; a
control's parameters that carry a value or a constraint are kept as ``param.ID``
attributes (``show`` lists them). Props of the Crosswalk namespace (written by
``oscal_catalog_writer``) restore what OSCAL has no field for, so an export reads back
as the framework that was written.

Profiles are resolved in ``oscal_profile`` and catalogs written in
``oscal_catalog_writer``; ``read_oscal_profile`` and ``write_oscal_catalog`` are
importable from here too, as they always were.

Only parsing lives here; ``crosswalk.services.mapping.formats`` checks and installs the result.
Plain ``json`` and dicts throughout: the 3 MB SP 800-53 catalog reads in tens of ms.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError, Imported
from crosswalk.io.oscal_catalog_writer import write_oscal_catalog
from crosswalk.io.oscal_document import (
    CROSSWALK_NS,
    check_framework_id,
    kind_of,
    list_at,
    load_json,
    notice_of,
    one_line,
    publisher_of,
    read_metadata,
    required_text,
    slug,
    source_of,
)
from crosswalk.io.oscal_kept import kept_attributes, resources_of
from crosswalk.io.oscal_kept import prose as kept_prose
from crosswalk.io.oscal_profile import derive_profile_id, read_oscal_profile

__all__ = [
    "CROSSWALK_NS",
    "derive_framework_id",
    "derive_profile_id",
    "read_oscal_catalog",
    "read_oscal_profile",
    "write_oscal_catalog",
]

_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")


# ---------------------------------------------------------------------------- helpers


def _props(node: dict[str, Any]) -> list[dict[str, Any]]:
    props = node.get("props")
    if not isinstance(props, list):
        return []
    return [p for p in props if isinstance(p, dict)]


def _label(node: dict[str, Any]) -> str | None:
    for prop in _props(node):
        if prop.get("name") == "label" and not prop.get("ns"):
            value = prop.get("value")
            return str(value) if value is not None else None
    return None


def derive_framework_id(title: str, version: str = "") -> str:
    """``NIST Special Publication 800-53 Revision 5: ...`` -> ``nist-sp-800-53-rev5``.

    The title up to its first colon, with the usual abbreviations; the version is added
    only when the title does not already carry one.
    """
    short = title.split(":", 1)[0]
    short = re.sub(r"\bSpecial\s+Publication\b", "SP", short, flags=re.IGNORECASE)
    short = re.sub(r"\bRev(?:ision|\.)?\s*(\d)", r"rev\1", short, flags=re.IGNORECASE)
    short = re.sub(r"\bVersion\s*(\d)", r"v\1", short, flags=re.IGNORECASE)
    value = slug(short)
    if version and not re.search(r"(?:^|-)(?:rev|v)\d|\d\.\d", value):
        value = f"{value}-{slug(version)}".strip("-")
    return value if value and value[0].isalnum() else f"oscal-{value}".strip("-")


def _crosswalk_props(node: dict[str, Any]) -> dict[str, str]:
    return {
        str(p.get("name")): str(p.get("value"))
        for p in _props(node)
        if p.get("ns") == CROSSWALK_NS and p.get("value") is not None
    }


# ---------------------------------------------------------------------------- catalog


class _CatalogReader:
    """One pass over the document; errors name the JSON path of the node at fault."""

    def __init__(self, path: Path, document: Any, framework_id: str | None) -> None:
        self.path = path
        self.name = str(path)
        self.document = document
        self.framework_id = framework_id or ""
        self.rows: list[tuple[str, str, str, str | None, str | None, bool, dict[str, str]]] = []
        self.where: dict[str, str] = {}
        self.group_refs: set[str] = set()
        self.params: dict[str, dict[str, Any]] = {}
        self.all_params: dict[str, dict[str, Any]] | None = None
        self.notes: list[str] = []
        self.merged: list[str] = []
        self.unnamed = 0
        self.resources: dict[str, dict[str, Any]] = {}

    def fail(self, where: str, message: str) -> ConversionError:
        return ConversionError(self.name, where, message)

    # -- parameters and statements

    def _register_params(self, node: dict[str, Any]) -> None:
        params = node.get("params")
        if isinstance(params, list):
            for param in params:
                if isinstance(param, dict) and isinstance(param.get("id"), str):
                    self.params[param["id"]] = param

    def _find_param(self, param_id: str) -> dict[str, Any] | None:
        found = self.params.get(param_id)
        if found is not None:
            return found
        if self.all_params is None:  # a forward reference: index the whole document once
            self.all_params = {}
            stack: list[Any] = [self.document]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    for param in node.get("params") or ():
                        if isinstance(param, dict) and isinstance(param.get("id"), str):
                            self.all_params[param["id"]] = param
                    stack.extend(v for v in node.values() if isinstance(v, list | dict))
                elif isinstance(node, list):
                    stack.extend(v for v in node if isinstance(v, list | dict))
        return self.all_params.get(param_id)

    def _render(self, text: str, depth: int = 0) -> str:
        if "{{" not in text or depth > 5:
            return text
        return _INSERT.sub(lambda match: self._param(match.group(1), depth), text)

    def _param(self, param_id: str, depth: int) -> str:
        """A parameter as NIST prints it: its value once set (a profile's ``values``), else
        ``[Selection: ...]`` or ``[Assignment: label]``, with any constraint a profile gave."""
        param = self._find_param(param_id)
        if param is None:
            return f"[Assignment: {param_id}]"
        values = param.get("values")
        if isinstance(values, list) and values:
            return ", ".join(self._render(str(v), depth + 1) for v in values)
        constraints = _constraints(param)
        suffix = f" ({'; '.join(constraints)})" if constraints else ""
        select = param.get("select")
        if isinstance(select, dict):
            choices = [self._render(str(c), depth + 1) for c in select.get("choice") or ()]
            how_many = select.get("how-many")
            qualifier = f" ({str(how_many).replace('-', ' ')})" if how_many else ""
            return f"[Selection{qualifier}: {'; '.join(choices)}{suffix}]"
        if isinstance(param.get("label"), str):
            return f"[Assignment: {self._render(param['label'], depth + 1)}{suffix}]"
        return f"[Assignment: {param_id}{suffix}]"

    def _parameters(self, node: dict[str, Any]) -> dict[str, str]:
        """``param.ID`` attributes for the parameters that carry a value or a constraint (what
        a profile sets), so ``show`` lists them: ``label = value (constraint)``."""
        found: dict[str, str] = {}
        for param in node.get("params") or ():
            if not isinstance(param, dict) or not isinstance(param.get("id"), str):
                continue
            values = [one_line(str(v)) for v in param.get("values") or ()]
            constraints = _constraints(param)
            if not values and not constraints:
                continue
            select = param.get("select")
            if isinstance(param.get("label"), str):
                named = one_line(self._render(param["label"], 1))
            elif isinstance(select, dict):
                named = "Selection: " + "; ".join(
                    one_line(self._render(str(c), 1)) for c in select.get("choice") or ()
                )
            else:
                named = param["id"]
            text = named + (f" = {', '.join(values)}" if values else "")
            if constraints:
                text += f" (constraint: {'; '.join(constraints)})"
            found[f"param.{param['id']}"] = text
        return found

    def _statement(self, node: dict[str, Any]) -> str | None:
        parts = node.get("parts")
        if not isinstance(parts, list):
            return None
        pieces: list[str] = []
        for part in parts:
            if isinstance(part, dict) and part.get("name") == "statement":
                _flatten(part, pieces)
        if not pieces:
            return None
        return kept_prose(self._render(" ".join(pieces))) or None

    # -- the tree

    def _add(
        self,
        where: str,
        ref: str,
        kind: str,
        title: str,
        parent: str | None,
        text: str | None,
        mandatory: bool,
        attributes: dict[str, str],
    ) -> None:
        if ref in self.where:
            raise self.fail(where, f"duplicate id {ref!r} (first at {self.where[ref]})")
        self.where[ref] = where
        self.rows.append((ref, kind, title, parent, text, mandatory, attributes))

    def _attributes(
        self, node: dict[str, Any], ours: dict[str, str], ref: str
    ) -> tuple[dict[str, str], bool]:
        attributes: dict[str, str] = {}
        withdrawn = False
        for prop in _props(node):
            if prop.get("ns"):
                continue
            name = prop.get("name")
            value = prop.get("value")
            if value is None:
                continue
            if name == "label":
                attributes["label"] = str(value)
            elif name == "sort-id":
                attributes["sort_id"] = str(value)
            elif name == "status" and str(value).lower() == "withdrawn":
                withdrawn = True
        if ours and attributes.get("label") == ref:
            del attributes["label"]  # written by us from the ref itself
        for name, value in ours.items():
            if name not in ("ref", "kind", "mandatory"):
                attributes[name] = value
        return attributes, withdrawn

    def groups(self, groups: list[Any], where: str, parent: str | None) -> None:
        for position, group in enumerate(groups):
            here = f"{where}[{position}]"
            if not isinstance(group, dict):
                raise self.fail(here, f"expected a group (an object), got {kind_of(group)}")
            ours = _crosswalk_props(group)
            group_id = group.get("id")
            if group_id is not None and (not isinstance(group_id, str) or not group_id.strip()):
                raise self.fail(here, "group 'id' must be a non-empty string")
            ref = ours.get("ref") or group_id or _label(group) or _position_ref(here)
            title = required_text(self.path, group, "title", here, "group", ref)
            self._register_params(group)
            if ref in self.where and ref in self.group_refs and not ours:
                self.merged.append(f"{here} (id {ref!r})")  # the same group again: merge
            else:
                attributes, withdrawn = self._attributes(group, ours, ref)
                attributes.update(kept_attributes(group, self.resources))
                text = self._statement(group)
                if withdrawn or "[Withdrawn" in title or _withdrawn_text(text):
                    attributes["withdrawn"] = "true"
                if not ours and isinstance(group.get("class"), str):
                    attributes["class"] = group["class"]
                kind = ours.get("kind", "group")
                mandatory = ours.get("mandatory") == "true"
                self._add(here, ref, kind, title, parent, text, mandatory, attributes)
                self.group_refs.add(ref)
                if not (ours.get("ref") or group_id):
                    self.unnamed += 1
            self.controls(list_at(self.path, group, "controls", here), f"{here}.controls", ref, 0)
            self.groups(list_at(self.path, group, "groups", here), f"{here}.groups", ref)

    def controls(self, controls: list[Any], where: str, parent: str | None, depth: int) -> None:
        for position, control in enumerate(controls):
            here = f"{where}[{position}]"
            if not isinstance(control, dict):
                raise self.fail(here, f"expected a control (an object), got {kind_of(control)}")
            control_id = control.get("id")
            if not isinstance(control_id, str) or not control_id.strip():
                raise self.fail(here, "control has no 'id' (a non-empty string)")
            ours = _crosswalk_props(control)
            ref = ours.get("ref") or control_id
            title = required_text(self.path, control, "title", here, "control", ref)
            self._register_params(control)
            attributes, withdrawn = self._attributes(control, ours, ref)
            if not ours:
                attributes.update(self._parameters(control))
            attributes.update(kept_attributes(control, self.resources))
            text = self._statement(control)
            if withdrawn or "[Withdrawn" in title or _withdrawn_text(text):
                attributes["withdrawn"] = "true"
                attributes.update(_withdrawn_links(control))
            kind = ours.get("kind") or ("control" if depth == 0 else "enhancement")
            mandatory = ours.get("mandatory") == "true"
            self._add(here, ref, kind, title, parent, text, mandatory, attributes)
            nested = list_at(self.path, control, "controls", here)
            if nested:
                self.controls(nested, f"{here}.controls", ref, depth + 1)

    def read(self) -> Imported:
        document = self.document
        if not isinstance(document, dict):
            raise self.fail("", f"expected a JSON object with 'catalog', got {kind_of(document)}")
        catalog = document.get("catalog")
        if not isinstance(catalog, dict):
            hint = ""
            if "profile" in document:
                hint = "; this is an OSCAL profile, which needs the catalog it selects from"
            elif "mapping-collection" in document:
                hint = "; this is an OSCAL mapping collection: import it as mappings"
            raise self.fail("catalog", f"missing 'catalog' (an object): not an OSCAL catalog{hint}")
        metadata = read_metadata(self.path, catalog, "catalog")
        title = one_line(str(metadata["title"]))
        ours = _crosswalk_props(metadata)
        version = (
            str(metadata.get("version") or "").strip()
            or str(metadata.get("last-modified") or "unversioned")[:10]
        )
        self._register_params(catalog)
        self.resources = resources_of(catalog)
        top_controls = list_at(self.path, catalog, "controls", "catalog")
        self.controls(top_controls, "catalog.controls", None, 0)
        self.groups(list_at(self.path, catalog, "groups", "catalog"), "catalog.groups", None)
        if not self.rows:
            raise self.fail("catalog", "the catalog has no groups and no controls")
        framework_id = (
            self.framework_id or ours.get("framework-id") or derive_framework_id(title, version)
        )
        check_framework_id(self.path, framework_id)
        publisher = publisher_of(metadata, title)
        framework = Framework(
            id=framework_id,
            name=title,
            version=version,
            publisher=publisher,
            source=ours.get("source") or source_of(self.path, metadata),
            notice=ours.get("notice") or notice_of(publisher, title),
            description=ours.get("description", ""),
            requirements=tuple(
                Requirement(
                    framework=framework_id,
                    ref=ref,
                    title=row_title,
                    kind=kind,
                    parent=parent,
                    text=text,
                    mandatory=mandatory,
                    attributes=MappingProxyType(attributes),
                )
                for ref, kind, row_title, parent, text, mandatory, attributes in self.rows
            ),
        )
        notes = list(self.notes)
        if self.merged:
            notes.append(
                f"{len(self.merged)} group(s) appear more than once and were merged into the "
                f"first: {', '.join(self.merged[:5])}"
            )
        if self.unnamed:
            notes.append(f"{self.unnamed} group(s) have no id; named by position (group-1, ...)")
        counts = framework.counts_by_kind()
        withdrawn = sum(1 for r in framework.requirements if r.attributes.get("withdrawn"))
        notes.append(
            f"read {', '.join(f'{n} {k}' for k, n in counts.items())} "
            f"({withdrawn} withdrawn, kept and marked) as {framework_id}"
        )
        return Imported(source=self.name, frameworks=[framework], notes=notes)


def _position_ref(where: str) -> str:
    """A ref for a group without id or label: its position, e.g. ``group-2.1``."""
    numbers = [str(int(n) + 1) for n in re.findall(r"\[(\d+)\]", where)]
    return "group-" + ".".join(numbers)


def _flatten(part: dict[str, Any], pieces: list[str]) -> None:
    label = _label(part)
    prose = part.get("prose")
    prose = kept_prose(prose) if isinstance(prose, str) else ""
    if label and prose:
        pieces.append(f"{label} {prose}")
    elif label or prose:
        pieces.append(label or prose)
    for sub in part.get("parts") or ():
        if isinstance(sub, dict):
            _flatten(sub, pieces)


def _constraints(param: dict[str, Any]) -> list[str]:
    return [
        one_line(str(c.get("description")))
        for c in param.get("constraints") or ()
        if isinstance(c, dict) and c.get("description")
    ]


def _withdrawn_links(control: dict[str, Any]) -> dict[str, str]:
    """Where a withdrawn control went: ``incorporated_into`` / ``moved_to`` target ids."""
    found: dict[str, list[str]] = {}
    for link in control.get("links") or ():
        if isinstance(link, dict) and link.get("rel") in ("incorporated-into", "moved-to"):
            key = str(link["rel"]).replace("-", "_")
            found.setdefault(key, []).append(str(link.get("href", "")).lstrip("#"))
    return {key: "; ".join(targets) for key, targets in found.items()}


def _withdrawn_text(text: str | None) -> bool:
    return text is not None and text.startswith("[Withdrawn")


def read_oscal_catalog(
    path: Path, framework_id: str | None = None, *, document: Any = None
) -> Imported:
    """An OSCAL catalog (JSON) as one framework: groups, controls, enhancements.

    ``document`` is the already parsed JSON, when the caller has it (saves a parse).
    """
    if framework_id is not None:
        check_framework_id(path, framework_id)
    data = load_json(path) if document is None else document
    return _CatalogReader(path, data, framework_id).read()
