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
