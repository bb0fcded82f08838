"""How large and how deeply nested a file handed to us may be, measured on its raw bytes.

Some hostile files take a parser down before it can say what is wrong. libyaml's composer
recurses once per nesting level and overflows the C stack at some 25,000 levels: a segfault
(exit 139), not an error. ``json`` raises RecursionError. So the nesting is measured here,
on the bytes, before any parser sees them. No parser is run, except libyaml's event parser
for the rare YAML file the quick look cannot clear; it keeps its own stack and does not
recurse. ``crosswalk.io.input_limits`` applies these to files (and ``catalogs.parse`` to
catalog files, which cannot import ``io``).
"""

from __future__ import annotations

import os
import re

from crosswalk.domain.errors import CrosswalkError

MAX_BYTES_ENV = "CROSSWALK_MAX_INPUT_BYTES"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200
"""Lists and mappings inside each other. Real catalogs and libraries stay under 20. The
limit also keeps our own recursive readers (parts in parts, markup in markup) well inside
Python's recursion limit."""


MAX_RESOLUTION_ENV = "CROSSWALK_MAX_RESOLUTION_WORK"
DEFAULT_MAX_RESOLUTION = 5_000_000
"""Values profile resolution may copy, add or look through: a small profile that imports a
catalog a thousand times, or alters every copy of a control a thousand times, asks for
billions, and would take all memory. Resolving FedRAMP's rev5 MODERATE baseline against
SP 800-53 rev5 takes some 100,000; the limit is reached in a few seconds."""


def _whole_number(name: str, default: int, unit: str) -> int:
    given = os.environ.get(name, "").strip()
    if not given:
        return default
    if not given.isdigit() or int(given) < 1:
        raise CrosswalkError(f"{name}={given!r}: expected a whole number of {unit}")
    return int(given)


def max_input_bytes() -> int:
    """The largest file a reader accepts: ``CROSSWALK_MAX_INPUT_BYTES`` or 64 MiB."""
    return _whole_number(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, "bytes")


def max_resolution_work() -> int:
    """What one profile resolution may do: ``CROSSWALK_MAX_RESOLUTION_WORK`` or 5 million."""
    return _whole_number(MAX_RESOLUTION_ENV, DEFAULT_MAX_RESOLUTION, "values")


def size_text(count: int) -> str:
    """``52428800`` -> ``50 MiB``, ``1536`` -> ``1.5 KiB``; under a KiB in bytes. Every
    message about a size uses it, so they all read the same."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{count:,} bytes"


def too_big(size: int, limit: int) -> str:
    """What to say of a file of ``size`` bytes over ``limit``."""
    exact = size_text(size) + (f" ({size:,} bytes)" if size >= 1024 else "")
    return (
        f"{exact} is more than the {size_text(limit)} a file may hold here "
        f"(set {MAX_BYTES_ENV} to allow more)"
    )


def too_deep(limit: int = MAX_DEPTH) -> str:
    """What to say of a file nested past ``limit``."""
    return (
        f"lists and mappings are nested more than {limit} levels deep; refused before "
        "parsing (no catalog or library comes near this)"
    )


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def bracket_depth(brackets: bytes, limit: int) -> int:
    """An upper bound of the nesting of ``brackets`` (only ``[`` and ``]``), exact when they
    balance. Any value above ``limit`` just means "too deep". A ``]`` that closes nothing
    counts for nothing.

    Each round deletes the innermost pairs, so balanced brackets take as many rounds as they
    are deep; openers left unclosed are added. There are at most ``limit`` rounds, each a
    C-speed ``bytes.replace``, so the time is bounded whatever the input.
    """
    run = b"[" * (limit + 1)
    rounds = 0
    while rounds <= limit:
        if run in brackets:
            return limit + 1
        inner = brackets.replace(b"[]", b"")
        if len(inner) == len(brackets):
            break
        brackets = inner
        rounds += 1
    return rounds + brackets.count(b"[")


def json_brackets(data: bytes) -> bytes:
    """The brackets of JSON text that are outside its strings, as ``[`` and ``]``."""
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes cannot end a string
    outside = b"".join(plain.split(b'"')[::2])
    return outside.translate(_SQUARE, _NOT_BRACKETS)


def json_too_deep(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests lists and objects more than ``limit`` deep (exact for valid
    JSON: brackets inside strings do not count). Quick when even the brackets inside
    strings leave it within the limit, as in every real document."""
    if bracket_depth(data.translate(_SQUARE, _NOT_BRACKETS), limit) <= limit:
        return False
    return bracket_depth(json_brackets(data), limit) > limit


_OPENING = 24
_LONG_OPENING = re.compile(rb"\n[ \t?:-]{%d}" % _OPENING)
_LONG_FIRST_LINE = re.compile(rb"[ \t?:-]{%d}" % _OPENING)


def yaml_depth_bound(data: bytes, limit: int) -> int | None:
    """An upper bound of a YAML document's nesting, from its raw text, or ``None`` when this
    quick look cannot show it is within ``limit``.

    Block collections: a nested one starts further right than its parent, or is a ``- ``,
    ``? `` or ``: `` entry opened on the same line (``- - x``). So the run of spaces and
    indicators that opens a line bounds them (under ``_OPENING`` characters, or no bound),
    doubled because a sequence may sit at its mapping's indentation. Flow collections: every
    ``[`` and ``{``, even in text and comments, doubled too since ``[a: b]`` holds an
    implicit mapping. Blocks can hold flows but flows cannot hold blocks: the bounds add up.
    """
    if _LONG_FIRST_LINE.match(data) or _LONG_OPENING.search(data):
        return None
    block = 2 * _OPENING
    budget = (limit - block) // 2
    flow = bracket_depth(data.translate(_SQUARE, _NOT_BRACKETS), budget)
    return None if flow > budget else block + 2 * flow


def _yaml_depth_exceeded(data: bytes, limit: int) -> int | None:
    """The line where the nesting first passes ``limit`` (0 if libyaml gives none), or
    ``None``. A YAML error stops the count: the parser proper will stop there too."""
    import yaml
    from yaml.events import CollectionEndEvent, CollectionStartEvent

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(data, Loader=loader):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    return mark.line + 1 if mark is not None else 0
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def yaml_too_deep(data: bytes, limit: int = MAX_DEPTH) -> int | None:
    """``None`` when YAML text nests no more than ``limit`` deep, else the line (0: not
    known) where it goes deeper.

    A quick look at the raw text clears every real file (``yaml_depth_bound``). Otherwise
    libyaml's event parser counts exactly: it keeps its own stack and does not recurse.
    """
    bound = yaml_depth_bound(data, limit)
    if bound is not None and bound <= limit:
        return None
    return _yaml_depth_exceeded(data, limit)
