"""``crosswalk plan``: the remediation backlog as a dated plan to certification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.context import library, session, workspace_root
from crosswalk.cli.output import (
    ReportFormat,
    console,
    emit_report,
    handle_errors,
    parse_date,
    print_json,
    print_rows,
)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)


@handle_errors
def plan(
    ctx: typer.Context,
    target_date: Annotated[
        str | None,
        typer.Option(
            "--target-date", help="Stage 2 audit date, YYYY-MM-DD (default: nine months out)."
        ),
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Plan as of this day, YYYY-MM-DD (default: today).")
    ] = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Write the plan: json, md, html, xlsx."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Plan file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """A dated plan to ISO/IEC 27001 certification, ordered by what blocks it.

    Stage 1 blockers first (mandatory ISMS records missing, unapproved or incomplete), then
    applicable Annex A gaps with the risks they treat, then partial items with what is
    missing, then one confirmation round per owner for the likely items. Due dates are
    scheduled backwards from the target (the Stage 2 audit): risk assessment, treatment,
    SoA approval, internal audit and management review in that order, before Stage 1.

    Example: crosswalk plan --target-date 2027-06-30 --format html -o plan.html
    """
    from datetime import date

    from crosswalk.reports.plan_report import summary_lines, write_plan
    from crosswalk.services.program.plan import certification_plan

    target = parse_date(target_date, "--target-date") if target_date else None
    day = parse_date(today, "--today") if today else date.today()
    with session(ctx, commit=False) as active:
        result = certification_plan(
            active, library(ctx), target, day, workspace_root=workspace_root(ctx)
        )
    if output_format is not None:
        chosen = output_format.value
        emit_report(chosen, output, lambda path: write_plan(result, chosen, path))
    if as_json:
        print_json(result)
        return
    if output_format is not None:
        return
    out = console()
    out.print(f"Plan to ISO/IEC 27001 certification (as of {result.today})", style="bold")
    for line in summary_lines(result):
        out.print(line, markup=False)
    for phase in result.phases:
        if not phase.items:
            continue
        print_rows(
            f"{phase.title} ({len(phase.items)})",
            ["ref", "action", "owner", "effort", "due", "after"],
            [
                [
                    item.ref,
                    item.action,
                    item.owner + (" (suggested)" if item.owner_suggested else ""),
                    item.effort,
                    item.due.isoformat(),
                    ", ".join(k.partition(":")[2] for k in item.depends_on[:4])
                    + (" ..." if len(item.depends_on) > 4 else ""),
                ]
                for item in phase.items
            ],
        )
