"""The JSON types OSCAL gives its fields, checked once over a whole document before reading.

Across catalogs, profiles and mapping collections OSCAL gives a field name one JSON type:
``uuid``, ``id``, ``title`` and ``href`` are strings, ``props``, ``parts`` and ``controls``
are lists of objects, ``with-ids`` a list of strings, ``metadata`` an object, a mapping's
``confidence-score.percentage`` a number. So one table keyed by field name covers the three
models, in JSON, YAML or XML (read into the JSON form). A number where text is wanted reads
as its text. A field of the wrong type is refused with its JSON path, e.g.
``catalog.groups[2].controls[0].uuid: expected a string, got a list``. Without this check
the readers would either fail with a traceback deep inside (a list used as a key) or
silently skip the field (``props`` given as an object, ``parts`` as a string).

Fields the table does not name (extensions, fields of later OSCAL versions) are walked but
not checked. A mapping's ``mappings``, ``maps``, ``sources`` and ``targets`` may be a lone
object instead of a list, as the mapping reader has always accepted.
"""

from __future__ import annotations

from typing import Any

from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import find_node

_STRING, _NUMBER, _BOOLEAN, _OBJECT, _OBJECTS, _STRINGS, _ONE_OR_MORE = range(7)
_KINDS = {
    "string": _STRING,
    "number": _NUMBER,
    "boolean": _BOOLEAN,
    "object": _OBJECT,
    "objects": _OBJECTS,
    "strings": _STRINGS,
    "one-or-more": _ONE_OR_MORE,
}
# A kind, then the fields of that kind (continued on indented lines).
_TABLE = """
string      uuid id title name ns value class group href rel media-type text prose remarks
            description label version oscal-version last-modified published role-id id-ref
            param-id control-id how-many pattern with-child-controls position order by-name
            by-class by-id by-item-name by-ns method matching-rationale relationship
            mapping-description filename category algorithm scheme identifier usage depends-on
            resource-fragment type system short-name date location-type email-address number city
            state postal-code country subject predicate expression generation-method
number      percentage target-coverage
boolean     as-is
object      metadata back-matter catalog profile mapping-collection select citation base64 merge
            combine flat custom modify include-all provenance confidence-score coverage
            source-resource target-resource source-gap-summary target-gap-summary address
objects     props links parts controls groups params parties responsible-parties resources rlinks
            hashes document-ids revisions roles locations imports include-controls
            exclude-controls insert-controls matching set-parameters alters adds removes
            constraints guidelines tests telephone-numbers addresses external-ids actions
            qualifiers unmapped-controls responsible-roles
strings     with-ids values choice party-uuids role-ids location-uuids member-of-organizations
            email-addresses addr-lines
one-or-more mappings maps sources targets
"""


def _fields(table: str) -> dict[str, int]:
    fields: dict[str, int] = {}
    kind = _STRING
    for line in table.strip().splitlines():
        words = line.split()
        if not line.startswith(" "):
            kind = _KINDS[words.pop(0)]
        fields.update(dict.fromkeys(words, kind))
    return fields


_FIELDS = _fields(_TABLE)
NUMBER_FIELDS = frozenset(key for key, want in _FIELDS.items() if want == _NUMBER)
"""Fields OSCAL gives a number (a YAML reader that keeps plain scalars as text turns these
back into numbers)."""
# A number where text is wanted reads as its text (``"value": 3``, a version 2); anything
# else (a list, an object, true) has no text that could be meant.
_SCALARS = {_STRING: (str, int, float), _NUMBER: (int, float), _BOOLEAN: (bool,)}
_WANTED = {
    _STRING: "a string",
    _NUMBER: "a number",
    _BOOLEAN: "true or false",
    _OBJECT: "an object",
    _OBJECTS: "a list of objects",
    _STRINGS: "a list of strings",
    _ONE_OR_MORE: "a list of objects",
}


def kind_of(value: Any) -> str:
    names: dict[type, str] = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true or false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _fits(want: int, value: Any) -> bool:
    kind = type(value)
    if want in _SCALARS:
        return kind in _SCALARS[want]
    if want == _OBJECT:
        return kind is dict
    if want == _ONE_OR_MORE and kind is dict:
        return True
    if kind is not list:
        return False
    item = str if want == _STRINGS else dict
    return all(type(v) is item for v in value)


_MODELS = frozenset(("catalog", "profile", "mapping-collection"))
"""The models whose fields are checked; others (an SSP, assessment results) give a few
names other types (an SSP's ``status`` is an object) and are refused by the readers."""
_NOT_TEXT = frozenset(key for key, want in _FIELDS.items() if want != _STRING)
_NOT_OBJECT = frozenset(k for k, want in _FIELDS.items() if want not in (_OBJECT, _ONE_OR_MORE))


def check_shape(document: Any, name: str) -> None:
    """Refuse the first field whose JSON type is not the one OSCAL gives it, naming its
    path. One pass over the document (some 8 ms for SP 800-53's 3 MB). ``null`` is refused
    too: OSCAL has none, and readers take a field that is there for one of its type."""
    if type(document) is not dict:
        return  # not an OSCAL document at all: the reader says so
    objects = [{key: value for key, value in document.items() if key in _MODELS}]
    fields = _FIELDS
    while objects:
        below: list[dict[str, Any]] = []
        for node in objects:
            for key, value in node.items():
                kind = type(value)
                if kind is str:
                    if key in _NOT_TEXT:
                        _refuse(document, node, key, name)
                elif kind is dict:
                    if key in _NOT_OBJECT:
                        _refuse(document, node, key, name)
                    below.append(value)
                elif kind is list:
                    want = fields.get(key)
                    if want is None:
                        _descend(value, below)
                        continue
                    item = str if want == _STRINGS else dict
                    if want not in _LISTS or any(type(v) is not item for v in value):
                        _refuse(document, node, key, name)
                    if item is dict:
                        below.extend(value)
                elif key in fields and not _fits(fields[key], value):
                    _refuse(document, node, key, name)
        objects = below


_LISTS = frozenset((_OBJECTS, _STRINGS, _ONE_OR_MORE))


def _descend(value: Any, objects: list[dict[str, Any]]) -> None:
    """The objects in ``value`` (itself, or inside lists within lists), onto ``objects``."""
    pending = [value]
    while pending:
        node = pending.pop()
        if type(node) is dict:
            objects.append(node)
        elif type(node) is list:
            pending.extend(v for v in node if type(v) is dict or type(v) is list)


def _refuse(document: Any, holder: dict[str, Any], key: str, name: str) -> None:
    want = _FIELDS[key]
    found = find_node(document, lambda node: node is holder)
    where = f"{found[1]}.{key}" if found and found[1] else key
    value = holder[key]
    if type(value) is list and want in (_OBJECTS, _STRINGS, _ONE_OR_MORE):
        item = "a string" if want == _STRINGS else "an object"
        position = next(i for i, v in enumerate(value) if not _fits(want, [v]))
        raise ConversionError(
            name, f"{where}[{position}]", f"expected {item}, got {kind_of(value[position])}"
        )
    raise ConversionError(name, where, f"expected {_WANTED[want]}, got {kind_of(value)}")
