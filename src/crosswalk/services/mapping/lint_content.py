"""Content checks for a mapping set: the judgment calls a lead auditor's review found that
the structural checks cannot see. Every finding is a warning for a reviewer, never an error.

- ``merged-target-unnamed``: a ``superset_of``/``equal`` edge claims the whole of a target
  that absorbed several controls of the previous edition (per the loaded revision
  correspondence), but its note does not name each absorbed part.
- ``note-names-other``: the note names a requirement other than the edge's own source or
  target (a note copied from a neighbouring edge, or a point of focus of another criterion).
- ``mixed-levels``: one source targets both a requirement and one of its parts (9.2 and
  9.2.2): pick one level.
- ``weak-edges``: edges of strength 3 or less, counted (shown, never counted beyond partial).
- ``weak-mark`` (error): an edge marked ``weak`` whose strength is above the rubric's 1-3 band,
  or one marked not weak inside it; ``weak-unmarked``: a strength of 3 or less with no mark.
- ``renumbered-ref``: an edge reproduced from a published table (it keeps ``as_written``)
  whose target ref named something else in the previous edition (2013's A.8.2 was
  information classification; 2022's is privileged access rights), with no ``numbering``
  attribute saying which edition the table used; with ``numbering`` of the previous edition
  it must name ``reads_as``, the ref it means in this one.
"""

from __future__ import annotations

import re
from collections import defaultdict

from crosswalk.catalogs.loader import Library
from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import split_key
from crosswalk.services.mapping.lint import Finding, Severity

WEAK = 3  # strength at or below which an edge is tangential (the rubric's 1-3)
# Tokens that look like requirement refs: CC6.4, A.11.1.6, PI1.3, 9.2.2, P4.3, Art 32 ...
REF_TOKEN = re.compile(r"\b(?:[A-Z]{1,3}\.?\d+(?:\.\d+)*|\d+\.\d+(?:\.\d+)*)\b")


def _family(framework_id: str) -> str:
    """iso27001-2013 and iso27001-2022 are editions of one family."""
    return framework_id.rsplit("-", 1)[0]


def merged_parts(library: Library, target_framework: str) -> dict[str, list[str]]:
    """Target key -> the previous edition's keys it absorbed (two or more), from every loaded
    revision correspondence into ``target_framework``."""
    into: dict[str, set[str]] = defaultdict(set)
    for mapping_set in library.mapping_sets.values():
        older = mapping_set.source_framework
        if (
            mapping_set.target_framework != target_framework
            or older == target_framework
            or _family(older) != _family(target_framework)
        ):
            continue
        for mapping in mapping_set.mappings:
            if mapping.target is not None and mapping.relationship in (
                Relationship.SUBSET_OF,
                Relationship.EQUAL,
            ):
                into[mapping.target].add(mapping.source)
    return {target: sorted(sources) for target, sources in into.items() if len(sources) >= 2}


def _names(note: str, key: str, library: Library) -> bool:
    """Whether the note names a requirement, by ref or by its title."""
    ref = split_key(key)[1]
    requirement = library.requirement(key)
    lowered = note.lower()
    return ref.lower() in lowered or bool(
        requirement is not None and requirement.title.lower() in lowered
    )


def _merged_findings(
    library: Library, mapping_set: MappingSet, mapping: Mapping, merges: dict[str, list[str]]
) -> list[Finding]:
    if mapping.target is None or not mapping.relationship.covers_target:
        return []
    parts = merges.get(mapping.target, [])
    unnamed = [p for p in parts if not _names(mapping.note, p, library)]
    if not unnamed:
        return []
    described = ", ".join(
        f"{split_key(p)[1]} {r.title}" if (r := library.requirement(p)) else p for p in unnamed
    )
    return [
        Finding(
            Severity.WARNING,
            "merged-target-unnamed",
            mapping_set.id,
            f"{mapping.source} -> {mapping.target}",
            f"{mapping.relationship.value} claims all of {split_key(mapping.target)[1]}, which "
            f"absorbed {described}; the note names none of that: say how the source covers "
            "each part, or use subset_of/intersects_with",
        )
    ]


def _known_refs(library: Library, mapping_set: MappingSet) -> dict[str, str]:
    """Ref -> key, over the set's source and target frameworks."""
    found: dict[str, str] = {}
    for framework_id in (mapping_set.source_framework, mapping_set.target_framework):
        framework = library.frameworks.get(framework_id)
        if framework is not None:
            found.update({r.ref: r.key for r in framework})
    return found


def _other_names(
    library: Library,
    mapping_set: MappingSet,
    mapping: Mapping,
    known: dict[str, str],
    partners: dict[str, set[str]],
) -> list[Finding]:
    own = {mapping.source, *([mapping.target] if mapping.target else [])}
    # In a revision correspondence, parts merged into the same target (or split from the same
    # source) may be named; across frameworks, another criterion in a note is a smell.
    related = set(own) | partners.get(mapping.source, set())
    if mapping.target:
        related |= partners.get(mapping.target, set())
    for key in own:
        framework_id, ref = split_key(key)
        framework = library.frameworks[framework_id]
        related.update(a.key for a in framework.ancestors(ref))
        related.update(d.key for d in framework.descendants(ref))
    others = sorted(
        {
            token
            for token in REF_TOKEN.findall(mapping.note)
            if token in known and known[token] not in related
        }
    )
    if not others:
        return []
    return [
        Finding(
            Severity.WARNING,
            "note-names-other",
            mapping_set.id,
            f"{mapping.source} -> {mapping.target or '(none)'}",
            f"the note names {', '.join(others)}, neither this edge's source nor its target: "
            "check that it was not written for another edge",
        )
    ]


def _mixed_levels(library: Library, mapping_set: MappingSet) -> list[Finding]:
    targets: dict[str, set[str]] = defaultdict(set)
    for mapping in mapping_set.mappings:
        if mapping.target is not None:
            targets[mapping.source].add(mapping.target)
    findings = []
    for source, keys in sorted(targets.items()):
        pairs = []
        for key in sorted(keys):
            framework_id, ref = split_key(key)
            framework = library.frameworks[framework_id]
            pairs += [(a.key, key) for a in framework.ancestors(ref) if a.key in keys]
        if pairs:
            findings.append(
                Finding(
                    Severity.WARNING,
                    "mixed-levels",
                    mapping_set.id,
                    source,
                    "targets both a requirement and its part: "
                    + "; ".join(f"{split_key(a)[1]} and {split_key(b)[1]}" for a, b in pairs)
                    + " (map to the parts, roll up for display)",
                )
            )
    return findings


def content_findings(library: Library, mapping_set: MappingSet) -> list[Finding]:
    """Every content warning of one set (see the module docstring)."""
    merges = merged_parts(library, mapping_set.target_framework)
    known = _known_refs(library, mapping_set)
    partners: dict[str, set[str]] = defaultdict(set)
    revision = _family(mapping_set.source_framework) == _family(mapping_set.target_framework)
    for mapping in mapping_set.mappings if revision else ():
        if mapping.target is not None:
            partners[mapping.target].add(mapping.source)
            partners[mapping.source].add(mapping.target)
    findings: list[Finding] = []
    for mapping in mapping_set.mappings:
        findings.extend(_merged_findings(library, mapping_set, mapping, merges))
        findings.extend(_other_names(library, mapping_set, mapping, known, partners))
    findings.extend(_mixed_levels(library, mapping_set))
    findings.extend(_weak_marks(mapping_set))
    findings.extend(_renumbered(library, mapping_set))
    weak = [m for m in mapping_set.mappings if m.strength is not None and m.strength <= WEAK]
    if weak:
        findings.append(
            Finding(
                Severity.INFO,
                "weak-edges",
                mapping_set.id,
                f"{len(weak)} of {len(mapping_set.mappings)} edges",
                f"{len(weak)} edges of strength {WEAK} or less: shown in explanations, never "
                "counted beyond partial",
            )
        )
    return findings


def _weak_marks(mapping_set: MappingSet) -> list[Finding]:
    findings = []
    for mapping in mapping_set.mappings:
        if mapping.strength is None:
            continue
        in_band = mapping.strength <= WEAK
        where = f"{mapping.source} -> {mapping.target or '(none)'}"
        if mapping.marked_weak is None:
            if in_band:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "weak-unmarked",
                        mapping_set.id,
                        where,
                        f"strength {mapping.strength} is tangential on the rubric: mark the edge "
                        "weak: true (or score it higher, with a note saying why)",
                    )
                )
        elif mapping.marked_weak != in_band:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "weak-mark",
                    mapping_set.id,
                    where,
                    f"marked weak: {str(mapping.marked_weak).lower()} but strength "
                    f"{mapping.strength} is {'inside' if in_band else 'outside'} the rubric's "
                    f"1-{WEAK} band",
                )
            )
    return findings


def renamed_refs(library: Library, target_framework: str) -> dict[str, tuple[str, list[str]]]:
    """Refs of ``target_framework`` that named something else in a previous edition: ref ->
    (the older edition's id, the older requirements under that ref with where they went)."""
    older = [
        s
        for s in library.mapping_sets.values()
        if s.target_framework == target_framework
        and s.source_framework != target_framework
        and _family(s.source_framework) == _family(target_framework)
    ]
    found: dict[str, tuple[str, list[str]]] = {}
    for revision in older:
        framework = library.frameworks.get(revision.source_framework)
        target = library.frameworks.get(target_framework)
        if framework is None or target is None:
            continue
        moved: dict[str, set[str]] = defaultdict(set)
        for mapping in revision.mappings:
            if mapping.target is not None:
                moved[split_key(mapping.source)[1]].add(split_key(mapping.target)[1])
        for requirement in target:
            ref = requirement.ref
            under = [
                old.ref for old in framework if old.ref == ref or old.ref.startswith(ref + ".")
            ]
            went = {new for old in under for new in moved.get(old, ())}
            if under and went and ref not in went:
                found[ref] = (
                    framework.id,
                    [f"{old} (now {', '.join(sorted(moved.get(old, ())))})" for old in under],
                )
    return found


def _renumbered(library: Library, mapping_set: MappingSet) -> list[Finding]:
    table_edges = [
        m for m in mapping_set.mappings if m.target is not None and "as_written" in m.attributes
    ]
    if not table_edges:
        return []
    renamed = renamed_refs(library, mapping_set.target_framework)
    findings = []
    for mapping in table_edges:
        assert mapping.target is not None
        ref = split_key(mapping.target)[1]
        where = f"{mapping.source} -> {mapping.target}"
        reads_as = mapping.attributes.get("reads_as")
        if reads_as and library.requirement(f"{mapping_set.target_framework}:{reads_as}") is None:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "renumbered-ref",
                    mapping_set.id,
                    where,
                    f"reads_as {reads_as!r} is not a requirement of {mapping_set.target_framework}",
                )
            )
        if ref not in renamed or "numbering" in mapping.attributes:
            continue
        edition, older = renamed[ref]
        now = library.requirement(mapping.target)
        findings.append(
            Finding(
                Severity.WARNING,
                "renumbered-ref",
                mapping_set.id,
                where,
                f"the table's {ref} named something else in {edition}: {'; '.join(older)}; here "
                f"it is {now.title if now else ref}. Say which numbering the table used "
                "(attributes numbering; with the older one, reads_as the ref it means now)",
            )
        )
    return findings
