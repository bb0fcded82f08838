"""The policy library: each policy's status, owner, approval and when its review is due,
with what ``policies check`` finds (duplicates, conflicts, lapsed reviews). New policies,
approvals and reviews are written to the Markdown files, as ``crosswalk policies`` writes them,
so the files in git stay the one record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.policies.check import Finding, check
from crosswalk.services.policies.policies import (
    PolicyInput,
    add_policy,
    approve,
    list_policies,
    next_review_due,
    parse_review_frequency,
    review,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import form_date, form_list
from crosswalk.web.rendering import api, redirect, render

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


def _page(
    context: RequestContext,
    status_code: int = 200,
    error: str = "",
    new: dict[str, str] | None = None,
    acting: str = "",
) -> HTMLResponse:
    return render(
        context, "policies/policies.html", status_code, policies=policies_data(context),
        error=error, new=new or {}, acting=acting,
    )  # fmt: skip


@router.get("/policies", include_in_schema=False)
def policies_page(context: Reader) -> HTMLResponse:
    return _page(context)


FormText = Annotated[str, Form(max_length=20_000)]


@router.post("/policies", include_in_schema=False)
def policy_add(
    context: Writer,
    policy_id: FormText = "",
    title: FormText = "",
    owner: FormText = "",
    governs: FormText = "",
    review_frequency: FormText = "annual",
    scope: FormText = "",
) -> Response:
    """Write a new policy file as a draft with a skeleton body (editors, admins)."""
    permissions.require_program(context.user, "adding a policy")
    sent = {"policy_id": policy_id, "title": title, "owner": owner, "governs": governs,
            "review_frequency": review_frequency, "scope": scope}  # fmt: skip
    try:
        data = PolicyInput(
            policy_id, title, owner.strip() or None, form_list(governs),
            parse_review_frequency(review_frequency), scope.strip(),
        )  # fmt: skip
        item = add_policy(context.db, context.library, context.state.workspace.root, data)
    except CrosswalkError as error:
        return _page(context, 400, str(error), sent)
    return redirect("/policies", f"{item.policy.id} added as a draft: {item.path.name}.")


def _record(context: RequestContext, policy_id: str, by: str, on: str, approving: bool) -> Response:
    permissions.require_program(
        context.user, "approving a policy" if approving else "recording a policy review"
    )
    root = context.state.workspace.root
    try:
        day = form_date(on, "approved on" if approving else "reviewed on") or context.today
        item = (approve if approving else review)(root, policy_id, by, day)
    except CrosswalkError as error:
        return _page(context, 400, str(error), acting=policy_id)
    policy = item.policy
    done = f"in force, approved by {policy.approver}" if approving else "review recorded"
    return redirect("/policies", f"{policy.id}: {done} on {day}.")


@router.post("/policies/{policy_id}/approve", include_in_schema=False)
def policy_approve(
    context: Writer, policy_id: str, by: FormText = "", on: FormText = ""
) -> Response:
    return _record(context, policy_id, by, on, approving=True)


@router.post("/policies/{policy_id}/review", include_in_schema=False)
def policy_review(
    context: Writer, policy_id: str, by: FormText = "", on: FormText = ""
) -> Response:
    return _record(context, policy_id, by, on, approving=False)


@router.get("/api/policies", tags=["policies"])
def policies_api(context: Reader) -> dict[str, Any]:
    """Every policy in ``policies/``: status, owner, approval, review due, what it governs,
    and the findings of ``crosswalk policies check``."""
    data = policies_data(context)
    return {"policies": api(data.policies), "findings": api(data.findings)}


class NewPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    owner: str | None = Field(default=None, max_length=200)
    governs: list[str] = Field(default_factory=list, max_length=500)
    review_frequency: str = "annual"
    scope: str = Field(default="", max_length=20_000)


def _policy_json(context: RequestContext, policy_id: str) -> dict[str, Any]:
    found = [p for p in policies_data(context).policies if p.policy_id == policy_id]
    return dict(api(found[0])) if found else {"policy_id": policy_id}


@router.post("/api/policies", tags=["policies"], status_code=201)
def policy_add_api(context: Writer, body: NewPolicy) -> dict[str, Any]:
    """Write a new policy as a draft; what it governs must be known controls or requirements."""
    permissions.require_program(context.user, "adding a policy")
    data = PolicyInput(
        body.policy_id, body.title, body.owner, body.governs,
        parse_review_frequency(body.review_frequency), body.scope,
    )  # fmt: skip
    item = add_policy(context.db, context.library, context.state.workspace.root, data)
    return _policy_json(context, str(item.policy.id))


class PolicySignOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)
    on: date | None = None  # default: today


@router.post("/api/policies/{policy_id}/approve", tags=["policies"])
def policy_approve_api(context: Writer, policy_id: str, body: PolicySignOff) -> dict[str, Any]:
    """Put a policy in force; the approval also counts as a review."""
    permissions.require_program(context.user, "approving a policy")
    item = approve(context.state.workspace.root, policy_id, body.by, body.on or context.today)
    return _policy_json(context, str(item.policy.id))


@router.post("/api/policies/{policy_id}/review", tags=["policies"])
def policy_review_api(context: Writer, policy_id: str, body: PolicySignOff) -> dict[str, Any]:
    """Record a review; the next falls due after the policy's review frequency."""
    permissions.require_program(context.user, "recording a policy review")
    item = review(context.state.workspace.root, policy_id, body.by, body.on or context.today)
    return _policy_json(context, str(item.policy.id))
