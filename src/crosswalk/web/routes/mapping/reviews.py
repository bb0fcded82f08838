"""Keeping the crosswalk current from the web: each mapping set's owner, cadence and last
review, the flags raised when something changed under it, and the forms that record a
review, name an owner or clear a flag (``crosswalk mappings review|owner`` and ``flags``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.mapping.flags import ReviewFlag, clear_flag, open_flags
from crosswalk.services.mapping.reviews import (
    DEFAULT_CADENCE_DAYS,
    MappingSetReview,
    ReviewDue,
    mapping_review_status,
    mapping_reviews_due,
    record_review,
    set_mapping_owner,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import form_date, form_int
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "keeping the crosswalk reviewed"
PAGE = "/mapping-reviews"


@dataclass(frozen=True)
class ReviewsPage:
    sets: list[MappingSetReview]
    due: list[ReviewDue]
    flags: list[ReviewFlag]


def reviews_data(context: RequestContext) -> ReviewsPage:
    def compute() -> ReviewsPage:
        library = context.library
        return ReviewsPage(
            mapping_review_status(context.db, library, context.today),
            mapping_reviews_due(context.db, library, context.today),
            open_flags(context.db),
        )

    return context.state.cached(context.db, "mapping-reviews", compute)


def _page(
    context: RequestContext, status_code: int = 200, error: str = "", acting: str = ""
) -> HTMLResponse:
    sets = context.library.mapping_sets
    titles = {set_id: mapping_set.title for set_id, mapping_set in sets.items()}
    return render(
        context, "mapping/reviews.html", status_code, reviews=reviews_data(context),
        titles=titles, error=error, acting=acting,
    )  # fmt: skip


@router.get(PAGE, include_in_schema=False)
def reviews_page(context: Reader) -> HTMLResponse:
    return _page(context)


FormText = Annotated[str, Form(max_length=2000)]


def _who(context: RequestContext, by: str) -> str:
    return by.strip() or context.user.owner_name or context.user.name or context.user.email


@router.post(PAGE + "/{set_id}/review", include_in_schema=False)
def review_set(
    context: Writer, set_id: str, by: FormText = "", on: FormText = "", note: FormText = ""
) -> Response:
    """Record that the set was read through; clears its open flags and its edges' flags."""
    permissions.require_program(context.user, WHAT)
    try:
        require_known_set(context, set_id)
        day = form_date(on, "reviewed on") or context.today
        done = record_review(context.db, set_id, _who(context, by), day, note)
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), acting=set_id)
    context.commit()
    cleared = f"; {len(done.cleared_flags)} flags cleared" if done.cleared_flags else ""
    return redirect(PAGE, f"{set_id} reviewed on {day}{cleared}.")


@router.post(PAGE + "/{set_id}/owner", include_in_schema=False)
def set_owner(
    context: Writer, set_id: str, owner: FormText = "", cadence_days: FormText = ""
) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        require_known_set(context, set_id)
        cadence = form_int(cadence_days, "review cadence (days)")
        row = set_mapping_owner(context.db, set_id, owner, cadence or DEFAULT_CADENCE_DAYS)
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), acting=set_id)
    context.commit()
    return redirect(PAGE, f"{set_id}: owner {row.owner}, reviewed every {row.cadence_days} days.")


@router.post("/flags/{flag_id}/clear", include_in_schema=False)
def flag_clear(context: Writer, flag_id: int, by: FormText = "", on: FormText = "") -> Response:
    """Clear one flag after looking at what it names."""
    permissions.require_program(context.user, WHAT)
    try:
        day = form_date(on, "cleared on") or context.today
        cleared = clear_flag(context.db, flag_id, _who(context, by), day)
    except CrosswalkError as error:
        context.db.rollback()
        return _page(context, 400, str(error), acting=f"flag-{flag_id}")
    context.commit()
    return redirect(PAGE, f"Flag #{cleared.id} on {cleared.subject} cleared.")


class UnknownSet(CrosswalkError):
    pass


def require_known_set(context: RequestContext, set_id: str) -> None:
    """A review or owner only for a set this workspace has (or an open flag names)."""
    known = {s.mapping_set for s in reviews_data(context).sets}
    if set_id not in known:
        raise UnknownSet(f"no mapping set {set_id!r}; the page lists the sets loaded")


@router.get("/api/mapping-reviews", tags=["crosswalk"])
def reviews_api(context: Reader) -> dict[str, Any]:
    """Every mapping set's review status, what is due (sets and flagged edges), open flags."""
    data = reviews_data(context)
    return {"sets": api(data.sets), "due": api(data.due), "flags": api(data.flags)}


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(default="", max_length=200)  # default: the signed-in user
    on: date | None = None  # default: today
    note: str = Field(default="", max_length=2000)


@router.post("/api/mapping-reviews/{set_id}/review", tags=["crosswalk"])
def review_set_api(context: Writer, set_id: str, body: ReviewBody) -> dict[str, Any]:
    """Record a review of a mapping set; its open flags and its edges' flags are cleared."""
    permissions.require_program(context.user, WHAT)
    require_known_set(context, set_id)
    done = record_review(
        context.db, set_id, _who(context, body.by), body.on or context.today, body.note
    )
    context.commit()
    return dict(api(done))


class OwnerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str = Field(min_length=1, max_length=200)
    cadence_days: int = DEFAULT_CADENCE_DAYS


@router.post("/api/mapping-reviews/{set_id}/owner", tags=["crosswalk"])
def set_owner_api(context: Writer, set_id: str, body: OwnerBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    require_known_set(context, set_id)
    row = set_mapping_owner(context.db, set_id, body.owner, body.cadence_days)
    context.commit()
    return dict(api(row))


class ClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(default="", max_length=200)
    on: date | None = None


@router.post("/api/flags/{flag_id}/clear", tags=["crosswalk"])
def flag_clear_api(context: Writer, flag_id: int, body: ClearBody) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    cleared = clear_flag(context.db, flag_id, _who(context, body.by), body.on or context.today)
    context.commit()
    return dict(api(cleared))
