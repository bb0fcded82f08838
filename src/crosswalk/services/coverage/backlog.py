"""What the gap analysis proposes to do: the remediation backlog and the draft SoA rows."""

from __future__ import annotations

from dataclasses import dataclass

from crosswalk.domain.coverage import Verdict
from crosswalk.services.coverage.verdicts import RequirementVerdict

SMALLER_EFFORT = {"L": "M", "M": "S", "S": "S"}


@dataclass(frozen=True)
class BacklogItem:
    item: str
    ref: str
    verdict: str
    suggested_control: str
    owner: str | None
    effort: str
    kind: str  # "annex-a" or "clause"


@dataclass(frozen=True)
class SoaRow:
    ref: str
    title: str
    theme: str
    proposed_applicability: str
    justification: str
    implementation_status: str
    controls: list[str]


def _backlog_item(view: RequirementVerdict) -> tuple[str, str] | None:
    """What to do about one requirement, and its effort; None when nothing is to do."""
    effort = view.effort or "M"
    if view.verdict in (Verdict.COVERED, Verdict.NOT_APPLICABLE):
        return None
    if view.kind == "clause":
        thing = view.artifact or view.title
        if view.verdict == Verdict.GAP:
            return (f"Create {thing} ({view.ref} {view.title})", effort)
        if view.verdict == Verdict.PARTIAL:
            first = view.why_not_higher[0] if view.why_not_higher else "see gap --explain"
            return (f"Complete {thing} ({view.ref}): {first}", SMALLER_EFFORT[effort])
    if view.verdict == Verdict.LIKELY:
        through = ", ".join(c.criterion for c in view.criteria[:3])
        return (
            f"Confirm which control meets {view.ref} {view.title} fully "
            f"(likely covered through {through})",
            "S",
        )
    if view.verdict == Verdict.PARTIAL:
        return (f"Close the partial coverage of {view.ref} {view.title}", SMALLER_EFFORT[effort])
    if view.verdict == Verdict.PLANNED:
        return (
            f"Put into operation the controls on paper for {view.ref} {view.title}: "
            + ", ".join(view.controls),
            "S" if effort == "S" else SMALLER_EFFORT[effort],
        )
    return (f"Design and operate a control for {view.ref} {view.title}", effort)


def backlog(items: list[RequirementVerdict]) -> list[BacklogItem]:
    backlog = []
    for view in items:
        todo = _backlog_item(view)
        if todo is None:
            continue
        what, effort = todo
        backlog.append(
            BacklogItem(
                item=what,
                ref=view.ref,
                verdict=view.verdict,
                suggested_control=view.suggested_control or f"Address {view.title}",
                owner=", ".join(view.owners) or None,
                effort=effort,
                kind="clause" if view.kind == "clause" else "annex-a",
            )
        )
    return backlog


def soa_draft(annex_a: list[RequirementVerdict]) -> list[SoaRow]:
    rows = []
    for view in annex_a:
        controls = ", ".join(view.controls)
        if view.verdict == Verdict.NOT_APPLICABLE:
            applicability, justification, status = (
                "excluded",
                view.exclusion_reason or "",
                "not applicable",
            )
        elif view.verdict == Verdict.COVERED:
            applicability = "applicable"
            justification = (
                f"Addresses identified risks; implemented by existing controls ({controls})"
            )
            status = "implemented"
        elif view.verdict == Verdict.LIKELY:
            applicability = "applicable"
            justification = (
                "Addresses identified risks; very probably implemented by existing controls "
                f"({controls}); an owner's confirmation makes it implemented"
            )
            status = "partially implemented"
        elif view.verdict == Verdict.PARTIAL:
            applicability = "applicable"
            justification = f"Addresses identified risks; partly implemented ({controls})"
            status = "partially implemented"
        elif view.verdict == Verdict.PLANNED:
            applicability = "applicable"
            justification = (
                f"Addresses identified risks; controls designed, not yet operating ({controls})"
            )
            status = "planned"
        else:
            applicability = "to decide"
            justification = (
                "No current control. Decide from the risk assessment (6.1.2): include with a "
                "planned treatment, or exclude with a documented reason"
            )
            status = "not implemented"
        rows.append(
            SoaRow(
                view.ref,
                view.title,
                view.group,
                applicability,
                justification,
                status,
                view.controls,
            )
        )
    return rows
