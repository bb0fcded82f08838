"""Risk assessment and treatment rules (ISO/IEC 27001 6.1.2, 6.1.3): pure, no storage.

A workspace defines its method once: a likelihood scale and an impact scale (labelled levels
1..N), score = likelihood x impact, rating bands over the score, and an acceptance threshold.
A residual score above the threshold needs treatment or an owner's explicit acceptance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from crosswalk.domain.errors import CrosswalkError

MIN_LEVELS = 2
MAX_LEVELS = 10


class RiskMethodError(CrosswalkError):
    """A risk method that cannot be used (bad scale, bands or threshold)."""


class RiskScoreError(CrosswalkError):
    """A likelihood or impact that is not a level of the method's scale."""


class Treatment(StrEnum):
    """The four risk treatment options."""

    MODIFY = "modify"  # reduce likelihood or impact with controls
    RETAIN = "retain"  # keep the risk as it is, knowingly
    AVOID = "avoid"  # stop the activity that gives rise to it
    SHARE = "share"  # transfer part of it (insurance, a supplier contract)


class RiskCategory(StrEnum):
    """One register holds every kind: ISO's asset risks, SOC 2's commitment risks, and the
    GDPR's risks to people's rights and freedoms that a DPIA finds (Art. 35(7)(c))."""

    INFORMATION_ASSET = "information asset"
    SERVICE_COMMITMENT = "service commitment"
    PRIVACY = "privacy"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of a register, tied to the risk it is about."""

    severity: Severity
    code: str
    risk_id: str
    message: str


def _words(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def parse_treatment(text: str | None) -> Treatment | None:
    """Treatment as people write it ("Mitigate", "accept", "transfer", "reduce")."""
    if text is None:
        return None
    aliases = {
        "modify": Treatment.MODIFY,
        "mitigate": Treatment.MODIFY,
        "reduce": Treatment.MODIFY,
        "treat": Treatment.MODIFY,
        "retain": Treatment.RETAIN,
        "accept": Treatment.RETAIN,
        "tolerate": Treatment.RETAIN,
        "avoid": Treatment.AVOID,
        "terminate": Treatment.AVOID,
        "share": Treatment.SHARE,
        "transfer": Treatment.SHARE,
    }
    return aliases.get(_words(text))


def parse_category(text: str | None) -> RiskCategory | None:
    """``information asset``, ``service commitment`` or ``privacy`` (``asset`` and
    ``service`` will do)."""
    if text is None:
        return None
    aliases = {
        "information asset": RiskCategory.INFORMATION_ASSET,
        "asset": RiskCategory.INFORMATION_ASSET,
        "information": RiskCategory.INFORMATION_ASSET,
        "service commitment": RiskCategory.SERVICE_COMMITMENT,
        "service": RiskCategory.SERVICE_COMMITMENT,
        "commitment": RiskCategory.SERVICE_COMMITMENT,
        "privacy": RiskCategory.PRIVACY,
    }
    return aliases.get(_words(text))


@dataclass(frozen=True, slots=True)
class Level:
    value: int
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Band:
    """A rating that applies from ``min_score`` up to the next band's ``min_score``."""

    name: str
    min_score: int


@dataclass(frozen=True, slots=True)
class Assessment:
    likelihood: int
    impact: int
    score: int
    rating: str


def score(likelihood: int, impact: int) -> int:
    return likelihood * impact


def _scale_problems(name: str, levels: Sequence[Level]) -> list[str]:
    problems = []
    if not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
        problems.append(f"{name} scale has {len(levels)} levels; use {MIN_LEVELS} to {MAX_LEVELS}")
    for position, level in enumerate(levels, start=1):
        if level.value != position:
            problems.append(
                f"{name} levels must be numbered 1..{len(levels)} in order; "
                f"level #{position} is {level.value}"
            )
            break
    labels = [level.label.strip().lower() for level in levels]
    if any(not label for label in labels):
        problems.append(f"every {name} level needs a label")
    duplicates = sorted({label for label in labels if label and labels.count(label) > 1})
    if duplicates:
        problems.append(f"{name} labels repeat: {', '.join(duplicates)}")
    return problems


@dataclass(frozen=True)
class RiskMethod:
    """How risks are scored; invalid methods cannot be built (``RiskMethodError``)."""

    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    bands: tuple[Band, ...]
    acceptance_threshold: int

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise RiskMethodError("risk method: " + "; ".join(problems))

    def problems(self) -> list[str]:
        problems = _scale_problems("likelihood", self.likelihood)
        problems += _scale_problems("impact", self.impact)
        top = len(self.likelihood) * len(self.impact)
        if not self.bands:
            problems.append("at least one rating band is needed")
        else:
            if self.bands[0].min_score != 1:
                problems.append(
                    f"the first band ({self.bands[0].name!r}) must start at score 1, "
                    f"not {self.bands[0].min_score}"
                )
            for lower, upper in zip(self.bands, self.bands[1:], strict=False):
                if upper.min_score <= lower.min_score:
                    problems.append(
                        f"bands must rise: {upper.name!r} starts at {upper.min_score}, "
                        f"not above {lower.name!r} at {lower.min_score}"
                    )
            if self.bands[-1].min_score > top:
                problems.append(
                    f"band {self.bands[-1].name!r} starts at {self.bands[-1].min_score}, "
                    f"above the highest possible score {top}"
                )
            names = [b.name.strip().lower() for b in self.bands]
            if any(not n for n in names):
                problems.append("every band needs a name")
            if len(set(names)) != len(names):
                problems.append("band names repeat")
        if not 0 <= self.acceptance_threshold <= top:
            problems.append(f"acceptance threshold {self.acceptance_threshold} is outside 0..{top}")
        return problems

    @property
    def max_score(self) -> int:
        return len(self.likelihood) * len(self.impact)

    def band(self, value: int) -> Band:
        """The band a score falls in (scores below 1 count as the lowest)."""
        chosen = self.bands[0]
        for band in self.bands:
            if value >= band.min_score:
                chosen = band
        return chosen

    def rank(self, value: int) -> int:
        """0 for the lowest band, rising with the score."""
        return self.bands.index(self.band(value))

    def rating(self, value: int) -> str:
        return self.band(value).name

    def needs_treatment(self, value: int) -> bool:
        """Above the acceptance threshold: treat it, or have its owner accept it."""
        return value > self.acceptance_threshold

    def level_problems(self, likelihood: int, impact: int, what: str = "") -> list[str]:
        prefix = f"{what} " if what else ""
        problems = []
        if not 1 <= likelihood <= len(self.likelihood):
            problems.append(
                f"{prefix}likelihood {likelihood} is not on the scale 1..{len(self.likelihood)}"
            )
        if not 1 <= impact <= len(self.impact):
            problems.append(f"{prefix}impact {impact} is not on the scale 1..{len(self.impact)}")
        return problems

    def assess(self, likelihood: int, impact: int) -> Assessment:
        problems = self.level_problems(likelihood, impact)
        if problems:
            raise RiskScoreError("; ".join(problems))
        value = score(likelihood, impact)
        return Assessment(likelihood, impact, value, self.rating(value))

    def describe(self) -> str:
        """One line for reports: how a score is made and what it means."""
        bands = ", ".join(
            f"{b.name} {b.min_score}+"
            if i == len(self.bands) - 1
            else f"{b.name} {b.min_score}-{self.bands[i + 1].min_score - 1}"
            for i, b in enumerate(self.bands)
        )
        return (
            f"score = likelihood (1-{len(self.likelihood)}) x impact (1-{len(self.impact)}); "
            f"bands: {bands}; residual scores above {self.acceptance_threshold} need "
            "treatment or the risk owner's acceptance"
        )


def default_method() -> RiskMethod:
    """A common 5 x 5 method: low 1-4, medium 5-9, high 10-15, critical 16-25; accept to 9."""
    return RiskMethod(
        likelihood=(
            Level(1, "Rare", "Not expected; could happen only in exceptional circumstances"),
            Level(2, "Unlikely", "Could happen, about once in 3 to 10 years"),
            Level(3, "Possible", "Might happen, about once in 1 to 3 years"),
            Level(4, "Likely", "Will probably happen, about once a year"),
            Level(5, "Almost certain", "Expected to happen several times a year"),
        ),
        impact=(
            Level(1, "Negligible", "No customer effect; absorbed in normal operations"),
            Level(2, "Minor", "Brief, contained effect on a few customers or one team"),
            Level(3, "Moderate", "A commitment missed or limited data exposed; reportable"),
            Level(4, "Major", "Wide customer harm, regulatory action or a lost key customer"),
            Level(5, "Severe", "Threatens the business: mass data breach or long outage"),
        ),
        bands=(Band("low", 1), Band("medium", 5), Band("high", 10), Band("critical", 16)),
        acceptance_threshold=9,
    )


@dataclass(frozen=True)
class RiskValidation:
    errors: list[str]
    warnings: list[str]


def explains_residual(explanation: str) -> bool:
    """A plan that says why the residual is higher mentions the word "residual"."""
    return "residual" in explanation.lower()


def validate_risk(
    method: RiskMethod,
    inherent: tuple[int, int],
    residual: tuple[int | None, int | None] = (None, None),
    explanation: str = "",
) -> RiskValidation:
    """Errors: levels off the scale, half a residual. Warning: residual above inherent.

    A residual score above the inherent one means the treatment made the risk worse: usually
    a slip, so it is a warning unless ``explanation`` (the treatment plan) says why.
    """
    errors = method.level_problems(*inherent, what="inherent")
    warnings: list[str] = []
    given = [v for v in residual if v is not None]
    if len(given) == 1:
        errors.append("give both residual likelihood and residual impact, or neither")
    elif len(given) == 2:
        likelihood, impact = given
        errors += method.level_problems(likelihood, impact, what="residual")
        inherent_score, residual_score = score(*inherent), score(likelihood, impact)
        if residual_score > inherent_score and not explains_residual(explanation):
            warnings.append(
                f"residual score {residual_score} is above the inherent {inherent_score}: "
                "fix the levels, or say in the plan why the residual is higher"
            )
    return RiskValidation(errors, warnings)


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What the register checks need to know about one risk."""

    risk_id: str
    inherent: tuple[int, int]
    residual: tuple[int | None, int | None] = (None, None)
    owner: str | None = None
    treatment: Treatment = Treatment.MODIFY
    linked: bool = False  # any control or Annex A ref
    plan: str = ""
    due: date | None = None
    accepted_by: str | None = None

    @property
    def assessed(self) -> tuple[int, int] | None:
        """The residual levels, once both are given."""
        likelihood, impact = self.residual
        return None if likelihood is None or impact is None else (likelihood, impact)

    @property
    def current(self) -> tuple[int, int]:
        """The residual levels, or the inherent ones until the residual is assessed."""
        return self.assessed or self.inherent

    @property
    def current_score(self) -> int:
        return score(*self.current)


def check_risk(method: RiskMethod, risk: RiskFacts, today: date) -> list[Finding]:
    """What is wrong with one risk of the register, most basic first.

    Errors: levels off the scale; no owner; ``modify`` with nothing linked; a residual score
    (inherent until assessed) above the threshold without the owner's acceptance; a due date
    passed with that score still above the threshold. Warning: residual above inherent.
    """
    findings: list[Finding] = []

    def found(severity: Severity, code: str, message: str) -> None:
        findings.append(Finding(severity, code, risk.risk_id, message))

    checked = validate_risk(method, risk.inherent, risk.residual, risk.plan)
    for error in checked.errors:
        found(Severity.ERROR, "off-scale", error)
    for warning in checked.warnings:
        found(Severity.WARNING, "residual-above-inherent", warning)
    if not (risk.owner or "").strip():
        found(Severity.ERROR, "no-owner", "no risk owner: every risk needs one (6.1.2 c 2)")
    if risk.treatment is Treatment.MODIFY and not risk.linked:
        found(
            Severity.ERROR,
            "modify-unlinked",
            "treatment is modify but no control or Annex A ref is linked",
        )
    current = risk.current_score
    if not method.needs_treatment(current):
        return findings
    what = "residual" if risk.assessed else "inherent (residual not assessed)"
    level = f"{what} score {current} ({method.rating(current)})"
    threshold = method.acceptance_threshold
    if not (risk.accepted_by or "").strip():
        found(
            Severity.ERROR,
            "unaccepted",
            f"{level} is above the acceptance threshold {threshold} and the owner has not "
            "accepted it: treat it further or record the acceptance",
        )
    if risk.due is not None and risk.due < today:
        found(
            Severity.ERROR,
            "overdue",
            f"treatment was due {risk.due.isoformat()} and the {level} is still above the "
            f"acceptance threshold {threshold}",
        )
    return findings
