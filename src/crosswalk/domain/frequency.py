"""How often a control runs, as people write it, and which of two cadences is stricter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Frequency(StrEnum):
    CONTINUOUS = "continuous"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"
    PER_CHANGE = "per change"
    PER_HIRE = "per hire"
    PER_TERMINATION = "per termination"
    PER_INCIDENT = "per incident"
    PER_REQUEST = "per request"

    @property
    def periodic(self) -> bool:
        return self in _PERIOD_DAYS

    @property
    def period_days(self) -> int | None:
        """Longest gap between two runs before the control is overdue (None: event-driven)."""
        return _PERIOD_DAYS.get(self)


_PERIOD_DAYS = {
    Frequency.CONTINUOUS: 1,
    Frequency.DAILY: 1,
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.SEMIANNUAL: 183,
    Frequency.ANNUAL: 366,
}
_STRICTNESS = list(_PERIOD_DAYS)  # strictest first

_WORDS: list[tuple[str, Frequency]] = [
    (r"continuous(ly)?|real[ -]?time|automated|always[ -]on|ongoing", Frequency.CONTINUOUS),
    (r"daily|every ?day|nightly", Frequency.DAILY),
    (r"weekly|every ?week", Frequency.WEEKLY),
    (r"monthly|every ?month", Frequency.MONTHLY),
    (r"quarterly|every ?quarter|every 3 months", Frequency.QUARTERLY),
    (
        r"semi[ -]?annual(ly)?|bi[ -]?annual(ly)?|half[ -]?yearly|twice a year|every 6 months",
        Frequency.SEMIANNUAL,
    ),
    (r"annual(ly)?|yearly|every ?year|once a year|every 12 months", Frequency.ANNUAL),
    (
        r"(per|upon|on|each|every|with each|at) ?(code |system )?change(s)?|change[ -]driven",
        Frequency.PER_CHANGE,
    ),
    (r"(per|upon|on|at|each) ?(new )?hire|onboarding|new hires?", Frequency.PER_HIRE),
    (
        r"(per|upon|on|at|each) ?(termination|departure|offboarding)|offboarding",
        Frequency.PER_TERMINATION,
    ),
    (r"(per|upon|on|each|after) ?(each )?(security )?incident", Frequency.PER_INCIDENT),
    (r"ad[ -]?hoc|as needed|as required|on demand|(per|upon|on) ?request", Frequency.PER_REQUEST),
]
_PATTERNS = [(re.compile(rf"^(?:{pattern})$"), frequency) for pattern, frequency in _WORDS]


def parse_frequency(text: str | None) -> Frequency | None:
    """Read a frequency word from a spreadsheet cell; ``None`` when it is not one we know."""
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).strip(" .")
    if not cleaned:
        return None
    for value in Frequency:
        if cleaned == value.value:
            return value
    for pattern, frequency in _PATTERNS:
        if pattern.match(cleaned):
            return frequency
    return None


def stricter(a: Frequency, b: Frequency) -> Frequency:
    """The more demanding of two periodic cadences (``a`` if either is event-driven)."""
    if not (a.periodic and b.periodic):
        return a
    return a if _STRICTNESS.index(a) <= _STRICTNESS.index(b) else b


@dataclass(frozen=True, slots=True)
class Expectation:
    """A cadence a requirement expects, and who says so."""

    requirement: str  # framework:ref
    frequency: Frequency
    basis: str
    through: str | None = None  # the tagged requirement it was reached from, if mapped


@dataclass(frozen=True, slots=True)
class EffectiveFrequency:
    frequency: Frequency | None
    own: Frequency | None
    deciding: Expectation | None  # the expectation that made it stricter, if any
    expectations: tuple[Expectation, ...]
    conflicts: tuple[str, ...]  # periodic expectations an event-driven control does not meet

    @property
    def raised(self) -> bool:
        return self.deciding is not None


def effective_frequency(
    own: Frequency | None, expectations: list[Expectation]
) -> EffectiveFrequency:
    """The stricter cadence wins: the control's own, or what a tagged requirement expects."""
    periodic = [e for e in expectations if e.frequency.periodic]
    conflicts: list[str] = []
    if own is not None and not own.periodic:
        conflicts = [
            f"{e.requirement} also expects a {e.frequency.value} activity" for e in periodic
        ]
        return EffectiveFrequency(own, own, None, tuple(expectations), tuple(conflicts))
    best = own
    deciding: Expectation | None = None
    for expectation in periodic:
        if best is None or stricter(expectation.frequency, best) is not best:
            best = expectation.frequency
            deciding = expectation
    return EffectiveFrequency(best, own, deciding, tuple(expectations), ())
