"""The compliance lead's one screen: coverage per framework, what is due, ISMS readiness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.coverage import Assessment, assess, reach
from crosswalk.services.coverage.figures import Counts, count_verdicts
from crosswalk.services.coverage.gap import (
    ISO_2022,
    approved_exclusions,
    coverage_facts,
    evidence_rule,
    likely_strength,
)
from crosswalk.services.evidence.freshness import (
    ControlFreshness,
    control_freshness,
)
from crosswalk.services.evidence.views import FreshnessLists, freshness_lists
from crosswalk.services.isms.nonconformities import overdue
from crosswalk.services.isms.readiness import Readiness, readiness

if TYPE_CHECKING:  # the live program is the web app's: commands never load it
    from crosswalk.services.coverage.live import LiveProgram


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


def coverage_of(
    library: Library, assessments: Mapping[str, Mapping[str, Assessment]]
) -> list[FrameworkCoverage]:
    """The counts per framework, from each framework's assessments: ISO/IEC 27001:2022 on
    its Annex A controls (the gap analysis headline), every other framework on its leaf
    requirements (those without sub-requirements)."""
    results = []
    ordered = sorted(library.frameworks.values(), key=lambda f: (f.id != ISO_2022, f.name))
    for framework in ordered:
        found = assessments.get(framework.id, {})
        if framework.id == ISO_2022:
            measured = "Annex A controls"
            verdicts = [str(a.verdict) for a in found.values() if a.requirement.kind == "control"]
        else:
            measured = "requirements"
            verdicts = [
                str(a.verdict) for a in found.values() if not framework.children(a.requirement.ref)
            ]
        if verdicts:
            counts = count_verdicts(verdicts)
            results.append(FrameworkCoverage(framework.id, framework.name, measured, counts))
    return results


def framework_coverage(
    session: Session,
    library: Library,
    today: date | None = None,
    freshness: list[ControlFreshness] | None = None,
) -> tuple[list[FrameworkCoverage], str]:
    """Coverage of every framework by the program, counted the way the gap analysis counts."""
    facts, required = coverage_facts(session, library, today=today, freshness=freshness)
    excluded = approved_exclusions(session)
    bar = likely_strength(session)
    reached = reach(library.frameworks, facts, library.graph, library.coverage_sets)
    assessments = {
        framework.id: assess(
            framework,
            facts,
            library.graph,
            library.coverage_sets,
            {"control"} if framework.id == ISO_2022 else {r.kind for r in framework},
            excluded,
            reached,
            likely_strength=bar,
        )
        for framework in library.frameworks.values()
    }
    return coverage_of(library, assessments), evidence_rule(required, bar)


def dashboard_of(
    today: date,
    lists: FreshnessLists,
    coverage: list[FrameworkCoverage],
    rule: str,
    overdue_nonconformities: list[str],
    found: Readiness,
) -> Dashboard:
    return Dashboard(
        today=today,
        controls=lists.controls,
        evidence_rule=rule,
        coverage=coverage,
        due_this_week=lists.due_this_week,
        due_this_month=lists.due_this_month,
        stale=lists.summary.stale,  # stale or never: the evidence page's too
        overdue_nonconformities=overdue_nonconformities,
        readiness=found,
    )


def build_dashboard(
    session: Session,
    library: Library,
    today: date | None = None,
    workspace_root: Path | None = None,
) -> Dashboard:
    """The dashboard computed from scratch (the web app keeps it live: ``dashboard_of`` over
    ``crosswalk.services.coverage.live``)."""
    today = today or date.today()
    freshness = control_freshness(session, library, today)
    coverage, rule = framework_coverage(session, library, today, freshness)
    return dashboard_of(
        today,
        freshness_lists(freshness),
        coverage,
        rule,
        [row.nc_id for row in overdue(session, today)],
        readiness(session, library, today, policies_root=workspace_root),
    )


def live_dashboard(program: LiveProgram) -> Dashboard:
    """The dashboard of the live program's state: the same figures ``build_dashboard``
    computes from scratch."""
    return dashboard_of(
        program.today,
        program.freshness_lists,
        coverage_of(program.library, program.assessments),
        program.evidence_rule,
        list(program.overdue),
        program.readiness,
    )
