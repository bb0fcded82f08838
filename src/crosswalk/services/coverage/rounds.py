"""The confirmation round: what each owner should confirm to turn "likely" into "covered".

A likely item is a claim about a criterion's controls together; the owner of one of those
controls confirms which control meets the requirement fully (or what is missing). One round
per owner, so each can do theirs in one sitting; the plan and the CLI read the same rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from crosswalk.domain.coverage import Verdict
from crosswalk.services.coverage.gap import GapReport, RequirementVerdict

UNOWNED = "(no owner)"


@dataclass(frozen=True)
class Candidate:
    control_id: str
    title: str
    owner: str


@dataclass(frozen=True)
class LikelyItem:
    """One requirement to confirm, through its strongest route, with the controls to ask."""

    ref: str
    title: str
    criterion: str
    relationship: str
    strength: int | None
    note: str
    candidates: list[Candidate]  # the route's operating controls (this owner's, in a round)
    command: str  # how to confirm it from the terminal


@dataclass(frozen=True)
class OwnerRound:
    owner: str
    items: list[LikelyItem]

    @property
    def controls(self) -> list[str]:
        return sorted({c.control_id for item in self.items for c in item.candidates})


def _item(view: RequirementVerdict, bar: int, owner: str | None) -> LikelyItem | None:
    strong = [c for c in view.criteria if not c.weak and (c.strength or 0) >= bar and c.operating]
    if not strong:
        return None
    best = strong[0]
    by_id = {r.control_id: r for r in view.routes}
    candidates = [
        Candidate(cid, by_id[cid].control_title, by_id[cid].owner or UNOWNED)
        for route in strong
        for cid in route.operating
        if cid in by_id
    ]
    unique = list({c.control_id: c for c in candidates}.values())
    if owner is not None:
        unique = [c for c in unique if owner.lower() in c.owner.lower()]
    if not unique:
        return None
    return LikelyItem(
        ref=view.ref,
        title=view.title,
        criterion=best.criterion,
        relationship=best.relationship,
        strength=best.strength,
        note=best.note,
        candidates=sorted(unique, key=lambda c: c.control_id),
        command=(
            f"crosswalk confirm {unique[0].control_id} {view.ref} --full --by NAME "
            f'(or --partial "what is missing")'
        ),
    )


def likely_items(report: GapReport, owner: str | None = None) -> list[LikelyItem]:
    """Every likely requirement, with the controls to confirm (only ``owner``'s if given)."""
    found = []
    for view in report.annex_a:
        if view.verdict != Verdict.LIKELY:
            continue
        item = _item(view, report.likely_strength, owner)
        if item is not None:
            found.append(item)
    return found


def owner_rounds(report: GapReport) -> list[OwnerRound]:
    """One round per owner: the likely items where they own a candidate control."""
    by_owner: dict[str, list[LikelyItem]] = {}
    for item in likely_items(report):
        for owner in sorted({c.owner for c in item.candidates}):
            mine = [c for c in item.candidates if c.owner == owner]
            by_owner.setdefault(owner, []).append(
                LikelyItem(
                    item.ref,
                    item.title,
                    item.criterion,
                    item.relationship,
                    item.strength,
                    item.note,
                    mine,
                    item.command.replace(item.candidates[0].control_id, mine[0].control_id, 1),
                )
            )
    return [OwnerRound(owner, items) for owner, items in sorted(by_owner.items())]
