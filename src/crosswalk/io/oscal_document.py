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

CROSSWALK_NS = "urn:crosswalk:oscal"
"""Namespace of the props Crosswalk writes (``ns`` of an OSCAL prop)."""

_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_NIST = re.compile(r"\bNIST\b|National Institute of Standards")


_BOM = b"\xef\xbb\xbf"


def fast_json(raw: bytes) -> Any:
    """``raw`` parsed with orjson (a UTF-8 BOM allowed); ``None`` if orjson refuses it.

    orjson reads strict RFC 8259 JSON only, a subset of what ``json`` reads, and gives the
    same values for it. On ``None`` the caller parses again with ``json``, which either reads
    the rest (NaN, huge numbers, escaped lone surrogates, a bare ``null``) or says what is
    wrong and where (line, column, a truncated file): the error messages stay those of ``json``.
    """
    try:
        return orjson.loads(raw[len(_BOM) :] if raw.startswith(_BOM) else raw)
    except orjson.JSONDecodeError:
        return None


def load_json(path: Path) -> Any:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConversionError(name, "", f"cannot read file: {error.strerror}") from error
    found = fast_json(raw)
    if found is not None:
        return found
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


def kind_of(value: Any) -> str:
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


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
