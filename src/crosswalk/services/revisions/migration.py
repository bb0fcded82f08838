"""Framework revisions: move a control library from one version of a framework to the next
through their correspondence (ISO/IEC 27001:2013 -> 2022). Comparing two versions is
``crosswalk.services.revisions.diff``, which reads the same correspondence.

A migration is planned first, grouped by control so that each affected control needs one
confirmation: equal one-to-one edges move a tag as it is; several old requirements merged
into one new requirement move there as a merge; one old requirement split across several
new ones moves to all of them as partial coverage, to confirm. What the correspondence
cannot decide (old requirements with no counterpart, requirements new in the new version)
is listed as a decision for a human. Applying moves the tags (evidence links are on
controls, so evidence follows them) and brings the draft Statement of Applicability up to
date; it only flushes: the caller owns the transaction. Applying twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts, Coverage
from crosswalk.domain.coverage import assess
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, requirement_key, split_key
from crosswalk.services.controls.controls import all_facts, set_tags
from crosswalk.services.coverage.gap import run_gap
from crosswalk.services.mapping.library import resolve_framework, resolve_mapping_set
from crosswalk.services.soa.soa import (
    ISO,
    PENDING_JUSTIFICATION,
    annex_a,
    current_draft_row,
    init_soa,
    latest_approved_row,
    new_draft_from_latest,
    version_row,
)
from crosswalk.store.isms_models import SoaEntryRow
from crosswalk.store.models import ControlRow, EvidenceLinkRow

# How far an SoA row's implementation status says the work has got; migration only raises it.
STATUS_RANK = {"not implemented": 0, "planned": 1, "partially implemented": 2, "implemented": 3}


class RevisionError(CrosswalkError):
    pass


class MoveKind(StrEnum):
    ONE_TO_ONE = "one-to-one"  # equal (or superset_of): the tag moves as it is
    MERGE = "merge"  # several old requirements became one new requirement
    SPLIT = "split"  # one old requirement was spread over several new ones: partial each
    PARTIAL = "partial"  # one narrower or overlapping counterpart: partial, to confirm


@dataclass(frozen=True)
class Move:
    """Old refs of one control moving together to new refs."""

    kind: MoveKind
    old: list[str]
    new: list[str]
    coverage: str  # what the new tag(s) get: full or partial
    also_merged: list[str] = field(default_factory=list)  # merged there, not tagged here
    note: str = ""

    def describe(self) -> str:
        text = f"{', '.join(self.old)} → {', '.join(self.new)} ({self.kind}, {self.coverage}"
        if self.also_merged:
            text += f"; {', '.join(self.also_merged)} also merged there, not tagged here"
        return text + ")"


@dataclass(frozen=True)
class TagChange:
    requirement: str  # framework:ref
    coverage: str


@dataclass(frozen=True)
class ControlMigration:
    """Everything that happens to one control: one line to confirm."""

    control_id: str
    title: str
    owner: str | None
    moves: list[Move]
    remove: list[str]  # old-framework keys removed
    add: list[TagChange]  # new-framework keys added or raised
    evidence_links: int  # evidence linked to the control: it follows the control unchanged
    kept: list[str] = field(default_factory=list)  # old refs with no counterpart, kept for now

    @property
    def line(self) -> str:
        parts = [m.describe() for m in self.moves]
        parts += [f"{ref} kept: no counterpart, decide" for ref in self.kept]
        return f"{self.control_id}: " + "; ".join(parts)

    @property
    def needs_confirmation(self) -> bool:
        """One-to-one moves are certain; anything else the control's owner confirms."""
        return bool(self.kept) or any(m.kind is not MoveKind.ONE_TO_ONE for m in self.moves)


@dataclass(frozen=True)
class Decision:
    """What the correspondence cannot decide."""

    kind: str  # "new requirement", "no counterpart", "excluded in SoA"
    ref: str
    title: str
    controls: list[str]  # controls concerned (for a new requirement: those already reaching it)
    detail: str


@dataclass
class MigrationPlan:
    old: str
    new: str
    mapping_set: str
    controls: list[ControlMigration]
    decisions: list[Decision]
    soa_action: str  # what applying does to the SoA ("" when nothing)
    soa_refs: list[str]  # Annex A rows the migrated controls now reach directly

    @property
    def moves(self) -> int:
        return sum(len(c.remove) for c in self.controls)

    def decisions_of(self, kind: str) -> list[Decision]:
        return [d for d in self.decisions if d.kind == kind]


@dataclass(frozen=True)
class SoaChange:
    ref: str
    field: str
    before: str | None
    after: str


@dataclass
class MigrationResult:
    by: str
    controls_changed: list[str]
    tags_removed: int
    tags_added: int
    soa_version: int | None = None
    soa_created: str = ""  # how a new draft was made, when one was
    soa_changes: list[SoaChange] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # found while applying


# ------------------------------------------------------------------- the correspondence


@dataclass(frozen=True)
class _Edge:
    """An edge read from the old version's side."""

    old: str  # ref in the old framework
    new: str | None  # ref in the new framework; None: no counterpart, with a reason
    relationship: Relationship  # "old is ... new"
    note: str


def find_mapping_set(
    library: Library, old: str, new: str, via: str | None = None, required: bool = True
) -> MappingSet | None:
    """The set between ``old`` and ``new`` (either direction), or the one ``via`` names."""
    if via is not None:
        found = library.mapping_sets[resolve_mapping_set(library, via)]
        if {found.source_framework, found.target_framework} != {old, new}:
            raise RevisionError(
                f"mapping set {found.id} maps {found.source_framework} -> "
                f"{found.target_framework}, not {old} and {new}"
            )
        return found
    for pair in ((old, new), (new, old)):
        candidates = [
            s
            for s in library.mapping_sets.values()
            if (s.source_framework, s.target_framework) == pair
        ]
        current = [s for s in candidates if s.id in library.coverage_sets] or candidates
        if len(current) > 1:
            ids = ", ".join(sorted(s.id for s in current))
            raise RevisionError(
                f"several mapping sets join {old} and {new} ({ids}): pick one with --via"
            )
        if current:
            return current[0]
    if required:
        raise RevisionError(
            f"no mapping set joins {old} and {new}: write one (docs/catalog-format.md) and load "
            "it with --catalog-path, or name one with --via"
        )
    return None


def read_edges(mapping_set: MappingSet | None, old: str) -> list[_Edge]:
    """The edges of a mapping set read from the ``old`` side (inverted if it maps new -> old)."""
    if mapping_set is None:
        return []
    inverted = mapping_set.source_framework != old
    edges = []
    for mapping in mapping_set.mappings:
        if not inverted:
            target = split_key(mapping.target)[1] if mapping.target else None
            edges.append(
                _Edge(split_key(mapping.source)[1], target, mapping.relationship, mapping.note)
            )
        elif mapping.target is not None:  # a new requirement with no old one is not an edge
            edges.append(
                _Edge(
                    split_key(mapping.target)[1],
                    split_key(mapping.source)[1],
                    mapping.relationship.inverse,
                    mapping.note,
                )
            )
    return edges


@dataclass
class Correspondence:
    """How the old version's refs reach the new version's, read from a mapping set."""

    targets: dict[str, list[_Edge]]  # old ref -> its edges with a counterpart
    unmatched: dict[str, list[_Edge]]  # old ref -> no_relationship records
    sources: dict[str, list[str]]  # new ref -> old refs mapped to it

    @classmethod
    def of(cls, edges: Iterable[_Edge]) -> Correspondence:
        found = cls({}, {}, {})
        for edge in edges:
            if edge.new is None or edge.relationship is Relationship.NO_RELATIONSHIP:
                found.unmatched.setdefault(edge.old, []).append(edge)
                continue
            found.targets.setdefault(edge.old, []).append(edge)
            found.sources.setdefault(edge.new, []).append(edge.old)
        return found

    def kind_of(self, ref: str) -> MoveKind:
        edges = self.targets[ref]
        if len(edges) > 1:
            return MoveKind.SPLIT
        (edge,) = edges
        if len(self.sources[edge.new or ""]) > 1:
            return MoveKind.MERGE
        return MoveKind.ONE_TO_ONE if edge.relationship.covers_target else MoveKind.PARTIAL


# --------------------------------------------------------------------------- the plan


def _better(a: str, b: str | None) -> str:
    return Coverage.FULL.value if Coverage.FULL.value in (a, b) else Coverage.PARTIAL.value


def _control_plan(
    control: ControlFacts, old: str, new: str, links: int, found: Correspondence
) -> ControlMigration | None:
    tagged = {
        split_key(t.requirement)[1]: t.coverage.value
        for t in control.tags
        if split_key(t.requirement)[0] == old
    }
    old_refs = list(tagged)
    if not old_refs:
        return None
    existing = {
        split_key(t.requirement)[1]: t.coverage.value
        for t in control.tags
        if split_key(t.requirement)[0] == new
    }
    moves: list[Move] = []
    kept = [ref for ref in old_refs if ref not in found.targets]
    grouped: dict[str, list[str]] = {}  # one new ref <- this control's old refs (not splits)
    for ref in old_refs:
        if ref in kept:
            continue
        kind = found.kind_of(ref)
        if kind is MoveKind.SPLIT:
            edges = found.targets[ref]
            moves.append(
                Move(
                    kind,
                    [ref],
                    [e.new or "" for e in edges],
                    Coverage.PARTIAL.value,
                    note=edges[0].note,
                )
            )
        else:
            grouped.setdefault(found.targets[ref][0].new or "", []).append(ref)
    for target, refs in grouped.items():
        kind = found.kind_of(refs[0])
        edge = found.targets[refs[0]][0]
        full = kind is not MoveKind.PARTIAL and any(tagged[r] == Coverage.FULL for r in refs)
        coverage = Coverage.FULL.value if full else Coverage.PARTIAL.value
        others = (
            [r for r in found.sources[target] if r not in refs] if kind is MoveKind.MERGE else []
        )
        moves.append(Move(kind, refs, [target], coverage, others, edge.note))
    wanted: dict[str, str] = {}
    for move in moves:
        for target in move.new:
            wanted[target] = _better(move.coverage, wanted.get(target))
    add = [
        TagChange(requirement_key(new, ref), _better(coverage, existing.get(ref)))
        for ref, coverage in wanted.items()
        if _better(coverage, existing.get(ref)) != existing.get(ref)
    ]
    moved = [ref for m in moves for ref in m.old]
    return ControlMigration(
        control_id=control.control_id,
        title=control.title,
        owner=control.owner,
        moves=moves,
        remove=[requirement_key(old, ref) for ref in moved],
        add=add,
        evidence_links=links,
        kept=kept,
    )


def _reaching(
    library: Library, framework: Framework, facts: list[ControlFacts], keys: set[str]
) -> dict[str, list[str]]:
    """For each key, how controls already reach it: directly or through another mapping."""
    kinds = {r.kind for r in framework if r.key in keys}
    found = assess(framework, facts, library.graph, library.coverage_sets, kinds)
    routes: dict[str, list[str]] = {}
    for key in keys:
        assessment = found.get(key)
        if assessment is None:
            continue
        for c in [*assessment.counted, *assessment.head_start]:
            how = "tagged directly" if c.direct else f"via {c.tagged}"
            routes.setdefault(key, []).append(f"{c.control_id} ({how}, {c.level})")
    return routes


def _evidence_counts(session: Session) -> dict[str, int]:
    query = (
        select(ControlRow.control_id, func.count(EvidenceLinkRow.id))
        .join(EvidenceLinkRow, EvidenceLinkRow.control_pk == ControlRow.id)
        .group_by(ControlRow.control_id)
    )
    return dict(session.execute(query).all())


def _soa_action(session: Session) -> str:
    draft = current_draft_row(session)
    if draft is not None:
        return f"update draft v{draft.version}"
    approved = latest_approved_row(session)
    if approved is not None:
        return f"start a draft copied from approved v{approved.version} and update it"
    return "start a draft seeded from the gap analysis"


def plan_migration(
    session: Session, library: Library, old: str, new: str, via: str | None = None
) -> MigrationPlan:
    """What migrating the control library from ``old`` to ``new`` does; changes nothing."""
    old_id, new_id = resolve_framework(library, old), resolve_framework(library, new)
    if old_id == new_id:
        raise RevisionError(f"--from and --to are both {old_id}: name two versions")
    mapping_set = find_mapping_set(library, old_id, new_id, via)
    assert mapping_set is not None
    found = Correspondence.of(read_edges(mapping_set, old_id))
    old_fw, new_fw = library.frameworks[old_id], library.frameworks[new_id]
    facts = all_facts(session)
    links = _evidence_counts(session)
    controls = [
        planned
        for control in facts
        if (
            planned := _control_plan(
                control, old_id, new_id, links.get(control.control_id, 0), found
            )
        )
    ]
    decisions: list[Decision] = []
    kept: dict[str, list[str]] = {}
    for planned in controls:
        for ref in planned.kept:
            kept.setdefault(ref, []).append(planned.control_id)
    for ref, ids in kept.items():
        requirement = old_fw.get(ref)
        reasons = [e.note for e in found.unmatched.get(ref, [])]
        parts = {e.new for d in old_fw.descendants(ref) for e in found.targets.get(d.ref, [])}
        below = [r.ref for r in new_fw if r.ref in parts]
        detail = "; ".join(reasons) or f"{mapping_set.id} gives it no counterpart in {new_id}"
        if below:
            detail += f"; its parts map to {', '.join(below)}"
        decisions.append(
            Decision(
                "no counterpart",
                ref,
                requirement.title if requirement else "(not in the loaded catalog)",
                ids,
                detail + ": re-tag by hand, then untag it",
            )
        )
    target_kinds = {r.kind for r in new_fw if r.ref in found.sources}
    fresh = [r for r in new_fw if r.kind in target_kinds and r.ref not in found.sources]
    routes = _reaching(library, new_fw, facts, {r.key for r in fresh})
    for requirement in fresh:
        reached = routes.get(requirement.key, [])
        decisions.append(
            Decision(
                "new requirement",
                requirement.ref,
                requirement.title,
                sorted({r.partition(" ")[0] for r in reached}),
                (
                    "already reached by " + ", ".join(reached) + ": confirm or add a control"
                    if reached
                    else f"new in {new_id}, nothing in {old_id} maps to it: add a control, "
                    "or decide it is not applicable"
                ),
            )
        )
    soa_refs: list[str] = []
    if new_id == ISO:
        wanted = {ref for c in controls for m in c.moves for ref in m.new}
        soa_refs = [r.ref for r in annex_a(library) if r.ref in wanted]
    return MigrationPlan(
        old=old_id,
        new=new_id,
        mapping_set=mapping_set.id,
        controls=controls,
        decisions=decisions,
        soa_action=_soa_action(session) if soa_refs else "",
        soa_refs=soa_refs,
    )


# -------------------------------------------------------------------------- applying


def _update_soa(
    session: Session, library: Library, plan: MigrationPlan, result: MigrationResult
) -> None:
    """Bring the draft SoA's rows reached by migrated controls up to date (one draft only)."""
    draft = current_draft_row(session)
    if draft is None:
        made = (
            new_draft_from_latest(session)
            if latest_approved_row(session)
            else init_soa(session, library)
        )
        draft, result.soa_created = version_row(session, made.version), made.note
    result.soa_version = draft.version
    proposals = {row.ref: row for row in run_gap(session, library).soa_draft}
    catalog = {r.ref: (position, r) for position, r in enumerate(annex_a(library))}
    entries = {e.ref: e for e in draft.entries}
    moved_to: dict[str, list[str]] = {}
    for planned in plan.controls:
        for move in planned.moves:
            for ref in move.new:
                moved_to.setdefault(ref, []).append(planned.control_id)
    for ref in plan.soa_refs:
        proposal, (position, requirement) = proposals[ref], catalog[ref]
        if proposal.proposed_applicability != "applicable":
            continue
        entry = entries.get(ref)
        if entry is None:
            draft.entries.append(
                SoaEntryRow(
                    position=position,
                    ref=ref,
                    applicable=True,
                    justification=proposal.justification,
                    justification_kinds="risk",
                    exclusion_reason="",
                    implementation_status=proposal.implementation_status,
                )
            )
            draft.entries.sort(key=lambda e: e.position)
            result.soa_changes.append(SoaChange(ref, "entry", None, "added"))
            continue
        if not entry.applicable:
            result.decisions.append(
                Decision(
                    "excluded in SoA",
                    ref,
                    requirement.title,
                    sorted(set(moved_to.get(ref, []))),
                    f"excluded in draft v{draft.version} ({entry.exclusion_reason or 'no reason'})"
                    " but migrated controls now reach it: include it, or re-check their tags",
                )
            )
            continue
        status = proposal.implementation_status
        if STATUS_RANK.get(status, -1) > STATUS_RANK.get(entry.implementation_status, -1):
            result.soa_changes.append(
                SoaChange(ref, "implementation_status", entry.implementation_status, status)
            )
            entry.implementation_status = status
        if not entry.justification.strip() or entry.justification == PENDING_JUSTIFICATION:
            result.soa_changes.append(
                SoaChange(ref, "justification", entry.justification, proposal.justification)
            )
            entry.justification = proposal.justification
            entry.justification_kinds = entry.justification_kinds or "risk"
    stamp = f"{plan.old} -> {plan.new} migrated by {result.by}"
    draft.note = f"{draft.note}; {stamp}" if draft.note else stamp
    session.flush()


def apply_migration(
    session: Session, library: Library, plan: MigrationPlan, by: str
) -> MigrationResult:
    """Move the tags as planned and update the draft SoA; flushes, never commits.

    Other tags stay; a tag already on the new requirement keeps the better coverage. Run
    again, it finds nothing to move and changes nothing.
    """
    name = by.strip()
    if not name:
        raise RevisionError("say who migrates (--by NAME)")
    session.info.setdefault("actor", name)
    result = MigrationResult(by=name, controls_changed=[], tags_removed=0, tags_added=0)
    ids = [c.control_id for c in plan.controls]
    rows = {
        r.control_id: r
        for r in session.scalars(select(ControlRow).where(ControlRow.control_id.in_(ids)))
    }
    for planned in plan.controls:
        row = rows.get(planned.control_id)
        if row is None:
            continue
        current = {t.key: t.coverage for t in row.tags}
        wanted = {k: c for k, c in current.items() if k not in planned.remove}
        removed = len(current) - len(wanted)
        added = 0
        for change in planned.add:
            better = _better(change.coverage, wanted.get(change.requirement))
            if wanted.get(change.requirement) != better:
                wanted[change.requirement] = better
                added += 1
        if not removed and not added:
            continue
        set_tags(row, list(wanted.items()))
        result.controls_changed.append(planned.control_id)
        result.tags_removed += removed
        result.tags_added += added
    session.flush()
    if plan.soa_refs and result.controls_changed:
        _update_soa(session, library, plan, result)
    return result
