"""Editing one row of the Statement of Applicability, checked before it is saved.

``check_entry`` is the dry run of ``soa.set_entry``: it says, in sentences a person can act
on, everything ``set_entry`` would refuse (an exclusion without a reason, an inclusion
without a justification or its kind, a version that is approved), without changing
anything. Forms ask it as they are filled in; ``save_entry`` asks it again, then saves
through ``set_entry``, so what the page promised and what the server does are one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.isms.risks import resolve_annex_a, risk_annex_a
from crosswalk.services.soa.soa import (
    JUSTIFICATION_KINDS,
    STATUSES,
    SoaEntry,
    SoaError,
    current_draft_row,
    latest_approved_row,
    parse_kinds,
    parse_status,
    set_entry,
)
from crosswalk.store.isms_models import RiskRow, SoaEntryRow

NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class EntryChange:
    """What to change in a row; None leaves that field as it is (as ``set_entry``)."""

    applicable: bool | None = None
    justification: str | None = None
    kinds: list[str] | None = None
    exclusion_reason: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class EntryCheck:
    """Problems block the change; warnings are what ``soa.validate`` will report after it."""

    ref: str
    problems: list[str]
    warnings: list[str]


def parse_applicable(given: str | None) -> bool | None:
    """``yes``/``no`` as a form sends it (also true/false, applicable/excluded); blank: None."""
    text = (given or "").strip().lower()
    if not text:
        return None
    if text in {"yes", "true", "1", "applicable", "include", "included"}:
        return True
    if text in {"no", "false", "0", "excluded", "exclude", "not applicable"}:
        return False
    raise SoaError(f"applicable {given!r}: say yes or no")


def form_change(
    applicable: str | None,
    justification: str | None = None,
    kinds: list[str] | None = None,
    exclusion_reason: str | None = None,
    status: str | None = None,
) -> EntryChange:
    """A whole row as an edit form sends it. The form carries every field, so the ones the
    chosen applicability does not use are left out: an excluded row keeps its reason (its
    status becomes not applicable), an included row its justification, kinds and status."""
    include = parse_applicable(applicable)
    if include is False:
        return EntryChange(applicable=False, exclusion_reason=exclusion_reason or "")
    return EntryChange(
        applicable=include,
        justification=justification,
        kinds=kinds,
        status=status or None,
    )


def _risks_naming(session: Session, library: Library, ref: str) -> list[str]:
    """Risks whose treatment names this Annex A control."""
    found = []
    for risk in session.scalars(select(RiskRow).order_by(RiskRow.risk_id)):
        for written in risk_annex_a(risk):
            try:
                if resolve_annex_a(library, written) == ref:
                    found.append(risk.risk_id)
                    break
            except CrosswalkError:
                continue
    return found


def _rules(wanted: str, entry: SoaEntryRow | None, change: EntryChange) -> list[str]:
    """What ``set_entry`` refuses, for the row as it would be after the change."""
    problems: list[str] = []
    kinds: list[str] | None = None
    if change.kinds is not None:
        try:
            kinds = parse_kinds(change.kinds)
        except SoaError as error:
            problems.append(f"{str(error).capitalize()}.")
    status: str | None = None
    if change.status is not None:
        try:
            status = parse_status(change.status)
        except SoaError as error:
            problems.append(f"{str(error).capitalize()}.")
    if entry is None and change.applicable is None:
        return [*problems, f"{wanted} has no row in the draft yet: say whether it applies."]
    include = bool(entry and entry.applicable) if change.applicable is None else change.applicable
    if not include:
        if (change.justification or "").strip() or kinds:
            problems.append(
                f"An excluded control has a reason, not a justification or kinds: clear them "
                f"or include {wanted}."
            )
        current = entry.exclusion_reason if entry is not None else ""
        reason = current if change.exclusion_reason is None else change.exclusion_reason
        if not reason.strip():
            problems.append(
                f"Excluding {wanted} needs a reason: say why the control does not apply "
                "(ISO/IEC 27001 6.1.3 d asks for a justification of every exclusion)."
            )
        return problems
    if (change.exclusion_reason or "").strip():
        problems.append(f"{wanted} is included: an exclusion reason is only for excluded controls.")
    current_text = entry.justification if entry is not None else ""
    text = current_text if change.justification is None else change.justification
    if not text.strip():
        problems.append(f"Including {wanted} needs a justification: say why it is included.")
    chosen = kinds
    if chosen is None:
        try:
            chosen = parse_kinds(entry.justification_kinds) if entry is not None else []
        except SoaError as error:
            problems.append(f"{str(error).capitalize()}.")
            chosen = []
    if not chosen:
        problems.append(
            f"Including {wanted} needs at least one justification kind "
            f"({', '.join(JUSTIFICATION_KINDS)})."
        )
    if status == NOT_APPLICABLE:
        options = ", ".join(s for s in STATUSES if s != NOT_APPLICABLE)
        problems.append(f"{wanted} is included: choose its implementation status ({options}).")
    return problems


def check_entry(session: Session, library: Library, ref: str, change: EntryChange) -> EntryCheck:
    """Everything that would stop ``set_entry`` from making this change; nothing is written."""
    try:
        wanted = resolve_annex_a(library, ref)
    except CrosswalkError as error:
        return EntryCheck(ref, [f"{str(error).capitalize()}."], [])
    draft = current_draft_row(session)
    if draft is None:
        latest = latest_approved_row(session)
        message = (
            f"v{latest.version} is approved and can no longer change: start a new draft to "
            "change the Statement of Applicability."
            if latest is not None
            else "There is no Statement of Applicability yet: create the first draft."
        )
        return EntryCheck(wanted, [message], [])
    entry = next((e for e in draft.entries if e.ref == wanted), None)
    problems = _rules(wanted, entry, change)
    warnings: list[str] = []
    excluded = change.applicable is False or (
        change.applicable is None and entry is not None and not entry.applicable
    )
    if excluded:
        risks = _risks_naming(session, library, wanted)
        if risks:
            warnings.append(
                f"The treatment of {', '.join(risks)} uses {wanted}: excluded, it will be a "
                "validation finding until those risks no longer name it."
            )
    return EntryCheck(wanted, problems, warnings)


def save_entry(
    session: Session, library: Library, ref: str, change: EntryChange, today: date
) -> SoaEntry:
    """Check, then change one row of the draft (reviewed today); refused as a whole."""
    checked = check_entry(session, library, ref, change)
    if checked.problems:
        raise SoaError(" ".join(checked.problems))
    return set_entry(
        session,
        library,
        checked.ref,
        applicable=change.applicable,
        justification=change.justification,
        kinds=change.kinds,
        exclusion_reason=change.exclusion_reason,
        status=change.status,
        reviewed_on=today,
    )
