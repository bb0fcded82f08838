"""The audit trail: who changed what and when, field by field, and whether the hash chain
that makes it tamper-evident is intact."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from crosswalk.reports.tables import Cell, Table, to_csv
from crosswalk.services.access import permissions
from crosswalk.services.evidence.trail import (
    ChainReport,
    list_entries,
    trail_length,
    verify_trail,
    verify_workspace_trail,
)
from crosswalk.services.evidence.trail_view import (
    DEFAULT_LIMIT,
    TrailEntry,
    TrailFilter,
    trail,
    trail_actors,
    trail_entities,
)
from crosswalk.web.context import Reader, RequestContext, own_session
from crosswalk.web.forms import form_date
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import CSV, api, render

router = APIRouter()


@dataclass(frozen=True)
class TrailPage:
    filter: TrailFilter
    entries: list[TrailEntry]
    entities: list[str]
    actors: list[str]
    older: int | None  # the ``before`` of the next page of older entries, if there is one
    query: str  # the filter as a query string, for links to pages and the download


def trail_filter(
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
    until: str = "",
) -> TrailFilter:
    return TrailFilter(
        entity, actor, key, form_date(since, "since"), limit, before, form_date(until, "until")
    )


def trail_data(context: RequestContext, wanted: TrailFilter) -> TrailPage:
    hidden = permissions.hidden_trail_entities(context.user)
    found = trail(context.db, wanted)
    older = found[-1].id if len(found) >= wanted.limit and found[-1].id > 1 else None
    return TrailPage(
        wanted,
        [entry for entry in found if entry.entity not in hidden],
        [entity for entity in trail_entities(context.db) if entity not in hidden],
        trail_actors(context.db),
        older,
        urlencode(
            [
                (name, value)
                for name, value in (
                    ("entity", wanted.entity),
                    ("actor", wanted.actor),
                    ("key", wanted.key),
                    ("since", wanted.since.isoformat() if wanted.since else ""),
                    ("until", wanted.until.isoformat() if wanted.until else ""),
                )
                if value
            ]
        ),
    )


RECHECK_SECONDS = 60.0
PAGE_WAIT_SECONDS = 2.0
# Past this many trail entries a check takes seconds: it runs in a process of its own, so
# the pages served meanwhile do not wait on it (Python runs one thread at a time).
OWN_PROCESS_ENTRIES = 20_000


def _check_in_own_process(root: str, database_url: str) -> ChainReport:
    """A fresh interpreter (spawned, not forked: the server has threads) for one check."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(verify_workspace_trail, root, database_url).result()


def chain_for_page(context: RequestContext) -> tuple[ChainReport | None, bool]:
    """The chain check for the trail page, run in the background: the page waits a moment
    for it and otherwise shows the last finished one (a store of hundreds of thousands of
    records takes a minute to re-hash and reconcile). (report or None, whether current)."""
    state = context.state
    # Every minute, or less often when a check takes long: a store whose check takes a
    # minute is checked every ten, so the check takes a tenth of the server at most.
    period = int(time.time() / max(RECHECK_SECONDS, 10 * state.trail_check.seconds))

    own_process = trail_length(context.db) > OWN_PROCESS_ENTRIES
    workspace = state.workspace

    def compute() -> ChainReport:
        if own_process:
            return _check_in_own_process(str(workspace.root), workspace.database_url)
        with own_session(state) as session:
            return verify_trail(session)

    # A check known to take longer than the wait is not waited for: the page shows the last.
    last = state.trail_check.seconds
    wait = PAGE_WAIT_SECONDS if last <= PAGE_WAIT_SECONDS else 0.0
    key = (context.state.live.head(context.db), period)
    report, current = context.state.trail_check.get(key, compute, wait)
    return (_visible(context, report) if report is not None else None), current


def _visible(context: RequestContext, report: ChainReport) -> ChainReport:
    hidden = permissions.hidden_trail_entities(context.user)
    if not hidden:
        return report
    return replace(report, drift=[d for d in report.drift if d.entity not in hidden])


def chain_data(context: RequestContext) -> ChainReport:
    """Recomputing every hash reads the whole trail: once per data version, and again at
    least every ``RECHECK_SECONDS`` (a record edited in the database directly moves no
    version, and this page must not keep saying "intact" after it). Records of a kind the
    user may not see in the trail are not named to them either."""
    period = int(time.time() / RECHECK_SECONDS)
    report = context.state.cached(
        context.db, "trail-verify", lambda: verify_trail(context.db), period
    )
    return _visible(context, report)


@router.get("/trail", include_in_schema=False)
def trail_page(
    context: Reader,
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
    until: str = "",
) -> HTMLResponse:
    wanted = trail_filter(entity, actor, key, since, limit, before, until)
    chain, current = chain_for_page(context)
    return render(
        context,
        "evidence/trail.html",
        trail=trail_data(context, wanted),
        chain=chain,
        chain_current=current,
        since=since,
        until=until,
    )


@router.get("/api/trail", tags=["trail"])
def trail_api(
    context: Reader,
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
    until: str = "",
) -> dict[str, Any]:
    """Entries newest first, each with the fields it changed (before and after); ``older``
    is the ``before`` that pages to the next, older entries (null on the last page)."""
    data = trail_data(context, trail_filter(entity, actor, key, since, limit, before, until))
    return {"filter": api(data.filter), "entries": api(data.entries), "older": data.older}


TRAIL_COLUMNS = [
    "id", "at", "actor", "action", "entity", "key", "before", "after", "previous hash", "hash",
]  # fmt: skip


@router.get(
    "/trail/export.csv",
    tags=["trail"],
    response_class=Response,
    responses=file_download(CSV),
)
def trail_csv(
    context: Reader,
    entity: str = "",
    actor: str = "",
    key: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """Every entry the filter selects, oldest first, with the recorded fields as written and
    each entry's hash and the one before it (so the chain can be followed in the file); the
    chain check's result is in the ``X-Crosswalk-Trail-Check`` header."""
    wanted = trail_filter(entity, actor, key, since, MAX_EXPORT, None, until)
    hidden = permissions.hidden_trail_entities(context.user)
    entries = [
        e
        for e in list_entries(
            context.db,
            since=_start(wanted.since),
            entity=wanted.entity.strip() or None,
            limit=MAX_EXPORT,
            actor=wanted.actor.strip() or None,
            key=wanted.key.strip() or None,
            until=_start(wanted.until + timedelta(days=1)) if wanted.until else None,
        )
        if e.entity not in hidden
    ]
    rows: list[list[Cell]] = [
        [
            e.id,
            e.at,
            e.actor,
            e.action,
            e.entity,
            e.entity_key,
            e.before,
            e.after,
            e.prev_hash,
            e.hash,
        ]
        for e in entries
    ]
    table = Table("Audit trail", TRAIL_COLUMNS, rows)
    report = chain_data(context)
    check = (
        f"intact; {report.checked} entries checked; {report.reconciled} records reconciled"
        if report.intact
        else f"broken; {len(report.problems) + len(report.drift)} problems in "
        f"{report.checked} entries"
    )
    return Response(
        to_csv(table),
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="trail-{context.today}.csv"',
            "X-Crosswalk-Trail-Check": check,
        },
    )


MAX_EXPORT = 10_000_000


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) if day is not None else None


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
