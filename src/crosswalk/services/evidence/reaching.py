"""Evidence that counts for a requirement: through every control that reaches it, by a
tag or by a mapping that counts, with the path it takes; and the SoA's count of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow


@dataclass(frozen=True)
class EvidencePath:
    """How a piece of evidence reaches a requirement: control, its tag, the edge."""

    evidence_id: int
    title: str
    performed: str
    control_id: str
    tagged: str
    relationship: str | None  # None when the control is tagged to the requirement itself
    mapping_set: str | None
    note: str | None

    @property
    def path(self) -> str:
        if self.relationship is None:
            return f"{self.control_id} -> {self.tagged} (tagged directly)"
        return (
            f"{self.control_id} -> {self.tagged} -[{self.relationship}, {self.mapping_set}]-> "
            "this requirement"
        )


Route = tuple[str, str | None, str | None, str | None]  # tagged, relationship, set, note


def _routes(
    session: Session, library: Library, key: str, controls: list[ControlFacts] | None
) -> dict[str, list[Route]]:
    """Each control that reaches ``key``, with how (its tag, or a counted edge from it)."""
    from crosswalk.services.controls.controls import all_facts

    routes: dict[str, list[Route]] = {}
    for facts in controls if controls is not None else all_facts(session):
        for tag in facts.tags:
            if tag.requirement == key:
                routes.setdefault(facts.control_id, []).append((tag.requirement, None, None, None))
                continue
            for edge in library.graph.edges_of(tag.requirement):
                if edge.end == key and edge.mapping.set_id in library.coverage_sets:
                    routes.setdefault(facts.control_id, []).append(
                        (
                            tag.requirement,
                            edge.relationship.value,
                            edge.mapping.set_id,
                            edge.mapping.note,
                        )
                    )
    return routes


def evidence_summaries(
    session: Session, library: Library, keys: Iterable[str], controls: list[ControlFacts]
) -> dict[str, tuple[int, date | None]]:
    """For each requirement in ``keys``: how many pieces of evidence count for it and the
    newest one's end day. The SoA needs no more; one pass over the controls' tags and one
    read of the links, where a big store has tens of thousands of pieces per requirement."""
    wanted = set(keys)
    reaching: dict[str, set[str]] = {key: set() for key in wanted}  # key -> control ids
    for facts in controls:
        for tag in facts.tags:
            if tag.requirement in wanted:
                reaching[tag.requirement].add(facts.control_id)
            for edge in library.graph.edges_of(tag.requirement):
                if edge.end in wanted and edge.mapping.set_id in library.coverage_sets:
                    reaching[edge.end].add(facts.control_id)
    involved = set().union(*reaching.values()) if reaching else set()
    per_control: dict[str, tuple[int, date | None]] = {}  # pieces linked, newest end day
    shared: dict[str, list[int]] = {}  # control id -> its pieces also linked elsewhere
    if involved:
        control_ids = dict(session.execute(select(ControlRow.id, ControlRow.control_id)).all())
        # "+ 0" keeps SQLite from fetching each piece's row by its key: it reads the days
        # from their index and the links from theirs (160 ms instead of 550 at 200,000).
        for control_pk, count, newest in session.execute(
            select(EvidenceLinkRow.control_pk, func.count(), func.max(EvidenceRow.performed_end))
            .join(EvidenceRow, EvidenceLinkRow.evidence_id == EvidenceRow.id + 0)
            .group_by(EvidenceLinkRow.control_pk)
        ):
            per_control[control_ids[control_pk]] = (int(count), newest)
        several = (
            select(EvidenceLinkRow.evidence_id)
            .group_by(EvidenceLinkRow.evidence_id)
            .having(func.count() > 1)
        )
        for evidence_id, control_pk in session.execute(
            select(EvidenceLinkRow.evidence_id, EvidenceLinkRow.control_pk).where(
                EvidenceLinkRow.evidence_id.in_(several)
            )
        ):
            shared.setdefault(control_ids[control_pk], []).append(evidence_id)
    found: dict[str, tuple[int, date | None]] = {}
    for key, reached_by in reaching.items():
        counted = [per_control[c] for c in reached_by if c in per_control]
        # A piece linked to several of these controls was counted once per control: take
        # the extra times off (few pieces are shared, so this stays small).
        times = Counter(e for c in reached_by for e in shared.get(c, ()))
        extra = sum(n - 1 for n in times.values())
        ends = [end for _, end in counted if end is not None]
        found[key] = (sum(n for n, _ in counted) - extra, max(ends) if ends else None)
    return found


def requirement_evidence(
    session: Session, library: Library, key: str, controls: list[ControlFacts] | None = None
) -> list[EvidencePath]:
    """Evidence that counts for ``key`` through any control that reaches it, with the path.

    ``controls`` is ``all_facts(session)`` when the caller asks about several requirements.
    """
    routes = _routes(session, library, key, controls)
    if not routes:
        return []
    rows = session.execute(
        select(
            EvidenceRow.id,
            EvidenceRow.title,
            EvidenceRow.performed_start,
            EvidenceRow.performed_end,
            ControlRow.control_id,
        )
        .join(EvidenceLinkRow, EvidenceLinkRow.evidence_id == EvidenceRow.id)
        .join(ControlRow, ControlRow.id == EvidenceLinkRow.control_pk)
        .where(ControlRow.control_id.in_(list(routes)))
        .order_by(EvidenceRow.performed_end.desc(), EvidenceRow.id)
    )
    found = []
    for evidence_id, title, start, end, control_id in rows:
        performed = str(start) if start == end else f"{start}..{end}"
        for tagged, relationship, mapping_set, note in routes[control_id]:
            found.append(
                EvidencePath(
                    evidence_id,
                    title,
                    performed,
                    control_id,
                    tagged,
                    relationship,
                    mapping_set,
                    note,
                )
            )
    return found
