"""``crosswalk import controls``: an existing SOC 2 control inventory, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import console, fail, handle_errors, print_json

if TYPE_CHECKING:
    from crosswalk.services.controls.imports import ImportReport

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change and change nothing.")
]


def register(import_app: typer.Typer) -> None:
    import_app.command("controls")(import_controls)


def _print_import(report: ImportReport) -> None:
    out = console()
    verb = "would be" if report.dry_run else "were"
    out.print(
        f"{report.path}"
        + (f" [sheet {report.sheet}]" if report.sheet else "")
        + f", header on row {report.header_row}: "
        + ", ".join(f"{field}={header!r}" for field, header in report.columns.items()),
        markup=False,
    )
    for problem in report.errors:
        out.print(f"  error: {problem}", markup=False, style="red")
    for problem in report.warnings:
        out.print(f"  warning: {problem}", markup=False, style="yellow")
    if report.errors:
        return
    out.print(
        f"{len(report.created)} {verb} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged",
        markup=False,
    )
    for control_id, fields in report.changes.items():
        out.print(f"  {control_id}: {', '.join(fields)}", markup=False)


@handle_errors
def import_controls(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="XLSX or CSV control inventory.")],
    columns: Annotated[
        str | None,
        typer.Option(
            help="Name the columns yourself: 'control_id=Ctrl #,criteria=Mapped TSC,...'. "
            "Fields: control_id, title, description, owner, frequency, criteria, status, evidence."
        ),
    ] = None,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import a SOC 2 control inventory (XLSX or CSV), all or nothing.

    Headers are detected ("Control #", "Control Name", "Control Activity", "Owner",
    "Frequency", "TSC Reference(s)", ...); criteria are read as people write them ("CC6.1,
    CC6.2; CC 6.3", "CC3.1-CC3.4", "cc7.2"). Any error (duplicate id, unknown criterion) is
    listed with its row and column and nothing is written. Re-importing upserts by id.

    Example: crosswalk import controls inventory.xlsx --dry-run
    """
    from crosswalk.services.controls.imports import (
        ImportFailed,
        import_controls,
        parse_column_overrides,
    )

    lib = library(ctx)
    overrides = parse_column_overrides(columns)
    try:
        with session(ctx, commit=not dry_run) as active:
            report = import_controls(active, lib, file, overrides, dry_run=dry_run)
    except ImportFailed as failure:
        if as_json:
            print_json(failure.report)
        else:
            _print_import(failure.report)
        raise fail(str(failure)) from None
    if as_json:
        print_json(report)
    else:
        _print_import(report)
