"""A CISO Assistant library file: its YAML read fast and safely, and its header.

Speed: the file is composed into YAML nodes by libyaml with implicit type resolution
switched off (every scalar stays the text it was written as; we read the few typed fields
ourselves) and without constructing Python objects for the parts we skip (translations,
reference controls, scores). That costs about half of ``yaml.load`` with the C loader, and
everything after it is one linear pass.

Every problem names the file and the document path (and the YAML line where there is
one). The urn and id helpers here are the naming conventions of the whole library:
frameworks, requirement nodes and mapping sets all use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import check_yaml_nesting, read_input, utf8_text

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_STR = "tag:yaml.org,2002:str"
_TAGS: dict[type[Node], str] = {
    ScalarNode: _STR,
    SequenceNode: "tag:yaml.org,2002:seq",
    MappingNode: "tag:yaml.org,2002:map",
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
_NOT_ID = re.compile(r"[^a-z0-9.]+")
_SPACES = re.compile(r"\s+")


class _RawLoader(_BaseLoader):
    """Composes nodes, leaving every scalar as written: no implicit ints, dates or floats.

    Nothing is ever constructed from the nodes, so no tag can run code, and a ref such as
    ``5.10`` stays ``5.10`` instead of becoming the float ``5.1``.
    """

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        return _TAGS.get(kind, _STR)


def slug(text: str) -> str:
    """``NIST-CSF-2.0`` -> ``nist-csf-2.0``; ``ISO/IEC 27001:2022`` -> ``iso-iec-27001-2022``."""
    return _NOT_ID.sub("-", text.strip().lower()).strip("-.")


def urn_tail(urn: str) -> str:
    """The part of a node urn after its framework: ``...:iso27001-2022:a.5.1`` -> ``a.5.1``."""
    parts = urn.split(":")
    if len(parts) > 5 and parts[3] == "req_node":
        return ":".join(parts[5:])
    return parts[-1]


def urn_ref(ref: str) -> str:
    """Our ref in CISO Assistant's urn style: lower case, no spaces (``A.5.1`` -> ``a.5.1``)."""
    return _SPACES.sub("", ref.strip().lower())


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _line_of(node: Node) -> str:
    mark = node.start_mark
    return f" (line {mark.line + 1})" if mark is not None else ""


class NodeReader:
    """Typed access to raw nodes; every problem names the file and the document path."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lists_read: set[int] = set()

    def fail(self, where: str, message: str, node: Node | None = None) -> ConversionError:
        return ConversionError(self.path, where, message + (_line_of(node) if node else ""))

    def mapping(self, node: Node | None, where: str) -> dict[str, Node]:
        """The mapping's fields; a key given twice is refused (the last would win silently)."""
        if not isinstance(node, MappingNode):
            raise self.fail(where, "expected a mapping", node)
        fields = {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}
        if len(fields) < len(node.value):
            seen: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, ScalarNode) and key.value in seen:
                    message = f"the key {key.value!r} is given more than once in one mapping"
                    raise self.fail(where, message, key)
                if isinstance(key, ScalarNode):
                    seen.add(key.value)
        return fields

    def sequence(self, node: Node | None, where: str) -> list[Node]:
        if node is None or (isinstance(node, ScalarNode) and self._null(node)):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(where, "expected a list", node)
        if id(node) in self.lists_read:  # a YAML alias: read again and again, a bomb
            raise self.fail(
                where, "this list is an alias (*name) of one already read; write it out", node
            )
        self.lists_read.add(id(node))
        items: list[Node] = node.value
        return items

    @staticmethod
    def _null(node: ScalarNode) -> bool:
        return not node.style and node.value in _NULLS

    def text(self, fields: dict[str, Node], key: str, where: str) -> str | None:
        node = fields.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            raise self.fail(f"{where}.{key}", "expected text", node)
        if self._null(node):
            return None
        value: str = node.value
        return value.strip() or None

    def required(self, fields: dict[str, Node], key: str, where: str, owner: Node) -> str:
        value = self.text(fields, key, where)
        if value is None:
            raise self.fail(where, f"missing {key!r}", owner)
        return value

    def flag(self, fields: dict[str, Node], key: str, where: str) -> bool:
        node = fields.get(key)
        if node is None or (isinstance(node, ScalarNode) and self._null(node)):
            return False
        if isinstance(node, ScalarNode) and node.value in _TRUE:
            return True
        if isinstance(node, ScalarNode) and node.value in _FALSE:
            return False
        raise self.fail(f"{where}.{key}", "expected true or false", node)

    def integer(self, fields: dict[str, Node], key: str, where: str) -> int | None:
        value = self.text(fields, key, where)
        if value is None:
            return None
        if re.fullmatch(r"[-+]?\d{1,18}(\.0*)?", value):
            return int(value.split(".", 1)[0])
        if re.fullmatch(r"[-+]?\d+(\.0*)?", value):
            raise self.fail(f"{where}.{key}", f"a number of {len(value)} digits is too large")
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise self.fail(f"{where}.{key}", f"expected a whole number, not {shown!r}")


@dataclass(slots=True)
class LibraryHeader:
    """The library header: who made it, when, under which terms."""

    urn: str
    ref_id: str
    name: str
    version: str
    publication_date: str
    provider: str
    packager: str
    copyright: str

    def describe(self) -> str:
        parts = [f"CISO Assistant library {self.name} ({self.urn})"]
        if self.version:
            parts.append(f"version {self.version}")
        if self.publication_date:
            parts.append(f"published {self.publication_date}")
        if self.provider:
            parts.append(f"provider {self.provider}")
        if self.packager:
            parts.append(f"packaged by {self.packager}")
        return ", ".join(parts)


def compose(path: Path) -> Node | None:
    """The library file as raw YAML nodes, once it is within the input limits: a regular
    file no larger than ``input_limits.max_input_bytes()``, UTF-8, not nested past
    ``input_limits.MAX_DEPTH`` (deeper, libyaml's recursive composer would crash)."""
    name = str(path)
    data = read_input(path)
    utf8_text(data, name)
    check_yaml_nesting(data, name)
    loader = _RawLoader(data)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConversionError(name, where, f"not valid YAML: {problem}") from error
    finally:
        loader.dispose()
    return root


def read_library_header(reader: NodeReader, fields: dict[str, Node]) -> LibraryHeader:
    def text(key: str) -> str:
        return reader.text(fields, key, "") or ""

    urn = text("urn")
    return LibraryHeader(
        urn=urn,
        ref_id=text("ref_id"),
        name=one_line(text("name") or text("ref_id") or urn or "(unnamed)"),
        version=text("version"),
        publication_date=text("publication_date"),
        provider=text("provider"),
        packager=text("packager"),
        copyright=one_line(text("copyright")),
    )
