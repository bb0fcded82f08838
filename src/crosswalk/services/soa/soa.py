"""The Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d) as a versioned record.

All 93 Annex A controls, each applicable (with a justification and its kinds: risk, legal,
contractual, business) or excluded (with a reason), with its implementation status. A
version is a draft until it is approved; an approved version is frozen for good. There is
at most one draft: a later change starts a new draft copied from the latest approved one.
``validate`` checks a version against itself, the control library and the risk register.
The ``soa/v<N>.yaml`` file format is in ``soa_records``; the stored versions and the plain
views clients get of them are in ``soa_versions``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.requirements import Requirement
from crosswalk.domain.risk import Treatment
from crosswalk.services.controls.controls import all_facts
from crosswalk.services.coverage.gap import GapReport, run_gap
from crosswalk.services.coverage.gap import SoaRow as ProposedRow
from crosswalk.services.evidence.reaching import evidence_summaries
from crosswalk.services.isms.risks import resolve_annex_a, risk_annex_a
from crosswalk.services.soa.versions import (
    SoaEntry,
    SoaError,
    SoaVersion,
    current_draft,
    current_draft_row,
    entry_view,
    get_version,
    is_approved,
    latest_approved,
    latest_approved_row,
    list_version_rows,
    list_versions,
    parse_version,
    version_row,
    version_view,
)
from crosswalk.store.isms_models import RiskRow, SoaEntryRow, SoaVersionRow

# The versions and their views live in soa_versions; re-exported as the SoA's one front door.
__all__ = [
    "SoaEntry",
    "SoaError",
    "SoaVersion",
    "current_draft",
    "current_draft_row",
    "get_version",
    "is_approved",
    "latest_approved",
    "latest_approved_row",
    "list_version_rows",
    "list_versions",
    "parse_version",
    "version_row",
]

ISO = "iso27001-2022"
JUSTIFICATION_KINDS = ("risk", "legal", "contractual", "business")
KIND_ALIASES = {"regulatory": "legal", "legal/regulatory": "legal", "contract": "contractual"}
STATUSES = ("implemented", "partially implemented", "planned", "not implemented", "not applicable")
# What a seeded row says when the gap analysis found no control: included until decided.
PENDING_JUSTIFICATION = (
    "Risk-based decision pending (6.1.2): no current control. Include it with a planned "
    "treatment in the risk register, or exclude it with a documented reason."
)
# The fields of an entry, as in the table and the file (besides ref and position).
FIELDS = (
    "applicable",
    "justification",
    "justification_kinds",
    "exclusion_reason",
    "implementation_status",
    "last_reviewed",
)

Value = str | bool | None


@dataclass(frozen=True)
class Finding:
    """One problem of a version: the ref it is about and what to do."""

    ref: str
    code: str
    message: str


@dataclass(frozen=True)
class Change:
    ref: str
    field: str
    before: Value
    after: Value


@dataclass(frozen=True)
class SoaMeta:
    """The header of an SoA: which version, approved by whom and when."""

    version: int
    status: str  # "draft" or "approved"
    approved_by: str | None
    approved_on: date | None
    created_on: date
    note: str
    total: int
    applicable: int
    excluded: int


@dataclass(frozen=True)
class SoaRow:
    """One Annex A control as auditors read it in the SoA."""

    ref: str
    title: str
    theme: str
    applicable: bool
    justification: str
    justification_kinds: list[str]
    exclusion_reason: str
    implementation_status: str
    controls: list[str]
    evidence_count: int
    evidence_latest: date | None
    risks: list[str]
    last_reviewed: date | None


# ---------------------------------------------------------------------------- reading refs


def annex_a(library: Library) -> list[Requirement]:
    """The Annex A controls in catalog order."""
    return [r for r in library.frameworks[ISO] if r.kind == "control"]


def parse_kinds(given: list[str] | str | None) -> list[str]:
    """Justification kinds in canonical order; ``risk,legal`` and repeated values both work."""
    if given is None:
        return []
    items = [given] if isinstance(given, str) else given
    found: set[str] = set()
    for item in items:
        for part in item.split(","):
            word = part.strip().lower()
            if not word:
                continue
            word = KIND_ALIASES.get(word, word)
            if word not in JUSTIFICATION_KINDS:
                raise SoaError(
                    f"justification kind {part.strip()!r}: use {', '.join(JUSTIFICATION_KINDS)}"
                )
            found.add(word)
    return [k for k in JUSTIFICATION_KINDS if k in found]


def parse_status(given: str) -> str:
    wanted = " ".join(given.strip().lower().replace("-", " ").replace("_", " ").split())
    if wanted not in STATUSES:
        raise SoaError(f"implementation status {given!r}: use {', '.join(STATUSES)}")
    return wanted


# -------------------------------------------------------------------------------- versions


def _draft_or_fail(session: Session) -> SoaVersionRow:
    draft = current_draft_row(session)
    if draft is not None:
        return draft
    latest = latest_approved_row(session)
    if latest is None:
        raise SoaError("no Statement of Applicability yet: run `crosswalk soa init`")
    raise SoaError(
        f"v{latest.version} is approved and can no longer change: start a new draft copied "
        "from it with `crosswalk soa init`"
    )


def _next_version(session: Session) -> int:
    versions = list_version_rows(session)
    return versions[-1].version + 1 if versions else 1


def refuse_second_draft(session: Session) -> None:
    """Raise while a draft exists: there is at most one."""
    draft = current_draft_row(session)
    if draft is not None:
        raise SoaError(
            f"draft v{draft.version} already exists: edit it with `crosswalk soa set`, then "
            "approve it with `crosswalk soa approve`"
        )


def _seeded(position: int, proposal: ProposedRow) -> SoaEntryRow:
    if proposal.proposed_applicability == "excluded":
        return SoaEntryRow(
            position=position,
            ref=proposal.ref,
            applicable=False,
            justification="",
            justification_kinds="",
            exclusion_reason=proposal.justification,
            implementation_status="not applicable",
        )
    pending = proposal.proposed_applicability != "applicable"
    return SoaEntryRow(
        position=position,
        ref=proposal.ref,
        applicable=True,
        justification=PENDING_JUSTIFICATION if pending else proposal.justification,
        justification_kinds="risk",
        exclusion_reason="",
        implementation_status=proposal.implementation_status,
    )


def init_soa(
    session: Session, library: Library, today: date | None = None, from_gap: bool = False
) -> SoaVersion:
    """A new draft. The first one is seeded from the gap analysis's draft SoA (controls
    it found no control for are included, pending a risk-based decision); later ones copy
    the latest approved version unless ``from_gap`` asks for a fresh seed.
    """
    refuse_second_draft(session)
    if latest_approved_row(session) is not None and not from_gap:
        return new_draft_from_latest(session, today)
    day = today or date.today()
    report = run_gap(session, library, today=day)
    proposals = {row.ref: row for row in report.soa_draft}
    row = SoaVersionRow(
        version=_next_version(session),
        note=f"seeded from the gap analysis {report.source} -> {report.target} on {day}",
    )
    for position, requirement in enumerate(annex_a(library)):
        row.entries.append(_seeded(position, proposals[requirement.ref]))
    session.add(row)
    session.flush()
    return version_view(row)


def new_draft_from_latest(session: Session, today: date | None = None) -> SoaVersion:
    """A draft copying every entry of the latest approved version."""
    refuse_second_draft(session)
    latest = latest_approved_row(session)
    if latest is None:
        raise SoaError(
            "no approved version to copy: `crosswalk soa init` seeds a first draft from the "
            "gap analysis"
        )
    day = today or date.today()
    row = SoaVersionRow(
        version=_next_version(session), note=f"copied from v{latest.version} on {day}"
    )
    for entry in latest.entries:
        copied = {name: getattr(entry, name) for name in ("position", "ref", *FIELDS)}
        row.entries.append(SoaEntryRow(**copied))
    session.add(row)
    session.flush()
    return version_view(row)


def set_entry(
    session: Session,
    library: Library,
    ref: str,
    *,
    applicable: bool | None = None,
    justification: str | None = None,
    kinds: list[str] | str | None = None,
    exclusion_reason: str | None = None,
    status: str | None = None,
    reviewed_on: date | None = None,
) -> SoaEntry:
    """Change one row of the draft; only what is given changes.

    Excluding needs a reason, and clears the inclusion's justification and kinds;
    including needs a justification and its kinds, and clears the reason. The row is
    marked reviewed on ``reviewed_on`` (default today).
    """
    draft = _draft_or_fail(session)
    wanted = resolve_annex_a(library, ref)
    entry = next((e for e in draft.entries if e.ref == wanted), None)
    if entry is None:
        if applicable is None:
            raise SoaError(
                f"{wanted} has no row in v{draft.version} yet: say --applicable or --excluded"
            )
        entry = SoaEntryRow(
            ref=wanted,
            position=[r.ref for r in annex_a(library)].index(wanted),
            applicable=applicable,
            justification="",
            justification_kinds="",
            exclusion_reason="",
            implementation_status="not implemented" if applicable else "not applicable",
        )
        draft.entries.append(entry)
        draft.entries.sort(key=lambda e: e.position)
    was_applicable = entry.applicable
    include = entry.applicable if applicable is None else applicable
    new_kinds = parse_kinds(kinds) if kinds is not None else None
    new_status = parse_status(status) if status is not None else None
    if not include:
        if justification or new_kinds:
            raise SoaError(
                f"{wanted}: a justification and its kinds are for inclusion; an excluded "
                "control has a reason (--reason)"
            )
        reason = (entry.exclusion_reason if exclusion_reason is None else exclusion_reason).strip()
        if not reason:
            raise SoaError(
                f"excluding {wanted} needs a reason: say why it does not apply "
                f'(--reason "..."); ISO/IEC 27001 6.1.3 d asks for the justification of '
                "every exclusion"
            )
        entry.applicable = False
        entry.exclusion_reason = reason
        entry.justification, entry.justification_kinds = "", ""
        if new_status is None and was_applicable:
            new_status = "not applicable"
    else:
        if exclusion_reason and exclusion_reason.strip():
            raise SoaError(f"{wanted} is applicable: --reason is for exclusions (add --excluded)")
        text = (entry.justification if justification is None else justification).strip()
        chosen = parse_kinds(entry.justification_kinds) if new_kinds is None else new_kinds
        if not text or not chosen:
            raise SoaError(
                f"including {wanted} needs a justification and its kind: "
                f'--justification "..." --kind {"|".join(JUSTIFICATION_KINDS)}'
            )
        if not was_applicable and new_status is None:
            new_status = "not implemented"
        entry.applicable = True
        entry.exclusion_reason = ""
        entry.justification, entry.justification_kinds = text, ",".join(chosen)
    if new_status is not None:
        entry.implementation_status = new_status
    entry.last_reviewed = reviewed_on or date.today()
    session.flush()
    return entry_view(entry)


def approve(
    session: Session, approver: str, on: date | None = None, today: date | None = None
) -> SoaVersion:
    """Approve the draft: from now on it is frozen."""
    draft = _draft_or_fail(session)
    name = approver.strip()
    if not name:
        raise SoaError("say who approves the SoA (--by NAME)")
    draft.approved_by = name
    draft.approved_on = on or today or date.today()
    session.flush()
    return version_view(draft)


# ------------------------------------------------------------------------------ the checks


def _risks_by_ref(session: Session, library: Library) -> dict[str, list[RiskRow]]:
    """Risks by each Annex A ref their treatment names (refs that do not resolve are the
    risk register's own check)."""
    by_ref: dict[str, list[RiskRow]] = {}
    for risk in session.scalars(select(RiskRow).order_by(RiskRow.risk_id)):
        for written in risk_annex_a(risk):
            try:
                ref = resolve_annex_a(library, written)
            except CrosswalkError:
                continue
            if risk not in by_ref.setdefault(ref, []):
                by_ref[ref].append(risk)
    return by_ref


def _planned_treatment(risk: RiskRow) -> bool:
    return risk.treatment == Treatment.MODIFY and bool(risk.treatment_plan.strip())


def _reaching_controls(report: GapReport, ref: str) -> list[str]:
    try:
        return report.find(ref).controls
    except CrosswalkError:
        return []


# What each finding says; every message names the ref and what to do.
MESSAGES = {
    "unknown-ref": "{ref} in {label} is not an Annex A control of " + ISO + ": remove it",
    "missing": "{ref} {title} has no row in {label}: every Annex A control needs one; add it "
    "(crosswalk soa set {ref} --applicable ... or --excluded --reason ...)",
    "duplicate": "{ref} has {count} rows in {label}: keep one",
    "exclusion-without-reason": "{ref} {title} is excluded without a reason: give one "
    '(crosswalk soa set {ref} --excluded --reason "...") or include it',
    "excluded-but-used-by-risk": "{ref} {title} is excluded but the treatment of risk {risks} "
    'uses it: include it (crosswalk soa set {ref} --applicable --kind risk --justification "...")'
    " or take it out of those risks' Annex A refs",
    "no-justification": "{ref} {title} is applicable without a justification: say why it is "
    'included (crosswalk soa set {ref} --justification "..." --kind risk)',
    "no-justification-kind": "{ref} {title} has no justification kind: name what requires it "
    "(crosswalk soa set {ref} --kind " + "|".join(JUSTIFICATION_KINDS) + ")",
    "unknown-justification-kind": "{ref} {title} has an unknown justification kind ({kinds}): "
    "use " + ", ".join(JUSTIFICATION_KINDS),
    "no-control-or-treatment": "{ref} {title} is applicable but no control reaches it and no "
    "risk plans a treatment with it: tag a control to it (crosswalk controls tag ID "
    + ISO
    + ":{ref}), add a planned treatment (a risk with treatment modify, a plan and Annex A ref "
    '{ref}), or exclude it (crosswalk soa set {ref} --excluded --reason "...")',
}


def _finding(code: str, ref: str, **values: object) -> Finding:
    return Finding(ref, code, MESSAGES[code].format(ref=ref, **values))


def validate(session: Session, library: Library, version: int | str | None = None) -> list[Finding]:
    """Every problem of a version (default: the newest), in catalog order; empty when sound."""
    row = version_row(session, version)
    label = f"v{row.version}"
    catalog = annex_a(library)
    known = {r.ref for r in catalog}
    counts = Counter(e.ref for e in row.entries)
    findings = [_finding("unknown-ref", ref, label=label) for ref in counts if ref not in known]
    report = run_gap(session, library, evidence="ignored")
    risks = _risks_by_ref(session, library)
    entries = {e.ref: e for e in reversed(row.entries)}  # the first row of a ref wins
    for requirement in catalog:
        ref, title = requirement.ref, requirement.title
        if counts[ref] == 0:
            findings.append(_finding("missing", ref, title=title, label=label))
            continue
        if counts[ref] > 1:
            findings.append(_finding("duplicate", ref, count=counts[ref], label=label))
        entry, used_by = entries[ref], risks.get(ref, [])
        if not entry.applicable:
            if not entry.exclusion_reason.strip():
                findings.append(_finding("exclusion-without-reason", ref, title=title))
            if used_by:
                ids = ", ".join(r.risk_id for r in used_by)
                findings.append(_finding("excluded-but-used-by-risk", ref, title=title, risks=ids))
            continue
        if not entry.justification.strip():
            findings.append(_finding("no-justification", ref, title=title))
        kinds = split_kinds(entry.justification_kinds)
        if not kinds:
            findings.append(_finding("no-justification-kind", ref, title=title))
        elif unknown := [k for k in kinds if k not in JUSTIFICATION_KINDS]:
            findings.append(
                _finding("unknown-justification-kind", ref, title=title, kinds=", ".join(unknown))
            )
        if not _reaching_controls(report, ref) and not any(_planned_treatment(r) for r in used_by):
            findings.append(_finding("no-control-or-treatment", ref, title=title))
    return findings


# ------------------------------------------------------------------------ diff and the view


def split_kinds(text: str) -> list[str]:
    """An entry's stored justification kinds (comma-separated) as a list, as written."""
    return [k.strip() for k in text.split(",") if k.strip()]


def field_value(entry: SoaEntry | SoaEntryRow, name: str) -> Value:
    """One field of an entry as plain data (dates as ISO text), as diffs and files show it."""
    value = getattr(entry, name)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


def diff(session: Session, v1: int | str, v2: int | str) -> list[Change]:
    """What changed from ``v1`` to ``v2``, field by field, in catalog order."""
    old, new = version_row(session, v1), version_row(session, v2)
    before = {e.ref: e for e in old.entries}
    after = {e.ref: e for e in new.entries}
    order = [e.ref for e in new.entries] + [e.ref for e in old.entries if e.ref not in after]
    changes = []
    for ref in order:
        was, now = before.get(ref), after.get(ref)
        if was is None:
            changes.append(Change(ref, "entry", None, "added"))
            continue
        if now is None:
            changes.append(Change(ref, "entry", "present", None))
            continue
        for name in FIELDS:
            a, b = field_value(was, name), field_value(now, name)
            if a != b:
                changes.append(Change(ref, name, a, b))
    return changes


def soa_meta(session: Session, version: int | str | None = None) -> SoaMeta:
    row = version_row(session, version)
    applicable = sum(1 for e in row.entries if e.applicable)
    return SoaMeta(
        version=row.version,
        status="approved" if is_approved(row) else "draft",
        approved_by=row.approved_by,
        approved_on=row.approved_on,
        created_on=row.created_at.date(),
        note=row.note,
        total=len(row.entries),
        applicable=applicable,
        excluded=len(row.entries) - applicable,
    )


def soa_rows(
    session: Session,
    library: Library,
    version: int | str | None = None,
    *,
    report: GapReport | None = None,
    facts: list[ControlFacts] | None = None,
) -> list[SoaRow]:
    """The SoA with what auditors cross-check: controls, evidence, risks per control.

    ``report`` and ``facts`` are the program's gap report against ISO and its controls'
    facts when the caller keeps them already (the web's live program): which controls reach
    a requirement does not depend on the evidence rule, only their verdict does."""
    row = version_row(session, version)
    requirements = {r.ref: r for r in annex_a(library)}
    facts = facts if facts is not None else all_facts(session)
    if report is None:
        report = run_gap(session, library, evidence="ignored")
    risks = _risks_by_ref(session, library)
    summaries = evidence_summaries(session, library, [f"{ISO}:{e.ref}" for e in row.entries], facts)
    rows = []
    for entry in row.entries:
        requirement = requirements.get(entry.ref)
        evidence_count, evidence_latest = summaries[f"{ISO}:{entry.ref}"]
        rows.append(
            SoaRow(
                ref=entry.ref,
                title=requirement.title if requirement else "(not an Annex A control)",
                theme=requirement.attributes.get("theme", "") if requirement else "",
                applicable=entry.applicable,
                justification=entry.justification,
                justification_kinds=split_kinds(entry.justification_kinds),
                exclusion_reason=entry.exclusion_reason,
                implementation_status=entry.implementation_status,
                controls=_reaching_controls(report, entry.ref),
                evidence_count=evidence_count,
                evidence_latest=evidence_latest,
                risks=[r.risk_id for r in risks.get(entry.ref, [])],
                last_reviewed=entry.last_reviewed,
            )
        )
    return rows
