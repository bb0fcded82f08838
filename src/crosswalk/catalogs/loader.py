"""Assemble catalog and mapping-set files into a library, from the compiled cache when it
holds them (``compiled``) and by parsing them (``parse``) when it does not.

A malformed file fails with its path and the ref (or document path) at fault; nothing
half-loaded is ever returned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from crosswalk.domain.adjustments import Adjustment, overlay
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.graph import CrosswalkGraph
from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.requirements import Framework, Requirement

SHIPPED_DIR = Path(__file__).parent
CATALOG_PATH_ENV = "CROSSWALK_CATALOG_PATH"


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


@dataclass
class Library:
    """Every framework and mapping set in use, with the indexes queries need."""

    frameworks: MappingType[str, Framework]  # a dict, or a FrameworkShelf read as needed
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
        """Sets used for coverage: a set refined by a finer one is superseded by it, and an
        alternative (another tool's view of a pair already joined) counts only when chosen."""
        refined = {
            s.refines for s in self.mapping_sets.values() if s.refines and not s.alternative_to
        }
        return {
            set_id
            for set_id, mapping_set in self.mapping_sets.items()
            if set_id not in refined and mapping_set.alternative_to is None
        }

    def choosing(self, set_id: str) -> Library:
        """This library judging with ``set_id`` in place of every other set joining the
        same two frameworks (either way): to compare verdicts between two views."""
        chosen = self.mapping_sets.get(set_id)
        if chosen is None:
            raise CrosswalkError(f"unknown mapping set {set_id!r}; `crosswalk mappings` lists them")
        pair = {chosen.source_framework, chosen.target_framework}
        kept = {
            s
            for s in self.coverage_sets
            if {self.mapping_sets[s].source_framework, self.mapping_sets[s].target_framework}
            != pair
        }
        other = Library(
            self.frameworks,
            self.mapping_sets,
            self.sources,
            self.problems,
            self.guidance,
            self.retired,
        )
        other.__dict__.update(
            graph=self.graph, ref_indexes=self.ref_indexes, coverage_sets=kept | {set_id}
        )
        return other

    @cached_property
    def graph(self) -> CrosswalkGraph:
        return CrosswalkGraph(self.mapping_sets.values())

    @cached_property
    def ref_indexes(self) -> MappingType[str, RefIndex]:
        return RefIndexes(self.frameworks)

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


def load_library(
    extra: Sequence[Path | str] = (), strict: bool = True, compiled: bool = True
) -> Library:
    """Load the shipped catalogs and mapping sets, plus any extra files.

    With ``strict`` any reference problem in a mapping set raises; without it problems
    are collected on the library (for linting) and the bad edges left out. The result comes
    from the compiled cache when every file is unchanged (see ``compiled``); ``compiled=False``
    parses everything, as the cache's own checks do.
    """
    from crosswalk.catalogs.compiled import open_store

    files = shipped_files() + extra_files([*paths_from_environment(), *extra])
    store = open_store() if compiled else None
    if store is None:
        return _assemble([(path, _parse_unit(path)) for path in files], strict)
    digests = [store.digest(path) for path in files]
    at = dict(zip(digests, (str(p) for p in files), strict=True))
    key = store.library_key(strict, digests)
    cached = store.library(key)
    if isinstance(cached, CompiledLibrary):
        store.save_index()
        return cached.bind(at, str(store.folder))
    units = []
    for path, digest in zip(files, digests, strict=True):
        unit = store.unit(digest)
        if not isinstance(unit, Unit):
            unit = _parse_unit(path)
            store.put_unit(digest, unit)
        units.append((path, unit))
    library = _assemble(units, strict)
    _ = library.graph, library.coverage_sets  # compiled with it
    store.put_library(key, CompiledLibrary.of(library, {p: d for d, p in at.items()}))
    store.save_index()
    return library


class FrameworkShelf(MappingType[str, Framework]):
    """Frameworks by id, each read from its compiled unit the first time it is asked for:
    a workspace with sixty imported frameworks pays for the ones a command touches."""

    def __init__(
        self,
        digests: dict[str, str],
        paths: dict[str, str],
        folder: str | None,
        loaded: dict[str, Framework] | None = None,
    ) -> None:
        self._digests = digests
        self._paths = paths
        self._folder = folder
        self._loaded = dict(loaded or {})

    def __getitem__(self, framework_id: str) -> Framework:
        found = self._loaded.get(framework_id)
        if found is None:
            if framework_id not in self._digests:
                raise KeyError(framework_id)
            found = self._load(framework_id)
            self._loaded[framework_id] = found
        return found

    def _load(self, framework_id: str) -> Framework:
        from crosswalk.catalogs.compiled import CompiledStore

        digest = self._digests[framework_id]
        store = CompiledStore(Path(self._folder)) if self._folder else None
        unit = store.unit(digest) if store is not None else None
        if not isinstance(unit, Unit) or unit.framework is None:
            unit = _parse_unit(Path(self._paths[framework_id]))  # entry gone: parse again
            if store is not None:
                store.put_unit(digest, unit)
        if unit.framework is None or unit.framework.id != framework_id:
            raise CatalogError(
                self._paths[framework_id], "framework.id", "changed while in use; run again"
            )
        return unit.framework

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __contains__(self, framework_id: object) -> bool:
        return framework_id in self._digests

    def __reduce__(self) -> tuple[Any, ...]:
        return FrameworkShelf, (self._digests, self._paths, self._folder)


class RefIndexes(MappingType[str, RefIndex]):
    """Each framework's ref index, built the first time that framework is searched."""

    def __init__(self, frameworks: MappingType[str, Framework]) -> None:
        self._frameworks = frameworks
        self._built: dict[str, RefIndex] = {}

    def __getitem__(self, framework_id: str) -> RefIndex:
        index = self._built.get(framework_id)
        if index is None:
            index = self._built[framework_id] = RefIndex(self._frameworks[framework_id])
        return index

    def __iter__(self) -> Iterator[str]:
        return iter(self._frameworks)

    def __len__(self) -> int:
        return len(self._frameworks)

    def __contains__(self, framework_id: object) -> bool:
        return framework_id in self._frameworks


@dataclass
class CompiledLibrary:
    """What the cache keeps of an assembled library: everything but the frameworks (which
    stay in their own units) and the file paths (bound again when read, so a copied or moved
    workspace finds its entry: the key is the files' content)."""

    library: Library
    frameworks: dict[str, str]  # framework id -> unit digest
    sources: dict[str, str]  # framework or mapping set id -> digest of its file

    @classmethod
    def of(cls, library: Library, digest_of: dict[str, str]) -> CompiledLibrary:
        kept = Library(
            {},
            library.mapping_sets,
            {},
            [Problem(digest_of.get(p.path, p.path), p.where, p.message) for p in library.problems],
            library.guidance,
        )
        kept.__dict__.update(graph=library.graph, coverage_sets=library.coverage_sets)
        frameworks = {fid: digest_of[library.sources[fid]] for fid in library.frameworks}
        sources = {sid: digest_of[path] for sid, path in library.sources.items()}
        return cls(kept, frameworks, sources)

    def bind(self, at: dict[str, str], folder: str) -> Library:
        """The library for this process: paths from the files as they are now."""
        kept = self.library
        paths = {fid: at[digest] for fid, digest in self.frameworks.items()}
        library = Library(
            FrameworkShelf(self.frameworks, paths, folder),
            kept.mapping_sets,
            {sid: at[digest] for sid, digest in self.sources.items()},
            [Problem(at.get(p.path, p.path), p.where, p.message) for p in kept.problems],
            kept.guidance,
        )
        library.__dict__.update(graph=kept.graph, coverage_sets=kept.coverage_sets)
        return library


@dataclass(frozen=True, slots=True)
class Unit:
    """One source file, parsed: a catalog as its framework, anything else as its YAML data."""

    kind: str
    framework: Framework | None = None
    data: Any = None


def _parse_unit(path: Path) -> Unit:
    from crosswalk.catalogs.parse import kind_of_file, read_catalog, read_yaml
    from crosswalk.catalogs.schema import CATALOG_FORMAT

    data = read_yaml(path)
    kind = kind_of_file(path, data)
    if kind == CATALOG_FORMAT:
        return Unit(kind, framework=read_catalog(path, data))
    return Unit(kind, data=data)


def _assemble(units: list[tuple[Path, Unit]], strict: bool) -> Library:
    from crosswalk.catalogs.parse import read_guidance, read_mapping_set
    from crosswalk.catalogs.schema import CATALOG_FORMAT, GUIDANCE_FORMAT, MAPPING_SET_FORMAT

    frameworks: dict[str, Framework] = {}
    sources: dict[str, str] = {}
    for path, unit in units:
        if unit.framework is not None:
            framework = unit.framework
            if framework.id in frameworks:
                raise CatalogError(
                    path,
                    "framework.id",
                    f"{framework.id!r} is also defined in {sources[framework.id]}",
                )
            frameworks[framework.id] = framework
            sources[framework.id] = str(path)
        elif unit.kind not in (MAPPING_SET_FORMAT, GUIDANCE_FORMAT):
            raise CatalogError(
                path,
                "format",
                f"unknown format {unit.kind!r}; expected {CATALOG_FORMAT}, {MAPPING_SET_FORMAT} "
                f"or {GUIDANCE_FORMAT}",
            )
    mapping_sets: dict[str, MappingSet] = {}
    problems: list[Problem] = []
    for path, unit in units:
        if unit.kind != MAPPING_SET_FORMAT:
            continue
        mapping_set, found = read_mapping_set(path, frameworks, unit.data)
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
    for path, unit in units:
        if unit.kind == GUIDANCE_FORMAT:
            guidance.update(read_guidance(path, frameworks, unit.data))
    return Library(frameworks, mapping_sets, sources, problems, guidance)
