"""What an OSCAL control holds besides its statement, kept so our catalog export has it too.

A catalog read from OSCAL (``oscal_catalog``) keeps, per control or group, its parameters,
its guidance and its links as attributes; ``oscal_catalog_writer`` writes them back as
OSCAL ``params``, a ``guidance`` part and ``links``, so an export of SP 800-53 has the
parameters, the discussion and the related-control and reference links the source had:

- ``oscal.guidance``: the guidance part's prose, as text;
- ``oscal.params``: the parameters as OSCAL JSON (ids, labels, selections, guidelines,
  values and constraints), so other tools can fill them in;
- ``oscal.links``: the links as OSCAL JSON; a link to a back-matter resource (``#uuid``),
  which the framework does not keep, becomes a link to where the resource points, with
  its title as the text (a resource with nowhere to point is left out).

Reading our own export takes them back from the same places, so a round trip keeps them.
``show`` does not list ``oscal.`` attributes: they are kept for the export.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

GUIDANCE = "oscal.guidance"
PARAMS = "oscal.params"
LINKS = "oscal.links"
KEPT = frozenset({GUIDANCE, PARAMS, LINKS})
"""Attributes written as OSCAL structure, not as props."""

_RUN_OF_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_MARKDOWN_BULLET = re.compile(r"^([ \t]*)[*+][ \t]+", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_INDENT = re.compile(r"^[ \t]+(?![-*+][ \t]|\d+[.)][ \t])", re.MULTILINE)
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_MULTILINE_FIELDS = frozenset({"prose", "remarks", "description", "usage"})


def prose(text: str) -> str:
    """Markdown prose in one form, whatever wrote it: runs of spaces inside a line as one,
    no space at the start of a line (but a nested list item's) or its end, list items as
    ``- ``, at most one blank line. OSCAL XML has no such variants, so a
    catalog reads the same from JSON, YAML and XML."""
    # Each rule runs only where it can apply: a catalog has thousands of prose fields,
    # most of them one plain line, and each rule scans its whole text.
    text = text.strip()
    if "  " in text or "\t" in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    if "\n " in text or "\n\t" in text:  # the text's own start was stripped
        text = _INDENT.sub("", text)
    if " \n" in text or "\t\n" in text:  # and its end
        text = _TRAILING.sub("", text)
    if "*" in text or "+" in text:
        text = _MARKDOWN_BULLET.sub(r"\1- ", text)
    if "\n\n\n" in text:  # lines of spaces alone are empty by now
        text = _BLANK_LINES.sub("\n\n", text)
    return text


def _normal(value: Any) -> Any:
    """``value`` with its Markdown fields (prose, remarks, ...) in one form (``prose``)."""
    if isinstance(value, dict):
        return {
            k: prose(v) if k in _MULTILINE_FIELDS and isinstance(v, str) else _normal(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _json(value: Any) -> str:
    """Compact JSON with sorted keys. orjson writes what the standard library's settings
    below write (a catalog has some 2,000 such values); what orjson refuses (an integer
    past 64 bits, a lone surrogate) the standard library writes, as it always did."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def resources_of(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The catalog's back-matter resources by uuid."""
    back_matter = catalog.get("back-matter")
    listed = back_matter.get("resources") if isinstance(back_matter, dict) else None
    return {
        str(r["uuid"]): r
        for r in listed or ()
        if isinstance(r, dict) and isinstance(r.get("uuid"), str)
    }


def _link(link: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    href = link.get("href")
    if not isinstance(href, str) or not href:
        return None
    resource = resources.get(href[1:]) if href.startswith("#") else None
    if resource is None:
        return dict(link)
    rlinks = [r for r in resource.get("rlinks") or () if isinstance(r, dict) and r.get("href")]
    if not rlinks:
        return None
    citation = resource.get("citation")
    text = resource.get("title") or (citation.get("text") if isinstance(citation, dict) else "")
    written: dict[str, Any] = {"href": str(rlinks[0]["href"])}
    if link.get("rel"):
        written["rel"] = link["rel"]
    if text:
        written["text"] = " ".join(str(text).split())
    return written


def _guidance(node: dict[str, Any]) -> str:
    pieces: list[str] = []
    stack = [
        p for p in node.get("parts") or () if isinstance(p, dict) and p.get("name") == "guidance"
    ]
    stack.reverse()
    while stack:
        part = stack.pop()
        if isinstance(part.get("prose"), str) and part["prose"].strip():
            pieces.append(prose(part["prose"]))
        stack.extend(reversed([p for p in part.get("parts") or () if isinstance(p, dict)]))
    return "\n\n".join(pieces)


def kept_attributes(node: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The ``oscal.guidance``, ``.params`` and ``.links`` attributes of a control or group."""
    kept: dict[str, str] = {}
    guidance = _guidance(node)
    if guidance:
        kept[GUIDANCE] = guidance
    params = [p for p in node.get("params") or () if isinstance(p, dict)]
    if params:
        kept[PARAMS] = _json(_normal(params))
    links = [_link(k, resources) for k in node.get("links") or () if isinstance(k, dict)]
    if any(links):
        kept[LINKS] = _json([k for k in links if k is not None])
    return kept


def kept_structure(attributes: Any, oscal_id: str) -> dict[str, Any]:
    """The OSCAL ``params``, ``links`` and guidance ``parts`` the kept attributes stand for."""
    found: dict[str, Any] = {}
    for key, field in ((PARAMS, "params"), (LINKS, "links")):
        text = attributes.get(key)
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue  # edited by hand into something else: not ours to write
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            found[field] = value
    if attributes.get(GUIDANCE):
        found["parts"] = [
            {"id": f"{oscal_id}_gdn", "name": "guidance", "prose": attributes[GUIDANCE]}
        ]
    return found
