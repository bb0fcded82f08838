"""Where a profile's imports come from: files beside it, back-matter resources, ``--catalog``.

An import's ``href`` is a relative or ``file:`` URI, resolved against the importing
document's own location (RFC 3986, the base is the profile), or ``#uuid``: a resource in
the profile's back matter, read from its first ``rlink`` that is a file here, else from its
``base64``. Documents are OSCAL JSON, XML or YAML (by extension, else by content), each
read once per resolution however many imports name it.

Crosswalk does not fetch over the network. An import that names a URL, or a file that is
not here (NIST's baselines point at ``../../../../nist.gov/...`` in their own repository),
is read from the catalog given with ``--catalog`` instead, but only when that import names
that catalog: the same title, the same file name, or the same well-known catalog and
revision (``NIST SP 800-53`` revision 5). Anything else is refused, as the specification
requires of an import that cannot be acquired; so are broken documents and circular
imports. Every refusal names the chain of hrefs from the profile given to the one at fault.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from crosswalk.io.catalog_families import catalog_family
from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import (
    check_yaml_nesting,
    parse_json,
    parsing,
    read_input,
    utf8_text,
)
from crosswalk.io.oscal_document import kind_of, one_line
from crosswalk.io.oscal_shape import NUMBER_FIELDS, check_shape

_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class ImportChainError(ConversionError):
    """An import cannot be resolved; ``chain`` is the hrefs from the profile given to it."""

    def __init__(self, root: str, chain: list[str], message: str) -> None:
        self.chain = list(chain)
        super().__init__(root, "imports " + " -> ".join(chain), message)


@dataclass(frozen=True)
class CatalogOverride:
    """The catalog ``--catalog`` names: a file, or a framework already loaded (exported)."""

    label: str
    document: dict[str, Any]  # the catalog object itself
    file_name: str = ""

    @property
    def title(self) -> str:
        return one_line(str(self.document.get("metadata", {}).get("title") or ""))

    @property
    def version(self) -> str:
        return str(self.document.get("metadata", {}).get("version") or "")


@dataclass(frozen=True)
class Source:
    """One acquired document: where it is, what it is, and its root object."""

    key: str  # absolute path, or "--catalog"; the same key is the same document
    label: str  # as messages name it
    kind: str  # "catalog" | "profile"
    root: dict[str, Any]
    folder: Path | None  # base for the hrefs inside it
    note: str = ""


@dataclass
class Loader:
    """Acquires documents for one resolution; each is read once."""

    root_name: str
    override: CatalogOverride | None = None
    documents: dict[str, Source] = field(default_factory=dict)
    override_used: list[str] = field(default_factory=list)
    named_versions: list[str] = field(default_factory=list)  # versions imports name (a prop)

    def fail(self, chain: list[str], message: str) -> ImportChainError:
        return ImportChainError(self.root_name, chain, message)

    # -- reading ------------------------------------------------------------------------

    def read_file(self, path: Path, chain: list[str]) -> Source:
        key = str(path.resolve())
        found = self.documents.get(key)
        if found is not None:
            return found
        try:
            data = read_input(path)
        except ConversionError as error:
            raise self.fail(chain, f"{path}: {error.message}") from error
        source = self.parse(data, key, path.name, path.suffix.lower(), path.parent, chain)
        self.documents[key] = source
        return source

    def parse(
        self,
        data: bytes,
        key: str,
        label: str,
        suffix: str,
        folder: Path | None,
        chain: list[str],
    ) -> Source:
        document = parse_document(data, label, suffix, chain, self)
        if not isinstance(document, dict):
            raise self.fail(chain, f"{label} is {kind_of(document)}, not an OSCAL document")
        for kind in ("catalog", "profile"):
            if isinstance(document.get(kind), dict):
                return Source(key, label, kind, document[kind], folder)
        found = ", ".join(sorted(document)) or "nothing"
        raise self.fail(chain, f"{label} is not an OSCAL catalog or profile (it holds {found})")

    # -- hrefs --------------------------------------------------------------------------

    def acquire(self, href: str, importer: Source, chain: list[str]) -> Source:
        """The document an import of ``importer`` names (``chain`` ends with this href)."""
        if href.startswith("#"):
            return self.from_resource(href[1:], importer, chain)
        if _REMOTE.match(href) and not href.lower().startswith("file:"):
            return self.substitute([href], [href], chain, f"{href} is a URL")
        path = self.local_path(href, importer)
        if path is None or not _is_file(path):
            where = f"{href} ({path})" if path is not None else href
            return self.substitute([href], [], chain, f"{where} is not here")
        return self.read_file(path, chain)

    @staticmethod
    def local_path(href: str, importer: Source) -> Path | None:
        if href.lower().startswith("file:"):
            return Path(unquote(urlparse(href).path))
        if importer.folder is None:
            return None
        return importer.folder / unquote(href.split("#", 1)[0])

    def from_resource(self, uuid: str, importer: Source, chain: list[str]) -> Source:
        resources = importer.root.get("back-matter", {}).get("resources") or []
        resource = next(
            (r for r in resources if isinstance(r, dict) and r.get("uuid") == uuid), None
        )
        if resource is None:
            raise self.fail(
                chain, f"{importer.label} has no back-matter resource with uuid {uuid!r}"
            )
        rlinks = [r for r in resource.get("rlinks") or [] if isinstance(r, dict) and r.get("href")]
        missing: list[str] = []
        remote: list[str] = []
        for rlink in rlinks:
            href = str(rlink["href"])
            if _REMOTE.match(href) and not href.lower().startswith("file:"):
                remote.append(href)
                continue
            path = self.local_path(href, importer)
            if path is not None and _is_file(path):
                return self.read_file(path, [*chain, href])
            missing.append(href)
        encoded = resource.get("base64")
        if isinstance(encoded, dict) and encoded.get("value"):
            return self.from_base64(uuid, encoded, chain)
        texts = [str(resource.get(k) or "") for k in ("title", "description")]
        texts += [str(r["href"]) for r in rlinks]
        texts += [str(p.get("value")) for p in resource.get("props") or [] if isinstance(p, dict)]
        if not rlinks:
            raise self.fail(chain, f"resource {uuid} has neither an rlink nor base64 content")
        why = (
            f"resource {uuid} points at {', '.join(remote)}"
            if remote and not missing
            else f"resource {uuid}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'}"
            " not here" + (f" (and {', '.join(remote)} is remote)" if remote else "")
        )
        version = next(
            (
                str(p.get("value"))
                for p in resource.get("props") or []
                if isinstance(p, dict) and p.get("name") == "version"
            ),
            "",
        )
        return self.substitute(texts, remote, chain, why, version)

    def from_base64(self, uuid: str, encoded: dict[str, Any], chain: list[str]) -> Source:
        key = f"base64:{uuid}"
        if key in self.documents:
            return self.documents[key]
        try:
            data = base64.b64decode(str(encoded["value"]), validate=False)
        except (binascii.Error, ValueError) as error:
            raise self.fail(chain, f"resource {uuid}: base64 that does not decode") from error
        name = str(encoded.get("filename") or f"resource {uuid}")
        suffix = Path(name).suffix.lower() or _suffix_of(str(encoded.get("media-type") or ""))
        source = self.parse(data, key, name, suffix, None, chain)
        self.documents[key] = source
        return source

    # -- --catalog ----------------------------------------------------------------------

    def substitute(
        self, texts: list[str], remote: list[str], chain: list[str], why: str, version: str = ""
    ) -> Source:
        """The ``--catalog`` document in place of an import that cannot be read here."""
        override = self.override
        if override is None:
            hint = (
                "Crosswalk does not fetch over the network: download the catalog and pass it "
                "with --catalog FILE"
                if remote
                else "pass the catalog it names with --catalog FILE"
            )
            raise self.fail(chain, f"cannot acquire the import: {why}; {hint}")
        named, reason = names(texts, override)
        if not named:
            raise self.fail(
                chain,
                f"cannot acquire the import ({why}), and --catalog {override.label} "
                f"({override.title!r}) is not the catalog it names: {reason}",
            )
        note = f"{' -> '.join(chain)}: {why}; resolved against --catalog {override.label}"
        if version:
            self.named_versions.append(version)
        if version and override.version and version != override.version:
            note += f" (the import names version {version}, --catalog is {override.version})"
        self.override_used.append(note)
        return Source("--catalog", override.label, "catalog", override.document, None, note)


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file here; a name the system cannot even look up (too long,
    say) is not one."""
    try:
        return path.is_file()
    except OSError:
        return False


def _suffix_of(media_type: str) -> str:
    for word, suffix in (("xml", ".xml"), ("json", ".json"), ("yaml", ".yaml")):
        if word in media_type:
            return suffix
    return ""


def _stem(text: str) -> str:
    name = Path(urlparse(text).path if _REMOTE.match(text) else text).name.lower()
    return re.sub(r"\.(json|xml|ya?ml)$", "", name)


def names(texts: list[str], override: CatalogOverride) -> tuple[bool, str]:
    """Whether an import described by ``texts`` (href, titles) names the ``--catalog`` one."""
    wanted = {one_line(t).lower() for t in texts if t.strip()}
    if override.title and override.title.lower() in wanted:
        return True, "same title"
    stems = {_stem(t) for t in texts if t.strip()}
    if override.file_name and _stem(override.file_name) in stems:
        return True, "same file name"
    theirs = catalog_family(texts)
    ours = catalog_family([override.title, override.file_name])
    if theirs is None:
        return False, f"the import names {', '.join(sorted(wanted)) or 'nothing'}"
    if ours is None or ours[0] != theirs[0]:
        return False, f"the import names {theirs[0]}"
    if theirs[1] and ours[1] and theirs[1] != ours[1]:
        return False, f"the import names {theirs[0]} revision {theirs[1]}, not {ours[1]}"
    return True, f"both are {theirs[0]}"


def parse_document(data: bytes, label: str, suffix: str, chain: list[str], loader: Loader) -> Any:
    """Bytes of an OSCAL document (JSON, XML or YAML) as its JSON form, its field types
    checked (``oscal_shape``); a refusal names the chain of imports that led to it."""
    head = data.lstrip()[:1]
    try:
        if suffix == ".xml" or (suffix not in (".json", ".yaml", ".yml") and head == b"<"):
            from crosswalk.io.oscal_xml import read_oscal_xml

            document: Any = read_oscal_xml(data, label)
        elif suffix in (".yaml", ".yml") or (suffix != ".json" and head not in (b"{", b"[")):
            document = read_oscal_yaml(data, label)
        else:
            document = parse_json(data, label)
        check_shape(document, label)
    except ConversionError as error:
        where = f" at {error.where}" if error.where else ""
        raise loader.fail(chain, f"{label}{where}: {error.message}") from error
    return document


OSCAL_ROOTS = ("catalog", "profile", "mapping-collection")
_YAML_KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s:#][^:#]*?))\s*:(?:\s|$)""")
_HEAD = 65536  # bytes read to find a YAML file's first top-level key


def oscal_yaml_kind(path: Path) -> str | None:
    """The OSCAL model a YAML file holds (``catalog``, ``profile``, ``mapping-collection``),
    from its first top-level key other than ``$schema``; None for anything else (a CISO
    Assistant library starts with ``urn:`` or the like). Reads only the head of the file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return None
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "%", "---")) or line[0] in " \t-":
            continue
        if stripped.startswith("{"):  # flow style: {"catalog": ...}
            stripped = stripped[1:].lstrip()
        found = _YAML_KEY.match(stripped)
        if found is None:
            return None
        key = next(g for g in found.groups() if g is not None).strip()
        if key == "$schema":
            continue
        return key if key in OSCAL_ROOTS else None
    return None


def read_oscal_file(path: Path) -> dict[str, Any]:
    """An OSCAL document file in JSON, XML or YAML (by its suffix; JSON otherwise) as its JSON
    form, within the input limits and with OSCAL's field types checked."""
    data = read_input(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix == ".xml":
        from crosswalk.io.oscal_xml import read_oscal_xml

        document: Any = read_oscal_xml(data, name)
    elif suffix in (".yaml", ".yml"):
        document = read_oscal_yaml(data, name)
    else:
        document = parse_json(data, name)
    check_shape(document, name)
    if not isinstance(document, dict):
        raise ConversionError(
            name, "", f"expected a JSON object (an OSCAL document), got {kind_of(document)}"
        )
    return document


def read_oscal_yaml(data: bytes, label: str) -> Any:
    """OSCAL YAML as its JSON form: plain scalars stay text (``version: 1.10`` is not the
    number 1.1, a date is not a datetime) except ``null`` and ``true``/``false``."""
    import yaml

    utf8_text(data, label)
    check_yaml_nesting(data, label)
    try:
        with parsing(label):
            document = yaml.load(data, Loader=_json_like_loader())
    except yaml.YAMLError as error:
        raise ConversionError(label, "", f"not valid YAML: {error}") from error
    _refuse_aliases(document, label)
    _numbers(document)
    return document


def _numbers(document: Any) -> None:
    """The fields OSCAL gives a number (``confidence-score.percentage: 0.3``) as numbers:
    the loader keeps every other plain scalar as text."""
    stack = [document]
    while stack:
        node = stack.pop()
        if type(node) is list:
            stack.extend(v for v in node if type(v) is dict or type(v) is list)
        elif type(node) is dict:
            for key, value in node.items():
                if type(value) is str and key in NUMBER_FIELDS:
                    try:
                        number = float(value)
                    except ValueError:
                        continue  # check_shape names the field
                    if not math.isfinite(number):
                        continue
                    node[key] = int(number) if number.is_integer() and "." not in value else number
                elif type(value) is dict or type(value) is list:
                    stack.append(value)


def _refuse_aliases(document: Any, label: str) -> None:
    """Refuse a list or mapping that appears twice (a YAML alias, ``*name``). Aliases of
    aliases nest into billions of entries (a YAML bomb) that every later walk would visit;
    OSCAL documents write each object out."""
    seen: set[int] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if id(node) in seen:
            raise ConversionError(
                label, "", "a YAML alias (*name) repeats a list or mapping; write it out"
            )
        seen.add(id(node))
        stack.extend(v for v in children if type(v) is dict or type(v) is list)


@cache
def _json_like_loader() -> Any:
    """libyaml's safe loader, resolving only ``null`` and ``true``/``false`` in plain
    scalars; everything else is text, as OSCAL's JSON twin has it."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    tags = {SequenceNode: "tag:yaml.org,2002:seq", MappingNode: "tag:yaml.org,2002:map"}
    words = {
        **dict.fromkeys(("", "~", "null", "Null", "NULL"), "tag:yaml.org,2002:null"),
        **dict.fromkeys(
            ("true", "True", "TRUE", "false", "False", "FALSE"), "tag:yaml.org,2002:bool"
        ),
    }

    class JsonLikeLoader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode:
                plain = implicit[0] if isinstance(implicit, tuple) else implicit
                return (
                    words.get(value, "tag:yaml.org,2002:str")
                    if plain
                    else ("tag:yaml.org,2002:str")
                )
            return tags.get(kind, "tag:yaml.org,2002:str")

    return JsonLikeLoader


def read_override(path: Path) -> CatalogOverride:
    """The OSCAL catalog file given with ``--catalog`` (JSON, XML or YAML)."""
    loader = Loader(str(path))
    source = loader.read_file(path, [f"--catalog {path.name}"])
    if source.kind != "catalog":
        raise ConversionError(str(path), "", "--catalog must be an OSCAL catalog, not a profile")
    return CatalogOverride(path.name, source.root, path.name)
