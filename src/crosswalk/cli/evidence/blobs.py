"""``crosswalk blobs migrate``: move the workspace's evidence files to a bucket."""

from __future__ import annotations

from typing import Annotated

import typer

from crosswalk.cli.context import session, workspace
from crosswalk.cli.output import ExitCode, console, handle_errors, print_json

app = typer.Typer(help="Where evidence files are stored.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="blobs")


@app.command("migrate")
@handle_errors
def migrate(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The bucket, s3://BUCKET/PREFIX (endpoint, region and credentials from the "
            "standard AWS_* variables).",
        ),
    ],
    limit: Annotated[
        int | None,
        typer.Option("--limit", help="Copy at most N files this run (run again to go on)."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=64, help="Files copied at a time.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Copy the workspace's evidence files to the bucket, re-hashing each copy; exit 1 if any
    failed or is missing.

    The evidence folder stays as it is and keeps serving; run again to resume (files already
    in the bucket intact are skipped). Then set CROSSWALK_BLOB_URL to the same URL on every
    node, restart them, and run once more for files uploaded in between.

    Example: crosswalk blobs migrate --to s3://acme-evidence/crosswalk
    """
    from crosswalk.services.evidence.blob_migration import migrate_blobs

    opened = workspace(ctx)
    out = console()

    def tell(what: str, sha256: str) -> None:
        if not as_json:
            out.print(f"  {what}: {sha256}", markup=False, style="dim")

    with session(ctx, commit=False) as active:
        report = migrate_blobs(active, opened.local_blobs, to, limit, tell, jobs)
    if as_json:
        print_json({**report.__dict__, "complete": report.complete})
    else:
        out.print(
            f"{report.source} -> {report.target}: {len(report.copied)} copied and verified, "
            f"{len(report.already)} already there intact",
            markup=False,
        )
        if report.remaining:
            out.print(f"  {report.remaining} files left: run the same command again", markup=False)
        for failure in report.failed:
            out.print(f"  failed: {failure['problem']}", markup=False, style="red")
        for sha256 in report.missing:
            out.print(
                f"  missing: {sha256} is referenced but in neither store", markup=False, style="red"
            )
        if report.complete:
            out.print(
                f"  every file is in the bucket: set CROSSWALK_BLOB_URL={report.target} on every "
                "node, restart, then run this once more",
                markup=False,
            )
    if report.failed or report.missing:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
