"""The gap analysis's figures, each with one definition and one function.

Every surface (terminal, JSON, Markdown, HTML, XLSX, web page, API, dashboard) reads these
from the report; none counts on its own, so the numbers never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from crosswalk.domain.coverage import Verdict

VERDICT_ORDER = [
    str(v)
    for v in (
        Verdict.COVERED,
        Verdict.LIKELY,
        Verdict.PARTIAL,
        Verdict.PLANNED,
        Verdict.GAP,
        Verdict.NOT_APPLICABLE,
    )
]

HEAD_START_DEFINITION = (
    "SOC 2 head start = (covered + likely covered) / applicable Annex A controls: what the "
    "SOC 2 program already does or very probably does, before any new work"
)


@dataclass(frozen=True)
class Counts:
    total: int
    by_verdict: dict[str, int]
    percent: dict[str, float]


@dataclass(frozen=True)
class HeadStart:
    """The figure to hold against "a mature SOC 2 program has built 60-80 % of ISO"."""

    percent: float
    covered: int
    likely: int
    applicable: int
    definition: str = HEAD_START_DEFINITION
    measured: str = "Annex A controls"

    def sentence(self) -> str:
        return (
            f"SOC 2 head start: {self.percent:.1f}% ({self.covered} covered + {self.likely} "
            f"likely of {self.applicable} applicable {self.measured})"
        )


def count_verdicts(verdicts: Iterable[str]) -> Counts:
    """How many of each verdict, and the share of each in the total."""
    counter = Counter(verdicts)
    total = sum(counter.values())
    by_verdict = {v: counter.get(v, 0) for v in VERDICT_ORDER}
    percent = {v: round(100 * n / total, 1) if total else 0.0 for v, n in by_verdict.items()}
    return Counts(total, by_verdict, percent)


def head_start(counts: Counts, measured: str = "Annex A controls") -> HeadStart:
    """(covered + likely) / applicable, from the Annex A (or the framework's own) counts."""
    covered = counts.by_verdict.get(str(Verdict.COVERED), 0)
    likely = counts.by_verdict.get(str(Verdict.LIKELY), 0)
    applicable = counts.total - counts.by_verdict.get(str(Verdict.NOT_APPLICABLE), 0)
    percent = round(100 * (covered + likely) / applicable, 1) if applicable else 0.0
    definition = HEAD_START_DEFINITION.replace("Annex A controls", measured)
    return HeadStart(percent, covered, likely, applicable, definition, measured)
