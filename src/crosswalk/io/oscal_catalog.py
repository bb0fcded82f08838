"""OSCAL catalogs and profiles in, OSCAL catalogs out.

Reading: an OSCAL catalog (e.g. NIST SP 800-53 rev5, OSCAL 1.0 to 1.2) becomes one
framework whose refs are the OSCAL ids: groups are kind ``group``, controls ``control``
and controls nested in a control ``enhancement`` (parent = that control). The statement
prose is flattened into ``text`` with its item labels and parameters rendered the way
NIST prints them (``[Assignment: ...]``, ``[Selection (one or more): ...]``). Withdrawn
controls stay, marked ``withdrawn: true``. A profile is resolved against a framework
already read: the selected controls with every ancestor they need.

Writing: a framework becomes an OSCAL 1.1.2 catalog with a deterministic uuid, so an
export of the same framework is byte-for-byte stable. What OSCAL has no field for (our
ref when it is not a valid OSCAL id, the kind, attributes, the framework id, source and
notice) travels in props of the Crosswalk namespace, so reading an export back gives the
framework that was written.

Only parsing lives here; ``crosswalk.services.formats`` checks and installs the result.
Plain ``json`` and dicts throughout: the 3 MB SP 800-53 catalog reads in tens of ms.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError, Imported

OSCAL_VERSION = "1.1.2"
CROSSWALK_NS = "urn:crosswalk:oscal"
"""Namespace of the props Crosswalk writes (``ns`` of an OSCAL prop)."""
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CROSSWALK_NS)
CONTROL_KINDS = frozenset({"control", "enhancement"})

_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_.\-]+")
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_NIST = re.compile(r"\bNIST\b|National Institute of Standards")
# Words that say how a profile selects, not what it is: dropped from a derived id.
_PROFILE_FILLER = frozenset(
    {"impact", "baseline", "baselines", "profile", "overlay", "the", "of", "for", "and", "a"}
)
# Special attributes that map onto standard OSCAL props rather than Crosswalk ones.
_STANDARD_ATTRIBUTES = frozenset({"label", "sort_id", "withdrawn"})


# ---------------------------------------------------------------------------- helpers


def _load_json(path: Path) -> Any:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConversionError(name, "", f"cannot read file: {error.strerror}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConversionError(
            name, f"byte {error.start}", "not UTF-8 text (OSCAL JSON is UTF-8)"
        ) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip())
        hint = " (the file ends early: is it truncated?)" if truncated else ""
        raise ConversionError(
            name, f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}{hint}"
        ) from error


def slug(text: str) -> str:
    """Lower-case ``[a-z0-9.-]`` form of a title, for framework ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower())
    value = re.sub(r"-{2,}", "-", value)
    return value.strip("-.")


def _one_line(text: str) -> str:
    return " ".join(text.split())


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


def _required_text(
    path: Path, node: dict[str, Any], key: str, where: str, what: str, named: str = ""
) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        described = f"{what} {named!r}" if named else what
        raise ConversionError(str(path), where, f"{described} has no {key!r} (a non-empty string)")
    return " ".join(value.split())


def _list_at(path: Path, node: dict[str, Any], key: str, where: str) -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(str(path), f"{where}.{key}", f"expected a list, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _check_framework_id(path: Path, framework_id: str) -> str:
    if not _FRAMEWORK_ID.match(framework_id):
        raise ConversionError(
            str(path),
            "",
            f"framework id {framework_id!r} must be lower-case letters, digits, '.' and '-'",
        )
    return framework_id


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


def _metadata(path: Path, root: dict[str, Any], where: str) -> dict[str, Any]:
    metadata = root.get("metadata")
    if not isinstance(metadata, dict):
        raise ConversionError(str(path), f"{where}.metadata", "missing 'metadata' (an object)")
    _required_text(path, metadata, "title", f"{where}.metadata", "metadata")
    return metadata


def _crosswalk_props(node: dict[str, Any]) -> dict[str, str]:
    return {
        str(p.get("name")): str(p.get("value"))
        for p in _props(node)
        if p.get("ns") == CROSSWALK_NS and p.get("value") is not None
    }


def _publisher(metadata: dict[str, Any], title: str) -> str:
    """The publisher role's party; else NIST for NIST titles; else a lone creator/party."""
    parties = {
        p.get("uuid"): p.get("name")
        for p in metadata.get("parties") or []
        if isinstance(p, dict) and isinstance(p.get("name"), str) and p.get("name")
    }

    def named(role: str) -> str | None:
        names = [
            parties[party]
            for rp in metadata.get("responsible-parties") or []
            if isinstance(rp, dict) and rp.get("role-id") == role
            for party in rp.get("party-uuids") or []
            if party in parties
        ]
        return str(names[0]) if len(names) == 1 else None

    found = named("publisher")
    if found:
        return found
    if _NIST.search(title):
        return "NIST"
    found = named("creator")
    if found:
        return found
    if len(parties) == 1:
        return str(next(iter(parties.values())))
    return "not stated"


def _notice(publisher: str, title: str) -> str:
    if _NIST.search(title) or _NIST.search(publisher):
        return "Public domain, NIST"
    if publisher == "not stated":
        return "As published; the OSCAL metadata names no publisher"
    return f"As published by {publisher}"


def _source(path: Path, metadata: dict[str, Any]) -> str:
    details = [f"OSCAL {metadata.get('oscal-version') or 'version not stated'}"]
    if metadata.get("last-modified"):
        details.append(f"last modified {metadata['last-modified']}")
    return f"{path.name} ({', '.join(details)})"


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
        param = self._find_param(param_id)
        if param is None:
            return f"[Assignment: {param_id}]"
        select = param.get("select")
        if isinstance(select, dict):
            choices = [self._render(str(c), depth + 1) for c in select.get("choice") or ()]
            how_many = select.get("how-many")
            qualifier = f" ({str(how_many).replace('-', ' ')})" if how_many else ""
            return f"[Selection{qualifier}: {'; '.join(choices)}]"
        if isinstance(param.get("label"), str):
            return f"[Assignment: {self._render(param['label'], depth + 1)}]"
        values = param.get("values")
        if isinstance(values, list) and values:
            return ", ".join(str(v) for v in values)
        return f"[Assignment: {param_id}]"

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
        return self._render(" ".join(pieces)) or None

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
                raise self.fail(here, f"expected a group (an object), got {_kind(group)}")
            ours = _crosswalk_props(group)
            group_id = group.get("id")
            if group_id is not None and (not isinstance(group_id, str) or not group_id.strip()):
                raise self.fail(here, "group 'id' must be a non-empty string")
            ref = ours.get("ref") or group_id or _label(group) or _position_ref(here)
            title = _required_text(self.path, group, "title", here, "group", ref)
            self._register_params(group)
            if ref in self.where and ref in self.group_refs and not ours:
                self.merged.append(f"{here} (id {ref!r})")  # the same group again: merge
            else:
                attributes, withdrawn = self._attributes(group, ours, ref)
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
            self.controls(_list_at(self.path, group, "controls", here), f"{here}.controls", ref, 0)
            self.groups(_list_at(self.path, group, "groups", here), f"{here}.groups", ref)

    def controls(self, controls: list[Any], where: str, parent: str | None, depth: int) -> None:
        for position, control in enumerate(controls):
            here = f"{where}[{position}]"
            if not isinstance(control, dict):
                raise self.fail(here, f"expected a control (an object), got {_kind(control)}")
            control_id = control.get("id")
            if not isinstance(control_id, str) or not control_id.strip():
                raise self.fail(here, "control has no 'id' (a non-empty string)")
            ours = _crosswalk_props(control)
            ref = ours.get("ref") or control_id
            title = _required_text(self.path, control, "title", here, "control", ref)
            self._register_params(control)
            attributes, withdrawn = self._attributes(control, ours, ref)
            text = self._statement(control)
            if withdrawn or "[Withdrawn" in title or _withdrawn_text(text):
                attributes["withdrawn"] = "true"
                attributes.update(_withdrawn_links(control))
            kind = ours.get("kind") or ("control" if depth == 0 else "enhancement")
            mandatory = ours.get("mandatory") == "true"
            self._add(here, ref, kind, title, parent, text, mandatory, attributes)
            nested = _list_at(self.path, control, "controls", here)
            if nested:
                self.controls(nested, f"{here}.controls", ref, depth + 1)

    def read(self) -> Imported:
        document = self.document
        if not isinstance(document, dict):
            raise self.fail("", f"expected a JSON object with 'catalog', got {_kind(document)}")
        catalog = document.get("catalog")
        if not isinstance(catalog, dict):
            hint = ""
            if "profile" in document:
                hint = "; this is an OSCAL profile, which needs the catalog it selects from"
            elif "mapping-collection" in document:
                hint = "; this is an OSCAL mapping collection: import it as mappings"
            raise self.fail("catalog", f"missing 'catalog' (an object): not an OSCAL catalog{hint}")
        metadata = _metadata(self.path, catalog, "catalog")
        title = _one_line(str(metadata["title"]))
        ours = _crosswalk_props(metadata)
        version = (
            str(metadata.get("version") or "").strip()
            or str(metadata.get("last-modified") or "unversioned")[:10]
        )
        self._register_params(catalog)
        top_controls = _list_at(self.path, catalog, "controls", "catalog")
        self.controls(top_controls, "catalog.controls", None, 0)
        self.groups(_list_at(self.path, catalog, "groups", "catalog"), "catalog.groups", None)
        if not self.rows:
            raise self.fail("catalog", "the catalog has no groups and no controls")
        framework_id = (
            self.framework_id or ours.get("framework-id") or derive_framework_id(title, version)
        )
        _check_framework_id(self.path, framework_id)
        publisher = _publisher(metadata, title)
        framework = Framework(
            id=framework_id,
            name=title,
            version=version,
            publisher=publisher,
            source=ours.get("source") or _source(self.path, metadata),
            notice=ours.get("notice") or _notice(publisher, title),
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
    prose = prose.strip() if isinstance(prose, str) else ""
    if label and prose:
        pieces.append(f"{label} {prose}")
    elif label or prose:
        pieces.append(label or prose)
    for sub in part.get("parts") or ():
        if isinstance(sub, dict):
            _flatten(sub, pieces)


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
        _check_framework_id(path, framework_id)
    data = _load_json(path) if document is None else document
    return _CatalogReader(path, data, framework_id).read()


# ---------------------------------------------------------------------------- profile


def derive_profile_id(catalog: Framework, title: str) -> str:
    """``nist-sp-800-53-rev5`` + ``... Revision 5.1.1 MODERATE IMPACT BASELINE``: ``...-moderate``.

    The profile title's words that the catalog's short name lacks, without versions and
    words like "impact" or "baseline".
    """
    known = set(re.findall(r"[a-z0-9][a-z0-9.\-]*", catalog.name.split(":", 1)[0].lower()))
    words = [
        word
        for word in re.findall(r"[a-z0-9][a-z0-9.\-]*", title.lower())
        if word not in known and word not in _PROFILE_FILLER and not any(c.isdigit() for c in word)
    ]
    return slug(f"{catalog.id}-{'-'.join(words) or 'profile'}")


class _Selector:
    """Finds catalog refs for profile ids: exact, then case-insensitive, then by label."""

    def __init__(self, catalog: Framework) -> None:
        self.catalog = catalog
        self._loose: dict[str, str] | None = None

    def find(self, control_id: str) -> str | None:
        if control_id in self.catalog:
            return control_id
        if self._loose is None:
            self._loose = {}
            for requirement in self.catalog.requirements:
                label = requirement.attributes.get("label")
                if label:
                    self._loose.setdefault(label.lower(), requirement.ref)
            for requirement in self.catalog.requirements:
                self._loose[requirement.ref.lower()] = requirement.ref
        return self._loose.get(control_id.lower())

    def matching(self, pattern: str) -> list[str]:
        return [r.ref for r in self.catalog.requirements if fnmatchcase(r.ref, pattern)]


def _select(
    path: Path,
    selector: _Selector,
    clauses: list[Any],
    where: str,
    unknown: list[tuple[str, str]],
) -> set[str]:
    """Refs named by ``include-controls`` / ``exclude-controls`` clauses."""
    chosen: set[str] = set()
    catalog = selector.catalog
    for position, clause in enumerate(clauses):
        here = f"{where}[{position}]"
        if not isinstance(clause, dict):
            raise ConversionError(str(path), here, f"expected an object, got {_kind(clause)}")
        found: list[str] = []
        for index, control_id in enumerate(_list_at(path, clause, "with-ids", here)):
            ref = selector.find(str(control_id))
            if ref is None:
                unknown.append((f"{here}.with-ids[{index}]", str(control_id)))
            else:
                found.append(ref)
        for index, matching in enumerate(_list_at(path, clause, "matching", here)):
            pattern = matching.get("pattern") if isinstance(matching, dict) else None
            if not isinstance(pattern, str):
                raise ConversionError(str(path), f"{here}.matching[{index}]", "no 'pattern'")
            found.extend(selector.matching(pattern))
        if clause.get("with-child-controls") == "yes":
            found.extend(d.ref for ref in list(found) for d in catalog.descendants(ref))
        chosen.update(found)
    return chosen


def _resolve_imports(
    path: Path, catalog: Framework, imports: list[Any], notes: list[str]
) -> set[str]:
    """The refs the profile's imports select; an id not in the catalog is an error."""
    name = str(path)
    selector = _Selector(catalog)
    selected: set[str] = set()
    unknown: list[tuple[str, str]] = []
    for position, entry in enumerate(imports):
        here = f"profile.imports[{position}]"
        if not isinstance(entry, dict):
            raise ConversionError(name, here, f"expected an import (an object), got {_kind(entry)}")
        if "include-all" not in entry and "include-controls" not in entry:
            raise ConversionError(
                name, here, "selects nothing: expected 'include-all' or 'include-controls'"
            )
        chosen: set[str] = set()
        if "include-all" in entry:
            chosen.update(r.ref for r in catalog.requirements if r.kind != "group")
        for clause in ("include-controls", "exclude-controls"):
            clauses = _list_at(path, entry, clause, here)
            named = _select(path, selector, clauses, f"{here}.{clause}", unknown)
            chosen = chosen | named if clause == "include-controls" else chosen - named
        selected |= chosen
        href = entry.get("href")
        if isinstance(href, str) and href:
            notes.append(f"import {href} resolved against {catalog.id} {catalog.version}")
    if unknown:
        where, control_id = unknown[0]
        more = ""
        if len(unknown) > 1:
            others = ", ".join(repr(c) for _, c in unknown[1:6])
            more = f" (and {len(unknown) - 1} more: {others}{', ...' if len(unknown) > 6 else ''})"
        raise ConversionError(
            name, where, f"unknown control {control_id!r}: not in {catalog.id}{more}"
        )
    if not selected:
        raise ConversionError(name, "profile.imports", "the profile selects no controls")
    return selected


def _kept(catalog: Framework, selected: set[str], new_id: str) -> tuple[list[Requirement], int]:
    """Selected requirements with their ancestors, in catalog order; unselected parents
    that are controls (not groups) are marked ``selected: false``."""
    keep = set(selected)
    for ref in selected:
        keep.update(a.ref for a in catalog.ancestors(ref))
    requirements: list[Requirement] = []
    unselected = 0
    for requirement in catalog.requirements:
        if requirement.ref not in keep:
            continue
        attributes = dict(requirement.attributes)
        if requirement.ref not in selected and requirement.kind != "group":
            attributes["selected"] = "false"
            unselected += 1
        requirements.append(
            Requirement(
                framework=new_id,
                ref=requirement.ref,
                title=requirement.title,
                kind=requirement.kind,
                parent=requirement.parent,
                text=requirement.text,
                mandatory=requirement.mandatory,
                attributes=MappingProxyType(attributes),
            )
        )
    return requirements, unselected


def read_oscal_profile(
    path: Path, catalog: Framework, framework_id: str | None = None, *, document: Any = None
) -> Imported:
    """An OSCAL profile resolved against ``catalog``: a new framework of what it selects.

    Selected controls keep their groups and, for a selected enhancement, its base control
    even when the profile does not select it (marked ``selected: false``). Parameter
    settings and alterations (``modify``) are not applied; the notes say so.
    """
    name = str(path)
    if framework_id is not None:
        _check_framework_id(path, framework_id)
    data = _load_json(path) if document is None else document
    if not isinstance(data, dict) or not isinstance(data.get("profile"), dict):
        hint = "; this is an OSCAL catalog" if isinstance(data, dict) and "catalog" in data else ""
        raise ConversionError(name, "profile", f"missing 'profile' (an object){hint}")
    profile: dict[str, Any] = data["profile"]
    metadata = _metadata(path, profile, "profile")
    title = _one_line(str(metadata["title"]))
    imports = _list_at(path, profile, "imports", "profile")
    if not imports:
        raise ConversionError(name, "profile.imports", "the profile imports nothing")
    notes: list[str] = []
    selected = _resolve_imports(path, catalog, imports, notes)
    new_id = framework_id or derive_profile_id(catalog, title)
    _check_framework_id(path, new_id)
    requirements, unselected = _kept(catalog, selected, new_id)
    framework = Framework(
        id=new_id,
        name=title,
        version=str(metadata.get("version") or "").strip() or catalog.version,
        publisher=_publisher(metadata, title),
        source=f"{_source(path, metadata)}, resolved against {catalog.id} {catalog.version}",
        notice=catalog.notice,
        description=f"The controls the profile {title!r} selects from {catalog.name}.",
        requirements=tuple(requirements),
    )
    withdrawn = sum(1 for r in requirements if r.ref in selected and r.attributes.get("withdrawn"))
    total = sum(1 for r in catalog if r.kind != "group")
    notes.append(
        f"selected {len(selected)} of {total} controls of {catalog.id}; kept {unselected} "
        "unselected parent(s) marked selected: false"
        + (f"; {withdrawn} selected control(s) are withdrawn" if withdrawn else "")
    )
    if profile.get("modify"):
        notes.append("the profile's 'modify' (parameter settings, alterations) is not applied")
    return Imported(source=name, frameworks=[framework], notes=notes)


# ---------------------------------------------------------------------------- writing


def _token(text: str, fallback_prefix: str) -> str:
    if _TOKEN.match(text):
        return text
    value = _NOT_TOKEN.sub("-", text).strip("-")
    if not value or not (value[0].isalpha() or value[0] == "_"):
        value = f"{fallback_prefix}-{value}" if value else fallback_prefix
    return value if _TOKEN.match(value) else "_" + value


def _last_modified(framework: Framework) -> str:
    """A fixed timestamp from the version (or source): exports must not change by the clock."""
    for text in (framework.version, framework.source):
        for match in _ISO_DATE.finditer(text):
            try:
                return f"{date.fromisoformat(match.group(0)).isoformat()}T00:00:00Z"
            except ValueError:
                continue
    for text in (framework.version, framework.source):
        years = _YEAR.findall(text)
        if years:
            return f"{max(years)}-01-01T00:00:00Z"
    return "1970-01-01T00:00:00Z"


def _prop(name: str, value: str, ours: bool = False) -> dict[str, str] | None:
    value = _one_line(value)
    if not value:
        return None
    prop = {"name": _token(name, "x")}
    if ours:
        prop["ns"] = CROSSWALK_NS
    prop["value"] = value
    return prop


class _CatalogWriter:
    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.ids: dict[str, str] = {}
        used: set[str] = set()
        for requirement in framework.requirements:
            candidate = base = _token(requirement.ref, _token(requirement.kind, "r"))
            number = 2
            while candidate in used:
                candidate = f"{base}-{number}"
                number += 1
            used.add(candidate)
            self.ids[requirement.ref] = candidate

    def _placement(
        self, siblings: Iterable[Requirement], inside_control: bool
    ) -> list[tuple[Requirement, bool]]:
        """(requirement, as group): siblings are all groups or all controls where possible,
        so their order survives (OSCAL keeps groups and controls in separate lists)."""
        siblings = list(siblings)
        if inside_control:
            return [(r, False) for r in siblings]
        groupable = [
            r.kind == "group"
            or (bool(self.framework.children(r.ref)) and r.kind not in CONTROL_KINDS)
            for r in siblings
        ]
        if all(groupable):
            return [(r, True) for r in siblings]
        return [(r, r.kind == "group") for r in siblings]

    def _props(self, requirement: Requirement) -> list[dict[str, str]]:
        attributes = requirement.attributes
        candidates = [
            _prop("label", attributes.get("label") or requirement.ref),
            _prop("sort-id", attributes.get("sort_id", "")),
            _prop("status", "withdrawn") if attributes.get("withdrawn") == "true" else None,
            _prop("ref", requirement.ref, True)
            if self.ids[requirement.ref] != requirement.ref
            else None,
            _prop("kind", requirement.kind, True),
            _prop("mandatory", "true", True) if requirement.mandatory else None,
        ]
        candidates += [
            _prop(key, str(value), True)
            for key, value in attributes.items()
            if key not in _STANDARD_ATTRIBUTES
        ]
        return [p for p in candidates if p is not None]

    def node(self, requirement: Requirement, as_group: bool) -> dict[str, Any]:
        oscal_id = self.ids[requirement.ref]
        node: dict[str, Any] = {"id": oscal_id}
        if _TOKEN.match(requirement.kind):
            node["class"] = requirement.kind
        node["title"] = _one_line(requirement.title) or requirement.ref
        node["props"] = self._props(requirement)
        if requirement.text:
            node["parts"] = [
                {"id": f"{oscal_id}_smt", "name": "statement", "prose": requirement.text}
            ]
        children = self.framework.children(requirement.ref)
        if children:
            placed = self._placement(children, inside_control=not as_group)
            controls = [self.node(r, False) for r, group in placed if not group]
            groups = [self.node(r, True) for r, group in placed if group]
            if controls:
                node["controls"] = controls
            if groups:
                node["groups"] = groups
        return node

    def document(self) -> dict[str, Any]:
        framework = self.framework
        party = str(uuid.uuid5(UUID_NAMESPACE, f"party:{framework.publisher}"))
        metadata: dict[str, Any] = {
            "title": _one_line(framework.name),
            "last-modified": _last_modified(framework),
            "version": framework.version,
            "oscal-version": OSCAL_VERSION,
            "props": [
                p
                for p in (
                    _prop("framework-id", framework.id, True),
                    _prop("source", framework.source, True),
                    _prop("notice", framework.notice, True),
                    _prop("description", framework.description, True),
                )
                if p is not None
            ],
            "roles": [{"id": "publisher", "title": "Publisher"}],
            "parties": [{"uuid": party, "type": "organization", "name": framework.publisher}],
            "responsible-parties": [{"role-id": "publisher", "party-uuids": [party]}],
            "remarks": f"{framework.notice}\n\nSource: {framework.source}",
        }
        catalog: dict[str, Any] = {
            "uuid": str(uuid.uuid5(UUID_NAMESPACE, f"catalog:{framework.id}")),
            "metadata": metadata,
        }
        placed = self._placement(framework.roots(), inside_control=False)
        controls = [self.node(r, False) for r, group in placed if not group]
        groups = [self.node(r, True) for r, group in placed if group]
        if controls:
            catalog["controls"] = controls
        if groups:
            catalog["groups"] = groups
        return {"catalog": catalog}


def write_oscal_catalog(framework: Framework) -> dict[str, Any]:
    """``framework`` as an OSCAL 1.1.2 catalog document (``{"catalog": ...}``).

    Deterministic: the uuid comes from the framework id and last-modified from a date in
    the version or source, so the same framework always exports the same JSON.
    """
    return _CatalogWriter(framework).document()
