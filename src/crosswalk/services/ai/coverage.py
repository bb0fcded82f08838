"""How far the ISMS already carries each applicable AI Act obligation.

Each obligation follows the shipped AI Act -> ISO/IEC 27001:2022 set (with the workspace's
adjustments) to the ISO clauses and Annex A controls it intersects with; each of those is shown
with the gap analysis's own verdict and explanation for this workspace (``run_gap``), never a
second judgement. An obligation the set maps to nothing, or only tangentially (weak edges,
strength 1-3), is AI-specific work: the ISMS does not carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.domain.relationships import Relationship
from crosswalk.services.ai.catalog import AI_ACT
from crosswalk.services.ai.obligations import ObligationStatus, all_obligations
from crosswalk.services.ai.systems import system_row
from crosswalk.services.coverage.gap import ISO_2022, run_gap
from crosswalk.services.coverage.verdicts import RequirementVerdict

AI_ACT_TO_ISO = "eu-ai-act-to-iso27001-2022"
REACHED = ("covered", "likely", "partial")

CARRIED = "partly carried by the ISMS"
NOT_YET = "ISMS support mapped, not yet in place"
AI_SPECIFIC = "AI-specific work"


@dataclass(frozen=True)
class IsoSupport:
    """One ISO requirement an obligation intersects with, and how this workspace stands on it."""

    iso_ref: str
    iso_title: str
    strength: int | None
    weak: bool
    note: str  # what the edge covers and what it leaves to the AI work
    verdict: str  # the gap analysis's verdict for the ISO requirement
    controls: tuple[str, ...]
    explanation: tuple[str, ...]  # the gap analysis's basis and why-not-higher lines


@dataclass(frozen=True)
class ObligationCoverage:
    system_id: str
    role: str
    ref: str
    title: str
    carried: str  # CARRIED, NOT_YET or AI_SPECIFIC
    explanation: str
    supports: tuple[IsoSupport, ...]


@dataclass(frozen=True)
class AiCoverage:
    evidence_rule: str
    obligations: tuple[ObligationCoverage, ...]

    @property
    def ai_specific(self) -> tuple[ObligationCoverage, ...]:
        return tuple(o for o in self.obligations if o.carried == AI_SPECIFIC)


def _support(verdicts: dict[str, RequirementVerdict], iso_ref: str, mapping: Edge) -> IsoSupport:
    view = verdicts.get(iso_ref)
    return IsoSupport(
        iso_ref=iso_ref,
        iso_title=view.title if view else "",
        strength=mapping.strength,
        weak=mapping.weak,
        note=mapping.note or "",
        verdict=view.verdict if view else "gap",
        controls=tuple(view.controls) if view else (),
        explanation=(*view.basis, *view.why_not_higher) if view else (),
    )


def _edges(library: Library) -> dict[str, list[Edge]]:
    """AI Act ref -> its edges in the set (no_relationship records included)."""
    by_ref: dict[str, list[Edge]] = {}
    mapping_set = library.mapping_sets.get(AI_ACT_TO_ISO)
    if mapping_set is None:
        return by_ref
    for mapping in mapping_set.mappings:
        ref = mapping.source.partition(":")[2] if ":" in mapping.source else mapping.source
        by_ref.setdefault(ref, []).append(mapping)
    return by_ref


def judge_obligation(
    item: ObligationStatus,
    edges: list[Edge],
    verdicts: dict[str, RequirementVerdict],
) -> ObligationCoverage:
    """One obligation's standing: its ISO supports with their gap verdicts, and the summary."""
    supports: list[IsoSupport] = []
    reasons: list[str] = []
    for mapping in edges:
        if mapping.relationship is Relationship.NO_RELATIONSHIP or not mapping.target:
            reasons.append(mapping.note or "")
            continue
        supports.append(_support(verdicts, mapping.target.partition(":")[2], mapping))
    supports.sort(key=lambda s: (s.weak, -(s.strength or 0), s.iso_ref))
    strong = [s for s in supports if not s.weak]
    reached = [s for s in strong if s.verdict in REACHED]
    if not strong:
        why = (
            reasons[0]
            if reasons
            else (
                "only tangential ISO 27001 links (strength 1-3): the ISMS helps at the edges, "
                "the obligation itself is AI work"
                if supports
                else "the AI Act -> ISO 27001 set maps it to no ISO requirement"
            )
        )
        carried, explanation = AI_SPECIFIC, why
    elif reached:
        carried = CARRIED
        explanation = "; ".join(f"{s.iso_ref} {s.verdict} (strength {s.strength})" for s in reached)
    else:
        carried = NOT_YET
        explanation = "the ISO requirements it builds on are gaps here: " + ", ".join(
            s.iso_ref for s in strong
        )
    return ObligationCoverage(
        system_id=item.system_id,
        role=item.role.value,
        ref=item.ref,
        title=item.obligation.title,
        carried=carried,
        explanation=explanation,
        supports=tuple(supports),
    )


def ai_coverage(
    session: Session,
    library: Library,
    system_id: str | None = None,
    today: date | None = None,
    workspace_root: Path | None = None,
) -> AiCoverage:
    """Every applicable obligation (of one system, or all) with how far the ISMS carries it."""
    if system_id is not None:
        system_row(session, system_id)  # an unknown id is refused with suggestions
    if AI_ACT not in library.frameworks or ISO_2022 not in library.frameworks:
        return AiCoverage("", ())
    report = run_gap(session, library, target=ISO_2022, today=today, workspace_root=workspace_root)
    verdicts = {v.ref: v for v in [*report.annex_a, *report.clauses]}
    edges = _edges(library)
    out: list[ObligationCoverage] = []
    for view in all_obligations(session, library):
        if system_id is not None and view.system.system_id != system_id:
            continue
        out.extend(
            judge_obligation(item, edges.get(item.ref, []), verdicts) for item in view.obligations
        )
    return AiCoverage(report.evidence_rule, tuple(out))
