"""The risk register and its treatment plan (ISO/IEC 27001 6.1.2 and 6.1.3).

One register for information-asset and service-commitment risks, scored with the
workspace's risk method (``risk_method``). Each risk has an inherent and a residual
assessment, a treatment with linked controls and Annex A refs, and its owner's acceptance.
Services flush; the caller owns the transaction.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.requirements import split_key
from crosswalk.domain.risk import (
    Assessment,
    Finding,
    RiskCategory,
    RiskFacts,
    RiskMethod,
    Treatment,
    check_risk,
    parse_category,
    parse_treatment,
    validate_risk,
)
from crosswalk.services.controls.controls import control_row
from crosswalk.services.isms.common import get_row, new_id, next_free_id, optional
from crosswalk.services.isms.risk_method import RiskError, get_method
from crosswalk.services.mapping.library import resolve_framework, resolve_requirement
from crosswalk.store.isms_models import RiskRow
from crosswalk.store.models import ControlRow

ANNEX_A = "iso27001-2022"


# --- the register -------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskInput:
    risk_id: str
    title: str
    inherent_likelihood: int
    inherent_impact: int
    description: str = ""
    category: RiskCategory = RiskCategory.INFORMATION_ASSET
    assets: tuple[str, ...] = ()
    owner: str | None = None
    treatment: Treatment = Treatment.MODIFY
    controls: tuple[str, ...] = ()
    annex_a: tuple[str, ...] = ()
    plan: str = ""
    due: date | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None


EDITABLE = tuple(f for f in RiskInput.__dataclass_fields__ if f != "risk_id")
_COLUMNS = {"plan": "treatment_plan", "due": "treatment_due"}


@dataclass(frozen=True)
class Risk:
    """A risk as clients read it: the row's columns, its controls as their ids."""

    risk_id: str
    title: str
    description: str
    category: str
    assets: str  # comma-separated asset ids, as stored
    owner: str | None
    inherent_likelihood: int
    inherent_impact: int
    residual_likelihood: int | None
    residual_impact: int | None
    treatment: str
    treatment_plan: str
    treatment_due: date | None
    annex_a: str  # comma-separated Annex A refs, as stored
    accepted_by: str | None
    accepted_on: date | None
    controls: tuple[str, ...] = ()  # control ids, sorted


_VIEW_FIELDS = tuple(name for name in Risk.__dataclass_fields__ if name != "controls")


def _view(row: RiskRow) -> Risk:
    values = {name: getattr(row, name) for name in _VIEW_FIELDS}
    return Risk(**values, controls=tuple(risk_controls(row)))


def _split(text: str) -> list[str]:
    return [part for part in (p.strip() for p in text.split(",")) if part]


def risk_assets(row: Risk | RiskRow) -> list[str]:
    return _split(row.assets)


def risk_annex_a(row: Risk | RiskRow) -> list[str]:
    return _split(row.annex_a)


def risk_controls(row: Risk | RiskRow) -> list[str]:
    if isinstance(row, Risk):
        return sorted(row.controls)
    return sorted(c.control_id for c in row.controls)


def _annex_order(ref: str) -> tuple[int, ...]:
    return tuple(
        int(p) if p.isascii() and p.isdigit() else 0 for p in ref.removeprefix("A.").split(".")
    )


def resolve_annex_a(library: Library, given: str) -> str:
    """``A.5.15`` for ``5.15``, ``a5.15`` or ``iso27001-2022:A.5.15``; only Annex A controls."""
    text = given.strip()
    framework, sep, ref = text.partition(":")
    if sep:
        if resolve_framework(library, framework) != ANNEX_A:
            raise RiskError(f"Annex A ref {given!r}: Annex A refs are of {ANNEX_A}")
        text = ref.strip()
    if ANNEX_A not in library.frameworks:
        raise RiskError(f"the {ANNEX_A} catalog is not loaded")
    # "5.1" is clause 5.1 and Annex A 5.1 at once: here it can only mean the control.
    attempts = [text] if text[:1] in {"a", "A"} else [f"A.{text}", text]
    first: UnknownReferenceError | None = None
    for attempt in attempts:
        try:
            key = resolve_requirement(library, attempt, ANNEX_A)
        except UnknownReferenceError as error:
            first = first or error
            continue
        requirement = library.requirement(key)
        if requirement is None or requirement.kind != "control":
            kind = requirement.kind if requirement else "requirement"
            raise RiskError(f"Annex A ref {given!r} is {key}, a {kind}, not an Annex A control")
        return split_key(key)[1]
    raise UnknownReferenceError(given, "Annex A control", first.suggestions if first else [])


def _annex_refs(library: Library, refs: Sequence[str]) -> list[str]:
    return sorted({resolve_annex_a(library, r) for r in refs if r.strip()}, key=_annex_order)


def _control_rows(session: Session, control_ids: Sequence[str]) -> list[ControlRow]:
    """The controls by id, sorted; an unknown id raises with the closest ids."""
    found = {}
    for given in control_ids:
        if given.strip():
            row = control_row(session, given.strip())
            found[row.control_id] = row
    return [found[key] for key in sorted(found)]


def _assets_text(assets: Sequence[str]) -> str:
    return ",".join(dict.fromkeys(a.strip() for a in assets if a.strip()))


def _validate(method: RiskMethod, values: dict[str, Any]) -> None:
    result = validate_risk(
        method,
        (values["inherent_likelihood"], values["inherent_impact"]),
        (values["residual_likelihood"], values["residual_impact"]),
    )
    if result.errors:
        raise RiskError(f"risk {values['risk_id']!r}: " + "; ".join(result.errors))


def _clean(data: RiskInput) -> dict[str, Any]:
    if not data.title.strip():
        raise RiskError(f"risk {data.risk_id!r} needs a title")
    category = parse_category(str(data.category))
    if category is None:
        raise RiskError(
            f"category {data.category!r}: use 'information asset', 'service commitment' or "
            "'privacy'"
        )
    treatment = parse_treatment(str(data.treatment))
    if treatment is None:
        raise RiskError(f"treatment {data.treatment!r}: use {', '.join(Treatment)}")
    return {
        "risk_id": data.risk_id.strip(),
        "title": data.title.strip(),
        "description": data.description.strip(),
        "category": category.value,
        "assets": _assets_text(data.assets),
        "owner": optional(data.owner),
        "inherent_likelihood": data.inherent_likelihood,
        "inherent_impact": data.inherent_impact,
        "treatment": treatment.value,
        "treatment_plan": data.plan.strip(),
        "treatment_due": data.due,
        "residual_likelihood": data.residual_likelihood,
        "residual_impact": data.residual_impact,
    }


def risk_input(row: RiskRow) -> RiskInput:
    """What the row holds, as a new risk would be given (an edit starts from it)."""
    return RiskInput(
        risk_id=row.risk_id,
        title=row.title,
        inherent_likelihood=row.inherent_likelihood,
        inherent_impact=row.inherent_impact,
        description=row.description,
        category=RiskCategory(row.category),
        assets=tuple(risk_assets(row)),
        owner=row.owner,
        treatment=Treatment(row.treatment),
        controls=tuple(risk_controls(row)),
        annex_a=tuple(risk_annex_a(row)),
        plan=row.treatment_plan,
        due=row.treatment_due,
        residual_likelihood=row.residual_likelihood,
        residual_impact=row.residual_impact,
    )


def risk_row(session: Session, risk_id: str) -> RiskRow:
    """The stored row, for services that change it; clients read ``get_risk``."""
    return get_row(session, RiskRow, RiskRow.risk_id, risk_id.strip(), "risk")


def get_risk(session: Session, risk_id: str) -> Risk:
    return _view(risk_row(session, risk_id))


def has_risks(session: Session) -> bool:
    return session.scalar(select(RiskRow.id).limit(1)) is not None


def all_risk_rows(session: Session) -> list[RiskRow]:
    return list(session.scalars(select(RiskRow).order_by(RiskRow.risk_id)))


def add_risk(session: Session, library: Library, data: RiskInput) -> Risk:
    """Add a risk; every level, control and Annex A ref is checked before anything changes."""
    return _view(add_risk_row(session, library, data))


def add_risk_row(session: Session, library: Library, data: RiskInput) -> RiskRow:
    """A blank id takes the next free ``R-NN``."""
    given = data.risk_id.strip() or next_free_id(session, RiskRow.risk_id, "R-")
    data = dataclasses.replace(data, risk_id=given)
    risk_id = new_id(session, RiskRow.risk_id, data.risk_id, "risk")
    values = _clean(data)
    _validate(get_method(session), values)
    controls = _control_rows(session, data.controls)
    annex_a = _annex_refs(library, data.annex_a)
    row = RiskRow(**{**values, "risk_id": risk_id}, annex_a=",".join(annex_a))
    row.controls = controls
    session.add(row)
    session.flush()
    return row


def edit_risk(session: Session, library: Library, risk_id: str, **changes: Any) -> list[str]:
    """Change fields (``controls`` and ``annex_a`` replace the lists); returns what changed.

    Nothing changes when any value is bad. An owner's acceptance is of a residual score:
    when an edit raises that score, the acceptance is cleared (and listed as changed).
    """
    row = risk_row(session, risk_id)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise RiskError(f"{', '.join(unknown)}: not editable ({', '.join(EDITABLE)})")
    current = risk_input(row)
    wanted = {**{name: getattr(current, name) for name in EDITABLE}, **changes}
    wanted["assets"] = tuple(wanted["assets"])
    data = RiskInput(risk_id=row.risk_id, **wanted)
    values = _clean(data)
    _validate(get_method(session), values)
    controls = _control_rows(session, data.controls) if "controls" in changes else None
    annex_a = _annex_refs(library, data.annex_a) if "annex_a" in changes else None
    before = risk_facts(row).current_score
    changed = [
        name
        for name in EDITABLE
        if name not in {"controls", "annex_a"}
        and values[_COLUMNS.get(name, name)] != getattr(row, _COLUMNS.get(name, name))
    ]
    for name in changed:
        setattr(row, _COLUMNS.get(name, name), values[_COLUMNS.get(name, name)])
    if controls is not None and [c.control_id for c in controls] != risk_controls(row):
        row.controls = controls
        changed.append("controls")
    if annex_a is not None and annex_a != risk_annex_a(row):
        row.annex_a = ",".join(annex_a)
        changed.append("annex_a")
    if row.accepted_by is not None and risk_facts(row).current_score > before:
        row.accepted_by, row.accepted_on = None, None
        changed += ["accepted_by", "accepted_on"]
    session.flush()
    return changed


def link_risk(
    session: Session,
    library: Library,
    risk_id: str,
    controls: Sequence[str] = (),
    annex_a: Sequence[str] = (),
) -> list[str]:
    """Add controls and Annex A refs to a risk's treatment; returns what was newly linked."""
    row = risk_row(session, risk_id)
    new_controls = [c for c in _control_rows(session, controls) if c not in row.controls]
    have = risk_annex_a(row)
    new_refs = [r for r in _annex_refs(library, annex_a) if r not in have]
    if new_controls:
        row.controls = sorted([*row.controls, *new_controls], key=lambda c: c.control_id)
    if new_refs:
        row.annex_a = ",".join(sorted([*have, *new_refs], key=_annex_order))
    session.flush()
    return [c.control_id for c in new_controls] + new_refs


def unlink_risk(
    session: Session,
    library: Library,
    risk_id: str,
    controls: Sequence[str] = (),
    annex_a: Sequence[str] = (),
) -> list[str]:
    """Remove controls and Annex A refs from a risk; returns what was unlinked."""
    row = risk_row(session, risk_id)
    drop_controls = {c.control_id for c in _control_rows(session, controls)}
    drop_refs = set(_annex_refs(library, annex_a))
    removed = [c for c in risk_controls(row) if c in drop_controls]
    removed += [r for r in risk_annex_a(row) if r in drop_refs]
    if drop_controls & set(removed):
        row.controls = [c for c in row.controls if c.control_id not in drop_controls]
    if drop_refs & set(removed):
        row.annex_a = ",".join(r for r in risk_annex_a(row) if r not in drop_refs)
    session.flush()
    return removed


def accept_risk(session: Session, risk_id: str, by: str, on: date | None = None) -> Risk:
    """Record the risk owner's acceptance of the residual risk (6.1.3 f)."""
    row = risk_row(session, risk_id)
    who = optional(by)
    if who is None:
        raise RiskError("an acceptance needs the name of who accepts (--by)")
    row.accepted_by, row.accepted_on = who, on or date.today()
    session.flush()
    return _view(row)


def list_risks(
    session: Session,
    owner: str | None = None,
    treatment: Treatment | None = None,
    above_threshold: bool | None = None,
) -> list[Risk]:
    """Risks by id; ``above_threshold`` filters on the residual (inherent if not assessed)."""
    query = select(RiskRow).order_by(RiskRow.risk_id)
    if owner:
        query = query.where(RiskRow.owner.ilike(f"%{owner}%"))
    if treatment:
        query = query.where(RiskRow.treatment == Treatment(treatment).value)
    rows = [_view(row) for row in session.scalars(query)]
    if above_threshold is None:
        return rows
    method = get_method(session)
    return [
        r for r in rows if method.needs_treatment(risk_facts(r).current_score) == above_threshold
    ]


# --- what the register says about itself ----------------------------------------------------


@dataclass(frozen=True)
class RiskDetail:
    """A risk with its scores rated by the method and the findings about it."""

    risk_id: str
    title: str
    description: str
    category: str
    assets: list[str]
    owner: str | None
    inherent: Assessment | None  # None when the levels are off the method's scale
    treatment: str
    controls: list[str]
    annex_a: list[str]
    plan: str
    due: date | None
    residual: Assessment | None  # None until assessed
    accepted_by: str | None
    accepted_on: date | None
    above_threshold: bool  # the residual (or, until assessed, the inherent) score
    findings: list[Finding] = field(default_factory=list)

    @property
    def current(self) -> Assessment | None:
        """The residual assessment, or the inherent one until the residual is assessed."""
        return self.residual or self.inherent


def _assess(method: RiskMethod, levels: tuple[int, int] | None) -> Assessment | None:
    if levels is None or method.level_problems(*levels):
        return None
    return method.assess(*levels)


def risk_facts(row: Risk | RiskRow) -> RiskFacts:
    return RiskFacts(
        risk_id=row.risk_id,
        inherent=(row.inherent_likelihood, row.inherent_impact),
        residual=(row.residual_likelihood, row.residual_impact),
        owner=row.owner,
        treatment=Treatment(row.treatment),
        linked=bool(row.controls or risk_annex_a(row)),
        plan=row.treatment_plan,
        due=row.treatment_due,
        accepted_by=row.accepted_by,
    )


def _detail(row: Risk | RiskRow, method: RiskMethod, today: date) -> RiskDetail:
    facts = risk_facts(row)
    return RiskDetail(
        risk_id=row.risk_id,
        title=row.title,
        description=row.description,
        category=row.category,
        assets=risk_assets(row),
        owner=row.owner,
        inherent=_assess(method, (row.inherent_likelihood, row.inherent_impact)),
        treatment=row.treatment,
        controls=risk_controls(row),
        annex_a=risk_annex_a(row),
        plan=row.treatment_plan,
        due=row.treatment_due,
        residual=_assess(method, facts.assessed),
        accepted_by=row.accepted_by,
        accepted_on=row.accepted_on,
        above_threshold=method.needs_treatment(facts.current_score),
        findings=check_risk(method, facts, today),
    )


def describe_risk(session: Session, risk_id: str, today: date | None = None) -> RiskDetail:
    return _detail(risk_row(session, risk_id), get_method(session), today or date.today())


def describe_risks(
    session: Session, rows: Sequence[Risk | RiskRow], today: date | None = None
) -> list[RiskDetail]:
    method = get_method(session)
    return [_detail(row, method, today or date.today()) for row in rows]


def register_checks(session: Session, today: date | None = None) -> list[Finding]:
    """Unaccepted risks above the threshold, modify without controls, overdue treatments,
    risks without an owner, levels off the scale and residuals above inherent."""
    return [f for d in describe_risks(session, all_risk_rows(session), today) for f in d.findings]


@dataclass(frozen=True)
class TreatmentPlan:
    """The risk treatment plan (6.1.3 e) with the method it was scored by (6.1.2 a, b)."""

    method: RiskMethod
    rows: list[RiskDetail]
    control_titles: dict[str, str]
    annex_a_titles: dict[str, str]
    generated_on: date

    @property
    def findings(self) -> list[Finding]:
        return [f for row in self.rows for f in row.findings]

    def matching(self, text: str) -> list[RiskDetail]:
        """The risks whose id, title, owner, treatment or category holds ``text``."""
        wanted = text.strip().lower()
        if not wanted:
            return self.rows
        return [
            r
            for r in self.rows
            if any(wanted in (v or "").lower() for v in (r.risk_id, r.title, r.owner,
                                                          str(r.treatment), str(r.category)))
        ]  # fmt: skip

    def heat_counts(self, residual: bool) -> Counter[tuple[int, int]]:
        """Risks per (likelihood, impact): inherent, or residual (inherent until assessed)."""
        chosen = (r.current if residual else r.inherent for r in self.rows)
        return Counter((a.likelihood, a.impact) for a in chosen if a is not None)

    def summary(self) -> dict[str, Any]:
        codes = Counter(f.code for f in self.findings)
        return {
            "risks": len(self.rows),
            "above_threshold": sum(r.above_threshold for r in self.rows),
            "accepted": sum(r.accepted_by is not None for r in self.rows),
            "unaccepted_above_threshold": codes["unaccepted"],
            "overdue": codes["overdue"],
            "findings": len(self.findings),
            "by_treatment": dict(sorted(Counter(r.treatment for r in self.rows).items())),
        }


def link_titles(
    session: Session, library: Library, rows: Sequence[RiskDetail]
) -> tuple[dict[str, str], dict[str, str]]:
    """Titles of the controls and of the Annex A controls the risks link to."""
    controls = sorted({c for r in rows for c in r.controls})
    query = select(ControlRow.control_id, ControlRow.title).where(
        ControlRow.control_id.in_(controls)
    )
    titles: dict[str, str] = dict(session.execute(query).all())
    annex_titles = {}
    for ref in sorted({a for r in rows for a in r.annex_a}, key=_annex_order):
        requirement = library.requirement(f"{ANNEX_A}:{ref}")
        annex_titles[ref] = requirement.title if requirement else "(not in the catalog)"
    return titles, annex_titles


def treatment_plan(session: Session, library: Library, today: date | None = None) -> TreatmentPlan:
    day = today or date.today()
    rows = describe_risks(session, all_risk_rows(session), day)
    return TreatmentPlan(get_method(session), rows, *link_titles(session, library, rows), day)
