"""The policy library: each policy's status, owner, approval and when its review is due,
with what ``policies check`` finds (duplicates, conflicts, lapsed reviews)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from crosswalk.services.policies.check import Finding, check
from crosswalk.services.policies.policies import list_policies, next_review_due
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()


@dataclass(frozen=True)
class PolicyItem:
    policy_id: str
    title: str
    version: str
    status: str
    owner: str | None
    approver: str | None
    approved_on: date | None
    last_reviewed: date | None
    review_due: date | None
    overdue: bool
    governs: list[str]
    file: str


@dataclass(frozen=True)
class PoliciesPage:
    policies: list[PolicyItem]
    findings: list[Finding]


def policies_data(context: RequestContext) -> PoliciesPage:
    """Read from the files each time: they are edited outside the app (in git)."""
    root = context.state.workspace.root
    items = []
    for found in list_policies(root):
        policy, due = found.policy, next_review_due(found.policy)
        items.append(
            PolicyItem(
                str(policy.id),
                str(policy.title),
                str(policy.version),
                str(policy.status),
                policy.owner,
                policy.approver,
                policy.approved_on,
                policy.last_reviewed,
                due,
                due is not None and due < context.today,
                [str(g) for g in policy.governs],
                found.path.name,
            )
        )
    return PoliciesPage(items, check(context.db, context.library, root, context.today))


@router.get("/policies", include_in_schema=False)
def policies_page(context: Reader) -> HTMLResponse:
    return render(context, "policies/policies.html", policies=policies_data(context))


@router.get("/api/policies", tags=["policies"])
def policies_api(context: Reader) -> dict[str, Any]:
    """Every policy in ``policies/``: status, owner, approval, review due, what it governs,
    and the findings of ``crosswalk policies check``."""
    data = policies_data(context)
    return {"policies": api(data.policies), "findings": api(data.findings)}
