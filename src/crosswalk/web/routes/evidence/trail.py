"""The audit trail: who changed what and when, field by field, and whether the hash chain
that makes it tamper-evident is intact."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from crosswalk.services.access import permissions
from crosswalk.services.evidence.trail import ChainReport, verify_trail
from crosswalk.services.evidence.trail_view import (
    DEFAULT_LIMIT,
    TrailEntry,
    TrailFilter,
    trail,
    trail_actors,
    trail_entities,
)
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.forms import form_date
from crosswalk.web.rendering import api, render

router = APIRouter()


@dataclass(frozen=True)
class TrailPage:
    filter: TrailFilter
    entries: list[TrailEntry]
    entities: list[str]
    actors: list[str]


def trail_filter(
    entity: str = "", actor: str = "", key: str = "", since: str = "", limit: int = DEFAULT_LIMIT
) -> TrailFilter:
    return TrailFilter(entity, actor, key, form_date(since, "since"), limit)


def trail_data(context: RequestContext, wanted: TrailFilter) -> TrailPage:
    hidden = permissions.hidden_trail_entities(context.user)
    return TrailPage(
        wanted,
        [entry for entry in trail(context.db, wanted) if entry.entity not in hidden],
        [entity for entity in trail_entities(context.db) if entity not in hidden],
        trail_actors(context.db),
    )


RECHECK_SECONDS = 60.0


def chain_data(context: RequestContext) -> ChainReport:
    """Recomputing every hash reads the whole trail: once per data version, and again at
    least every ``RECHECK_SECONDS`` (a record edited in the database directly moves no
    version, and this page must not keep saying "intact" after it). Records of a kind the
    user may not see in the trail are not named to them either."""
    period = int(time.time() / RECHECK_SECONDS)
    report = context.state.cached(
        context.db, "trail-verify", lambda: verify_trail(context.db), period
    )
    hidden = permissions.hidden_trail_entities(context.user)
    if not hidden:
        return report
    return replace(report, drift=[d for d in report.drift if d.entity not in hidden])


@router.get("/trail", include_in_schema=False)
def trail_page(
    context: Reader,
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    limit: int = DEFAULT_LIMIT,
) -> HTMLResponse:
    wanted = trail_filter(entity, actor, key, since, limit)
    return render(
        context,
        "evidence/trail.html",
        trail=trail_data(context, wanted),
        chain=chain_data(context),
        since=since,
    )


@router.get("/api/trail", tags=["trail"])
def trail_api(
    context: Reader,
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Entries newest first, each with the fields it changed (before and after)."""
    data = trail_data(context, trail_filter(entity, actor, key, since, limit))
    return {"filter": api(data.filter), "entries": api(data.entries)}


@router.get("/api/trail/verify", tags=["trail"])
def trail_verify_api(context: Reader) -> dict[str, Any]:
    """Recompute the hash chain and hold every record against it: intact, or which entries
    were edited, inserted or removed and which records were changed in the database directly."""
    report = chain_data(context)
    return {
        "intact": report.intact,
        "checked": report.checked,
        "reconciled": report.reconciled,
        "problems": api(report.problems),
        "drift": api(report.drift),
    }
