"""``crosswalk collect``: run the declared evidence collectors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import actor, session, workspace
from crosswalk.cli.output import ExitCode, console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.evidence.collect import RunOutcome


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)


@listing
@handle_errors
def collect(
    ctx: typer.Context,
    due: Annotated[
        bool, typer.Option("--due", help="Only collectors due by their schedule.")
    ] = False,
    name: Annotated[
        list[str] | None,
        typer.Option("--name", "-n", help="Only this declared collector (repeatable)."),
    ] = None,
    declarations: Annotated[
        Path | None, typer.Option("--file", help="Declarations file (default: collectors.yaml).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcomes as JSON.")] = False,
) -> None:
    """Run the collectors declared in the workspace's collectors.yaml; exit 1 if any failed.

    Each run stores its output as evidence (hashed, time-stamped, linked to its controls)
    with a pass/fail result. A collector that errors records a failed run; the others go on.

    Example: crosswalk collect --due
    """
    from rich.progress import Progress

    from crosswalk.services.evidence.collect import (
        declarations_for,
        run_collectors,
        select_declarations,
    )

    opened = workspace(ctx)
    declared = declarations_for(opened.root, declarations)
    with session(ctx, commit=False) as active:
        chosen = select_declarations(active, declared, due, name, datetime.now(UTC))
        quiet = as_json or not chosen
        with Progress(console=console(stderr=True), disable=quiet, transient=True) as progress:
            task = progress.add_task("collecting", total=len(chosen))

            def advance(outcome: RunOutcome) -> None:
                progress.update(task, advance=1, description=outcome.name)

            outcomes = run_collectors(active, opened.blobs, chosen, actor(), opened.root, advance)
    if as_json:
        print_json(outcomes)
    elif not outcomes:
        console().print("nothing to collect" + (" (nothing is due)" if due else ""), markup=False)
    else:
        print_rows(
            f"Collected ({len(outcomes)})",
            ["name", "collector", "result", "evidence", "summary"],
            [
                [
                    o.name,
                    o.collector,
                    "error" if o.passed is None else ("pass" if o.passed else "fail"),
                    o.evidence_id or "",
                    o.error or o.summary,
                ]
                for o in outcomes
            ],
        )
    if any(o.passed is not True for o in outcomes):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
