"""ISO clauses 4-10 judged from the ISMS records the workspace keeps.

Which records satisfy which clause is data (``records:`` in the catalog's guidance); how each
record stands (exists, approved, whole, no older than a year) is ``isms readiness``'s, so the
gap analysis, the readiness view and the dashboard never disagree about a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.coverage import RecordJudgement, Verdict
from crosswalk.services.isms.readiness import Artifact, Readiness, readiness

# Where a missing record is made: said next to every clause it would satisfy.
HOW_TO_MAKE = {
    "scope": "crosswalk scope set, then crosswalk scope approve",
    "risk_method": "crosswalk risks method",
    "risk_assessment": "crosswalk risks add",
    "treatment_plan": "crosswalk risks edit RISK --treatment ...",
    "soa": "crosswalk soa init, then crosswalk soa approve",
    "objectives": "crosswalk objectives add",
    "competence": "evidence on the controls tagged to 7.2/7.3 (or CC1.4/CC2.2)",
    "internal_audit": "crosswalk audits add --performed DATE",
    "management_review": "crosswalk reviews add",
    "nonconformities": "crosswalk nonconformities add",
    "policies": "crosswalk policies add, then crosswalk policies approve",
}


@dataclass(frozen=True)
class RecordStanding:
    """One ISMS record as a clause verdict reads it."""

    key: str
    name: str
    clauses: str
    exists: bool
    complete: bool
    note: str
    last: date | None
    missing: tuple[str, ...]  # what keeps it from complete (absent, draft, stale, partial)
    blockers: tuple[str, ...] = ()  # what of it stops a Stage 1 audit (isms readiness)
    first: date | None = None  # the earliest record: since when the ISMS has kept it

    def describe(self) -> str:
        state = "complete" if self.complete else ("incomplete" if self.exists else "missing")
        detail = f": {self.note}" if self.note else ""
        return f"{self.name} ({state}{detail})"


def _standing(artifact: Artifact) -> RecordStanding:
    return RecordStanding(
        key=artifact.key,
        name=artifact.name,
        clauses=artifact.clauses,
        exists=artifact.exists,
        complete=artifact.complete,
        note=artifact.note,
        last=artifact.last,
        missing=(*artifact.blockers, *artifact.incomplete),
        blockers=tuple(artifact.blockers),
        first=artifact.first,
    )


def record_standings(
    session: Session,
    library: Library,
    today: date | None = None,
    controls: list[ControlFacts] | None = None,
    workspace_root: Path | None = None,
) -> dict[str, RecordStanding]:
    """Every ISMS record the clause rules may name, by key (the policy library only when the
    workspace folder is known: a rule naming it is then not judged from it)."""
    return standings_of(readiness(session, library, today, controls, workspace_root))


def standings_of(found: Readiness) -> dict[str, RecordStanding]:
    """The records as ``isms readiness`` found them, by key."""
    return {a.key: _standing(a) for a in found.artifacts}


def judge_clauses(
    library: Library, target: str, standings: dict[str, RecordStanding]
) -> dict[str, RecordJudgement]:
    """Each requirement of ``target`` whose guidance names records, judged from them:
    covered when all are complete, partial when any exists, gap when none does."""
    judged: dict[str, RecordJudgement] = {}
    for key, guidance in library.guidance.items():
        if not guidance.records or not key.startswith(f"{target}:"):
            continue
        found = [standings[name] for name in guidance.records if name in standings]
        if not found:
            continue
        basis = tuple(record.describe() for record in found)
        if all(record.complete for record in found):
            judged[key] = RecordJudgement(Verdict.COVERED, basis, ())
            continue
        reasons = []
        for record in found:
            if record.complete:
                continue
            if not record.exists:
                said = record.missing[0] if record.missing else f"no {record.name.lower()} yet"
                reasons.append(f"{said} ({HOW_TO_MAKE[record.key]})")
            else:
                reasons.extend(f"{record.name}: {why}" for why in record.missing)
        verdict = Verdict.PARTIAL if any(record.exists for record in found) else Verdict.GAP
        judged[key] = RecordJudgement(verdict, basis, tuple(reasons))
    return judged
