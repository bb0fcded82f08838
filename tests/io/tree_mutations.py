"""Hypothesis strategies that break a small valid document: for the importer fuzz tests.

A document (JSON-like dicts and lists) is mutated at random paths: a value replaced by one
of another type, deleted, wrapped in a list or an object, repeated, made huge; or a marker
is put there that the renderer swaps for raw text no serializer would write: nesting far
past the limit, a number of thousands of digits, a key given twice. The rendered bytes may
then be damaged: truncated, a byte flipped, random bytes inserted, re-encoded as Latin-1 or
UTF-16. ``xml_mutations`` does the same to an XML tree.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from xml.etree.ElementTree import SubElement, fromstring, register_namespace, tostring

from hypothesis import strategies as st

Path = tuple[Any, ...]
register_namespace("", "http://csrc.nist.gov/ns/oscal/1.0")  # written back unprefixed
MARK = "\u2063MARK{}\u2063"  # a string no generator produces; swapped for raw text

# Words the readers act on: ids and references, globs, positions, methods, relationships,
# parameter inserts, hrefs to this document, to a device and out of the folder.
WORDS = [
    *("", " ", "c-1", "ac-1", "ac-2", "ac-1.1", "ac-1_smt", "ac-1_prm_1", "x-1", "g", "ac"),
    *("#ac-1", "#res-1", "#p-1", "label", "sort-id", "status", "withdrawn", "statement"),
    *("item", "true", "yes", "no", "*", "ac-*", "[", "**", "{{ insert: param, ac-1_prm_1 }}"),
    *("{{ insert: param, nothing }}", "before", "after", "starting", "ending", "use-first"),
    *("merge", "keep", "one-or-more", "subset-of", "equal-to", "superset-of", "no-relationship"),
    *("human", "automation", "syntactic", "functional", "A.5.15", "CC6.1", "urn:x"),
    *("catalog.json", "profile.json", "catalog.yaml", "file:///dev/zero", "../../etc/passwd"),
    *("https://example.com/catalog.json", "-1", "0", "1.5", "1e400", "\x00", "\ud800"),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(WORDS),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["id", "title", "props", "name", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)
# Raw text put where a value was: too deep, at the limit, numbers too long, a repeated key.
RAW = [
    "[" * 100_000 + "]" * 100_000,
    "[" * 201 + "]" * 201,
    "[" * 199 + "]" * 199,
    '{"a":' * 300 + "1" + "}" * 300,
    "9" * 100_000,
    "-" + "7" * 4301,
    "1" + "0" * 400,
    "1e999999",
    '{"id": "c-1", "id": "c-2"}',
]


def paths(document: Any) -> list[Path]:
    """Every path in the document, the root first."""
    found: list[Path] = [()]
    stack: list[tuple[Path, Any]] = [((), document)]
    while stack:
        path, node = stack.pop()
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            found.append((*path, key))
            stack.append(((*path, key), value))
    return found


def _at(document: Any, path: Path) -> Any:
    node = document
    for key in path:
        node = node[key]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: Any, raw: list[str] | None = None) -> tuple[Any, list[str]]:
    """``base`` with 1-3 mutations, and the raw texts its markers stand for."""
    document = copy.deepcopy(base)
    texts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        every = paths(document)
        path = every[draw(st.integers(0, len(every) - 1))]
        if not path:
            continue
        parent, key = _at(document, path[:-1]), path[-1]
        operation = draw(
            st.sampled_from(
                ["replace", "replace", "delete", "wrap", "unwrap", "repeat", "graft", "huge", "raw"]
            )
        )
        value = parent[key]
        if operation == "replace":
            parent[key] = draw(values)
        elif operation == "delete":
            del parent[key]
        elif operation == "wrap":
            parent[key] = draw(st.sampled_from([[value], {"x": value}, {"id": value}]))
        elif operation == "unwrap" and isinstance(value, list | dict) and value:
            parent[key] = next(iter(value.values())) if isinstance(value, dict) else value[0]
        elif operation == "repeat" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        elif operation == "graft":  # another part of the document put here (a control as a part)
            source = every[draw(st.integers(0, len(every) - 1))]
            if source[: len(path)] != path:  # not from inside itself
                parent[key] = copy.deepcopy(_at(document, source))
        elif operation == "huge":
            parent[key] = draw(st.sampled_from(["x" * 100_000, [copy.deepcopy(value)] * 2000]))
            break  # the last: mutated again, 2000 shared copies could hold 2000 more each
        elif operation == "raw":
            texts.append(draw(st.sampled_from(raw or RAW)))
            parent[key] = MARK.format(len(texts) - 1)
    return document, texts


def render_json(document: Any, texts: list[str]) -> bytes:
    text = json.dumps(document, ensure_ascii=False)
    for number, raw in enumerate(texts):
        text = text.replace(json.dumps(MARK.format(number), ensure_ascii=False), raw)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """The bytes as they are, or damaged once."""
    how = draw(
        st.sampled_from(["none", "none", "truncate", "flip", "insert", "latin-1", "utf-16", "bom"])
    )
    if how == "truncate" and data:
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if how == "latin-1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace")
    if how == "utf-16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    return data


TAGS = [
    "control", "group", "part", "prop", "param", "title", "link", "select", "choice", "value",
    "label", "metadata", "back-matter", "resource", "rlink", "p", "ul", "li", "insert", "em",
    "import", "include-controls", "with-id", "merge", "modify", "set-parameter", "alter",
]  # fmt: skip


@st.composite
def xml_mutations(draw: st.DrawFn, base: str) -> bytes:
    """An XML document with 1-3 of its elements changed, as bytes."""
    root = fromstring(base)
    texts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        elements = list(root.iter())
        element = elements[draw(st.integers(0, len(elements) - 1))]
        namespace = element.tag.split("}")[0] + "}" if element.tag.startswith("{") else ""
        tag = namespace + draw(st.sampled_from(TAGS))
        operation = draw(st.sampled_from(["add", "attribute", "text", "rename", "drop", "deep"]))
        if operation == "add":
            SubElement(
                element,
                tag,
                draw(
                    st.dictionaries(
                        st.sampled_from(["id", "name"]), st.text(max_size=5), max_size=2
                    )
                ),
            )
        elif operation == "attribute":
            element.set(
                draw(st.sampled_from(["id", "name", "value", "uuid", "href", "class"])),
                draw(st.text(max_size=10)),
            )
        elif operation == "text":
            element.text = draw(st.text(max_size=30))
        elif operation == "rename" and element is not root:
            element.tag = tag
        elif operation == "drop" and len(element):
            element.remove(element[draw(st.integers(0, len(element) - 1))])
        elif operation == "deep":  # as text: ElementTree itself writes recursively
            depth = draw(st.sampled_from([5, 199, 250, 3000, 100_000]))
            name = tag.rsplit("}", 1)[-1]
            texts.append(f"<{name}>" * depth + f"</{name}>" * depth)
            element.text = MARK.format(len(texts) - 1)
    text = tostring(root, encoding="unicode", xml_declaration=True)
    for number, raw in enumerate(texts):
        text = text.replace(MARK.format(number), raw)
    return text.encode("utf-8", "surrogatepass")
