"""Run the workspace's declared collectors and keep what they found as evidence.

Each run is recorded (passed, failed, or errored). A collector that errors records a
failed run and the others go on; its evidence, when it produced some, is stored once and
linked to every control it supports, like any other evidence.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.collectors.base import CollectorError
from crosswalk.collectors.config import (
    Declaration,
    due_declarations,
    load_declarations,
    run_declaration,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.controls.controls import control_row
from crosswalk.services.evidence.evidence import EvidenceInput, add_stream_evidence
from crosswalk.store.blobs import BlobStore
from crosswalk.store.models import CollectorRunRow

DECLARATIONS_FILE = "collectors.yaml"


@dataclass(frozen=True)
class RunOutcome:
    name: str
    collector: str
    passed: bool | None  # None when the collector could not run
    summary: str
    evidence_id: int | None
    error: str | None


def last_runs(session: Session) -> dict[str, datetime]:
    rows = session.execute(
        select(CollectorRunRow.name, func.max(CollectorRunRow.started_at)).group_by(
            CollectorRunRow.name
        )
    )
    found = {}
    for name, started in rows:
        found[name] = started if started.tzinfo else started.replace(tzinfo=UTC)
    return found


def declarations_for(root: Path, path: Path | None = None) -> list[Declaration]:
    target = path or root / DECLARATIONS_FILE
    if not target.is_file():
        raise CrosswalkError(
            f"{target}: no collectors declared (write {DECLARATIONS_FILE}; see the README)"
        )
    return load_declarations(target)


def select_declarations(
    session: Session,
    declarations: list[Declaration],
    due_only: bool,
    names: list[str] | None,
    now: datetime,
) -> list[Declaration]:
    chosen = declarations
    if names:
        known = {d.name for d in declarations}
        unknown = [n for n in names if n not in known]
        if unknown:
            declared = ", ".join(sorted(known))
            raise CrosswalkError(
                f"no collector declared as {', '.join(unknown)} (declared: {declared})"
            )
        chosen = [d for d in declarations if d.name in names]
    if due_only:
        chosen = due_declarations(chosen, last_runs(session), now)
    for declaration in chosen:  # unknown controls are a declaration error: fail before running
        for control_id in declaration.controls:
            control_row(session, control_id)
    return chosen


def _record_run(
    session: Session,
    declaration: Declaration,
    started: datetime,
    passed: bool | None,
    error: str | None = None,
    evidence_id: int | None = None,
) -> None:
    session.add(
        CollectorRunRow(
            name=declaration.name,
            collector=declaration.collector,
            started_at=started,
            finished_at=datetime.now(UTC),
            passed=passed,
            error=error,
            evidence_id=evidence_id,
        )
    )
    session.flush()


def run_one(session: Session, store: BlobStore, declaration: Declaration, actor: str) -> RunOutcome:
    """Run one declared collector; never raises for the collector's own failure."""
    started = datetime.now(UTC)
    try:
        result = run_declaration(declaration)
    except CollectorError as error:
        _record_run(session, declaration, started, None, error=str(error))
        return RunOutcome(
            declaration.name, declaration.collector, None, str(error), None, str(error)
        )
    day = result.collected_at.date()
    evidence = add_stream_evidence(
        session,
        store,
        io.BytesIO(result.content),
        result.filename,
        result.media_type,
        list(declaration.controls),
        EvidenceInput(
            title=declaration.title or f"{declaration.name}: {result.summary}"[:480],
            kind="collector",
            performed_start=day,
            performed_end=day,
            collected_by=actor,
            source=f"collector {declaration.name} ({declaration.collector})",
            passed=result.passed,
        ),
        today=day,
    )
    _record_run(session, declaration, started, result.passed, evidence_id=evidence.id)
    return RunOutcome(
        declaration.name, declaration.collector, result.passed, result.summary, evidence.id, None
    )


def run_collectors(
    session: Session,
    store: BlobStore,
    declarations: list[Declaration],
    actor: str,
    root: Path,
    progress: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run each, committing after each so one crash never loses the runs before it.

    Relative paths in declarations (files, SQLite URLs, working folders) are read from the
    workspace folder, wherever the command was started.
    """
    outcomes = []
    with contextlib.chdir(root):
        for declaration in declarations:
            outcome = run_one(session, store, declaration, actor)
            session.commit()
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    return outcomes
