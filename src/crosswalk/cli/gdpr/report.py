"""``crosswalk gdpr report``: what your ISO certificate does not cover."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import (
    ReportFormat,
    console,
    emit_report,
    fail,
    handle_errors,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.gdpr.dpia import Screening

app = typer.Typer(
    help="GDPR beside the ISMS: the report of what an ISO certificate does not cover.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    from crosswalk.cli.gdpr.processing import app as processing

    root.add_typer(app, name="gdpr")
    register_dpia(processing)


@app.command("report")
@handle_errors
def gdpr_report(
    ctx: typer.Context,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Write the report: xlsx, html, md or json."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Report file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What your ISO certificate does not cover: each GDPR article met through ISMS controls
    (each control explained), met by this module's records (Art. 30, 33, 35, ...), or open,
    with its fine tier (Art. 83(4) or 83(5)).

    Example: crosswalk gdpr report --format html -o gdpr.html
    """
    from crosswalk.reports.gdpr_report import (
        HEADERS,
        article_table,
        render_json,
        summary_line,
        write_gdpr_report,
    )
    from crosswalk.services.gdpr.report import certificate_gaps

    if output is not None and str(output) != "-" and output_format is None:
        suffix = output.suffix.lstrip(".").lower()
        if suffix not in {f.value for f in ReportFormat}:
            raise fail(f"give --format xlsx|html|md|json for {output}")
        output_format = ReportFormat(suffix)
    with session(ctx, commit=False) as active:
        report = certificate_gaps(active, library(ctx))
    if output_format is not None:
        chosen = output_format.value
        emit_report(chosen, output, lambda path: write_gdpr_report(report, chosen, path))
        return
    if as_json:
        typer.echo(render_json(report), nl=False)
        return
    print_rows("What your ISO certificate does not cover", HEADERS, article_table(report).rows)
    console(stderr=True).print(summary_line(report), markup=False)


def register_dpia(processing: typer.Typer) -> None:
    """``processing screen`` and ``processing dpia`` live beside the other activity commands."""
    processing.command("screen")(handle_errors(processing_screen))
    processing.command("dpia")(handle_errors(processing_dpia))


def _print_screening(item: Screening, as_json: bool) -> None:
    from crosswalk.cli.output import print_json

    if as_json:
        print_json(item)
        return
    console().print(f"{item.activity_id}: {item.outcome}", markup=False)
    for reason in item.reasons:
        console().print(f"  - {reason}", markup=False)
    if item.completed_on:
        risks = ", ".join(item.risks) or "-"
        console().print(f"DPIA completed on {item.completed_on}; risks {risks}", markup=False)


def processing_screen(
    ctx: typer.Context,
    activity_id: Annotated[str, typer.Argument(help="Activity id.")],
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--yes",
            help="A question answered yes (repeatable): art35-3a, art35-3b, art35-3c, scoring, "
            "automated decisions, systematic monitoring, sensitive data, large scale, matching "
            "datasets, vulnerable subjects, new technology, blocks rights.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """DPIA screening (Art. 35): record the questions answered yes; prints "DPIA required /
    recommended / not required" with the reasons. Without --yes, shows the questions.

    Example: crosswalk processing screen PA-1 --yes "large scale" --yes "vulnerable subjects"
    """
    from crosswalk.services.gdpr.dpia import QUESTIONS, screen_activity, screening

    if answer is None:
        for key, question in QUESTIONS.items():
            console().print(f"{key}: {question}", markup=False)
        with session(ctx, commit=False) as active:
            _print_screening(screening(active, activity_id), as_json)
        return
    with session(ctx) as active:
        _print_screening(screen_activity(active, activity_id, answer), as_json)


def processing_dpia(
    ctx: typer.Context,
    activity_id: Annotated[str, typer.Argument(help="Activity id.")],
    completed: Annotated[str, typer.Option(help="When the DPIA was completed, YYYY-MM-DD.")],
    risk: Annotated[
        list[str] | None,
        typer.Option(help="A privacy risk of the register it assessed (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Record a DPIA done, linking its risks: privacy risks of the one risk register (add them
    with `crosswalk risks add --category privacy`), so the treatment plan and SoA see them.

    Example: crosswalk processing dpia PA-1 --completed 2026-05-01 --risk R-PRIV-1
    """
    from crosswalk.cli.output import parse_date
    from crosswalk.services.gdpr.dpia import record_dpia

    with session(ctx) as active:
        item = record_dpia(
            active,
            library(ctx),
            activity_id,
            parse_date(completed, "--completed"),
            [],
            link=list(risk or []),
        )
    _print_screening(item, as_json)
