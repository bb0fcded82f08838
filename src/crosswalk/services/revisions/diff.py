"""Framework diff: what changed between two versions of a framework (added, removed,
renamed, re-parented, moved, merged or split requirements), and what each change reaches in
the program (controls and, for ISO/IEC 27001:2022, SoA rows and risks).

Requirements whose ref changed are matched through the correspondence a mapping set gives
(``crosswalk.services.revisions.migration``), so they count as moved, not as removed and added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.requirements import Framework
from crosswalk.services.isms.risks import risk_annex_a
from crosswalk.services.mapping.library import resolve_framework
from crosswalk.services.revisions.migration import (
    Correspondence,
    MoveKind,
    RevisionError,
    find_mapping_set,
    read_edges,
)
from crosswalk.services.soa.soa import ISO, current_draft_row, latest_approved_row
from crosswalk.store.isms_models import RiskRow, SoaVersionRow
from crosswalk.store.models import ControlRow, TagRow


@dataclass(frozen=True)
class RequirementChange:
    change: str  # added, removed, renamed, re-parented, moved, merged, split
    ref: str  # in the old framework (in the new one for "added")
    title: str
    new_refs: list[str] = field(default_factory=list)
    new_title: str | None = None
    parent: str | None = None
    new_parent: str | None = None
    note: str = ""


@dataclass
class FrameworkDiff:
    old: str
    new: str
    mapping_set: str | None
    added: list[RequirementChange]
    removed: list[RequirementChange]
    renamed: list[RequirementChange]
    reparented: list[RequirementChange]
    moved: list[RequirementChange]  # moved, merged or split, through the mapping set
    unchanged: int

    @property
    def changes(self) -> list[RequirementChange]:
        return [*self.removed, *self.renamed, *self.reparented, *self.moved, *self.added]


def _same_ref(old: Framework, new: Framework, ref: str, diff: FrameworkDiff) -> None:
    was, now = old.get(ref), new.get(ref)
    assert was is not None and now is not None
    note = f"kind {was.kind} -> {now.kind}" if was.kind != now.kind else ""
    changed = False
    if was.title != now.title:
        diff.renamed.append(
            RequirementChange(
                "renamed", ref, was.title, [ref], now.title, was.parent, now.parent, note
            )
        )
        changed = True
    if was.parent != now.parent:
        diff.reparented.append(
            RequirementChange(
                "re-parented", ref, was.title, [ref], now.title, was.parent, now.parent, note
            )
        )
        changed = True
    if not changed:
        diff.unchanged += 1


def diff_frameworks(library: Library, old: str, new: str, via: str | None = None) -> FrameworkDiff:
    """Added, removed, renamed and re-parented requirements between two versions.

    A mapping set between them (or ``via``) matches requirements whose ref changed: they
    are moved, merged or split, not removed and added.
    """
    old_id, new_id = resolve_framework(library, old), resolve_framework(library, new)
    if old_id == new_id:
        raise RevisionError(f"both sides are {old_id}: name two versions")
    mapping_set = find_mapping_set(library, old_id, new_id, via, required=False)
    found = Correspondence.of(read_edges(mapping_set, old_id))
    old_fw, new_fw = library.frameworks[old_id], library.frameworks[new_id]
    diff = FrameworkDiff(
        old_id, new_id, mapping_set.id if mapping_set else None, [], [], [], [], [], 0
    )
    matched: set[str] = set()
    for requirement in old_fw:
        ref = requirement.ref
        targets = [e.new or "" for e in found.targets.get(ref, [])]
        matched.update(targets)
        if targets == [ref] or (not targets and ref in new_fw and ref not in found.unmatched):
            matched.add(ref)
            _same_ref(old_fw, new_fw, ref, diff)
        elif targets:
            kind = found.kind_of(ref)
            change = {MoveKind.SPLIT: "split", MoveKind.MERGE: "merged"}.get(kind, "moved")
            first = new_fw.get(targets[0])
            diff.moved.append(
                RequirementChange(
                    change,
                    ref,
                    requirement.title,
                    targets,
                    first.title if first else None,
                    requirement.parent,
                    first.parent if first else None,
                    found.targets[ref][0].note,
                )
            )
        else:
            reasons = "; ".join(e.note for e in found.unmatched.get(ref, []))
            diff.removed.append(
                RequirementChange(
                    "removed", ref, requirement.title, parent=requirement.parent, note=reasons
                )
            )
    for requirement in new_fw:
        if requirement.ref not in matched:
            diff.added.append(
                RequirementChange(
                    "added",
                    requirement.ref,
                    requirement.title,
                    new_title=requirement.title,
                    new_parent=requirement.parent,
                )
            )
    return diff


@dataclass(frozen=True)
class Touch:
    """What in the program a change of the old version reaches."""

    change: str
    ref: str
    controls: list[str]  # tagged to the old requirement
    soa: list[str] = field(default_factory=list)  # SoA versions with a row for it
    risks: list[str] = field(default_factory=list)  # risks whose treatment names it


def touches(session: Session, diff: FrameworkDiff) -> list[Touch]:
    """Controls (and, for ISO/IEC 27001:2022, SoA rows and risks) each removed, renamed,
    re-parented or moved requirement reaches; only changes that reach something."""
    tagged: dict[str, list[str]] = {}
    for ref, control_id in session.execute(
        select(TagRow.ref, ControlRow.control_id)
        .join(ControlRow, ControlRow.id == TagRow.control_pk)
        .where(TagRow.framework == diff.old)
        .order_by(ControlRow.control_id)
    ):
        tagged.setdefault(ref, []).append(control_id)
    soa: dict[str, list[str]] = {}
    risks: dict[str, list[str]] = {}
    if diff.old == ISO:
        versions: list[SoaVersionRow] = []
        for version in (latest_approved_row(session), current_draft_row(session)):
            if version is not None and version not in versions:
                versions.append(version)
        for version in versions:
            for entry in version.entries:
                soa.setdefault(entry.ref, []).append(f"v{version.version}")
        for risk in session.scalars(select(RiskRow).order_by(RiskRow.risk_id)):
            for ref in risk_annex_a(risk):
                risks.setdefault(ref, []).append(risk.risk_id)
    found = []
    for change in [*diff.removed, *diff.renamed, *diff.reparented, *diff.moved]:
        reached = Touch(
            change.change,
            change.ref,
            tagged.get(change.ref, []),
            soa.get(change.ref, []),
            risks.get(change.ref, []),
        )
        if reached.controls or reached.soa or reached.risks:
            found.append(reached)
    return found
