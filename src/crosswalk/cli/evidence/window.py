"""``crosswalk window``: the SOC 2 Type 2 observation window check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import (
    ExitCode,
    ReportFormat,
    console,
    emit_report,
    fail,
    handle_errors,
    parse_date,
    print_json,
    print_rows,
)


def register(app: typer.Typer) -> None:
    app.command("window")(window)


@handle_errors
def window(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="First day of the observation window (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day of the window (YYYY-MM-DD).")],
    framework: Annotated[
        str | None, typer.Option(help="Only controls tagged to this framework, e.g. soc2-tsc-2017.")
    ] = None,
    audit_day_days: Annotated[
        int, typer.Option(min=1, help="Flag controls whose evidence all falls in the last N days.")
    ] = 14,
    population: Annotated[
        list[Path] | None,
        typer.Option(
            help="Event CSV (changes, hires, terminations, incidents); pair each with --control."
        ),
    ] = None,
    control: Annotated[
        list[str] | None,
        typer.Option("--control", "-c", help="The control each --population tests."),
    ] = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Write the report: json, md, html, xlsx."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Report file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a SOC 2 Type 2 observation window; exit 1 when exceptions exist.

    For each periodic control: the calendar periods in the window (weeks, months, quarters,
    halves, years) with no evidence, evidence dated outside the window, and evidence that
    all bunches in the last days ("audit-day only"). For event-driven controls, each event
    of a population file is matched to evidence by its id.

    Example: crosswalk window --start 2026-01-01 --end 2026-12-31 --population chg.csv -c CHG-1
    """
    from crosswalk.reports.window_report import write_window_report
    from crosswalk.services.evidence.window import run_window
    from crosswalk.services.mapping.library import resolve_framework

    populations = list(population or [])
    controls = list(control or [])
    if len(populations) != len(controls):
        raise fail("give one --control for each --population, in the same order")
    lib = library(ctx)
    framework_id = resolve_framework(lib, framework) if framework else None
    with session(ctx, commit=False) as active:
        report = run_window(
            active,
            lib,
            parse_date(start, "--start"),
            parse_date(end, "--end"),
            framework_id,
            audit_day_days,
            list(zip(populations, controls, strict=True)),
        )
    if output_format is not None:
        chosen = output_format.value
        emit_report(chosen, output, lambda path: write_window_report(report, chosen, path))
    if as_json:
        print_json(report)
    elif output_format is None:
        summary = report.summary
        console().print(
            f"Window {report.start}..{report.end}: {summary.controls_checked} periodic controls, "
            f"{summary.with_exceptions} with exceptions ({summary.with_missing_periods} missing "
            f"periods, {summary.audit_day_only} audit-day only, {summary.with_evidence_outside} "
            f"with evidence outside); {summary.unmatched_events} population events lack "
            f"evidence; {summary.exceptions} exceptions in all, listed below",
            markup=False,
        )
        rows = [
            [c.control_id, c.owner or "", exception]
            for c in report.controls
            for exception in c.exceptions
        ]
        rows += [
            [p.control_id, p.owner or "", exception]
            for p in report.populations
            for exception in p.exceptions
        ]
        if rows:
            print_rows("Exceptions", ["control", "owner", "exception"], rows)
    if report.has_exceptions:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
