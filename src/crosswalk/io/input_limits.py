"""Files handed to us, refused before a parser sees them when they break the input limits.

The limits and how they are measured live in ``crosswalk.domain.limits`` (the reasons are
there too). This module applies them to files and to JSON, and every reader of a user's
file uses it:

``read_input(path)``
    The bytes of a regular file (``text_files.file_problem``) no larger than
    ``max_input_bytes()``: 64 MiB, or ``CROSSWALK_MAX_INPUT_BYTES``. The size is checked
    before reading, and the refusal gives the size and the limit.
``check_json_nesting(data, name)`` / ``check_yaml_nesting(data, name)``
    Refuse more than ``MAX_DEPTH`` (200) lists and mappings inside each other, measured
    on the raw text before any parser reads it.
``parse_json(data, name)``
    JSON parsed with all of the above (orjson when it can, ``json`` otherwise). It also
    refuses numbers that are too long, bytes that are not UTF-8 (named by line and offset),
    and a key given twice in one object, named by its JSON path (a parser would silently
    keep the last one).
``utf8_text(data, name)``
    The text of UTF-8 bytes; a stray byte is refused by line and offset.
``parsing(name)``
    Wrap any other parser call in this. A RecursionError, or a number of more than 4,300
    digits (which Python will not turn into an int), becomes a refusal.

Every refusal is an ``InputLimitError``. It is a ``ConversionError`` (file, where, message)
and also a ``text_files.InputFileError``, so readers that catch either one still catch it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from crosswalk.domain.limits import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    MAX_DEPTH,
    json_too_deep,
    max_input_bytes,
    too_big,
    too_deep,
    yaml_too_deep,
)
from crosswalk.io.converted import ConversionError
from crosswalk.io.text_files import InputFileError, file_problem, utf8_problem, without_bom

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "MAX_DEPTH",
    "InputLimitError",
    "check_json_nesting",
    "check_yaml_nesting",
    "find_node",
    "max_input_bytes",
    "parse_json",
    "parsing",
    "read_input",
    "utf8_text",
]


class InputLimitError(ConversionError, InputFileError):
    """A file refused before (or instead of) parsing: too big, too deep, a number too long."""


def read_input(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, once it is known to be a regular file no larger than ``limit``
    (default ``max_input_bytes()``)."""
    name = str(path)
    problem = file_problem(path)
    if problem is not None:
        raise InputLimitError(name, "", problem)
    allowed = max_input_bytes() if limit is None else limit
    size = path.stat().st_size
    if size > allowed:
        raise InputLimitError(name, "", too_big(size, allowed))
    try:
        with path.open("rb") as handle:
            data = handle.read(allowed + 1)
    except OSError as error:
        raise InputLimitError(name, "", f"cannot read file: {error.strerror}") from error
    if len(data) > allowed:  # it grew after the check
        raise InputLimitError(name, "", too_big(len(data), allowed))
    return data


# ---------------------------------------------------------------------------- nesting


def check_json_nesting(data: bytes, name: str, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested more than ``limit`` levels deep, before any parser reads it."""
    if json_too_deep(data, limit):
        raise InputLimitError(name, "", too_deep(limit))


def check_yaml_nesting(data: bytes | str, name: str, limit: int = MAX_DEPTH) -> None:
    """Refuse YAML nested more than ``limit`` levels deep, before libyaml composes it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    line = yaml_too_deep(raw, limit)
    if line is not None:
        raise InputLimitError(name, f"line {line}" if line else "", too_deep(limit))


# ---------------------------------------------------------------------------- parsing

_LONG_NUMBER = "integer string conversion"


@contextmanager
def parsing(name: str, limit: int = MAX_DEPTH) -> Iterator[None]:
    """Around a parser: a RecursionError or a number too long to read becomes a refusal."""
    try:
        yield
    except RecursionError:
        raise InputLimitError(name, "", too_deep(limit)) from None
    except ValueError as error:
        if _LONG_NUMBER not in str(error):
            raise
        raise InputLimitError(
            name,
            "",
            f"a number of more than {sys.get_int_max_str_digits():,} digits; refused",
        ) from None


def parse_json(data: bytes, name: str, limit: int = MAX_DEPTH) -> Any:
    """JSON text (a UTF-8 byte-order mark allowed) as Python values, with the limits above.

    orjson reads strict RFC 8259 JSON, a subset of what ``json`` reads, and gives the same
    values for it. Whatever orjson refuses (NaN, huge numbers, an escaped lone surrogate,
    a syntax error) is read, or explained by line and column, by ``json``, after the
    nesting is checked on the raw text. Either way the nesting, and by counting that no
    object repeats a key, are checked without walking the values in Python.
    """
    body = without_bom(data)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = _json_fallback(data, body, name, limit)
    _check_parsed(document, body, name, limit)
    return document


def utf8_text(data: bytes, name: str) -> str:
    """The text of UTF-8 bytes (a byte-order mark dropped); a byte that is not UTF-8 is
    refused by line and offset, in ``text_files.read_utf8``'s words."""
    body = without_bom(data)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line, problem = utf8_problem(data, error.start + len(data) - len(body))
        raise ConversionError(name, f"line {line}", problem) from None


def _json_fallback(data: bytes, body: bytes, name: str, limit: int) -> Any:
    text = utf8_text(data, name)
    check_json_nesting(body, name, limit)
    try:
        with parsing(name, limit):
            return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip())
        hint = " (the file ends early: is it truncated?)" if truncated else ""
        raise ConversionError(
            name, f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}{hint}"
        ) from None


def _check_parsed(document: Any, body: bytes, name: str, limit: int) -> None:
    """The nesting, and no key given twice in one object, checked by counting.

    Every ``:`` of the text is either between a key and its value or inside a string. So,
    with no key repeated, the text holds as many colons as the same values written out
    again by orjson. A repeated key loses a member, so that count comes out short. Only
    an escaped colon (``\\u003a``) or a value orjson cannot write breaks the count; then
    (or when the count is short) the exact check runs: a second parse that sees every pair.
    """
    if json_too_deep(body, limit):
        raise InputLimitError(name, "", too_deep(limit))
    try:
        written = orjson.dumps(document).count(b":")
    except orjson.JSONEncodeError:  # a lone surrogate, an int past 64 bits
        written = -1
    if written != body.count(b":") or b"u003" in body:  # \\u003a, \\u003A, and a few more
        _refuse_repeated_key(body, name, limit)


class _Repeated(dict[str, Any]):
    """An object in which a key appeared more than once (``key`` is the first such)."""

    key = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    repeated = _Repeated(found)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            repeated.key = key
            break
        seen.add(key)
    return repeated


def _refuse_repeated_key(body: bytes, name: str, limit: int) -> None:
    with parsing(name, limit):
        document = json.loads(body, object_pairs_hook=_pairs)
    found = find_node(document, lambda node: isinstance(node, _Repeated))
    if found is not None:
        node, where = found
        raise ConversionError(
            name,
            where or "the top-level object",
            f"the key {node.key!r} is given more than once in one object; a reader would "
            "keep only the last, so which one is meant?",
        )


def find_node(document: Any, wanted: Any) -> tuple[Any, str] | None:
    """The first list or object for which ``wanted(node)`` is true, with its JSON path
    (``catalog.groups[2].controls[0]``); for naming where a problem is, not for speed."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if wanted(node):
            return node, where
        if isinstance(node, dict):
            items = [(f"{where}.{key}" if where else str(key), v) for key, v in node.items()]
        elif isinstance(node, list):
            items = [(f"{where}[{i}]", v) for i, v in enumerate(node)]
        else:
            continue
        stack.extend((v, path) for path, v in reversed(items) if isinstance(v, dict | list))
    return None
