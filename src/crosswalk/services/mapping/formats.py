"""Frameworks and mapping sets from other formats become files of our own format.

Converters (``crosswalk.io``) turn OSCAL, CISO Assistant and spreadsheet files into plain
frameworks and mapping sets; this module checks them against everything already loaded
and writes them into the workspace's ``catalogs/`` folder, all or nothing. Re-importing
the same content changes nothing; a new version has a new id and sits beside the old one.
"""

from __future__ import annotations

import dataclasses
import os
from collections import ChainMap
from collections.abc import Callable
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosswalk.catalogs.loader import CatalogError, Library
from crosswalk.catalogs.parse import read_catalog, read_mapping_set
from crosswalk.catalogs.writer import (
    framework_document,
    mapping_set_document,
    render_framework,
    render_mapping_set,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import Imported
from crosswalk.services.mapping.urns import urn_files

if TYPE_CHECKING:
    from crosswalk.io.oscal_sources import CatalogOverride


class FormatImportError(CrosswalkError):
    pass


@dataclass
class InstallReport:
    source: str
    created: list[str] = field(default_factory=list)  # file paths
    unchanged: list[str] = field(default_factory=list)
    frameworks: dict[str, int] = field(default_factory=dict)  # id -> requirements
    mapping_sets: dict[str, int] = field(default_factory=dict)  # id -> edges
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


_KEY_LIMIT = 1000  # YAML reads no key of a flow mapping longer than 1024 characters


def _check_keys(path: Path, document: dict[str, Any]) -> None:
    """The only keys that come from the data (attribute names, kinds in the counts) are short
    enough for YAML to read back: refuse a file the loader could not read."""
    header = document.get("framework") or {}
    found = [("framework.counts", key) for key in header.get("counts") or {}]
    for section in ("requirements", "mappings"):
        for position, entry in enumerate(document.get(section) or ()):
            named = f" (ref {entry['ref']!r})" if "ref" in entry else ""
            where = f"{section}[{position}]{named}.attributes"
            found.extend((where, key) for key in entry.get("attributes") or {})
    for where, key in found:
        if len(key) > _KEY_LIMIT:
            raise CatalogError(
                path, where, f"a name of {len(key)} characters ({key[:40]!r}...): at most 1000"
            )


def _check(
    path: Path, document: dict[str, Any], kind: str, frameworks: MappingOf[str, Framework]
) -> None:
    """Validate what we are about to write, once, with the loader's own models and checks.

    The writer renders ``document`` so that it reads back exactly as ``document`` (see
    ``crosswalk.catalogs.writer``): checking the data is checking the file, without parsing
    our own output again.
    """
    _check_keys(path, document)
    if kind == "framework":
        read_catalog(path, document)
        return
    _mapping_set, problems = read_mapping_set(path, frameworks, document)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CatalogError(path, first.where, first.message + more)


def _encoded(source: str, path: Path, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate, e.g. an escaped "\ud800" in JSON
        context = text[max(0, error.start - 40) : error.start].rsplit("\n", 1)[-1]
        raise FormatImportError(
            f"{source}: text that is not valid Unicode (a lone surrogate, "
            f"{text[error.start]!r}) would go into {path.name} after {context!r}"
        ) from error


MAX_ID = 100
"""Characters in a framework or mapping set id: each becomes a file name (``ID.yaml``)."""


def _check_id(source: str, kind: str, identifier: str) -> None:
    if len(identifier) > MAX_ID:
        raise FormatImportError(
            f"{source}: the {kind} id {identifier[:40]!r}... is {len(identifier):,} characters "
            f"long; an id has at most {MAX_ID} (it names a file): give a shorter one with --id"
        )


def _same_but_source(
    path: Path, new: Framework | MappingSet, frameworks: MappingOf[str, Framework]
) -> bool:
    """Whether ``path`` already holds ``new`` but for where it was read from (the source
    names the file: NIST's ``..._catalog-min.json`` is the same catalog)."""
    from crosswalk.catalogs.parse import read_yaml

    try:
        data = read_yaml(path)
        if isinstance(new, Framework):
            return dataclasses.replace(read_catalog(path, data), source=new.source) == new
        old, problems = read_mapping_set(path, frameworks, data)
    except CrosswalkError:
        return False
    provenance = dataclasses.replace(old.provenance, source=new.provenance.source)
    return not problems and dataclasses.replace(old, provenance=provenance) == new


def _plan_file(
    report: InstallReport,
    path: Path,
    data: bytes,
    new: Framework | MappingSet,
    frameworks: MappingOf[str, Framework],
) -> None:
    """Record ``path`` as created or unchanged; refuse a different version of its id."""
    if not path.exists():
        report.created.append(str(path))
    elif path.read_bytes() == data:
        report.unchanged.append(str(path))
    elif _same_but_source(path, new, frameworks):
        report.unchanged.append(str(path))
        report.notes.append(
            f"{path.name}: the same content as already imported (from another file); unchanged"
        )
    else:
        raise FormatImportError(
            f"{path} already holds a different version of this id; import the new "
            "version under a new id so both stay available"
        )


def install(
    library: Library, folder: Path, imported: Imported, dry_run: bool = False
) -> InstallReport:
    """Check every file against the loaded library, then write them all (or none).

    Each file is validated once and written atomically (a temporary file renamed into
    place), so a reader never sees half a file.
    """
    report = InstallReport(imported.source, notes=list(imported.notes), dry_run=dry_run)
    frameworks = ChainMap[str, Framework]({}, library.frameworks)  # type: ignore[arg-type]
    planned: list[tuple[Path, bytes]] = []
    content: dict[Path, Framework | MappingSet] = {}
    comment = f"Imported from {Path(imported.source).name}"
    for framework in imported.frameworks:
        _check_id(imported.source, "framework", framework.id)
        existing = library.sources.get(framework.id)
        path = folder / "frameworks" / f"{framework.id}.yaml"
        if existing is not None and Path(existing) != path:
            raise FormatImportError(
                f"{imported.source}: framework {framework.id!r} is already loaded from "
                f"{existing}; import it under another id (a new version gets a new id)"
            )
        document = framework_document(framework)
        _check(path, document, "framework", frameworks)
        frameworks[framework.id] = framework
        text = render_framework(document, comment)
        planned.append((path, _encoded(imported.source, path, text)))
        content[path] = framework
        report.frameworks[framework.id] = len(framework.requirements)
    for mapping_set in imported.mapping_sets:
        _check_id(imported.source, "mapping set", mapping_set.id)
        existing = library.sources.get(mapping_set.id)
        path = folder / "mappings" / f"{mapping_set.id}.yaml"
        if existing is not None and Path(existing) != path:
            raise FormatImportError(
                f"{imported.source}: mapping set {mapping_set.id!r} is already loaded from "
                f"{existing}; import it under another id"
            )
        document = mapping_set_document(mapping_set)
        _check(path, document, "mapping set", frameworks)
        text = render_mapping_set(document, comment)
        planned.append((path, _encoded(imported.source, path, text)))
        content[path] = mapping_set
        report.mapping_sets[mapping_set.id] = len(mapping_set.mappings)
    for path, data in planned:
        _plan_file(report, path, data, content[path], frameworks)
    for path, data in urn_files(folder, imported):  # derived: a newer edition replaces
        planned.append((path, data))
        unchanged = path.exists() and path.read_bytes() == data
        (report.unchanged if unchanged else report.created).append(str(path))
    if dry_run:
        return report
    written: list[Path] = []
    try:
        for path, data in planned:
            if str(path) not in report.created:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            with temporary.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
            written.append(path)
    except BaseException:
        for path in written:  # all or nothing: undo the files this import wrote
            path.unlink(missing_ok=True)
        raise
    return report


def installed_library(library: Library, imported: Imported, report: InstallReport) -> Library:
    """``library`` with what ``install`` just wrote, as the next command will load it, built
    from what is in memory (each piece was validated by ``install``) instead of read again."""
    written = {Path(p) for p in report.created}
    frameworks = ChainMap[str, Framework]({}, library.frameworks)  # type: ignore[arg-type]
    mapping_sets = dict(library.mapping_sets)
    sources = dict(library.sources)
    for path in written:
        for framework in imported.frameworks:
            if path.parent.name == "frameworks" and path.stem == framework.id:
                frameworks[framework.id] = framework
                sources[framework.id] = str(path)
        for mapping_set in imported.mapping_sets:
            if path.parent.name == "mappings" and path.stem == mapping_set.id:
                mapping_sets[mapping_set.id] = mapping_set
                sources[mapping_set.id] = str(path)
    return dataclasses.replace(
        library, frameworks=frameworks, mapping_sets=mapping_sets, sources=sources
    )


def created_frameworks(report: InstallReport) -> list[str]:
    """Ids of the frameworks this install wrote (not those already there, unchanged)."""
    return [
        fid
        for fid in report.frameworks
        if any(Path(p).parent.name == "frameworks" and Path(p).stem == fid for p in report.created)
    ]


def _oscal_document(path: Path) -> dict[str, Any]:
    """An OSCAL file (JSON, XML or YAML, read into the JSON form) parsed once, within the
    input limits and with OSCAL's field types checked."""
    from crosswalk.io.oscal_sources import read_oscal_file

    return read_oscal_file(path)


def _oscal_yaml(path: Path, suffix: str) -> bool:
    """Whether a YAML file is OSCAL (its root is catalog, profile or mapping-collection)
    rather than a CISO Assistant library."""
    from crosswalk.io.oscal_sources import oscal_yaml_kind

    return suffix in (".yaml", ".yml") and oscal_yaml_kind(path) is not None


def _check_file(path: Path) -> None:
    from crosswalk.io.text_files import file_problem

    problem = file_problem(path)
    if problem is not None:
        raise FormatImportError(f"{path}: {problem}")


def catalog_override(
    catalog: str | None, frameworks: Callable[[], MappingOf[str, Framework]]
) -> CatalogOverride | None:
    """What ``--catalog`` names: an OSCAL catalog file, else a loaded framework's id."""
    if catalog is None:
        return None
    from crosswalk.io.oscal_sources import CatalogOverride, read_override
    from crosswalk.io.text_files import file_problem

    path = Path(catalog)
    if file_problem(path) is None:
        return read_override(path)
    loaded = frameworks()
    if catalog not in loaded:
        shown = catalog if len(catalog) <= 80 else catalog[:80] + "..."
        raise FormatImportError(
            f"--catalog {shown!r}: neither an OSCAL catalog file nor a loaded framework"
        )
    from crosswalk.io.oscal_catalog_writer import write_oscal_catalog

    framework = loaded[catalog]
    return CatalogOverride(framework.id, write_oscal_catalog(framework)["catalog"])


def as_alternatives(imported: Imported, library: Library) -> Imported:
    """Another tool's mapping set between two frameworks a set of ours already joins is
    kept as an alternative: importing it must not silently change every verdict. It is
    listed, and chosen with ``crosswalk gap --mapping-set``."""
    joined: dict[frozenset[str], str] = {}
    for set_id in sorted(library.coverage_sets):
        mapping_set = library.mapping_sets[set_id]
        joined.setdefault(
            frozenset((mapping_set.source_framework, mapping_set.target_framework)), set_id
        )
    sets = []
    for mapping_set in imported.mapping_sets:
        pair = frozenset((mapping_set.source_framework, mapping_set.target_framework))
        other = joined.get(pair)
        if other is None or other == mapping_set.id:
            sets.append(mapping_set)
            continue
        sets.append(dataclasses.replace(mapping_set, alternative_to=other))
        imported.notes.append(
            f"mapping set {mapping_set.id}: kept as an alternative to {other}, which already "
            "joins these frameworks: not counted in coverage; compare with "
            f"`crosswalk gap --mapping-set {mapping_set.id}`"
        )
    imported.mapping_sets = sets
    return imported


def convert_framework_file(
    path: Path,
    library: Library,
    framework_id: str | None = None,
    catalog: str | None = None,
    name: str | None = None,
    version: str | None = None,
    publisher: str = "",
) -> Imported:
    """Read a framework from OSCAL (catalog or profile, JSON, XML or YAML), CISO Assistant YAML or a
    sheet. A profile is resolved (``crosswalk.io.oscal_profile``); ``catalog`` (``--catalog``)
    stands in for imports that are not here."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        from crosswalk.io.custom_framework import read_custom_framework

        if not (framework_id and name):
            raise FormatImportError(f"{path}: a custom framework needs --id and --name")
        return read_custom_framework(path, framework_id, name, version or "1", publisher)
    if suffix in (".yaml", ".yml") and not _oscal_yaml(path, suffix):
        from crosswalk.io.ciso_assistant import read_library

        return as_alternatives(read_library(path, library.frameworks, framework_id), library)
    if suffix not in (".json", ".xml", ".yaml", ".yml"):
        raise FormatImportError(f"{path}: unsupported file type {suffix!r}")
    document = _oscal_document(path)
    if "catalog" in document:
        from crosswalk.io.oscal_catalog import read_oscal_catalog

        return read_oscal_catalog(path, framework_id, document=document)
    if "profile" in document:
        from crosswalk.io.oscal_profile import read_oscal_profile

        override = catalog_override(catalog, lambda: library.frameworks)
        return read_oscal_profile(path, override, framework_id, document=document)
    if "mapping-collection" in document:
        raise FormatImportError(f"{path}: a mapping collection: use `crosswalk mappings import`")
    raise FormatImportError(f"{path}: neither an OSCAL catalog nor a profile")


PROFILE_FORMATS = ("oscal", "xml", "json")


@dataclass(frozen=True)
class ResolvedOutput:
    """A profile resolved for ``frameworks resolve``: the text to write and what it holds."""

    profile: str
    output_format: str
    text: str
    controls: int
    selected_only_as_parents: int
    groups: int
    notes: tuple[str, ...]
    documents: tuple[str, ...]


def resolve_profile_file(
    path: Path,
    catalog: str | None,
    output_format: str,
    frameworks: Callable[[], MappingOf[str, Framework]],
    framework_id: str | None = None,
) -> ResolvedOutput:
    """Resolve the profile at ``path`` without storing anything.

    ``oscal``: the resolved catalog as OSCAL JSON, as NIST's expected outputs are; ``xml``:
    the same as OSCAL XML; ``json``: the framework ``frameworks import`` would store, in our
    own catalog format (as JSON).
    """
    from crosswalk.io.oscal_document import json_text
    from crosswalk.io.oscal_modify import walk_controls
    from crosswalk.io.oscal_profile import read_oscal_profile, resolve_profile
    from crosswalk.io.oscal_selection import CONTEXT

    if output_format not in PROFILE_FORMATS:
        raise FormatImportError(f"--format must be one of {', '.join(PROFILE_FORMATS)}")
    _check_file(path)
    override = catalog_override(catalog, frameworks)
    if output_format == "json":
        imported = read_oscal_profile(path, override, framework_id)
        framework = imported.frameworks[0]
        document = framework_document(framework)
        return ResolvedOutput(
            profile=str(path),
            output_format=output_format,
            text=json_text(document, indent=True) + "\n",
            controls=sum(1 for r in framework.requirements if r.kind != "group"),
            selected_only_as_parents=sum(
                1 for r in framework.requirements if r.attributes.get("selected") == "false"
            ),
            groups=sum(1 for r in framework.requirements if r.kind == "group"),
            notes=tuple(imported.notes),
            documents=(str(path),),
        )
    resolved = resolve_profile(path, override)
    written = resolved.document()
    if output_format == "xml":
        from crosswalk.io.oscal_xml_writer import write_oscal_xml

        text = write_oscal_xml(written)
    else:
        text = json_text(written, indent=True) + "\n"
    controls = list(walk_controls(resolved.catalog))
    groups = 0
    stack = list(resolved.catalog.get("groups") or ())
    while stack:
        group = stack.pop()
        groups += 1
        stack.extend(group.get("groups") or ())
    return ResolvedOutput(
        profile=str(path),
        output_format=output_format,
        text=text,
        controls=len(controls),
        selected_only_as_parents=sum(1 for c in controls if c.get(CONTEXT)),
        groups=groups,
        notes=tuple(resolved.notes),
        documents=tuple(resolved.documents),
    )


def convert_mapping_file(
    path: Path,
    library: Library,
    set_id: str | None = None,
    framework_ids: dict[str, str] | None = None,
    source: str | None = None,
    target: str | None = None,
    skip_unknown_refs: bool = False,
) -> Imported:
    """Read mapping sets from an OSCAL mapping collection, CISO Assistant YAML or STRM CSV.

    ``skip_unknown_refs`` leaves out (and notes) edges to refs the loaded catalog lacks, for
    collections written against a newer release of a catalog.
    """
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from crosswalk.io.strm_csv import read_strm_csv

        if not (source and target and set_id):
            raise FormatImportError(f"{path}: a CSV mapping needs --source, --target and --id")
        return read_strm_csv(path, source, target, library.frameworks, set_id)
    if suffix in (".yaml", ".yml") and not _oscal_yaml(path, suffix):
        from crosswalk.io.ciso_assistant import read_library

        if framework_ids:
            raise FormatImportError(
                f"{path}: --framework-id is for OSCAL mapping collections; a CISO Assistant "
                "library names its frameworks by urn"
            )
        imported = read_library(
            path, library.frameworks, set_id=set_id, skip_unknown_refs=skip_unknown_refs
        )
        imported.frameworks = []  # a mappings import installs mapping sets only
        return as_alternatives(imported, library)
    from crosswalk.io.oscal_mapping import read_mapping_collection

    return read_mapping_collection(
        path,
        library.frameworks,
        framework_ids,
        set_id,
        skip_unknown_refs=skip_unknown_refs,
        document=_oscal_document(path) if _oscal_yaml(path, suffix) else None,
    )


MAPPING_EXPORTS = ("oscal", "csv", "ciso-assistant")


def export_mapping_set(
    library: Library,
    set_id: str,
    output_format: str,
    urns: dict[str, dict[str, str]] | None = None,
) -> str:
    """One mapping set in another tool's format; ``urns`` (``matched_urns``) names, in a
    CISO Assistant export, the urns of the libraries matched in this workspace."""
    import json

    mapping_set = library.mapping_sets[set_id]
    if output_format == "oscal":
        from crosswalk.io.oscal_mapping import write_mapping_collection

        document = write_mapping_collection(mapping_set, library.frameworks)
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output_format == "csv":
        from crosswalk.io.strm_csv import write_strm_csv

        return write_strm_csv(mapping_set, library.frameworks)
    if output_format == "ciso-assistant":
        from crosswalk.io.ciso_writer import write_mapping_set_library

        return write_mapping_set_library(mapping_set, library.frameworks, urns)
    raise FormatImportError(f"--format must be one of {', '.join(MAPPING_EXPORTS)}")


def export_framework(library: Library, framework_id: str) -> str:
    import json

    from crosswalk.io.oscal_catalog import write_oscal_catalog

    document = write_oscal_catalog(library.frameworks[framework_id])
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_framework_template(path: Path) -> None:
    """An empty spreadsheet in the layout ``frameworks import`` reads (own frameworks)."""
    from crosswalk.io.custom_framework import write_template

    write_template(path)
