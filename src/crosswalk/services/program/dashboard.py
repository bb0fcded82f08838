"""The compliance lead's one screen: coverage per framework, what is due, ISMS readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.coverage import assess, reach
from crosswalk.services.coverage.figures import Counts, count_verdicts
from crosswalk.services.coverage.gap import (
    ISO_2022,
    approved_exclusions,
    coverage_facts,
    evidence_rule,
    likely_strength,
)
from crosswalk.services.evidence.freshness import (
    DUE_THIS_MONTH,
    DUE_THIS_WEEK,
    ControlFreshness,
    control_freshness,
)
from crosswalk.services.evidence.views import freshness_summary
from crosswalk.services.isms.nonconformities import overdue
from crosswalk.services.isms.readiness import Readiness, readiness


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: str
    name: str
    measured: str  # what the counts count, e.g. "Annex A controls"
    counts: Counts

    @property
    def reached(self) -> bool:
        """Whether any control reaches the framework at all (else it is not in the program yet)."""
        return self.counts.by_verdict.get("gap", 0) < self.counts.total


@dataclass(frozen=True)
class Dashboard:
    today: date
    controls: int
    evidence_rule: str
    coverage: list[FrameworkCoverage]
    due_this_week: list[ControlFreshness]
    due_this_month: list[ControlFreshness]
    stale: list[ControlFreshness]
    overdue_nonconformities: list[str]
    readiness: Readiness


def framework_coverage(
    session: Session,
    library: Library,
    today: date | None = None,
    freshness: list[ControlFreshness] | None = None,
) -> tuple[list[FrameworkCoverage], str]:
    """Coverage of every framework by the program, counted the way the gap analysis counts.

    ISO/IEC 27001:2022 is measured on its 93 Annex A controls (the gap analysis headline);
    every other framework on its leaf requirements (those without sub-requirements).
    """
    facts, required = coverage_facts(session, library, today=today, freshness=freshness)
    excluded = approved_exclusions(session)
    bar = likely_strength(session)
    reached = reach(library.frameworks, facts, library.graph, library.coverage_sets)
    results = []
    ordered = sorted(library.frameworks.values(), key=lambda f: (f.id != ISO_2022, f.name))
    for framework in ordered:
        if framework.id == ISO_2022:
            kinds, measured = {"control"}, "Annex A controls"
        else:
            kinds, measured = {r.kind for r in framework}, "requirements"
        assessments = assess(
            framework,
            facts,
            library.graph,
            library.coverage_sets,
            kinds,
            excluded,
            reached,
            likely_strength=bar,
        )
        verdicts = [
            str(a.verdict)
            for a in assessments.values()
            if framework.id == ISO_2022 or not framework.children(a.requirement.ref)
        ]
        if verdicts:
            counts = count_verdicts(verdicts)
            results.append(FrameworkCoverage(framework.id, framework.name, measured, counts))
    return results, evidence_rule(required, bar)


def build_dashboard(
    session: Session,
    library: Library,
    today: date | None = None,
    workspace_root: Path | None = None,
) -> Dashboard:
    today = today or date.today()
    freshness = control_freshness(session, library, today)
    coverage, rule = framework_coverage(session, library, today, freshness)
    return Dashboard(
        today=today,
        controls=len(freshness),
        evidence_rule=rule,
        coverage=coverage,
        due_this_week=[f for f in freshness if f.state == DUE_THIS_WEEK],
        due_this_month=[f for f in freshness if f.state == DUE_THIS_MONTH],
        stale=freshness_summary(freshness).stale,  # stale or never: the evidence page's too
        overdue_nonconformities=[row.nc_id for row in overdue(session, today)],
        readiness=readiness(session, library, today, policies_root=workspace_root),
    )
