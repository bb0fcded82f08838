"""The SOC 2 Type 2 observation window, checked against the evidence actually on file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import effective_frequency
from crosswalk.domain.window import (
    EvidenceDating,
    WindowReport,
    check_control,
    match_population,
    read_population,
)
from crosswalk.services.controls.controls import control_records, expectations_for
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow


def evidence_by_control(session: Session) -> dict[str, list[EvidenceDating]]:
    """All evidence dates in one query; references and titles both may name events."""
    found: dict[str, list[EvidenceDating]] = {}
    rows = session.execute(
        select(
            ControlRow.control_id,
            EvidenceRow.id,
            EvidenceRow.performed_start,
            EvidenceRow.performed_end,
            EvidenceRow.reference,
            EvidenceRow.title,
        )
        .join(EvidenceLinkRow, EvidenceLinkRow.control_pk == ControlRow.id)
        .join(EvidenceRow, EvidenceRow.id == EvidenceLinkRow.evidence_id)
    )
    for control_id, evidence_id, start, end, reference, title in rows:
        found.setdefault(control_id, []).append(
            EvidenceDating(evidence_id, start, end, f"{reference} {title}")
        )
    return found


def _in_scope(facts: ControlFacts, framework: str | None) -> bool:
    return framework is None or any(t.requirement.startswith(f"{framework}:") for t in facts.tags)


def run_window(
    session: Session,
    library: Library,
    start: date,
    end: date,
    framework: str | None = None,
    audit_day_days: int = 14,
    populations: Sequence[tuple[Path, str]] = (),
) -> WindowReport:
    """Check every control (of ``framework``, if given) over the window.

    Periodic controls are checked period by period at their effective frequency (the
    stricter of their own and what their requirements expect); event-driven controls are
    checked against the populations given as (CSV file, control id) pairs. A control retired
    during the window is still tested, up to the day it was retired: it was part of the
    system the auditor reports on until then.
    """
    records = [
        r
        for r in control_records(session, retired=True)
        if _in_scope(r.facts, framework) and (r.retired_on is None or r.retired_on >= start)
    ]
    facts = [r.facts for r in records]
    retired = {r.control_id: r.retired_on for r in records if r.retired_on is not None}
    by_id = {f.control_id: f for f in facts}
    for _path, control_id in populations:
        if control_id not in by_id:
            raise CrosswalkError(f"--control {control_id!r}: no such control in scope")
    evidence = evidence_by_control(session)
    checked = []
    for control in facts:
        frequency = effective_frequency(
            control.frequency, expectations_for(library, [t.requirement for t in control.tags])
        ).frequency
        if frequency is not None and not frequency.periodic:
            continue  # event-driven: judged by its population, not by calendar periods
        retired_on = retired.get(control.control_id)
        result = check_control(
            control.control_id,
            control.title,
            frequency,
            evidence.get(control.control_id, []),
            start,
            min(end, retired_on) if retired_on is not None else end,
            audit_day_days,
            owner=control.owner,
        )
        if retired_on is not None and retired_on <= end:
            result = replace(result, retired_on=retired_on)
        checked.append(result)
    population_checks = [
        replace(
            match_population(
                control_id,
                read_population(path),
                evidence.get(control_id, []),
                start,
                end,
                frequency=by_id[control_id].frequency,
            ),
            title=by_id[control_id].title,
            owner=by_id[control_id].owner,
        )
        for path, control_id in populations
    ]
    return WindowReport(start, end, audit_day_days, checked, population_checks)


def default_observation_window(today: date) -> tuple[date, date]:
    """The last twelve full calendar months: the usual SOC 2 Type 2 observation window, and
    the one every surface (the web page, the demo's report) starts from."""
    end = today.replace(day=1) - timedelta(days=1)
    start = date(end.year - 1, end.month % 12 + 1, 1) if end.month != 12 else date(end.year, 1, 1)
    return start, end
