"""``crosswalk worker`` runs background jobs; ``crosswalk jobs`` lists their runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import actor, session, workspace
from crosswalk.cli.output import console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.jobs.schedule import DueJob


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("jobs")(jobs)


@handle_errors
def worker(
    ctx: typer.Context,
    tick: Annotated[
        int,
        typer.Option(
            envvar="CROSSWALK_WORKER_TICK",
            help="Seconds between two looks at what is due (a divisor of 60 s or 60 min).",
        ),
    ] = 60,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Jobs one worker runs at once (PostgreSQL).")
    ] = 1,
    heartbeat: Annotated[
        float,
        typer.Option(
            envvar="CROSSWALK_WORKER_HEARTBEAT",
            help="Seconds between a worker's heartbeats (PostgreSQL).",
        ),
    ] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            envvar="CROSSWALK_WORKER_STALLED_AFTER",
            help="Seconds of silence after which a worker's jobs go to another (PostgreSQL).",
        ),
    ] = 30.0,
    drain: Annotated[
        bool,
        typer.Option(
            "--drain", help="Run what is due (and queued) now, then exit, instead of waiting."
        ),
    ] = False,
) -> None:
    """Run background jobs: declared collectors by their schedule, the daily digest.

    On PostgreSQL any number of workers share one queue (start one per machine or more):
    each periodic job is queued once per period, and the jobs of a worker that dies are
    handed to another. On SQLite one worker runs the same jobs on the same schedule.
    Stop with Ctrl+C or SIGTERM: running jobs finish first.

    Example: crosswalk worker --tick 60
    """
    from crosswalk.services.jobs.worker import run_worker

    opened = workspace(ctx)

    def report(job: DueJob, status: str) -> None:
        console(stderr=True).print(f"{job.job} ({job.period}): {status}", markup=False)

    try:
        run_worker(
            opened,
            actor(),
            tick_seconds=tick,
            concurrency=concurrency,
            heartbeat_seconds=heartbeat,
            stalled_after_seconds=stalled_after,
            drain=drain,
            report=report,
        )
    except KeyboardInterrupt:
        console(stderr=True).print("worker stopped", markup=False)
    finally:
        opened.close()


@listing
@handle_errors
def jobs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 50,
    job: Annotated[
        str | None, typer.Option(help="Only this job, e.g. collect:mfa-report, daily_digest.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(help="Only runs in this status: running, succeeded, failed, ..."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """List recent background job runs: which job, for which period, by which worker,
    with what result or error.

    Example: crosswalk jobs --status failed
    """
    from crosswalk.services.jobs.runs import list_runs

    with session(ctx, commit=False) as active:
        runs = list_runs(active, limit, job, status)
    if as_json:
        print_json(runs)
        return
    print_rows(
        f"Job runs ({len(runs)})",
        ["id", "job", "period", "status", "worker", "started", "finished", "result"],
        [
            [
                r.id,
                r.job,
                r.period,
                r.status,
                r.worker,
                r.started_at.isoformat(timespec="seconds"),
                r.finished_at.isoformat(timespec="seconds") if r.finished_at else "",
                r.error or r.summary,
            ]
            for r in runs
        ],
    )
