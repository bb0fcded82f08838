"""An OSCAL document as read: the JSON file, typed fields and the metadata.

What the catalog reader (``oscal_catalog``) and the profile resolver (``oscal_profile``)
both need, so neither depends on the other: loading the file with errors that say what
is wrong and where, fields checked with errors that name the JSON path, framework ids,
and the publisher, notice and source that the metadata implies.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import orjson

from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import parse_json, read_input
from crosswalk.io.oscal_shape import check_shape, kind_of

__all__ = ["kind_of"]  # the JSON type of a value, in words: for messages

CROSSWALK_NS = "urn:crosswalk:oscal"
"""Namespace of the props Crosswalk writes (``ns`` of an OSCAL prop)."""

_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_NIST = re.compile(r"\bNIST\b|National Institute of Standards")


def parse_oscal_json(data: bytes, name: str) -> Any:
    """OSCAL JSON bytes as dicts and lists: the input limits (``input_limits.parse_json``:
    nesting, long numbers, repeated keys, UTF-8) and then the field types OSCAL gives
    (``oscal_shape``), each refusal naming the file and the JSON path."""
    document = parse_json(data, name)
    check_shape(document, name)
    return document


def load_json(path: Path) -> Any:
    """An OSCAL JSON file (a regular file within the size limit) read and checked."""
    return parse_oscal_json(read_input(path), str(path))


def json_text(value: Any, indent: bool = False) -> str:
    """JSON for ``value``: orjson's, or for what orjson cannot write (an integer past 64
    bits that ``json`` read, a lone surrogate from an escaped ``\\ud800``) ``json``'s, in
    ASCII so the surrogate stays an escape."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, indent=2 if indent else None)


def yaml_text(value: Any) -> str:
    """OSCAL YAML for ``value`` (an OSCAL document in its JSON form), in the order of its
    keys; strings that YAML would read as numbers, dates or booleans are quoted, so
    ``oscal_sources.read_oscal_yaml`` reads back exactly ``value``."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(value, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))


def slug(text: str) -> str:
    """Lower-case ``[a-z0-9.-]`` form of a title, for framework ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower())
    value = re.sub(r"-{2,}", "-", value)
    return value.strip("-.")


def one_line(text: str) -> str:
    return " ".join(text.split())


def required_text(
    path: Path, node: dict[str, Any], key: str, where: str, what: str, named: str = ""
) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        described = f"{what} {named!r}" if named else what
        raise ConversionError(str(path), where, f"{described} has no {key!r} (a non-empty string)")
    return " ".join(value.split())


def list_at(path: Path, node: dict[str, Any], key: str, where: str) -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(str(path), f"{where}.{key}", f"expected a list, got {kind_of(value)}")
    return value


def check_framework_id(path: Path, framework_id: str) -> str:
    if not _FRAMEWORK_ID.match(framework_id):
        raise ConversionError(
            str(path),
            "",
            f"framework id {framework_id!r} must be lower-case letters, digits, '.' and '-'",
        )
    return framework_id


def read_metadata(path: Path, root: dict[str, Any], where: str) -> dict[str, Any]:
    metadata = root.get("metadata")
    if not isinstance(metadata, dict):
        raise ConversionError(str(path), f"{where}.metadata", "missing 'metadata' (an object)")
    required_text(path, metadata, "title", f"{where}.metadata", "metadata")
    return metadata


def publisher_of(metadata: dict[str, Any], title: str) -> str:
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
    found = named("creator") or named("prepared-by")
    if found:
        return found
    if len(parties) == 1:
        return str(next(iter(parties.values())))
    return "not stated"


def notice_of(publisher: str, title: str) -> str:
    if _NIST.search(title) or _NIST.search(publisher):
        return "Public domain, NIST"
    if publisher == "not stated":
        return "As published; the OSCAL metadata names no publisher"
    return f"As published by {publisher}"


def source_of(path: Path, metadata: dict[str, Any]) -> str:
    details = [f"OSCAL {metadata.get('oscal-version') or 'version not stated'}"]
    if metadata.get("last-modified"):
        details.append(f"last modified {metadata['last-modified']}")
    return f"{path.name} ({', '.join(details)})"
