"""Which target requirements a set of controls reaches, read off a gap report.

The evidence page uses it to show what one piece of evidence counts for, with the verdict the
gap analysis gives each requirement (the same verdict every surface shows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crosswalk.services.coverage.gap import GapReport


@dataclass(frozen=True)
class Reach:
    key: str
    ref: str
    title: str
    kind: str  # control (Annex A) or clause
    verdict: str
    controls: list[str]  # this evidence's controls that reach it
    gives: str  # "full" when any of them reaches it fully, else "partial"


def requirements_reached(report: GapReport, control_ids: Iterable[str]) -> list[Reach]:
    """The target's requirements the given controls reach, with the gap verdict of each."""
    wanted = set(control_ids)
    found = []
    for view in [*report.annex_a, *report.clauses]:
        routes = [r for r in view.routes if r.control_id in wanted]
        if not routes:
            continue
        found.append(
            Reach(
                key=f"{report.target}:{view.ref}",
                ref=view.ref,
                title=view.title,
                kind=view.kind,
                verdict=view.verdict,
                controls=sorted({r.control_id for r in routes}),
                gives="full" if any(r.gives == "full" for r in routes) else "partial",
            )
        )
    return found
