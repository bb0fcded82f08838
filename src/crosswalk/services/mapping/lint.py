"""A quality scorecard for every mapping set, and the defects that make one unusable.

Errors are structural (unknown refs, missing fields, duplicate or contradictory edges,
edges that break a refinement); warnings are judgment calls a reviewer should look at.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from crosswalk.catalogs.loader import Library
from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import split_key

DEFAULT_BACKBONE = "nist-csf-2.0"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    mapping_set: str
    where: str
    message: str


@dataclass
class Scorecard:
    mapping_set: str
    title: str
    version: str
    source_framework: str
    target_framework: str
    provenance: str
    method: str
    edges: int
    by_relationship: dict[str, int]
    by_rationale: dict[str, int]
    typed_share: float  # share of edges with a relationship other than intersects_with
    with_strength: int
    sources_reached: int
    sources_total: int
    targets_reached: int
    targets_total: int
    unreached_targets: list[str]
    unmapped_sources: list[str]
    findings: list[Finding] = field(default_factory=list)
    backbone: str | None = None
    backbone_reaches: int = 0  # direct edges whose pair the backbone also connects
    backbone_certain: int = 0  # ... with a relationship set theory guarantees

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


@dataclass
class LintReport:
    scorecards: list[Scorecard]
    findings: list[Finding]  # problems not tied to one set's scorecard (cross-set)

    @property
    def all_findings(self) -> list[Finding]:
        return [f for card in self.scorecards for f in card.findings] + self.findings

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.all_findings)


# Pairs of authored relationships on the same two requirements that cannot both hold.
_CONTRADICTIONS = {
    frozenset({Relationship.SUBSET_OF, Relationship.SUPERSET_OF}),
    frozenset({Relationship.EQUAL, Relationship.INTERSECTS_WITH}),
    frozenset({Relationship.NO_RELATIONSHIP, Relationship.EQUAL}),
    frozenset({Relationship.NO_RELATIONSHIP, Relationship.SUBSET_OF}),
    frozenset({Relationship.NO_RELATIONSHIP, Relationship.SUPERSET_OF}),
    frozenset({Relationship.NO_RELATIONSHIP, Relationship.INTERSECTS_WITH}),
}


def _oriented(mapping: Mapping, source_framework: str) -> tuple[str, str, Relationship]:
    """The edge read from ``source_framework``'s side, so sets in either direction compare."""
    assert mapping.target is not None
    if split_key(mapping.source)[0] == source_framework:
        return mapping.source, mapping.target, mapping.relationship
    return mapping.target, mapping.source, mapping.relationship.inverse


def _kinds_used(library: Library, keys: Iterable[str]) -> set[str]:
    kinds = set()
    for key in keys:
        requirement = library.requirement(key)
        if requirement is not None:
            kinds.add(requirement.kind)
    return kinds


def _lineage(library: Library, key: str) -> list[str]:
    framework_id, _, ref = key.partition(":")
    framework = library.frameworks[framework_id]
    return [key, *(a.key for a in framework.ancestors(ref))]


def _refinement_findings(library: Library, mapping_set: MappingSet) -> list[Finding]:
    assert mapping_set.refines is not None
    coarse = library.mapping_sets[mapping_set.refines]
    coarse_pairs = {(m.source, m.target) for m in coarse.mappings if m.target is not None}
    findings = []
    for mapping in mapping_set.mappings:
        if mapping.target is None or mapping.beyond_refined:
            continue
        rolls_up = any(
            (s, t) in coarse_pairs
            for s in _lineage(library, mapping.source)
            for t in _lineage(library, mapping.target)
        )
        if not rolls_up:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "breaks-refinement",
                    mapping_set.id,
                    f"{mapping.source} -> {mapping.target}",
                    f"does not roll up into {coarse.id} and has no beyond_refined note",
                )
            )
    return findings


def _compare_with_backbone(
    library: Library, card: Scorecard, mapping_set: MappingSet, backbone: str, max_hops: int = 2
) -> None:
    """Compare each direct edge with what the backbone implies for the same pair."""
    if backbone in (mapping_set.source_framework, mapping_set.target_framework):
        return
    graph = library.graph
    card.backbone = backbone
    findings = card.findings
    for mapping in mapping_set.mappings:
        if mapping.target is None:
            continue
        inferred = [
            p
            for p in graph.infer(mapping.source, mapping_set.target_framework, [backbone], max_hops)
            if p.target == mapping.target
        ]
        certain = {p.composed.relationship for p in inferred if p.composed.certain}
        card.backbone_reaches += bool(inferred)
        card.backbone_certain += bool(certain)
        if mapping.relationship is Relationship.NO_RELATIONSHIP and certain:
            findings.append(
                Finding(
                    Severity.WARNING,
                    "backbone-disagrees",
                    mapping_set.id,
                    f"{mapping.source} -> {mapping.target}",
                    f"authored no_relationship, but {backbone} implies "
                    + ", ".join(sorted(r.value for r in certain)),
                )
            )
        for relationship in certain:
            if frozenset({relationship, mapping.relationship}) in _CONTRADICTIONS:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "backbone-disagrees",
                        mapping_set.id,
                        f"{mapping.source} -> {mapping.target}",
                        f"authored {mapping.relationship.value}, but {backbone} implies "
                        f"{relationship.value}",
                    )
                )


def _scorecard(library: Library, mapping_set: MappingSet) -> Scorecard:
    mappings = mapping_set.mappings
    findings: list[Finding] = []
    pair_counts: dict[tuple[str, str | None], list[Mapping]] = defaultdict(list)
    for mapping in mappings:
        pair_counts[(mapping.source, mapping.target)].append(mapping)
    for (source, target), group in pair_counts.items():
        if len(group) < 2:
            continue
        relationships = {m.relationship for m in group}
        code, severity = (
            ("contradictory-edges", Severity.ERROR)
            if len(relationships) > 1
            else ("duplicate-edge", Severity.ERROR)
        )
        findings.append(
            Finding(
                severity,
                code,
                mapping_set.id,
                f"{source} -> {target or '(none)'}",
                f"{len(group)} edges for one pair: "
                + ", ".join(sorted(r.value for r in relationships)),
            )
        )
    sources_with_targets = {m.source for m in mappings if m.target is not None}
    for mapping in mappings:
        if mapping.target is None and mapping.source in sources_with_targets:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "contradictory-edges",
                    mapping_set.id,
                    mapping.source,
                    "recorded as having no counterpart, yet mapped elsewhere in the set",
                )
            )
    if mapping_set.refines is not None:
        findings.extend(_refinement_findings(library, mapping_set))

    source_fw = library.frameworks[mapping_set.source_framework]
    target_fw = library.frameworks[mapping_set.target_framework]
    source_kinds = _kinds_used(library, (m.source for m in mappings))
    target_kinds = _kinds_used(library, (m.target for m in mappings if m.target))
    sources = [r for r in source_fw if r.kind in source_kinds]
    targets = [r for r in target_fw if r.kind in target_kinds]
    reached_sources = {m.source for m in mappings}
    reached_targets = {m.target for m in mappings if m.target is not None}
    by_relationship = Counter(m.relationship.value for m in mappings)
    typed = sum(n for rel, n in by_relationship.items() if rel != Relationship.INTERSECTS_WITH)
    return Scorecard(
        mapping_set=mapping_set.id,
        title=mapping_set.title,
        version=mapping_set.version,
        source_framework=mapping_set.source_framework,
        target_framework=mapping_set.target_framework,
        provenance=mapping_set.provenance.source,
        method=mapping_set.provenance.method.value,
        edges=len(mappings),
        by_relationship=dict(by_relationship),
        by_rationale=dict(Counter(m.rationale.value for m in mappings)),
        typed_share=round(typed / len(mappings), 3) if mappings else 0.0,
        with_strength=sum(1 for m in mappings if m.strength is not None),
        sources_reached=sum(1 for r in sources if r.key in reached_sources),
        sources_total=len(sources),
        targets_reached=sum(1 for r in targets if r.key in reached_targets),
        targets_total=len(targets),
        unreached_targets=[r.ref for r in targets if r.key not in reached_targets],
        unmapped_sources=[r.ref for r in sources if r.key not in reached_sources],
        findings=findings,
    )


def _cross_set_findings(library: Library) -> list[Finding]:
    """The same pair of requirements given incompatible relationships by two sets."""
    seen: dict[tuple[str, str], list[tuple[str, Relationship]]] = defaultdict(list)
    for mapping_set in library.mapping_sets.values():
        for mapping in mapping_set.mappings:
            if mapping.target is None:
                continue
            ends = sorted([split_key(mapping.source)[0], split_key(mapping.target)[0]])
            source, target, relationship = _oriented(mapping, ends[0])
            seen[(source, target)].append((mapping_set.id, relationship))
    findings = []
    for (source, target), entries in seen.items():
        set_ids = {set_id for set_id, _ in entries}
        if len(set_ids) < 2:
            continue
        for i, (set_a, rel_a) in enumerate(entries):
            for set_b, rel_b in entries[i + 1 :]:
                if set_a != set_b and frozenset({rel_a, rel_b}) in _CONTRADICTIONS:
                    findings.append(
                        Finding(
                            Severity.WARNING,
                            "sets-disagree",
                            f"{set_a}, {set_b}",
                            f"{source} -> {target}",
                            f"{set_a} says {rel_a.value}, {set_b} says {rel_b.value}",
                        )
                    )
    return findings


def lint_library(
    library: Library, only: Iterable[str] | None = None, backbone: str | None = DEFAULT_BACKBONE
) -> LintReport:
    wanted = set(only) if only is not None else set(library.mapping_sets)
    problem_findings: dict[str, list[Finding]] = defaultdict(list)
    path_to_set = {path: set_id for set_id, path in library.sources.items()}
    for problem in library.problems:
        set_id = path_to_set.get(problem.path, problem.path)
        problem_findings[set_id].append(
            Finding(Severity.ERROR, "bad-edge", set_id, problem.where, problem.message)
        )
    from crosswalk.services.mapping.lint_content import content_findings  # uses Finding

    scorecards = []
    for set_id in sorted(wanted):
        mapping_set = library.mapping_sets[set_id]
        card = _scorecard(library, mapping_set)
        card.findings[:0] = problem_findings.get(set_id, [])
        card.findings.extend(content_findings(library, mapping_set))
        if backbone and backbone in library.frameworks:
            _compare_with_backbone(library, card, mapping_set, backbone)
        scorecards.append(card)
    cross = [
        f
        for f in _cross_set_findings(library)
        if any(s in wanted for s in f.mapping_set.split(", "))
    ]
    return LintReport(scorecards, cross)
