"""Read and check catalog and mapping-set files, and assemble them into a library.

A malformed file fails with its path and the ref (or document path) at fault; nothing
half-loaded is ever returned.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from crosswalk.catalogs.schema import (
    CATALOG_FORMAT,
    GUIDANCE_FORMAT,
    MAPPING_SET_FORMAT,
    CatalogFile,
    GuidanceFile,
    MappingEntry,
    MappingSetFile,
)
from crosswalk.domain.adjustments import Adjustment, overlay
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.graph import CrosswalkGraph
from crosswalk.domain.mappings import Mapping, MappingSet, Provenance
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, Requirement, requirement_key

SHIPPED_DIR = Path(__file__).parent
CATALOG_PATH_ENV = "CROSSWALK_CATALOG_PATH"

# libyaml is several times faster; fall back to the pure-Python parser without it.
_YamlLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


class CatalogError(CrosswalkError):
    """A catalog or mapping-set file is not usable; names the file and where in it."""

    def __init__(self, path: Path | str, where: str, message: str) -> None:
        self.path = str(path)
        self.where = where
        self.message = message
        location = f" at {where}" if where else ""
        super().__init__(f"{self.path}{location}: {message}")


@dataclass(frozen=True, slots=True)
class Problem:
    """A defect in a mapping set found while loading it leniently (for `mappings lint`)."""

    path: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} at {self.where}: {self.message}"


def _read_yaml(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return yaml.load(handle, Loader=_YamlLoader)
    except OSError as error:
        raise CatalogError(path, "", f"cannot read file: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CatalogError(path, where, f"not valid YAML: {problem}") from error


def parse_yaml_text(text: str) -> Any:
    """YAML already in memory, read with the same (fast, safe) loader as files."""
    return yaml.load(text, Loader=_YamlLoader)


def _describe_location(data: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into ``requirements[3] (ref 'CC6.1').title``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and "ref" in node:
                parts.append(f" (ref {node['ref']!r})")
            elif isinstance(node, dict) and "source" in node:
                target = node.get("target")
                parts.append(f" ({node['source']!r}{f' -> {target!r}' if target else ''})")
        else:
            parts.append(f".{item}" if parts else str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _validation_error(path: Path, data: Any, error: ValidationError) -> CatalogError:
    first = error.errors()[0]
    more = error.error_count() - 1
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return CatalogError(path, _describe_location(data, first["loc"]), first["msg"] + suffix)


def _kind_of_file(path: Path, data: Any) -> str:
    if not isinstance(data, dict) or "format" not in data:
        raise CatalogError(path, "format", "missing 'format' (a catalog or mapping-set file)")
    return str(data["format"])


def read_catalog(path: Path, data: Any | None = None) -> Framework:
    data = _read_yaml(path) if data is None else data
    try:
        parsed = CatalogFile.model_validate(data)
    except ValidationError as error:
        raise _validation_error(path, data, error) from error
    header = parsed.framework
    seen: set[str] = set()
    requirements: list[Requirement] = []
    for position, entry in enumerate(parsed.requirements):
        where = f"requirements[{position}] (ref {entry.ref!r})"
        if entry.ref in seen:
            raise CatalogError(path, where, f"duplicate ref {entry.ref!r}")
        if entry.parent is not None and entry.parent not in seen:
            raise CatalogError(
                path, where, f"parent {entry.parent!r} is not defined above this requirement"
            )
        seen.add(entry.ref)
        requirements.append(
            Requirement(
                framework=header.id,
                ref=entry.ref,
                title=entry.title,
                kind=entry.kind,
                parent=entry.parent,
                text=entry.text,
                mandatory=entry.mandatory,
                attributes=MappingProxyType({k: str(v) for k, v in entry.attributes.items()}),
            )
        )
    actual = Counter(r.kind for r in requirements)
    if dict(actual) != header.counts:
        differences = [
            f"{kind}: declared {header.counts.get(kind, 0)}, found {actual.get(kind, 0)}"
            for kind in sorted(set(actual) | set(header.counts))
            if actual.get(kind, 0) != header.counts.get(kind, 0)
        ]
        raise CatalogError(path, "framework.counts", "; ".join(differences))
    return Framework(
        id=header.id,
        name=header.name,
        version=header.version,
        publisher=header.publisher,
        source=header.source,
        notice=header.notice,
        description=header.description,
        requirements=tuple(requirements),
    )


def _build_mapping(
    set_id: str, parsed: MappingSetFile, entry: MappingEntry
) -> tuple[Mapping | None, list[str]]:
    defaults = parsed.mapping_set.defaults
    relationship = entry.relationship or defaults.relationship
    rationale = entry.rationale or defaults.rationale
    note = entry.note or defaults.note
    missing = [
        name
        for name, value in (
            ("relationship", relationship),
            ("rationale", rationale),
            ("note", note),
        )
        if value is None
    ]
    if missing:
        return None, [f"missing {', '.join(missing)} (no default in mapping_set.defaults)"]
    assert relationship is not None and rationale is not None and note is not None
    if entry.target is None and relationship is not Relationship.NO_RELATIONSHIP:
        return None, ["only a no_relationship edge may omit its target"]
    header = parsed.mapping_set
    return (
        Mapping(
            set_id=set_id,
            source=requirement_key(header.source_framework, entry.source),
            target=(
                requirement_key(header.target_framework, entry.target)
                if entry.target is not None
                else None
            ),
            relationship=relationship,
            rationale=rationale,
            note=note,
            strength=entry.strength if entry.strength is not None else defaults.strength,
            beyond_refined=entry.beyond_refined,
            attributes=MappingProxyType({k: str(v) for k, v in entry.attributes.items()}),
            marked_weak=entry.weak,
        ),
        [],
    )


def read_mapping_set(
    path: Path, frameworks: dict[str, Framework], data: Any | None = None
) -> tuple[MappingSet, list[Problem]]:
    """Parse a mapping set; reference problems are returned, format problems raised."""
    data = _read_yaml(path) if data is None else data
    try:
        parsed = MappingSetFile.model_validate(data)
    except ValidationError as error:
        raise _validation_error(path, data, error) from error
    header = parsed.mapping_set
    for side in ("source_framework", "target_framework"):
        framework_id = getattr(header, side)
        if framework_id not in frameworks:
            raise CatalogError(path, f"mapping_set.{side}", f"unknown framework {framework_id!r}")
    source_fw = frameworks[header.source_framework]
    target_fw = frameworks[header.target_framework]
    problems: list[Problem] = []
    mappings: list[Mapping] = []
    source_index: RefIndex | None = None
    target_index: RefIndex | None = None
    for position, entry in enumerate(parsed.mappings):
        target_label = f" -> {entry.target!r}" if entry.target is not None else ""
        where = f"mappings[{position}] ({entry.source!r}{target_label})"
        mapping, messages = _build_mapping(header.id, parsed, entry)
        for message in messages:
            problems.append(Problem(str(path), where, message))
        if entry.source not in source_fw:
            source_index = source_index or RefIndex(source_fw)
            hint = ", ".join(source_index.suggest(entry.source))
            problems.append(
                Problem(
                    str(path),
                    where,
                    f"unknown source ref {header.source_framework}:{entry.source}"
                    + (f" (did you mean {hint}?)" if hint else ""),
                )
            )
            mapping = None
        if entry.target is not None and entry.target not in target_fw:
            target_index = target_index or RefIndex(target_fw)
            hint = ", ".join(target_index.suggest(entry.target))
            problems.append(
                Problem(
                    str(path),
                    where,
                    f"unknown target ref {header.target_framework}:{entry.target}"
                    + (f" (did you mean {hint}?)" if hint else ""),
                )
            )
            mapping = None
        if mapping is not None:
            mappings.append(mapping)
    provenance = header.provenance
    mapping_set = MappingSet(
        id=header.id,
        version=header.version,
        title=header.title,
        description=header.description,
        source_framework=header.source_framework,
        target_framework=header.target_framework,
        refines=header.refines,
        provenance=Provenance(
            source=provenance.source,
            method=provenance.method,
            authors=tuple(provenance.authors),
            reviewed_on=provenance.reviewed_on,
            reviewed_by=provenance.reviewed_by,
            license=provenance.license,
            url=provenance.url,
        ),
        mappings=tuple(mappings),
    )
    return mapping_set, problems


@dataclass(frozen=True, slots=True)
class Guidance:
    """What to build for a requirement, and the cadence auditors commonly expect of it."""

    key: str
    suggested_control: str | None = None
    effort: str | None = None
    artifact: str | None = None
    expected_frequency: str | None = None
    frequency_basis: str | None = None
    records: tuple[str, ...] = ()  # the ISMS records that satisfy a clause (IsmsRecord)


def read_guidance(
    path: Path, frameworks: dict[str, Framework], data: Any | None = None
) -> dict[str, Guidance]:
    data = _read_yaml(path) if data is None else data
    try:
        parsed = GuidanceFile.model_validate(data)
    except ValidationError as error:
        raise _validation_error(path, data, error) from error
    found: dict[str, Guidance] = {}

    def check(framework_id: str, ref: str, where: str) -> str:
        framework = frameworks.get(framework_id)
        if framework is None:
            raise CatalogError(path, where, f"unknown framework {framework_id!r}")
        if ref not in framework:
            raise CatalogError(path, where, f"unknown ref {framework_id}:{ref}")
        key = requirement_key(framework_id, ref)
        if key in found:
            raise CatalogError(path, where, f"duplicate guidance for {key}")
        return key

    for position, entry in enumerate(parsed.requirements):
        key = check(
            parsed.guidance.framework, entry.ref, f"requirements[{position}] (ref {entry.ref!r})"
        )
        found[key] = Guidance(
            key,
            entry.suggested_control,
            entry.effort,
            entry.artifact,
            entry.expected_frequency,
            entry.frequency_basis,
            tuple(entry.records),
        )
    for position, expectation in enumerate(parsed.soc2_expectations):
        key = check(
            "soc2-tsc-2017",
            expectation.ref,
            f"soc2_expectations[{position}] (ref {expectation.ref!r})",
        )
        found[key] = Guidance(
            key,
            expected_frequency=expectation.expected_frequency,
            frequency_basis=expectation.frequency_basis,
        )
    return found


@dataclass
class Library:
    """Every framework and mapping set in use, with the indexes queries need."""

    frameworks: dict[str, Framework]
    mapping_sets: dict[str, MappingSet]
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    guidance: dict[str, Guidance] = field(default_factory=dict)
    retired: tuple[Mapping, ...] = ()  # shipped edges a workspace's team retired

    def with_adjustments(self, adjustments: Iterable[Adjustment]) -> Library:
        """This library as a workspace's team adjusted it; shipped sets are left untouched."""
        laid = overlay(self.mapping_sets, adjustments, self.coverage_sets)
        if laid.mapping_sets is self.mapping_sets:
            return self
        adjusted = Library(
            self.frameworks,
            laid.mapping_sets,
            self.sources,
            self.problems,
            self.guidance,
            laid.retired,
        )
        adjusted.__dict__["ref_indexes"] = self.ref_indexes  # same frameworks: share the index
        return adjusted

    @cached_property
    def coverage_sets(self) -> set[str]:
        """Sets used for coverage: a set refined by a finer one is superseded by it."""
        refined = {s.refines for s in self.mapping_sets.values() if s.refines}
        return {set_id for set_id in self.mapping_sets if set_id not in refined}

    @cached_property
    def graph(self) -> CrosswalkGraph:
        return CrosswalkGraph(self.mapping_sets.values())

    @cached_property
    def ref_indexes(self) -> dict[str, RefIndex]:
        return {fid: RefIndex(fw) for fid, fw in self.frameworks.items()}

    def requirement(self, key: str) -> Requirement | None:
        framework_id, _, ref = key.partition(":")
        framework = self.frameworks.get(framework_id)
        return framework.get(ref) if framework is not None else None


def shipped_files() -> list[Path]:
    return [
        path
        for folder in ("frameworks", "mappings", "guidance")
        for path in sorted((SHIPPED_DIR / folder).glob("*.yaml"))
    ]


def extra_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders given by the user (``--catalog-path``) into YAML files."""
    found: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            found.extend(sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")))
        elif path.exists():
            found.append(path)
        else:
            raise CatalogError(path, "", "no such file or folder")
    return found


def paths_from_environment() -> list[str]:
    value = os.environ.get(CATALOG_PATH_ENV, "")
    return [p for p in value.split(os.pathsep) if p]


def load_library(extra: Sequence[Path | str] = (), strict: bool = True) -> Library:
    """Load the shipped catalogs and mapping sets, plus any extra files.

    With ``strict`` any reference problem in a mapping set raises; without it problems
    are collected on the library (for linting) and the bad edges left out.
    """
    files = shipped_files() + extra_files([*paths_from_environment(), *extra])
    parsed: list[tuple[Path, str, Any]] = []
    for path in files:
        data = _read_yaml(path)
        parsed.append((path, _kind_of_file(path, data), data))
    frameworks: dict[str, Framework] = {}
    sources: dict[str, str] = {}
    for path, kind, data in parsed:
        if kind == CATALOG_FORMAT:
            framework = read_catalog(path, data)
            if framework.id in frameworks:
                raise CatalogError(
                    path,
                    "framework.id",
                    f"{framework.id!r} is also defined in {sources[framework.id]}",
                )
            frameworks[framework.id] = framework
            sources[framework.id] = str(path)
        elif kind not in (MAPPING_SET_FORMAT, GUIDANCE_FORMAT):
            raise CatalogError(
                path,
                "format",
                f"unknown format {kind!r}; expected {CATALOG_FORMAT}, {MAPPING_SET_FORMAT} "
                f"or {GUIDANCE_FORMAT}",
            )
    mapping_sets: dict[str, MappingSet] = {}
    problems: list[Problem] = []
    for path, kind, data in parsed:
        if kind != MAPPING_SET_FORMAT:
            continue
        mapping_set, found = read_mapping_set(path, frameworks, data)
        if mapping_set.id in mapping_sets:
            raise CatalogError(
                path,
                "mapping_set.id",
                f"{mapping_set.id!r} is also defined in {sources[mapping_set.id]}",
            )
        if found and strict:
            first = found[0]
            more = (
                f" (and {len(found) - 1} more; run `crosswalk mappings lint`)"
                if len(found) > 1
                else ""
            )
            raise CatalogError(first.path, first.where, first.message + more)
        problems.extend(found)
        mapping_sets[mapping_set.id] = mapping_set
        sources[mapping_set.id] = str(path)
    for mapping_set in mapping_sets.values():
        if mapping_set.refines is not None and mapping_set.refines not in mapping_sets:
            raise CatalogError(
                sources[mapping_set.id],
                "mapping_set.refines",
                f"refines unknown mapping set {mapping_set.refines!r}",
            )
    guidance: dict[str, Guidance] = {}
    for path, kind, data in parsed:
        if kind == GUIDANCE_FORMAT:
            guidance.update(read_guidance(path, frameworks, data))
    return Library(frameworks, mapping_sets, sources, problems, guidance)
