"""Importing many framework and mapping files at once: a folder, or several files.

A mapping file can only be read once the frameworks it joins are loaded, so the files are
put in dependency order first: a CISO Assistant library names its own urn and the
libraries it depends on at the top of the file, read here without parsing the rest. Each
file is then imported on its own, all or nothing, against the library as the files
before it left it; one file refused does not stop the others. The report says, per
file, what was imported, matched or refused and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.converted import Imported
from crosswalk.services.mapping.formats import (
    FormatImportError,
    as_alternatives,
    convert_framework_file,
    convert_mapping_file,
    install,
    installed_library,
)

SUFFIXES = (".yaml", ".yml", ".json", ".xml")
_URN = re.compile(r"^urn:\s*['\"]?([^'\"\s]+)")
_DEPENDENCY = re.compile(r"^\s*-\s*['\"]?(urn:[^'\"\s]+)")


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file."""

    path: str
    outcome: str  # imported, matched, unchanged, refused
    frameworks: dict[str, int] = field(default_factory=dict)  # id -> requirements written
    mapping_sets: dict[str, int] = field(default_factory=dict)  # id -> edges written
    notes: tuple[str, ...] = ()
    reason: str = ""  # why it was refused


@dataclass
class BulkReport:
    files: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    def refusals_by_reason(self) -> dict[str, int]:
        """Refusals grouped by the kind of reason (the message without the file's details)."""
        found: dict[str, int] = {}
        for item in self.files:
            if item.outcome == "refused":
                kind = reason_kind(item.reason)
                found[kind] = found.get(kind, 0) + 1
        return dict(sorted(found.items(), key=lambda pair: (-pair[1], pair[0])))


_KINDS = (
    ("nothing to import", "no framework and no mapping set (reference controls, threats, ...)"),
    ("unknown framework", "joins a framework that is not loaded"),
    ("is not a requirement of", "names a requirement the loaded framework lacks"),
    ("assessable requirements are not in", "another edition of a loaded framework"),
    ("already holds a different version", "another version of an id already imported"),
    ("already loaded from", "an id already loaded from another file"),
    ("not valid YAML", "not valid YAML"),
    ("is more than the", "larger than the input limit"),
)


def reason_kind(reason: str) -> str:
    for marker, kind in _KINDS:
        if marker in reason:
            return kind
    return "other"


def files_given(paths: Sequence[Path]) -> list[Path]:
    """The files to import: each file as given, each folder's files with a known suffix."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _header(path: Path) -> tuple[str | None, list[str]]:
    """A CISO Assistant library's own urn and the urns it depends on: top-level keys, read
    line by line without parsing (CISO Assistant writes them first; a sorted dump puts
    ``urn`` after ``objects``)."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return None, []
    urn: str | None = None
    dependencies: list[str] = []
    in_dependencies = seen_objects = False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if in_dependencies:
                    dependency = _DEPENDENCY.match(line)
                    if dependency:
                        dependencies.append(dependency.group(1))
                        continue
                    in_dependencies = False
                if line[:1] in (" ", "-", "\t", "#", "\n", ""):
                    continue  # not a top-level key
                if line.startswith("dependencies:"):
                    in_dependencies = True
                elif line.startswith("objects:"):
                    seen_objects = True
                elif urn is None and (found := _URN.match(line)):
                    urn = found.group(1)
                if urn is not None and seen_objects:
                    break
    except OSError:
        return None, []
    return urn, dependencies


def dependency_order(paths: Iterable[Path]) -> list[Path]:
    """Files whose dependencies are among the others come after them; otherwise the order
    given (by name, for a folder). A cycle keeps the order given."""
    given = list(paths)
    headers = {path: _header(path) for path in given}
    by_urn = {urn: path for path, (urn, _) in headers.items() if urn}
    ordered: list[Path] = []
    state: dict[Path, int] = {}  # 1 visiting, 2 done

    def visit(path: Path) -> None:
        if state.get(path):
            return
        state[path] = 1
        for dependency in headers[path][1]:
            before = by_urn.get(dependency)
            if before is not None and before != path and not state.get(before):
                visit(before)
        state[path] = 2
        ordered.append(path)

    for path in given:
        visit(path)
    return ordered


def _convert(path: Path, library: Library, skip_unknown_refs: bool) -> Imported:
    from crosswalk.io.oscal_sources import oscal_yaml_kind

    if (
        skip_unknown_refs
        and path.suffix.lower() in (".yaml", ".yml")
        and oscal_yaml_kind(path) is None  # OSCAL YAML goes the OSCAL way
    ):
        from crosswalk.io.ciso_assistant import read_library

        return as_alternatives(
            read_library(path, library.frameworks, skip_unknown_refs=True), library
        )
    try:
        return convert_framework_file(path, library)
    except FormatImportError as error:
        if "a mapping collection" not in str(error):
            raise
        return convert_mapping_file(path, library, skip_unknown_refs=skip_unknown_refs)


def import_files(
    paths: Sequence[Path],
    library: Library,
    folder: Path,
    *,
    dry_run: bool = False,
    skip_unknown_refs: bool = False,
) -> tuple[BulkReport, Library]:
    """Import every file (folders expanded) in dependency order, each all or nothing.

    Returns the report and the library as the imports left it.
    """
    report = BulkReport(dry_run=dry_run)
    for path in dependency_order(files_given(paths)):
        try:
            converted = _convert(path, library, skip_unknown_refs)
            installed = install(library, folder, converted, dry_run)
        except CrosswalkError as error:
            report.files.append(FileOutcome(str(path), "refused", reason=str(error)))
            continue
        library = installed_library(library, converted, installed)  # dry runs too: plans
        written = any(Path(p).parent.name in ("frameworks", "mappings") for p in installed.created)
        if written:
            outcome = "imported"
        elif not converted.frameworks and not converted.mapping_sets:
            outcome = "matched"  # at most its urns kept, for exports to that tool
        else:
            outcome = "unchanged"
        report.files.append(
            FileOutcome(
                str(path),
                outcome,
                dict(installed.frameworks) if written else {},
                dict(installed.mapping_sets) if written else {},
                tuple(installed.notes),
            )
        )
    return report, library
