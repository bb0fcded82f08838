"""Background job runs (admins only): what the workers ran, for which period, and how it
went; the same list as ``crosswalk jobs``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from crosswalk.services.access import permissions
from crosswalk.services.jobs.runs import STATUSES, JobRun, list_runs
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import render

router = APIRouter()
WHAT = "seeing background jobs"
LIMIT = 200


def _admin(context: RequestContext) -> None:
    permissions.require(permissions.can_see_jobs(context.user), WHAT)


def run_json(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "job": run.job,
        "period": run.period,
        "status": run.status,
        "worker": run.worker,
        "queue_job_id": run.queue_job_id,
        "started_at": run.started_at.isoformat(timespec="seconds"),
        "finished_at": run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        "summary": run.summary,
        "error": run.error,
        "evidence_id": run.evidence_id,
    }


@router.get("/jobs", include_in_schema=False)
def jobs_page(context: Reader) -> HTMLResponse:
    _admin(context)
    runs = [run_json(r) for r in list_runs(context.db, LIMIT)]
    counts = {status: sum(1 for r in runs if r["status"] == status) for status in STATUSES}
    return render(context, "jobs/jobs.html", runs=runs, counts=counts, limit=LIMIT)


@router.get("/api/jobs", tags=["jobs"])
def jobs_api(
    context: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    job: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Recent background job runs, newest first (optionally one job's, or in one status)."""
    _admin(context)
    return [run_json(r) for r in list_runs(context.db, limit, job, status)]
