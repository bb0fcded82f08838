"""Frameworks and mapping sets from other formats become files of our own format.

Converters (``crosswalk.io``) turn OSCAL, CISO Assistant and spreadsheet files into plain
frameworks and mapping sets; this module checks them against everything already loaded
and writes them into the workspace's ``catalogs/`` folder, all or nothing. Re-importing
the same content changes nothing; a new version has a new id and sits beside the old one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from crosswalk.catalogs.loader import (
    CatalogError,
    Library,
    parse_yaml_text,
    read_catalog,
    read_mapping_set,
)
from crosswalk.catalogs.writer import dump_framework, dump_mapping_set
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import Imported

WORKSPACE_CATALOGS = "catalogs"


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


def catalogs_folder(workspace_root: Path) -> Path:
    return workspace_root / WORKSPACE_CATALOGS


def _check(path: Path, text: str, kind: str, frameworks: dict[str, Framework]) -> None:
    """Parse what we are about to write exactly as the loader will read it back."""
    data = parse_yaml_text(text)
    if kind == "framework":
        read_catalog(path, data)
        return
    _mapping_set, problems = read_mapping_set(path, frameworks, data)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CatalogError(path, first.where, first.message + more)


def install(
    library: Library, folder: Path, imported: Imported, dry_run: bool = False
) -> InstallReport:
    """Check every file against the loaded library, then write them all (or none)."""
    report = InstallReport(imported.source, notes=list(imported.notes), dry_run=dry_run)
    frameworks = dict(library.frameworks)
    planned: list[tuple[Path, str]] = []
    for framework in imported.frameworks:
        existing = library.sources.get(framework.id)
        path = folder / "frameworks" / f"{framework.id}.yaml"
        text = dump_framework(framework, f"Imported from {Path(imported.source).name}")
        if existing is not None and Path(existing) != path:
            raise FormatImportError(
                f"{imported.source}: framework {framework.id!r} is already loaded from "
                f"{existing}; import it under another id (a new version gets a new id)"
            )
        _check(path, text, "framework", frameworks)
        frameworks[framework.id] = framework
        planned.append((path, text))
        report.frameworks[framework.id] = len(framework.requirements)
    for mapping_set in imported.mapping_sets:
        existing = library.sources.get(mapping_set.id)
        path = folder / "mappings" / f"{mapping_set.id}.yaml"
        text = dump_mapping_set(mapping_set, f"Imported from {Path(imported.source).name}")
        if existing is not None and Path(existing) != path:
            raise FormatImportError(
                f"{imported.source}: mapping set {mapping_set.id!r} is already loaded from "
                f"{existing}; import it under another id"
            )
        _check(path, text, "mapping set", frameworks)
        planned.append((path, text))
        report.mapping_sets[mapping_set.id] = len(mapping_set.mappings)
    for path, text in planned:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            report.unchanged.append(str(path))
            continue
        if path.exists():
            raise FormatImportError(
                f"{path} already holds a different version of this id; import the new "
                "version under a new id so both stay available"
            )
        report.created.append(str(path))
    if dry_run:
        return report
    written: list[Path] = []
    try:
        for path, text in planned:
            if str(path) not in report.created:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
            written.append(path)
    except BaseException:
        for path in written:  # all or nothing: undo the files this import wrote
            path.unlink(missing_ok=True)
        raise
    return report


def _json_document(path: Path) -> dict[str, object]:
    import json

    from crosswalk.io.converted import ConversionError

    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise ConversionError(
            str(path), f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}"
        ) from error
    if not isinstance(data, dict):
        raise ConversionError(str(path), "", "expected a JSON object")
    return data


def convert_framework_file(
    path: Path,
    library: Library,
    framework_id: str | None = None,
    catalog: str | None = None,
    name: str | None = None,
    version: str | None = None,
    publisher: str = "",
) -> Imported:
    """Read a framework from OSCAL (catalog or profile), CISO Assistant YAML or a sheet."""
    if not path.is_file():
        raise FormatImportError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        from crosswalk.io.custom_framework import read_custom_framework

        if not (framework_id and name):
            raise FormatImportError(f"{path}: a custom framework needs --id and --name")
        return read_custom_framework(path, framework_id, name, version or "1", publisher)
    if suffix in (".yaml", ".yml"):
        from crosswalk.io.ciso_assistant import read_library

        return read_library(path, library.frameworks, framework_id)
    if suffix != ".json":
        raise FormatImportError(f"{path}: unsupported file type {suffix!r}")
    document = _json_document(path)
    if "catalog" in document:
        from crosswalk.io.oscal_catalog import read_oscal_catalog

        return read_oscal_catalog(path, framework_id)
    if "profile" in document:
        from crosswalk.io.oscal_catalog import read_oscal_profile

        if catalog is None:
            raise FormatImportError(f"{path}: an OSCAL profile needs --catalog FRAMEWORK")
        if catalog not in library.frameworks:
            raise FormatImportError(f"{path}: --catalog {catalog!r} is not loaded")
        return read_oscal_profile(path, library.frameworks[catalog], framework_id)
    if "mapping-collection" in document:
        raise FormatImportError(f"{path}: a mapping collection: use `crosswalk mappings import`")
    raise FormatImportError(f"{path}: neither an OSCAL catalog nor a profile")


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
    if not path.is_file():
        raise FormatImportError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from crosswalk.io.strm_csv import read_strm_csv

        if not (source and target and set_id):
            raise FormatImportError(f"{path}: a CSV mapping needs --source, --target and --id")
        return read_strm_csv(path, source, target, library.frameworks, set_id)
    if suffix in (".yaml", ".yml"):
        from crosswalk.io.ciso_assistant import read_library

        imported = read_library(path, library.frameworks)
        imported.frameworks = []  # a mappings import installs mapping sets only
        return imported
    from crosswalk.io.oscal_mapping import read_mapping_collection

    return read_mapping_collection(
        path, library.frameworks, framework_ids, set_id, skip_unknown_refs=skip_unknown_refs
    )


MAPPING_EXPORTS = ("oscal", "csv", "ciso-assistant")


def export_mapping_set(library: Library, set_id: str, output_format: str) -> str:
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
        from crosswalk.io.ciso_assistant import write_mapping_set_library

        return write_mapping_set_library(mapping_set, library.frameworks)
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
