"""The crosswalk explorer: find any requirement as people type it, then see what it maps to
(both ways, direct and inferred), where each mapping comes from, and which of the
program's controls reach it. Read-only; the library is in memory, so all of this is cheap
except the program's coverage, which the caller may cache per framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import Coverage
from crosswalk.domain.coverage import Assessment, Contribution, assess
from crosswalk.domain.errors import AmbiguousReferenceError, CrosswalkError
from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.refs import squash
from crosswalk.domain.requirements import Requirement
from crosswalk.services.coverage.clauses import judge_clauses, record_standings
from crosswalk.services.coverage.gap import approved_exclusions, coverage_facts, likely_strength
from crosswalk.services.mapping.frameworks import RequirementDetail, describe_requirement
from crosswalk.services.mapping.library import resolve_framework, resolve_requirement
from crosswalk.services.mapping.queries import PathView, map_requirement

BACKBONE = "nist-csf-2.0"  # the framework inferred paths travel through
SEARCH_LIMIT = 200


@dataclass(frozen=True)
class SearchHit:
    key: str
    framework: str
    framework_name: str
    ref: str
    title: str
    kind: str
    mappings: int  # edges touching it, both directions
    matched: str  # "ref", "title", "text" or "browse"


def _rank(requirement: Requirement, exact: set[str], squashed: str, words: list[str]) -> int:
    """0 the ref itself, 1-2 part of a ref, 3-4 the title, 5 the text; -1 no match."""
    if requirement.key in exact:
        return 0
    ref = squash(requirement.ref)
    if squashed and ref == squashed:
        return 0
    if squashed and ref.startswith(squashed):
        return 1
    if len(squashed) >= 2 and squashed in ref:
        return 2
    title = requirement.title.lower()
    if words and " ".join(words) in title:
        return 3
    if words and all(word in title for word in words):
        return 4
    text = (requirement.text or "").lower()
    if words and text and all(word in text for word in words):
        return 5
    return -1


def _exact_keys(library: Library, given: str, framework: str | None) -> set[str]:
    """What the forgiving reference reader makes of the query (``5.15`` -> ISO A.5.15)."""
    try:
        return {resolve_requirement(library, given, framework)}
    except AmbiguousReferenceError as error:
        return set(error.candidates)
    except CrosswalkError:
        return set()


def search_requirements(
    library: Library, query: str, framework: str | None = None, limit: int = SEARCH_LIMIT
) -> list[SearchHit]:
    """Requirements of any loaded framework whose ref or title matches what was typed.

    Forgiving as the CLI is: ``a.5.15``, ``A 5.15`` and ``5.15`` find ISO A.5.15; words
    (``access control``) match titles, then texts. Best matches first. With no query and
    a framework, every requirement of that framework in document order.
    """
    framework_id = resolve_framework(library, framework) if framework else None
    chosen = (
        [library.frameworks[framework_id]] if framework_id else list(library.frameworks.values())
    )
    needle = " ".join(query.split())
    graph = library.graph
    found: list[tuple[int, int, int, SearchHit]] = []
    exact = _exact_keys(library, needle, framework_id) if needle else set()
    squashed = squash(needle) if needle else ""
    words = needle.lower().split()
    labels = {0: "ref", 1: "ref", 2: "ref", 3: "title", 4: "title", 5: "text"}
    for order, fw in enumerate(chosen):
        for position, requirement in enumerate(fw):
            rank = _rank(requirement, exact, squashed, words) if needle else 9
            if rank < 0:
                continue
            hit = SearchHit(
                key=requirement.key,
                framework=fw.id,
                framework_name=fw.name,
                ref=requirement.ref,
                title=requirement.title,
                kind=requirement.kind,
                mappings=len(graph.edges_of(requirement.key)),
                matched=labels.get(rank, "browse"),
            )
            found.append((rank, order, position, hit))
    found.sort(key=lambda item: item[:3])
    return [hit for *_, hit in found[:limit]]


@dataclass(frozen=True)
class SetProvenance:
    """Where a mapping set comes from, and whether coverage counts it."""

    id: str
    title: str
    version: str
    source_framework: str
    target_framework: str
    source: str
    method: str
    authors: list[str]
    reviewed_on: date | None
    reviewed_by: str | None
    license: str
    url: str
    mappings: int
    counts_for_coverage: bool
    superseded_by: str | None  # a finer set that refines this one


def set_provenance(library: Library, mapping_set: MappingSet) -> SetProvenance:
    finer = [s.id for s in library.mapping_sets.values() if s.refines == mapping_set.id]
    provenance = mapping_set.provenance
    return SetProvenance(
        id=mapping_set.id,
        title=mapping_set.title,
        version=mapping_set.version,
        source_framework=mapping_set.source_framework,
        target_framework=mapping_set.target_framework,
        source=provenance.source,
        method=provenance.method.value,
        authors=list(provenance.authors),
        reviewed_on=provenance.reviewed_on,
        reviewed_by=provenance.reviewed_by,
        license=provenance.license,
        url=provenance.url,
        mappings=len(mapping_set.mappings),
        counts_for_coverage=mapping_set.id in library.coverage_sets,
        superseded_by=finer[0] if finer else None,
    )


def all_set_provenance(library: Library) -> list[SetProvenance]:
    return [set_provenance(library, s) for s in library.mapping_sets.values()]


@dataclass(frozen=True)
class InferredGroup:
    """Paths into one framework through the backbone: possible overlaps unless certain."""

    framework: str
    framework_name: str
    via: list[str]
    paths: list[PathView]


def inferred_paths(library: Library, key: str, backbone: str = BACKBONE) -> list[InferredGroup]:
    """What ``crosswalk map KEY --to F --via BACKBONE`` infers, for every other framework."""
    own = key.partition(":")[0]
    if backbone not in library.frameworks or own == backbone:
        return []
    groups = []
    for framework in library.frameworks.values():
        if framework.id in (own, backbone):
            continue
        result = map_requirement(library, key, framework.id, [backbone])
        if result.inferred:
            groups.append(InferredGroup(framework.id, framework.name, [backbone], result.inferred))
    return groups


@dataclass(frozen=True)
class ControlRoute:
    """One way one of the program's controls reaches the requirement."""

    control_id: str
    title: str
    owner: str | None
    status: str
    tagged: str  # the requirement the control is tagged to
    relationship: str | None  # None when tagged to this requirement directly
    mapping_set: str | None
    strength: int | None
    gives: str  # "full" or "partial"
    counted: bool  # False: shown as a head start only (mandatory ISMS clauses)
    evidence_fresh: bool | None


@dataclass(frozen=True)
class RequirementProgram:
    verdict: str | None  # None when the framework is not assessed
    why_not_higher: list[str]
    exclusion_reason: str | None
    routes: list[ControlRoute]  # the strongest first, at most the limit asked for
    routes_total: int = 0
    controls_total: int = 0


def assess_framework(
    session: Session,
    library: Library,
    framework_id: str,
    today: date,
    workspace_root: Path | None = None,
) -> dict[str, Assessment]:
    """Every requirement of a framework judged as the gap analysis and dashboard judge it:
    the workspace's bar for "likely", the approved SoA's exclusions, clauses from records."""
    framework = library.frameworks[framework_id]
    facts, _ = coverage_facts(session, library, today=today)
    kinds = {r.kind for r in framework}
    judged = {}
    if any(g.records and key.startswith(f"{framework_id}:") for key, g in library.guidance.items()):
        standings = record_standings(session, library, today, facts, workspace_root)
        judged = judge_clauses(library, framework_id, standings)
    return assess(
        framework,
        facts,
        library.graph,
        library.coverage_sets,
        kinds,
        approved_exclusions(session),
        likely_strength=likely_strength(session),
        judged=judged,
    )


def _route(contribution: Contribution, counted: bool) -> ControlRoute:
    edge = contribution.step
    return ControlRoute(
        control_id=contribution.control_id,
        title=contribution.control_title,
        owner=contribution.owner,
        status=contribution.status.value,
        tagged=contribution.tagged,
        relationship=edge.relationship.value if edge else None,
        mapping_set=edge.mapping.set_id if edge else None,
        strength=edge.mapping.strength if edge else None,
        gives=contribution.level.value,
        counted=counted,
        evidence_fresh=contribution.evidence_fresh,
    )


def requirement_program(
    assessments: Mapping[str, Assessment], key: str, limit: int | None = None
) -> RequirementProgram:
    """How the program reaches ``key``; ``limit`` caps the routes listed (a big program has
    thousands of controls on a broad requirement), the totals still count them all."""
    assessment = assessments.get(key)
    if assessment is None:
        return RequirementProgram(None, [], None, [])
    found = [(True, c) for c in assessment.counted]
    found += [(False, c) for c in assessment.head_start]
    found.sort(key=_route_order)  # then only the routes listed become views
    return RequirementProgram(
        verdict=assessment.verdict.value,
        why_not_higher=list(assessment.why_not_higher),
        exclusion_reason=assessment.exclusion_reason,
        routes=[_route(c, counted) for counted, c in (found if limit is None else found[:limit])],
        routes_total=len(found),
        controls_total=len({c.control_id for c in assessment.counted}),
    )


def _route_order(item: tuple[bool, Contribution]) -> tuple[bool, bool, str, str]:
    """Counted first, full before partial, then by control and tagged requirement."""
    counted, contribution = item
    return (
        not counted,
        contribution.level is not Coverage.FULL,
        contribution.control_id,
        contribution.tagged,
    )


@dataclass(frozen=True)
class RequirementPage:
    detail: RequirementDetail
    guidance: dict[str, str]
    inferred: list[InferredGroup]
    sets: list[SetProvenance]  # every set a mapping or inferred step on the page comes from
    program: RequirementProgram
    framework_names: dict[str, str]


LibraryParts = tuple[RequirementDetail, dict[str, str], list[InferredGroup], list[SetProvenance]]


@dataclass
class PageMemo:
    """What one requirement page lends the next over the same library: the parts that
    depend on the library only, and the program's part while the requirement's assessment
    is the same object (the live program keeps one)."""

    library_parts: dict[str, LibraryParts] = field(default_factory=dict)
    programs: dict[tuple[str, int | None], tuple[Assessment, RequirementProgram]] = field(
        default_factory=dict
    )


def _library_parts(library: Library, key: str) -> LibraryParts:
    detail = describe_requirement(library, key)
    inferred = inferred_paths(library, key)
    used = [v.mapping_set for v in [*detail.mappings, *detail.no_counterpart]]
    used += [s.mapping_set for g in inferred for p in g.paths for s in p.steps]
    guidance = library.guidance.get(key)
    facts = {
        "suggested control": guidance.suggested_control if guidance else None,
        "artifact": guidance.artifact if guidance else None,
        "effort": guidance.effort if guidance else None,
        "expected frequency": guidance.expected_frequency if guidance else None,
        "why that frequency": guidance.frequency_basis if guidance else None,
    }
    sets = [set_provenance(library, library.mapping_sets[s]) for s in dict.fromkeys(used)]
    return detail, {k: v for k, v in facts.items() if v}, inferred, sets


def _program_part(
    assessments: Mapping[str, Assessment],
    key: str,
    limit: int | None,
    memo: PageMemo | None,
) -> RequirementProgram:
    assessment = assessments.get(key)
    known = memo.programs.get((key, limit)) if memo is not None else None
    if known is not None and assessment is not None and known[0] is assessment:
        return known[1]
    found = requirement_program(assessments, key, limit)
    if memo is not None and assessment is not None:
        memo.programs[(key, limit)] = (assessment, found)
    return found


def requirement_page(
    library: Library,
    given: str,
    assessments: Mapping[str, Assessment] | None = None,
    routes_limit: int | None = None,
    memo: PageMemo | None = None,
) -> RequirementPage:
    """Everything the explorer shows about one requirement (``given`` is forgiving);
    ``memo`` (for this library) lends what the previous pages computed."""
    key = resolve_requirement(library, given)
    parts = memo.library_parts.get(key) if memo is not None else None
    if parts is None:
        parts = _library_parts(library, key)
        if memo is not None:
            memo.library_parts[key] = parts
    detail, guidance, inferred, sets = parts
    return RequirementPage(
        detail=detail,
        guidance=guidance,
        inferred=inferred,
        sets=sets,
        program=(
            _program_part(assessments, key, routes_limit, memo)
            if assessments is not None
            else RequirementProgram(None, [], None, [])
        ),
        framework_names={f.id: f.name for f in library.frameworks.values()},
    )
