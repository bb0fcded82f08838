"""``crosswalk init``, ``export program`` and ``apply``: the workspace and its files.

The ``import`` group is created here; each area registers its own ``import`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.context import create_workspace, library, session
from crosswalk.cli.controls import imports
from crosswalk.cli.output import (
    console,
    handle_errors,
    listing,
    print_json,
    print_rows,
    working,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change and change nothing.")
]

import_app = typer.Typer(help="Import existing data into the workspace.", no_args_is_help=True)
export_app = typer.Typer(help="Export the workspace as files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(import_app, name="import")
    imports.register(import_app)
    app.add_typer(export_app, name="export")
    app.command("apply")(apply)


@handle_errors
def init(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Workspace folder (created if missing).")] = Path(),
    name: Annotated[str | None, typer.Option(help="Workspace name (default: folder name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace: crosswalk.toml and its database, migrated to the latest schema.

    Running it again on an existing workspace only brings the schema up to date.

    Example: crosswalk init acme-compliance
    """
    created = create_workspace(ctx, folder, name)
    result = {
        "workspace": str(created.root),
        "name": created.name,
        "created": created.created,
        "database": created.database,
    }
    if as_json:
        print_json(result)
        return
    verb = "created" if created.created else "already existed; schema up to date:"
    console().print(f"workspace {verb} {created.root} ({result['database']})", markup=False)


@export_app.command("program")
@handle_errors
def export_program(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="Folder to write (controls/, ISMS records, adjustments).")
    ],
) -> None:
    """Write the program as reviewable YAML files for git: one per control, per ISMS record
    and per mapping adjustment, each kind in its own folder.

    Example: crosswalk export program ./program && git -C program diff
    """
    from crosswalk.services.program.files import export_program as export

    with (
        session(ctx, commit=False) as active,
        working(f"Writing the program files to {folder}"),
    ):
        written = export(active, folder)
    by_folder: dict[str, int] = {}
    for path in written:
        by_folder[path.parent.name] = by_folder.get(path.parent.name, 0) + 1
    kinds = ", ".join(f"{count} in {name}/" for name, count in by_folder.items())
    console().print(f"wrote {len(written)} files to {folder}: {kinds}", markup=False)


@listing
@handle_errors
def apply(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder written by `crosswalk export program`.")],
    dry_run: DryRunOption = False,
    prune: Annotated[
        bool, typer.Option(help="Delete controls that have no file (default: keep and list them).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make the control library match a program folder: idempotent and all or nothing.

    Example: crosswalk apply ./program --dry-run
    """
    from crosswalk.services.program.files import apply_program

    lib = library(ctx)
    with session(ctx, commit=not dry_run) as active:
        report = apply_program(active, lib, folder, dry_run=dry_run, prune=prune)
    if as_json:
        print_json(report)
        return
    verb = "would be" if dry_run else "were"
    print_rows(
        f"apply {folder}" + (" (dry run)" if dry_run else ""),
        ["outcome", "count", "controls"],
        [
            [f"{verb} created", len(report.created), ", ".join(report.created)],
            [
                f"{verb} updated",
                len(report.updated),
                ", ".join(f"{c} ({', '.join(f)})" for c, f in report.changes.items()),
            ],
            ["unchanged", len(report.unchanged), ""],
            [f"{verb} removed", len(report.removed), ", ".join(report.removed)],
            [
                "in the library, not in the folder (kept; --prune removes)",
                len(report.not_in_files),
                ", ".join(report.not_in_files),
            ],
        ],
    )
