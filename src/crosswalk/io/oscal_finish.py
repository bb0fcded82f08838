"""The last steps of profile resolution: metadata, back matter, pruning, canonical order.

- metadata: the profile's title and version; ``last-modified`` the time of resolution; a
  new uuid; ``oscal-version`` the most recent of the documents read, never above the
  version this tool writes (different major versions are refused); a ``source-profile``
  prop naming the profile and a ``resolution-tool`` prop; roles and parties of the
  imported catalogs marked ``keep: always``;
- back matter: the imported catalogs' resources in import order, then the profile's own;
  a later resource replaces an earlier one with the same uuid, unless only the earlier
  says ``keep: always``;
- pruning: a loose parameter (of the catalog, of a group, or of a control left out) and a
  back-matter resource stay when something kept refers to it (``{{ insert: param, ID }}``,
  ``#ID`` or ``#uuid``), when the profile's ``modify`` names it, or when it says ``keep:
  always``; everything else not referred to goes;
- order: objects are written in OSCAL's canonical order (JSON keeps it for the reader).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from crosswalk import __version__
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_document import json_text
from crosswalk.io.oscal_selection import CONTEXT, ORIGIN, Selection, keep_always, obj_at

TOOL_OSCAL_VERSION = "1.1.2"
RESOLUTION_TOOL = f"Crosswalk {__version__}"
_INSERT = re.compile(rb"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_ANCHOR = re.compile(rb"#([A-Za-z0-9_][A-Za-z0-9_.:\-]*)")
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")

_ORDER = {
    "catalog": ("uuid", "metadata", "params", "controls", "groups", "back-matter"),
    "metadata": (
        "title", "published", "last-modified", "version", "oscal-version", "revisions",
        "document-ids", "props", "links", "roles", "locations", "parties",
        "responsible-parties", "actions", "remarks",
    ),
    "control": ("id", "class", "title", "params", "props", "links", "parts", "controls"),
    "group": ("id", "class", "title", "params", "props", "links", "parts", "groups", "controls"),
    "param": (
        "id", "class", "depends-on", "props", "links", "label", "usage", "constraints",
        "guidelines", "values", "select", "remarks",
    ),
    "part": ("id", "name", "ns", "class", "title", "props", "prose", "parts", "links"),
}  # fmt: skip
_CHILD_KIND = {"controls": "control", "groups": "group", "params": "param", "parts": "part"}


def ordered(obj: dict[str, Any], kind: str, strip: bool) -> dict[str, Any]:
    """``obj`` with its keys in OSCAL's order (others after), recursively; ``strip`` drops
    the private origin keys."""
    order = _ORDER.get(kind, ())
    keys = [k for k in order if k in obj] + [k for k in obj if k not in order]
    found: dict[str, Any] = {}
    for key in keys:
        if strip and key in (ORIGIN, CONTEXT):
            continue
        value = obj[key]
        child = _CHILD_KIND.get(key)
        if child is not None and isinstance(value, list):
            value = [ordered(v, child, strip) if isinstance(v, dict) else v for v in value]
        elif key == "metadata" and isinstance(value, dict):
            value = ordered(value, "metadata", strip)
        found[key] = value
    return found


def _version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def oscal_version(versions: list[str], root: str) -> str:
    """The most recent OSCAL version among the documents read, capped at ours."""
    parsed = [(v, p) for v in versions if (p := _version(v)) is not None]
    ours = _version(TOOL_OSCAL_VERSION)
    assert ours is not None
    majors = {p[0] for _, p in parsed} | {ours[0]}
    if len(majors) > 1:
        raise ConversionError(
            root,
            "metadata.oscal-version",
            f"documents of different OSCAL major versions ({', '.join(sorted(set(versions)))})",
        )
    if not parsed:
        return TOOL_OSCAL_VERSION
    newest = max(p for _, p in parsed)
    return TOOL_OSCAL_VERSION if newest > ours else ".".join(str(n) for n in newest)


def _references(value: Any) -> tuple[set[str], set[str]]:
    raw = json_text(value).encode()
    inserts = {m.decode() for m in _INSERT.findall(raw)}
    anchors = {m.decode() for m in _ANCHOR.findall(raw)}
    return inserts, anchors


def _without_params(holder: dict[str, Any]) -> dict[str, Any]:
    found = {k: v for k, v in holder.items() if k not in ("params", "groups")}
    found["groups"] = [_without_params(g) for g in holder.get("groups") or ()]
    return found


def _loose_lists(body: dict[str, Any]) -> list[list[dict[str, Any]]]:
    lists: list[list[dict[str, Any]]] = []
    if isinstance(body.get("params"), list):
        lists.append(body["params"])
    stack = list(body.get("groups") or ())
    while stack:
        group = stack.pop()
        if isinstance(group.get("params"), list):
            lists.append(group["params"])
        stack.extend(group.get("groups") or ())
    return lists


def _back_matter(selections: list[Selection], profile: dict[str, Any]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    own = obj_at(profile, "back-matter").get("resources") or []
    for resource in [r for s in selections for r in s.resources] + list(own):
        key = str(resource.get("uuid") or id(resource))
        earlier = found.get(key)
        if earlier is not None and keep_always(earlier) and not keep_always(resource):
            continue
        found.pop(key, None)
        found[key] = resource
    return list(found.values())


def prune(
    body: dict[str, Any],
    resources: list[dict[str, Any]],
    metadata: dict[str, Any],
    named: set[str],
) -> tuple[int, list[dict[str, Any]]]:
    """Drop loose parameters and resources nothing kept refers to; returns (params dropped,
    resources kept)."""
    inserts, anchors = _references([_without_params(body), metadata])
    lists = _loose_lists(body)
    loose = [p for members in lists for p in members]
    kept_ids: set[str] = set()
    pending = [p for p in loose if str(p.get("id")) in inserts | anchors | named or keep_always(p)]
    while pending:
        param = pending.pop()
        if str(param.get("id")) in kept_ids:
            continue
        kept_ids.add(str(param.get("id")))
        more_inserts, more_anchors = _references(param)
        anchors |= more_anchors
        pending.extend(
            p
            for p in loose
            if str(p.get("id")) in more_inserts | more_anchors and str(p.get("id")) not in kept_ids
        )
    dropped = 0
    for members in lists:
        before = len(members)
        members[:] = [p for p in members if str(p.get("id")) in kept_ids]
        dropped += before - len(members)
    if not body.get("params"):
        body.pop("params", None)
    for group in _walk_groups(body):
        if not group.get("params"):
            group.pop("params", None)
    kept: dict[str, dict[str, Any]] = {}
    pending_resources = [r for r in resources if keep_always(r) or str(r.get("uuid")) in anchors]
    while pending_resources:
        resource = pending_resources.pop()
        key = str(resource.get("uuid"))
        if key in kept:
            continue
        kept[key] = resource
        _, more = _references(resource)
        pending_resources.extend(r for r in resources if str(r.get("uuid")) in more)
    return dropped, [r for r in resources if str(r.get("uuid")) in kept]


def _walk_groups(holder: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for group in holder.get("groups") or ():
        found.append(group)
        found.extend(_walk_groups(group))
    return found


def finish(
    profile: dict[str, Any],
    body: dict[str, Any],
    selections: list[Selection],
    versions: list[str],
    source_profile: str,
    root: str,
) -> tuple[dict[str, Any], list[str]]:
    """The resolved catalog object (origin keys still in) and the notes of this step."""
    given = obj_at(profile, "metadata")
    metadata: dict[str, Any] = {
        "title": given.get("title") or "Resolved profile",
        "last-modified": datetime.now(UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "version": given.get("version") or "1.0",
        "oscal-version": oscal_version(versions, root),
        "props": [
            {"name": "source-profile", "value": source_profile},
            {"name": "resolution-tool", "value": RESOLUTION_TOOL},
        ],
    }
    for key in ("roles", "parties"):
        kept = [
            r
            for s in selections
            for r in s.metadata.get(key) or ()
            if isinstance(r, dict) and keep_always(r)
        ]
        if kept:
            metadata[key] = kept
    modify = obj_at(profile, "modify")
    named = {
        str(s.get("param-id")) for s in modify.get("set-parameters") or () if isinstance(s, dict)
    }
    dropped, resources = prune(body, _back_matter(selections, profile), metadata, named)
    catalog: dict[str, Any] = {"uuid": str(uuid.uuid4()), "metadata": metadata, **body}
    if resources:
        catalog["back-matter"] = {"resources": resources}
    notes = []
    if dropped:
        notes.append(
            f"left out {dropped} parameter(s) of the catalog or of controls not taken "
            "that nothing refers to"
        )
    return catalog, notes
