"""OSCAL XML read into the JSON form: one model for catalogs and profiles in either format.

``read_oscal_xml`` turns an OSCAL catalog or profile in XML into the same dicts and lists
``json.load`` gives for its OSCAL JSON twin (``{"catalog": {...}}`` / ``{"profile": ...}``),
so everything downstream (the profile resolver, the catalog reader) handles one model.
It follows OSCAL's XML-to-JSON rules: repeated elements become plural lists (``control`` ->
``controls``, ``with-id`` -> ``with-ids``, ``set-parameter`` -> ``set-parameters``),
attributes become fields, ``markup-line`` and ``markup-multiline`` become Markdown
(``oscal_markup``), a part's paragraphs its ``prose``. The 1.0 release-candidate names of
``remove`` (``name-ref``, ``class-ref``, ``id-ref``, ``item-name``, ``ns-ref``) read as the
1.0 ones (``by-name`` ...).

Only the standard library parses (``xml.etree``, expat). A document with a DTD is refused
before parsing, in any encoding: OSCAL has none, and a DTD is how entity expansion and
external entities (NIST's ``req-spoofing-resource`` test pulls a back-matter resource in
through one) get in. Elements nested past ``input_limits.MAX_DEPTH`` are refused before
they are read (the conversion is recursive).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser
from xml.parsers import expat

from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import MAX_DEPTH, parsing
from crosswalk.io.oscal_markup import BLOCKS, blocks, choice_line, line, local, multiline

# Elements that repeat: the JSON key holding the list of them.
_OBJECT_LISTS = {
    "control": "controls",
    "group": "groups",
    "param": "params",
    "prop": "props",
    "link": "links",
    "part": "parts",
    "role": "roles",
    "party": "parties",
    "responsible-party": "responsible-parties",
    "responsible-role": "responsible-roles",
    "location": "locations",
    "resource": "resources",
    "rlink": "rlinks",
    "hash": "hashes",
    "document-id": "document-ids",
    "revision": "revisions",
    "import": "imports",
    "include-controls": "include-controls",
    "exclude-controls": "exclude-controls",
    "insert-controls": "insert-controls",
    "matching": "matching",
    "set-parameter": "set-parameters",
    "alter": "alters",
    "add": "adds",
    "remove": "removes",
    "constraint": "constraints",
    "guideline": "guidelines",
    "test": "tests",
    "telephone-number": "telephone-numbers",
    "address": "addresses",
    "external-id": "external-ids",
    "action": "actions",
}
# Repeated elements whose content is a string.
_STRING_LISTS = {
    "with-id": "with-ids",
    "value": "values",
    "choice": "choice",
    "addr-line": "addr-lines",
    "party-uuid": "party-uuids",
    "role-id": "role-ids",
    "location-uuid": "location-uuids",
    "member-of-organization": "member-of-organizations",
    "email-address": "email-addresses",
}
_LINE = frozenset({"title", "label", "choice", "text", "short-name"})
_MULTILINE = frozenset({"remarks", "description", "usage"})
_WRAPPERS = {"back-matter": "resources"}  # an object holding one list
_WRAPPED_LISTS = frozenset({"revisions"})  # a list under a wrapper element of its own name
_TEXT_VALUE = {"base64": "value", "hash": "value", "document-id": "identifier"}
_RENAMED = {
    "name-ref": "by-name",
    "class-ref": "by-class",
    "id-ref": "by-id",
    "item-name": "by-item-name",
    "ns-ref": "by-ns",
}
_FLAGS = frozenset({"as-is"})
# Elements that are objects even when empty (``<include-all/>``, ``<matching/>``).
_OBJECTS = frozenset(_OBJECT_LISTS) | {
    "include-all",
    "flat",
    "custom",
    "merge",
    "modify",
    "combine",
    "metadata",
    "select",
    "citation",
    "back-matter",
}


def _fail(name: str, where: str, message: str) -> ConversionError:
    return ConversionError(name, where, message)


def _attributes(element: Element) -> dict[str, Any]:
    found: dict[str, Any] = {}
    renames = _RENAMED if local(element) == "remove" else {}
    for key, value in element.attrib.items():
        if key.startswith("{"):  # xsi:schemaLocation and the like
            continue
        found[renames.get(key, key)] = value
    return found


def _convert(element: Element) -> Any:
    """One element as the JSON OSCAL gives it (an object, or a string for a plain field)."""
    name = local(element)
    children = list(element)
    if name in _FLAGS:
        return (element.text or "").strip().lower() in ("true", "1", "")
    fields = _attributes(element)
    if name in _TEXT_VALUE:
        fields[_TEXT_VALUE[name]] = (element.text or "").strip()
        return fields
    if name in _WRAPPERS:
        inner = _WRAPPERS[name]
        return {inner: [_convert(c) for c in children if _OBJECT_LISTS.get(local(c)) == inner]}
    if not children and not fields and name not in _OBJECTS:
        return (element.text or "").strip()
    prose = [c for c in children if local(c) in BLOCKS]
    if prose:
        fields["prose"] = blocks(prose)
    for child in children:
        child_name = local(child)
        if child_name in BLOCKS:
            continue
        if child_name in _STRING_LISTS:
            if child_name == "choice":
                value = choice_line(child)
            elif child_name in _LINE:
                value = line(child)
            else:
                value = (child.text or "").strip()
            fields.setdefault(_STRING_LISTS[child_name], []).append(value)
        elif child_name in _OBJECT_LISTS:
            fields.setdefault(_OBJECT_LISTS[child_name], []).append(_convert(child))
        elif child_name in _LINE:
            fields[child_name] = line(child)
        elif child_name in _MULTILINE:
            fields[child_name] = multiline(child)
        elif child_name in _WRAPPED_LISTS:
            fields[child_name] = [_convert(c) for c in child]
        elif child_name == "guideline":
            fields.setdefault("guidelines", []).append({"prose": multiline(child)})
        else:
            fields[child_name] = _convert(child)
    if name == "select" and "choice" not in fields:
        fields["choice"] = []
    return fields


class _Prolog(Exception):
    """Raised at the root element or a DTD: the prolog has been seen."""

    def __init__(self, dtd: bool) -> None:
        self.dtd = dtd


def _refuse_dtd(data: bytes, name: str) -> None:
    """Refuse a document with a DTD, however it is encoded (UTF-16 included).

    expat reads the prolog up to the root element and stops there, so this costs nothing
    for a large document. A DTD is how entity expansion (billion laughs) and external
    entities get in, and OSCAL has none.
    """
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        raise _Prolog(dtd=True)

    def root(*_: object) -> None:
        raise _Prolog(dtd=False)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _Prolog as seen:
        if seen.dtd:
            message = "the XML has a DTD (<!DOCTYPE ...>): OSCAL uses none; refused"
            raise _fail(name, "", message) from None
    except (expat.ExpatError, LookupError, ValueError):
        return  # the parser proper says what is wrong, and where


def _refuse_deep(root: Element, name: str) -> None:
    """Refuse elements nested more than ``MAX_DEPTH`` deep: they would be read recursively."""
    level = [root]
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise _fail(name, "", f"elements are nested more than {MAX_DEPTH} levels deep; refused")
        level = [child for element in level for child in element]


def read_oscal_xml(data: bytes, name: str) -> dict[str, Any]:
    """An OSCAL XML document as its JSON form: ``{"catalog": ...}`` or ``{"profile": ...}``."""
    _refuse_dtd(data, name)
    parser = XMLParser()
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        row, column = error.position
        raise _fail(
            name, f"line {row}, column {column}", f"not well-formed XML: {error}"
        ) from error
    except (LookupError, ValueError) as error:  # encoding="ttf-8", "rot13", "utf-7"
        raise _fail(name, "", f"the encoding the XML declares cannot be read: {error}") from error
    kind = local(root)
    if kind not in ("catalog", "profile"):
        raise _fail(name, kind, f"the XML root is <{kind}>, not an OSCAL catalog or profile")
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if not namespace.startswith("http://csrc.nist.gov/ns/oscal"):
        raise _fail(name, kind, f"<{kind}> is not in the OSCAL namespace (found {namespace!r})")
    _refuse_deep(root, name)
    with parsing(name, MAX_DEPTH):
        converted = _convert(root)
    return {kind: converted if isinstance(converted, dict) else {}}
