"""Parsing catalog, mapping-set and guidance files: YAML, checked with the pydantic models.

Only a cache miss comes here (see ``compiled``): commands that find the library compiled never
import YAML or pydantic.
"""

from __future__ import annotations

import stat
from collections import Counter
from collections.abc import Mapping as MappingOf
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from crosswalk.catalogs.loader import CatalogError, Guidance, Problem
from crosswalk.catalogs.schema import (
    CatalogFile,
    GuidanceFile,
    MappingEntry,
    MappingSetFile,
)
from crosswalk.domain.limits import max_input_bytes, too_big, too_deep, yaml_too_deep
from crosswalk.domain.mappings import Mapping, MappingSet, Provenance
from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, Requirement, requirement_key


def _read_limited(path: Path) -> bytes:
    """A regular file within the input size limit (``domain.limits``): a pipe named like a
    catalog is never opened and waited on."""
    try:
        info = path.stat()
    except OSError as error:
        raise CatalogError(path, "", f"cannot read file: {error.strerror}") from error
    if not stat.S_ISREG(info.st_mode):
        raise CatalogError(path, "", "not a regular file (a folder, a pipe or a device)")
    limit = max_input_bytes()
    if info.st_size > limit:
        raise CatalogError(path, "", too_big(info.st_size, limit))
    try:
        with path.open("rb") as handle:
            return handle.read()
    except OSError as error:
        raise CatalogError(path, "", f"cannot read file: {error.strerror}") from error


def read_yaml(path: Path) -> Any:
    """A catalog, mapping-set or guidance file's YAML, within the input limits: nesting past
    ``MAX_DEPTH`` is refused before libyaml (whose composer would crash) sees it. PyYAML is
    imported here: most commands read the compiled library and never parse YAML."""
    import yaml

    data = _read_limited(path)
    line = yaml_too_deep(data)
    if line is not None:
        raise CatalogError(path, f"line {line}" if line else "", too_deep())
    try:
        return yaml.load(data, Loader=_safe_loader())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CatalogError(path, where, f"not valid YAML: {problem}") from error
    except RecursionError:
        raise CatalogError(path, "", too_deep()) from None
    except ValueError as error:  # an int of more than 4,300 digits
        raise CatalogError(path, "", f"a value that cannot be read: {error}") from None


def parse_yaml_text(text: str) -> Any:
    """YAML already in memory, read with the same (fast, safe) loader as files."""
    import yaml

    return yaml.load(text, Loader=_safe_loader())


def _safe_loader() -> Any:
    """libyaml's safe loader, several times faster; PyYAML's own without libyaml."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def kind_of_file(path: Path, data: Any) -> str:
    if not isinstance(data, dict) or "format" not in data:
        raise CatalogError(path, "format", "missing 'format' (a catalog or mapping-set file)")
    return str(data["format"])


def read_catalog(path: Path, data: Any | None = None) -> Framework:
    data = read_yaml(path) if data is None else data
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
    path: Path, frameworks: MappingOf[str, Framework], data: Any | None = None
) -> tuple[MappingSet, list[Problem]]:
    """Parse a mapping set; reference problems are returned, format problems raised."""
    data = read_yaml(path) if data is None else data
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
        alternative_to=header.alternative_to,
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


def read_guidance(
    path: Path, frameworks: MappingOf[str, Framework], data: Any | None = None
) -> dict[str, Guidance]:
    data = read_yaml(path) if data is None else data
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
