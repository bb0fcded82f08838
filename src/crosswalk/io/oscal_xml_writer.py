"""An OSCAL catalog or profile (its JSON form) written as OSCAL XML, in the XML model's order.

The reverse of ``oscal_xml``: lists become repeated elements (``controls`` ->
``control``), fields that are flags in XML become attributes (``id``, ``class``, ``name``,
``ns``, ``value``, ``href``, ...), Markdown prose and titles become OSCAL markup
(``oscal_markup``). What a resolved catalog holds is covered: metadata, parameters,
controls, groups, parts, props, links and back matter; and what a profile holds: imports,
merge, modify (set-parameters, alters). ``read_oscal_xml`` reads the output back as the
document that was written.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from crosswalk.io.oscal_markup import NS, add_blocks, add_line

# For each object: (JSON key, XML element, how) in the XML model's order. ``attr`` writes a
# flag, ``text`` a plain text element, ``line`` markup-line, ``lines`` repeated markup-line,
# ``texts`` repeated text, ``multi`` markup-multiline, ``prose`` blocks in place, ``list``
# repeated objects, ``obj`` one object, ``flag`` a boolean element (``<as-is>true</as-is>``).
_SELECT_CONTROLS = (
    ("with-child-controls", "with-child-controls", "attr"),
    ("with-ids", "with-id", "texts"),
    ("matching", "matching", "list"),
)
_MODEL: dict[str, tuple[tuple[str, str, str], ...]] = {
    "catalog": (
        ("uuid", "uuid", "attr"),
        ("metadata", "metadata", "obj"),
        ("params", "param", "list"),
        ("controls", "control", "list"),
        ("groups", "group", "list"),
        ("back-matter", "back-matter", "obj"),
    ),
    "profile": (
        ("uuid", "uuid", "attr"),
        ("metadata", "metadata", "obj"),
        ("imports", "import", "list"),
        ("merge", "merge", "obj"),
        ("modify", "modify", "obj"),
        ("back-matter", "back-matter", "obj"),
    ),
    "import": (
        ("href", "href", "attr"),
        ("include-all", "include-all", "obj"),
        ("include-controls", "include-controls", "list"),
        ("exclude-controls", "exclude-controls", "list"),
    ),
    "include-controls": _SELECT_CONTROLS,
    "exclude-controls": _SELECT_CONTROLS,
    "matching": (("pattern", "pattern", "attr"),),
    "merge": (
        ("combine", "combine", "obj"),
        ("flat", "flat", "obj"),
        ("as-is", "as-is", "flag"),
        ("custom", "custom", "obj"),
    ),
    "combine": (("method", "method", "attr"),),
    "custom": (("groups", "group", "list"), ("insert-controls", "insert-controls", "list")),
    "insert-controls": (
        ("order", "order", "attr"),
        ("include-all", "include-all", "obj"),
        ("include-controls", "include-controls", "list"),
        ("exclude-controls", "exclude-controls", "list"),
    ),
    "modify": (("set-parameters", "set-parameter", "list"), ("alters", "alter", "list")),
    "set-parameter": (
        ("param-id", "param-id", "attr"),
        ("class", "class", "attr"),
        ("depends-on", "depends-on", "attr"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("label", "label", "line"),
        ("usage", "usage", "multi"),
        ("constraints", "constraint", "list"),
        ("guidelines", "guideline", "list"),
        ("values", "value", "texts"),
        ("select", "select", "obj"),
    ),
    "alter": (
        ("control-id", "control-id", "attr"),
        ("removes", "remove", "list"),
        ("adds", "add", "list"),
    ),
    "remove": (
        ("by-name", "by-name", "attr"),
        ("by-class", "by-class", "attr"),
        ("by-id", "by-id", "attr"),
        ("by-item-name", "by-item-name", "attr"),
        ("by-ns", "by-ns", "attr"),
    ),
    "add": (
        ("position", "position", "attr"),
        ("by-id", "by-id", "attr"),
        ("title", "title", "line"),
        ("params", "param", "list"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("parts", "part", "list"),
    ),
    "address": (
        ("type", "type", "attr"),
        ("addr-lines", "addr-line", "texts"),
        ("city", "city", "text"),
        ("state", "state", "text"),
        ("postal-code", "postal-code", "text"),
        ("country", "country", "text"),
    ),
    "metadata": (
        ("title", "title", "line"),
        ("published", "published", "text"),
        ("last-modified", "last-modified", "text"),
        ("version", "version", "text"),
        ("oscal-version", "oscal-version", "text"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("roles", "role", "list"),
        ("parties", "party", "list"),
        ("responsible-parties", "responsible-party", "list"),
        ("remarks", "remarks", "multi"),
    ),
    "group": (
        ("id", "id", "attr"),
        ("class", "class", "attr"),
        ("title", "title", "line"),
        ("params", "param", "list"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("parts", "part", "list"),
        ("groups", "group", "list"),
        ("controls", "control", "list"),
        ("insert-controls", "insert-controls", "list"),
    ),
    "control": (
        ("id", "id", "attr"),
        ("class", "class", "attr"),
        ("title", "title", "line"),
        ("params", "param", "list"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("parts", "part", "list"),
        ("controls", "control", "list"),
    ),
    "param": (
        ("id", "id", "attr"),
        ("class", "class", "attr"),
        ("depends-on", "depends-on", "attr"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("label", "label", "line"),
        ("usage", "usage", "multi"),
        ("constraints", "constraint", "list"),
        ("guidelines", "guideline", "list"),
        ("values", "value", "texts"),
        ("select", "select", "obj"),
        ("remarks", "remarks", "multi"),
    ),
    "part": (
        ("id", "id", "attr"),
        ("name", "name", "attr"),
        ("ns", "ns", "attr"),
        ("class", "class", "attr"),
        ("title", "title", "line"),
        ("props", "prop", "list"),
        ("prose", "", "prose"),
        ("parts", "part", "list"),
        ("links", "link", "list"),
    ),
    "prop": (
        ("name", "name", "attr"),
        ("uuid", "uuid", "attr"),
        ("ns", "ns", "attr"),
        ("value", "value", "attr"),
        ("class", "class", "attr"),
        ("group", "group", "attr"),
        ("remarks", "remarks", "multi"),
    ),
    "link": (
        ("href", "href", "attr"),
        ("rel", "rel", "attr"),
        ("media-type", "media-type", "attr"),
        ("resource-fragment", "resource-fragment", "attr"),
        ("text", "text", "line"),
    ),
    "constraint": (("description", "description", "multi"), ("tests", "test", "list")),
    "test": (("expression", "expression", "text"), ("remarks", "remarks", "multi")),
    "guideline": (("prose", "", "prose"),),
    "select": (("how-many", "how-many", "attr"), ("choice", "choice", "lines")),
    "role": (
        ("id", "id", "attr"),
        ("title", "title", "line"),
        ("short-name", "short-name", "text"),
        ("description", "description", "multi"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("remarks", "remarks", "multi"),
    ),
    "party": (
        ("uuid", "uuid", "attr"),
        ("type", "type", "attr"),
        ("name", "name", "text"),
        ("short-name", "short-name", "text"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("email-addresses", "email-address", "texts"),
        ("addresses", "address", "list"),
        ("remarks", "remarks", "multi"),
    ),
    "responsible-party": (
        ("role-id", "role-id", "attr"),
        ("props", "prop", "list"),
        ("links", "link", "list"),
        ("party-uuids", "party-uuid", "texts"),
        ("remarks", "remarks", "multi"),
    ),
    "back-matter": (("resources", "resource", "list"),),
    "resource": (
        ("uuid", "uuid", "attr"),
        ("title", "title", "line"),
        ("description", "description", "multi"),
        ("props", "prop", "list"),
        ("document-ids", "document-id", "list"),
        ("citation", "citation", "obj"),
        ("rlinks", "rlink", "list"),
        ("base64", "base64", "obj"),
        ("remarks", "remarks", "multi"),
    ),
    "citation": (("text", "text", "line"), ("props", "prop", "list"), ("links", "link", "list")),
    "rlink": (
        ("href", "href", "attr"),
        ("media-type", "media-type", "attr"),
        ("hashes", "hash", "list"),
    ),
}
# Objects whose content is one text value: (the JSON key of the text, the attributes).
_TEXTUAL = {"hash": "value", "base64": "value", "document-id": "identifier"}


def _q(name: str) -> str:
    return name  # unqualified: the root declares OSCAL's namespace as the default


def _fill(element: Element, kind: str, obj: dict[str, Any]) -> None:
    if kind in _TEXTUAL:
        for key, value in obj.items():
            if key == _TEXTUAL[kind]:
                element.text = str(value)
            else:
                element.set(key, str(value))
        return
    for key, name, how in _MODEL.get(kind, ()):
        value = obj.get(key)
        if value is None or value in ([], ""):
            continue
        if how == "attr":
            element.set(name, "true" if value is True else str(value))
        elif how == "flag":
            SubElement(element, _q(name)).text = "true" if value is True else "false"
        elif how == "text":
            SubElement(element, _q(name)).text = str(value)
        elif how == "line":
            add_line(SubElement(element, _q(name)), str(value))
        elif how == "lines":
            for item in value:
                add_line(SubElement(element, _q(name)), str(item))
        elif how == "texts":
            for item in value:
                SubElement(element, _q(name)).text = str(item)
        elif how == "multi":
            add_blocks(SubElement(element, _q(name)), str(value))
        elif how == "prose":
            add_blocks(element, str(value))
        elif how == "list":
            for item in value:
                if isinstance(item, dict):
                    _fill(SubElement(element, _q(name)), name, item)
        elif how == "obj" and isinstance(value, dict):
            _fill(SubElement(element, _q(name)), name, value)


def write_oscal_xml(document: dict[str, Any]) -> str:
    """``{"catalog": ...}`` or ``{"profile": ...}`` as an OSCAL XML document (UTF-8 text
    with its declaration)."""
    kind = "profile" if "profile" in document else "catalog"
    root = Element(_q(kind), {"xmlns": NS})
    _fill(root, kind, document[kind])
    indent(root, space="  ")
    text = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"
