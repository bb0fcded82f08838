"""Which EU AI Act obligations a company holds for one AI system, and from when: pure.

Input is the classification (tier and what else applies), the company's roles for the system and
the catalog's obligations with their two dates: `applies_from` under Regulation (EU) 2024/1689 as
published and `omnibus_applies_from` under the Digital Omnibus on AI, with the amendment's legal
status as the catalog states it. Both dates are kept side by side; the workspace's date basis
chooses which one a deadline uses (`amended` by default where the catalog marks the amendment
adopted, `original` otherwise).

Penalty provisions (Art. 99, 101) are consequences, not duties, and are not listed as obligations.
The catalog holds no importer, distributor or authorised-representative articles (Arts 22-24);
those roles get the prohibitions only, and `role_notes` says what to read in the Act.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from crosswalk.domain.ai_classification import (
    AiActInputError,
    Classification,
    HighRiskBasis,
    Role,
    Tier,
)


class DateBasis(StrEnum):
    """Which of the two dates a deadline uses."""

    AMENDED = "amended"
    ORIGINAL = "original"


def parse_date_basis(value: str, field: str = "ai_act_dates") -> DateBasis:
    text = value.strip().lower()
    for basis in DateBasis:
        if text == basis.value:
            return basis
    raise AiActInputError(field, f"unknown date basis {value!r}; choose from amended, original")


@dataclass(frozen=True, slots=True)
class ActObligation:
    """One obligation row of the AI Act catalog, as the catalog states it."""

    ref: str
    title: str
    applies_to: str
    applies_from: str
    omnibus_applies_from: str
    omnibus_status: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ObligationDates:
    """Both dates of one obligation for one system, and the one the deadline uses."""

    original: date | None
    original_text: str
    amended: date | None
    amended_text: str  # the amended date for this system, or the catalog's word when none
    amended_note: str  # the catalog's wording when it says more than one date
    amendment_status: str
    amendment_adopted: bool
    basis: DateBasis
    effective: date | None

    @property
    def deferred(self) -> bool:
        return (
            self.original is not None and self.amended is not None and self.amended > self.original
        )


@dataclass(frozen=True, slots=True)
class ApplicableObligation:
    """An obligation the company holds for one system in one role, with why and when."""

    ref: str
    title: str
    role: Role
    why: str
    dates: ObligationDates


_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_PENALTIES = ("Art. 99", "Art. 101")
HIGH_RISK_PROVIDER_REFS = (
    "Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15",
    "Art. 16", "Art. 17", "Art. 72", "Art. 73",
)  # fmt: skip
_ROLE_NOTES = {
    Role.IMPORTER: "Importer duties (Art. 23) are not in the shipped catalog; read Art. 23.",
    Role.DISTRIBUTOR: "Distributor duties (Art. 24) are not in the shipped catalog; read Art. 24.",
    Role.AUTHORISED_REPRESENTATIVE: (
        "Authorised-representative duties (Art. 22, Art. 54) are not in the shipped "
        "catalog; read them."
    ),
    Role.PRODUCT_MANUFACTURER: (
        "A product manufacturer placing a high-risk Annex I system under its own name is its "
        "provider (Art. 25(3)) and holds the provider obligations."
    ),
}


def role_notes(roles: Iterable[Role]) -> list[str]:
    return [_ROLE_NOTES[r] for r in roles if r in _ROLE_NOTES]


def _parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text.strip())
    return date.fromisoformat(match.group(1)) if match else None


def amendment_adopted(status: str) -> bool:
    """The catalog marks an adopted amendment with the word 'adopted' (not 'proposed')."""
    lowered = status.lower()
    return "adopted" in lowered and "not adopted" not in lowered


def _amended_date(
    text: str, basis: HighRiskBasis | None, original: date | None, placed_before: bool
) -> tuple[date | None, str]:
    """The amended date for this system from the catalog's wording; None when it gives none."""
    stripped = text.strip()
    if stripped == "unchanged":
        return original, "unchanged"
    exact = _parse_date(stripped)
    if exact is not None:
        return exact, stripped
    per_basis = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2}) \(Annex III\) / (\d{4}-\d{2}-\d{2}) \(Annex I\)", stripped
    )
    if per_basis:
        chosen = per_basis.group(2) if basis is HighRiskBasis.ANNEX_I else per_basis.group(1)
        return date.fromisoformat(chosen), stripped
    conditional = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) for (.+)", stripped)
    if conditional:
        # A grace period for systems placed on the market earlier: it holds only for those.
        return (date.fromisoformat(conditional.group(1)) if placed_before else original), stripped
    return None, stripped  # 'not verified' and any wording we cannot read as a date


def _amended_text(amended: date | None, wording: str) -> str:
    if wording == "unchanged":
        return "unchanged"
    return amended.isoformat() if amended is not None else wording


def obligation_dates(
    obligation: ActObligation,
    *,
    high_risk_basis: HighRiskBasis | None = None,
    annex_i_original: date | None = None,
    placed_before_2026_08_02: bool = False,
    basis: DateBasis | None = None,
) -> ObligationDates:
    """Both dates of one obligation for a system, and the one the deadline uses.

    `basis` None means the workspace default: amended where the catalog marks the amendment
    adopted, original otherwise. For Annex I systems the high-risk requirements apply under
    the 2024 text only with Art. 6(1) (Art. 113(c)), so `annex_i_original` (the catalog's
    Art. 6(1) date) replaces an earlier original date. An amended date the catalog does not give
    ('not verified') falls back to the original one, and the other way round for an obligation
    the 2024 text does not contain.
    """
    original = _parse_date(obligation.applies_from)
    if (
        high_risk_basis is HighRiskBasis.ANNEX_I
        and annex_i_original is not None
        and obligation.ref in (*HIGH_RISK_PROVIDER_REFS, "Art. 26", "Art. 27")
        and original is not None
        and original < annex_i_original
    ):
        original = annex_i_original
    original_text = original.isoformat() if original else obligation.applies_from
    amended, amended_text = _amended_date(
        obligation.omnibus_applies_from, high_risk_basis, original, placed_before_2026_08_02
    )
    adopted = amendment_adopted(obligation.omnibus_status)
    chosen = basis if basis is not None else (DateBasis.AMENDED if adopted else DateBasis.ORIGINAL)
    if chosen is DateBasis.AMENDED:
        effective = amended if amended is not None else original
    else:
        effective = original if original is not None else amended
    return ObligationDates(
        original=original,
        original_text=original_text,
        amended=amended,
        amended_text=_amended_text(amended, amended_text),
        amended_note=""
        if _parse_date(amended_text) or amended_text == "unchanged"
        else amended_text,
        amendment_status=obligation.omnibus_status,
        amendment_adopted=adopted,
        basis=chosen,
        effective=effective,
    )


def _wanted(c: Classification, role: Role) -> list[tuple[str, str]]:
    """(ref, why) pairs the tier and role call for, in the catalog's vocabulary."""
    out: list[tuple[str, str]] = []
    # Art. 25(3): a product manufacturer is the provider of a high-risk Annex I system it
    # places under its own name; for anything else it holds no provider duty of its own.
    is_provider = role is Role.PROVIDER or (
        role is Role.PRODUCT_MANUFACTURER and c.high_risk_basis is HighRiskBasis.ANNEX_I
    )
    if role in (Role.PROVIDER, Role.DEPLOYER, Role.PRODUCT_MANUFACTURER):
        out.append(("Art. 4", "providers and deployers of any AI system ensure AI literacy"))
    for ref in c.prohibited_practices:
        if ref == "Art. 5(1)(h)" and role is not Role.DEPLOYER:
            continue
        out.append(
            (
                ref,
                "prohibited practice answered yes: the system may not be placed on the market, "
                "put into service or used",
            )
        )
    if c.tier is Tier.HIGH_RISK:
        if c.high_risk_basis is HighRiskBasis.ANNEX_I:
            if is_provider:
                out.append(("Art. 6(1)", "high-risk as an Annex I safety component"))
        elif is_provider:
            out.append(("Art. 6(2)", "high-risk as an Annex III use"))
        area = c.annex_iii_area if c.high_risk_basis is HighRiskBasis.ANNEX_III else None
        if area and (is_provider or role is Role.DEPLOYER):
            out.append((area, "the Annex III area the system is used in"))
        if is_provider:
            out.extend(
                (ref, "requirement for providers of high-risk AI systems")
                for ref in HIGH_RISK_PROVIDER_REFS
            )
        if role is Role.DEPLOYER:
            out.append(("Art. 26", "obligations of deployers of high-risk AI systems"))
    if c.derogation and is_provider:
        out.append(
            (
                "Art. 6(3)-(4)",
                "Annex III system taken out by the Art. 6(3) derogation: document the "
                "assessment and register",
            )
        )
    for ref in c.transparency:
        if ref in ("Art. 50(1)", "Art. 50(2)") and is_provider:
            out.append((ref, "transparency duty of the provider"))
        if ref in ("Art. 50(3)", "Art. 50(4)") and role is Role.DEPLOYER:
            out.append((ref, "transparency duty of the deployer"))
    if c.gpai and role is Role.PROVIDER:
        out.append(("Art. 53", "provider of a general-purpose AI model"))
        if c.gpai_systemic:
            out.append(("Art. 55", "general-purpose AI model with systemic risk (Art. 51)"))
    return out


def fria_applies(c: Classification, answers: dict[str, object]) -> bool:
    """Art. 27: deployers that are public bodies or provide public services, or use Annex III
    5(b)/(c) systems, assess fundamental-rights impact; never for Annex III(2)."""
    if c.tier is not Tier.HIGH_RISK or c.high_risk_basis is not HighRiskBasis.ANNEX_III:
        return False
    if c.annex_iii_area == "Annex III(2)":
        return False
    return (
        answers.get("fria_public_service") is True
        or answers.get("fria_credit_or_insurance") is True
    )


def applicable_obligations(
    classification: Classification,
    roles: Sequence[Role],
    catalog: Sequence[ActObligation],
    *,
    answers: dict[str, object] | None = None,
    basis: DateBasis | None = None,
    placed_before_2026_08_02: bool = False,
) -> list[ApplicableObligation]:
    """The catalog's obligations for these roles and this classification, each with its dates.

    An obligation held in two roles is listed once per role (owners often differ); the order is
    the catalog's. A ref the catalog lacks is skipped rather than invented.
    """
    by_ref = {o.ref: o for o in catalog if not o.ref.startswith(_PENALTIES)}
    annex_i_original = (
        _parse_date(by_ref["Art. 6(1)"].applies_from) if "Art. 6(1)" in by_ref else None
    )
    order = {o.ref: i for i, o in enumerate(catalog)}
    out: list[ApplicableObligation] = []
    for role in roles:
        wanted = _wanted(classification, role)
        if role is Role.DEPLOYER and fria_applies(classification, answers or {}):
            wanted.append(("Art. 27", "deployer that must assess the impact on fundamental rights"))
        seen: set[str] = set()
        rows: list[ApplicableObligation] = []
        for ref, why in wanted:
            if ref in seen or ref not in by_ref:
                continue
            seen.add(ref)
            ob = by_ref[ref]
            rows.append(
                ApplicableObligation(
                    ref=ref,
                    title=ob.title,
                    role=role,
                    why=why,
                    dates=obligation_dates(
                        ob,
                        high_risk_basis=classification.high_risk_basis,
                        annex_i_original=annex_i_original,
                        placed_before_2026_08_02=placed_before_2026_08_02,
                        basis=basis,
                    ),
                )
            )
        rows.sort(key=lambda r: order.get(r.ref, 0))
        out.extend(rows)
    return out


def within(effective: date | None, today: date, months: int = 12) -> bool:
    """The date falls from today up to the same day `months` later (the deadline view)."""
    if effective is None:
        return False
    year, month = divmod(today.month - 1 + months, 12)
    end_month = month + 1
    end_year = today.year + year
    day = min(today.day, calendar.monthrange(end_year, end_month)[1])
    return today <= effective <= date(end_year, end_month, day)


def needs_authorised_representative(
    roles: Sequence[Role],
    classification: Classification,
    established_in_eu: bool,
    has_representative: bool,
) -> bool:
    """Art. 22: a provider established outside the Union appoints an EU authorised representative
    before making a high-risk system available; flag it while none is recorded."""
    return (
        Role.PROVIDER in roles
        and classification.tier is Tier.HIGH_RISK
        and not established_in_eu
        and not has_representative
    )
