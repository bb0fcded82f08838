"""The AI register: every system with its tier and reasons, its obligations with both dates
and their follow-up, how far the ISMS carries each, and what becomes applicable next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.ai_classification import LEGAL_NOTICE
from crosswalk.services.ai.coverage import AiCoverage, ObligationCoverage, ai_coverage
from crosswalk.services.ai.obligations import (
    DeadlineView,
    SystemObligations,
    all_obligations,
    basis_label,
    date_basis,
    deadlines,
)


@dataclass(frozen=True)
class AiRegister:
    generated_on: date
    notice: str
    basis: str
    systems: tuple[SystemObligations, ...]
    coverage: AiCoverage
    deadlines: DeadlineView

    def coverage_of(self, system_id: str, role: str, ref: str) -> ObligationCoverage | None:
        for item in self.coverage.obligations:
            if (item.system_id, item.role, item.ref) == (system_id, role, ref):
                return item
        return None


def ai_register(
    session: Session,
    library: Library,
    today: date | None = None,
    workspace_root: Path | None = None,
) -> AiRegister:
    when = today or date.today()
    return AiRegister(
        generated_on=when,
        notice=LEGAL_NOTICE,
        basis=basis_label(date_basis(session)),
        systems=tuple(all_obligations(session, library)),
        coverage=ai_coverage(session, library, today=when, workspace_root=workspace_root),
        deadlines=deadlines(session, library, when),
    )
