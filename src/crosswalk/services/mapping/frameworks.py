"""What frameworks are loaded, and what one requirement looks like with all its mappings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from crosswalk.catalogs.loader import Library
from crosswalk.domain.graph import Step
from crosswalk.domain.mappings import Mapping
from crosswalk.domain.requirements import Framework, Requirement, split_key

PARAMETER = "param."  # attributes an OSCAL profile's parameter values are kept in
# Not listed as attributes: parameter values (listed apart) and the OSCAL structure an
# import keeps for the export (``oscal.params``, ``oscal.links``, ``oscal.guidance``).
HIDDEN_PREFIXES = (PARAMETER, "oscal.")


@dataclass(frozen=True)
class GroupCount:
    ref: str
    title: str
    kind: str
    counts: dict[str, int]


@dataclass(frozen=True)
class FrameworkSummary:
    id: str
    name: str
    version: str
    publisher: str
    source: str
    notice: str
    total: int
    counts: dict[str, int]
    groups: list[GroupCount]
    mapping_sets: list[str]


def _group_counts(framework: Framework, root: Requirement) -> GroupCount:
    counts: dict[str, int] = {}
    for descendant in framework.descendants(root.ref):
        counts[descendant.kind] = counts.get(descendant.kind, 0) + 1
    return GroupCount(root.ref, root.title, root.kind, counts)


def summarize_frameworks(library: Library) -> list[FrameworkSummary]:
    summaries = []
    for framework in library.frameworks.values():
        sets = [
            s.id
            for s in library.mapping_sets.values()
            if framework.id in (s.source_framework, s.target_framework)
        ]
        summaries.append(
            FrameworkSummary(
                id=framework.id,
                name=framework.name,
                version=framework.version,
                publisher=framework.publisher,
                source=framework.source,
                notice=framework.notice,
                total=len(framework),
                counts=framework.counts_by_kind(),
                groups=[_group_counts(framework, root) for root in framework.roots()],
                mapping_sets=sorted(sets),
            )
        )
    return summaries


@dataclass(frozen=True)
class RequirementRef:
    key: str
    ref: str
    title: str
    kind: str


@dataclass(frozen=True)
class MappingView:
    """One edge seen from the requirement being shown."""

    direction: str  # "outgoing" (authored from this side) or "incoming"
    other: RequirementRef
    relationship: str  # read from this requirement's side
    authored_relationship: str
    rationale: str
    strength: int | None
    note: str
    mapping_set: str
    provenance: str
    beyond_refined: str | None
    attributes: dict[str, str]
    weak: bool = False  # strength 1-3: tangential, never counted beyond partial
    adjusted: str | None = None  # the team's reason, when a workspace adjustment shaped it
    retired: bool = False  # a shipped edge the team retired: shown, used nowhere
    cautions: list[str] = field(default_factory=list)  # what a reader must know about it


@dataclass(frozen=True)
class RequirementDetail:
    key: str
    framework: str
    framework_name: str
    ref: str
    title: str
    kind: str
    mandatory: bool
    text: str | None
    attributes: dict[str, str]
    parent: RequirementRef | None
    ancestors: list[RequirementRef]
    children: list[RequirementRef]
    mappings: list[MappingView]
    no_counterpart: list[MappingView] = field(default_factory=list)
    notice: str = ""
    retired: list[MappingView] = field(default_factory=list)  # retired by the team
    # OSCAL parameters a profile gave a value or constraint (``param.ID`` attributes), by id
    parameters: dict[str, str] = field(default_factory=dict)


def _ref_of(requirement: Requirement) -> RequirementRef:
    return RequirementRef(requirement.key, requirement.ref, requirement.title, requirement.kind)


def requirement_ref(library: Library, key: str) -> RequirementRef:
    """Short description of any key; tolerates keys whose framework is not loaded."""
    requirement = library.requirement(key)
    if requirement is not None:
        return _ref_of(requirement)
    return RequirementRef(key, key.partition(":")[2], "(not loaded)", "")


def mapping_view(library: Library, edge: Step) -> MappingView:
    mapping = edge.mapping
    mapping_set = library.mapping_sets[mapping.set_id]
    return MappingView(
        direction="incoming" if edge.inverted else "outgoing",
        other=requirement_ref(library, edge.end),
        relationship=edge.relationship.value,
        authored_relationship=mapping.relationship.value,
        rationale=mapping.rationale.value,
        strength=mapping.strength,
        note=mapping.note,
        mapping_set=mapping.set_id,
        provenance=mapping_set.provenance.source,
        beyond_refined=mapping.beyond_refined,
        attributes=dict(mapping.attributes),
        weak=mapping.weak,
        adjusted=mapping.adjusted,
        cautions=edge_cautions(library, mapping),
    )


def edge_cautions(library: Library, mapping: Mapping) -> list[str]:
    """What a reader must know before trusting an edge: a published table's ref that is almost
    certainly the previous edition's numbering."""
    cautions = []
    attributes = mapping.attributes
    if mapping.misnumbered and mapping.target is not None:
        framework_id, ref = split_key(mapping.target)
        now = library.requirement(mapping.target)
        reads_as = attributes.get("reads_as", "")
        meant = library.requirement(f"{framework_id}:{reads_as}") if reads_as else None
        cautions.append(
            f"the table's {ref} is almost certainly {attributes.get('numbering', 'older')} "
            "numbering"
            + (f" ({attributes['numbering_note']})" if attributes.get("numbering_note") else "")
            + f"; in this edition {ref} is {now.title if now else 'another control'}"
            + (f": read it as {reads_as} {meant.title}" if meant else "")
            + "; this edge counts toward nothing"
        )
    return cautions


def describe_requirement(library: Library, key: str) -> RequirementDetail:
    requirement = library.requirement(key)
    if requirement is None:  # resolve_requirement() comes first; this is a programming error
        raise KeyError(key)
    framework = library.frameworks[requirement.framework]
    graph = library.graph
    parent = framework.get(requirement.parent) if requirement.parent else None
    views = [mapping_view(library, edge) for edge in graph.edges_of(key)]
    views.sort(key=lambda v: (v.direction, v.other.key.partition(":")[0], -(v.strength or 0)))
    no_counterpart = [
        MappingView(
            direction="outgoing",
            other=RequirementRef("", "", "(no counterpart)", ""),
            relationship=m.relationship.value,
            authored_relationship=m.relationship.value,
            rationale=m.rationale.value,
            strength=m.strength,
            note=m.note,
            mapping_set=m.set_id,
            provenance=library.mapping_sets[m.set_id].provenance.source,
            beyond_refined=None,
            attributes=dict(m.attributes),
        )
        for m in graph.unmapped_notes(key)
    ]
    return RequirementDetail(
        key=key,
        framework=framework.id,
        framework_name=framework.name,
        ref=requirement.ref,
        title=requirement.title,
        kind=requirement.kind,
        mandatory=requirement.mandatory,
        text=requirement.text,
        attributes={
            k: v for k, v in requirement.attributes.items() if not k.startswith(HIDDEN_PREFIXES)
        },
        parent=_ref_of(parent) if parent else None,
        ancestors=[_ref_of(a) for a in framework.ancestors(requirement.ref)],
        children=[_ref_of(c) for c in framework.children(requirement.ref)],
        mappings=views,
        no_counterpart=no_counterpart,
        notice=framework.notice,
        retired=[
            replace(mapping_view(library, Step(m, inverted=m.target == key)), retired=True)
            for m in library.retired
            if key in (m.source, m.target)
        ],
        parameters={
            k.removeprefix(PARAMETER): v
            for k, v in requirement.attributes.items()
            if k.startswith(PARAMETER)
        },
    )
