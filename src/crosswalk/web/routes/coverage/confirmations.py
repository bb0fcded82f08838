"""The confirmation round on the web: each owner confirms, one form per control, which of
their controls meets a requirement the gap analysis calls "likely covered", or marks it
partial with what is missing. Control owners may confirm only their own controls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.controls import Coverage
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.access.permissions import Forbidden
from crosswalk.services.access.users import CONTROL_OWNER
from crosswalk.services.controls.confirmations import confirm
from crosswalk.services.controls.controls import get_control
from crosswalk.services.coverage.rounds import OwnerRound, owner_rounds
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.rendering import api, redirect, render
from crosswalk.web.routes.coverage.gap import gap_report

router = APIRouter()

OwnerQuery = Annotated[str | None, Query(max_length=200, description="Owner contains this.")]


def all_rounds(context: RequestContext) -> list[OwnerRound]:
    program = context.program()
    return context.state.view(
        program, "owner-rounds", lambda: owner_rounds(gap_report(context, program=program))
    )


def rounds_for(context: RequestContext, owner: str | None) -> tuple[list[OwnerRound], str]:
    """Control owners see their own round; others every round, or one owner's."""
    if context.user.role == CONTROL_OWNER:
        owner = context.user.owner_name or "\0"  # no owner name: nothing is theirs
    rounds = all_rounds(context)
    wanted = (owner or "").strip().lower()
    return [r for r in rounds if wanted in r.owner.lower()], owner or ""


@router.get("/confirmations", include_in_schema=False)
def confirmations_page(context: Reader, owner: OwnerQuery = None) -> HTMLResponse:
    return _page(context, owner)


def _page(
    context: RequestContext, owner: str | None, error: str = "", status_code: int = 200
) -> HTMLResponse:
    rounds, chosen = rounds_for(context, owner)
    return render(
        context,
        "coverage/confirmations.html",
        status_code=status_code,
        rounds=rounds,
        owner=chosen,
        error=error,
        all_owners=[r.owner for r in all_rounds(context)],
    )


@router.get("/api/confirmations/likely", tags=["confirmations"])
def confirmations_api(context: Reader, owner: OwnerQuery = None) -> list[Any]:
    """The confirmation round: per owner, the likely items and the controls to confirm."""
    rounds, _ = rounds_for(context, owner)
    data: list[Any] = api(rounds)
    return data


def _confirm(
    context: RequestContext, control_id: str, requirement: str, meets: Coverage, missing: str
) -> None:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control, "confirming this control")
    confirm(
        context.db,
        context.library,
        control.control_id,
        requirement,
        by=context.user.name or context.user.email,
        on=context.today,
        note=missing,
        meets=meets,
    )


@router.post("/confirmations", include_in_schema=False)
def confirmations_post(
    context: Writer,
    control_id: Annotated[str, Form(max_length=100)] = "",
    requirement: Annotated[str, Form(max_length=200)] = "",
    meets: Annotated[str, Form()] = "full",
    missing: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    coverage = Coverage.PARTIAL if meets == "partial" else Coverage.FULL
    try:
        _confirm(context, control_id, requirement, coverage, missing)
    except Forbidden:
        raise
    except CrosswalkError as problem:
        context.db.rollback()
        return _page(context, None, str(problem), 400)
    context.commit()
    said = "meets it fully" if coverage is Coverage.FULL else f"meets it partly ({missing})"
    return redirect("/confirmations", f"{control_id} {said}: {requirement}")


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    control_id: str = Field(max_length=100)
    requirement: str = Field(max_length=200)
    meets: Literal["full", "partial"]
    missing: str = Field(default="", max_length=2000)


@router.post("/api/confirmations", tags=["confirmations"])
def confirmations_api_post(context: Writer, body: ConfirmBody) -> dict[str, Any]:
    """Confirm a control against a requirement itself: full, or partial with what is missing."""
    _confirm(context, body.control_id, body.requirement, Coverage(body.meets), body.missing)
    context.commit()
    view = gap_report(context).find(body.requirement.rpartition(":")[2])
    return {"requirement": view.ref, "verdict": view.verdict, "why_not_higher": view.why_not_higher}
