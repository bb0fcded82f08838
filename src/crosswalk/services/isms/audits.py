"""Internal audits (ISO/IEC 27001:2022 clause 9.2) and the programme that must cover, over a
cycle, every clause 4-10 and every applicable Annex A control.

An audit's scope is a list of ISO/IEC 27001:2022 refs; a clause or theme in scope covers
everything under it (``6.1`` covers 6.1.1-6.1.3, ``A.8`` all technological controls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.requirements import Framework, split_key
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import (
    IsmsError,
    changed_fields,
    get_row,
    keyed_rows,
    new_id,
    optional,
    snapshot,
)
from crosswalk.services.isms.records import RecordKind
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.isms_models import InternalAuditRow, SoaVersionRow

ISO = "iso27001-2022"
PERFORMED = "performed"
PLANNED = "planned"
OVERDUE = "overdue"  # planned, the date has passed, not performed
STATES = (PLANNED, PERFORMED, OVERDUE)


@dataclass(frozen=True)
class AuditInput:
    audit_id: str
    title: str
    scope: Sequence[str] = ()  # ISO/IEC 27001:2022 refs, forgiving ("5.15", "a.8", "6.1")
    auditor: str | None = None
    planned_on: date | None = None
    performed_on: date | None = None
    findings: str = ""


EDITABLE = tuple(f.name for f in fields(AuditInput) if f.name != "audit_id")
COLUMNS = ("title", "scope", "auditor", "planned_on", "performed_on", "findings")


def _iso(library: Library) -> Framework:
    framework = library.frameworks.get(ISO)
    if framework is None:
        raise IsmsError(f"the {ISO} catalog is not loaded")
    return framework


def resolve_scope(library: Library, refs: Sequence[str]) -> list[str]:
    """ISO/IEC 27001:2022 refs in catalog order; each entry may hold several, comma-separated."""
    framework = _iso(library)
    wanted: set[str] = set()
    for entry in refs:
        for given in (part.strip() for part in entry.split(",")):
            if not given:
                continue
            framework_id, ref = split_key(resolve_requirement(library, given, ISO))
            if framework_id != ISO:
                raise IsmsError(
                    f"audit scope {given!r} is {framework_id}: name clauses 4-10 or Annex A "
                    f"controls of {ISO}"
                )
            wanted.add(ref)
    return [r.ref for r in framework.requirements if r.ref in wanted]


@dataclass(frozen=True)
class Audit:
    """An internal audit as clients see it, its scope as a list of refs."""

    audit_id: str
    title: str
    scope: tuple[str, ...]
    auditor: str | None
    planned_on: date | None
    performed_on: date | None
    findings: str


def audit_scope(row: Audit | InternalAuditRow) -> list[str]:
    if isinstance(row, Audit):
        return list(row.scope)
    return [part.strip() for part in row.scope.split(",") if part.strip()]


def _view(row: InternalAuditRow) -> Audit:
    return Audit(
        audit_id=row.audit_id,
        title=row.title,
        scope=tuple(audit_scope(row)),
        auditor=row.auditor,
        planned_on=row.planned_on,
        performed_on=row.performed_on,
        findings=row.findings,
    )


def audit_state(row: Audit | InternalAuditRow, today: date) -> str:
    if row.performed_on is not None:
        return PERFORMED
    if row.planned_on is not None and row.planned_on < today:
        return OVERDUE
    return PLANNED


def audit_date(row: Audit | InternalAuditRow) -> date | None:
    """The day that places an audit in a cycle: when performed, else when planned."""
    return row.performed_on or row.planned_on


def audit_row(session: Session, audit_id: str) -> InternalAuditRow:
    """The row itself, for services that change it."""
    return get_row(session, InternalAuditRow, InternalAuditRow.audit_id, audit_id, "internal audit")


def get_audit(session: Session, audit_id: str) -> Audit:
    return _view(audit_row(session, audit_id))


def list_audits(
    session: Session, state: str | None = None, today: date | None = None
) -> list[Audit]:
    """Audits by date; ``state`` keeps only planned, performed or overdue ones."""
    if state is not None and state not in STATES:
        raise IsmsError(f"audit state {state!r}: use {', '.join(STATES)}")
    today = today or date.today()
    rows = sorted(
        session.scalars(select(InternalAuditRow)),
        key=lambda r: (audit_date(r) or date.max, r.audit_id),
    )
    return [_view(r) for r in rows if state is None or audit_state(r, today) == state]


def _input_of(row: InternalAuditRow) -> AuditInput:
    return AuditInput(
        row.audit_id,
        row.title,
        audit_scope(row),
        row.auditor,
        row.planned_on,
        row.performed_on,
        row.findings,
    )


def _fill(library: Library, row: InternalAuditRow, data: AuditInput) -> None:
    """Check the whole record, then set it: a refused change leaves the row as it was."""
    title = data.title.strip()
    if not title:
        raise IsmsError(f"audit {row.audit_id}: needs a title")
    scope = resolve_scope(library, data.scope)
    if not scope:
        raise IsmsError(
            f"audit {row.audit_id}: needs a scope (clauses such as 9.2, Annex A refs such as "
            "A.5.15, or themes such as A.8)"
        )
    if data.planned_on is None and data.performed_on is None:
        raise IsmsError(f"audit {row.audit_id}: needs a planned or a performed date")
    row.title = title
    row.scope = ", ".join(scope)
    row.auditor = optional(data.auditor)
    row.planned_on = data.planned_on
    row.performed_on = data.performed_on
    row.findings = data.findings.strip()


def _new_audit(session: Session, library: Library, data: AuditInput) -> InternalAuditRow:
    row = InternalAuditRow(
        audit_id=new_id(session, InternalAuditRow.audit_id, data.audit_id, "internal audit")
    )
    _fill(library, row, data)
    session.add(row)
    session.flush()
    return row


def add_audit(session: Session, library: Library, data: AuditInput) -> Audit:
    return _view(_new_audit(session, library, data))


def edit_audit(session: Session, library: Library, audit_id: str, **changes: Any) -> list[str]:
    """Apply changes; returns the names of the fields that really changed."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise IsmsError(f"{unknown[0]!r} is not an editable field ({', '.join(EDITABLE)})")
    row = audit_row(session, audit_id)
    before = snapshot(row, COLUMNS)
    _fill(library, row, replace(_input_of(row), **changes))
    session.flush()
    return changed_fields(row, before)


# --- the programme ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSummary:
    audit_id: str
    title: str
    auditor: str | None
    planned_on: date | None
    performed_on: date | None
    state: str
    scope: list[str]


@dataclass(frozen=True)
class CoverageItem:
    ref: str
    title: str
    audits: list[str]  # audits of the cycle whose scope reaches it
    performed: bool  # at least one of them was performed


@dataclass(frozen=True)
class Programme:
    """What a cycle's audits cover of clauses 4-10 and of the applicable Annex A controls."""

    cycle_start: date
    cycle_end: date
    applicable_from: str  # which SoA version decided what is applicable, or that none did
    audits: list[AuditSummary]
    clauses: list[CoverageItem]  # every lowest-level clause of 4-10
    annex_a: list[CoverageItem]  # every applicable Annex A control
    performed: list[str]
    planned: list[str]
    overdue: list[str]
    clauses_not_covered: list[str]
    annex_a_not_covered: list[str]

    @property
    def complete(self) -> bool:
        """Every clause and applicable control is in some audit, and none is overdue."""
        return not (self.clauses_not_covered or self.annex_a_not_covered or self.overdue)


def applicable_annex_a(session: Session, library: Library) -> tuple[list[str], str]:
    """Annex A refs applicable per the latest SoA version; all 93 while there is none."""
    controls = [r.ref for r in _iso(library).requirements if r.kind == "control"]
    latest = session.scalar(select(SoaVersionRow).order_by(SoaVersionRow.version.desc()).limit(1))
    if latest is None or not latest.entries:
        return controls, "no Statement of Applicability yet: all Annex A controls"
    applicable = {entry.ref for entry in latest.entries if entry.applicable}
    return [
        ref for ref in controls if ref in applicable
    ], f"Statement of Applicability v{latest.version}"


def _reached(framework: Framework, scope: list[str]) -> set[str]:
    reached: set[str] = set()
    for ref in scope:
        reached.add(ref)
        reached.update(r.ref for r in framework.descendants(ref))
    return reached


def programme(
    session: Session,
    library: Library,
    cycle_start: date,
    cycle_end: date,
    today: date | None = None,
) -> Programme:
    if cycle_end < cycle_start:
        raise IsmsError(f"the cycle ends ({cycle_end}) before it starts ({cycle_start})")
    today = today or date.today()
    framework = _iso(library)
    in_cycle = [
        row
        for row in list_audits(session, today=today)
        if (day := audit_date(row)) is not None and cycle_start <= day <= cycle_end
    ]
    reached = {row.audit_id: _reached(framework, audit_scope(row)) for row in in_cycle}
    states = {row.audit_id: audit_state(row, today) for row in in_cycle}

    def cover(refs: list[str]) -> list[CoverageItem]:
        items = []
        for ref in refs:
            requirement = framework.get(ref)
            audits = [audit_id for audit_id, refs in reached.items() if ref in refs]
            items.append(
                CoverageItem(
                    ref,
                    requirement.title if requirement else "",
                    audits,
                    any(states[a] == PERFORMED for a in audits),
                )
            )
        return items

    leaf_clauses = [
        r.ref
        for r in framework.requirements
        if r.kind == "clause" and r.mandatory and not framework.children(r.ref)
    ]
    applicable, source = applicable_annex_a(session, library)
    clauses, annex_a = cover(leaf_clauses), cover(applicable)
    return Programme(
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        applicable_from=source,
        audits=[
            AuditSummary(
                row.audit_id,
                row.title,
                row.auditor,
                row.planned_on,
                row.performed_on,
                states[row.audit_id],
                audit_scope(row),
            )
            for row in in_cycle
        ],
        clauses=clauses,
        annex_a=annex_a,
        performed=[a for a, s in states.items() if s == PERFORMED],
        planned=[a for a, s in states.items() if s != PERFORMED],
        overdue=[a for a, s in states.items() if s == OVERDUE],
        clauses_not_covered=[i.ref for i in clauses if not i.audits],
        annex_a_not_covered=[i.ref for i in annex_a if not i.audits],
    )


# --- the program format ----------------------------------------------------------------


class AuditFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audit_id: Text
    title: Text
    scope: list[str] = Field(default_factory=list)
    auditor: str | None = None
    planned_on: date | None = None
    performed_on: date | None = None
    findings: str = ""


def _audit_data(row: InternalAuditRow) -> dict[str, Any]:
    return AuditFile(**asdict(_input_of(row))).model_dump(mode="json")


def _audit_upsert(
    session: Session, library: Library, record: BaseModel, existing: InternalAuditRow | None
) -> InternalAuditRow:
    assert isinstance(record, AuditFile)
    data = AuditInput(**record.model_dump())
    if existing is None:
        return _new_audit(session, library, data)
    _fill(library, existing, data)
    return existing


_rows, _find = keyed_rows(InternalAuditRow, InternalAuditRow.audit_id)
AUDIT_RECORDS = RecordKind(
    folder="audits",
    format="crosswalk/internal-audit@1",
    model=AuditFile,
    key="audit_id",
    to_data=_audit_data,
    upsert=_audit_upsert,
    rows=_rows,
    find=_find,
)
