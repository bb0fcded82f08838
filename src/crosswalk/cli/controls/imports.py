"""``crosswalk import controls``: an existing SOC 2 control inventory, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import (
    console,
    fail,
    handle_errors,
    listing,
    print_json,
    print_rows,
    working,
)

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
    if report.ignored:
        out.print(
            "  ignored columns: "
            + ", ".join(repr(h) for h in report.ignored)
            + " (read one as evidence hints with --columns 'evidence=HEADER',"
            " or keep it in the description with --notes HEADER)",
            markup=False,
        )
    for said in report.defaults:
        out.print(f"  default: {said}", markup=False)
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
    if report.dry_run:
        print_rows(
            f"As read ({len(report.preview)} rows; nothing written)",
            PREVIEW_HEADERS,
            preview_rows(report),
        )


PREVIEW_HEADERS = [
    "row",
    "id",
    "action",
    "title",
    "owner",
    "frequency as written",
    "read as",
    "criteria as written",
    "expanded to",
    "status",
]


def preview_rows(report: ImportReport) -> list[list[str | int]]:
    return [
        [
            p.row,
            p.control_id,
            p.action,
            p.title,
            p.owner or "",
            p.frequency_written or "",
            p.frequency or ("(not a cadence)" if p.frequency_written else ""),
            p.criteria_written,
            " ".join(p.criteria),
            p.status,
        ]
        for p in report.preview
    ]


@listing
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
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Status for rows without one: on paper, implemented (the default: nobody has "
            "shown it operates) or operating.",
        ),
    ] = None,
    notes: Annotated[
        list[str] | None,
        typer.Option(
            "--notes",
            help="Keep this otherwise ignored column in each control's description as "
            "'Header: value' (repeatable), e.g. --notes 'Control type'.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="The CSV's encoding when it is not UTF-8 (e.g. cp1252); by default a byte "
            "that is not UTF-8 is refused with its row, never guessed."
        ),
    ] = None,
    preview_xlsx: Annotated[
        Path | None,
        typer.Option("--preview-xlsx", help="Also write the row-by-row preview as a workbook."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import a SOC 2 control inventory (XLSX or CSV), all or nothing.

        Headers are detected ("Control #", "Control Name", "Control Activity", "Owner",
        "Frequency", "TSC Reference(s)", ...); criteria are read as people write them ("CC6.1,
        CC6.2; CC 6.3", "CC3.1-CC3.4", "cc7.2"). Any error (duplicate id, unknown criterion) is
        listed with its row and column and nothing is written. Re-importing upserts by id.

    It says which column it read for what, which it ignored and every default it applied; a row
    without a status is "implemented" unless --status says otherwise. --dry-run shows each row
    as read (frequency words, expanded criteria, status) before anything is written.

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
        with session(ctx, commit=not dry_run) as active, working(f"Reading {file.name}"):
            report = import_controls(
                active,
                lib,
                file,
                overrides,
                dry_run=dry_run,
                default_status=status,
                notes=notes or (),
                encoding=encoding,
            )
    except ImportFailed as failure:
        if as_json:
            print_json(failure.report)
        else:
            _print_import(failure.report)
        raise fail(str(failure)) from None
    if preview_xlsx is not None:
        from crosswalk.reports.tables import Table, write_xlsx

        write_xlsx(preview_xlsx, [Table("Preview", PREVIEW_HEADERS, preview_rows(report))])
        console(stderr=True).print(f"wrote {preview_xlsx}", markup=False)
    if as_json:
        print_json(report)
    else:
        _print_import(report)
