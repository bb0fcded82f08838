"""``crosswalk backup`` and ``crosswalk restore``: the whole workspace in one archive, and
back, checked whole before anything appears."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.context import workspace
from crosswalk.cli.output import ExitCode, console, handle_errors, print_json, working

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def _size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


@handle_errors
def backup(
    ctx: typer.Context,
    archive: Annotated[
        Path, typer.Argument(help="Archive to write: .tar.gz (or .tar, uncompressed).")
    ],
    include_key: Annotated[
        bool,
        typer.Option(
            "--include-key",
            help="Also archive the audit key (a secret: whoever holds the archive can then "
            "rewrite the trail undetected). Off by default.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing archive.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Back up the workspace into one archive: a consistent snapshot of the database, every
    evidence file it references, the audit trail's checkpoint, the workspace file, imported
    catalogs, policies and collector declarations, and a manifest of SHA-256 hashes.

    Safe while others write (SQLite's online backup; one REPEATABLE READ transaction on
    PostgreSQL). The archive appears whole or not at all. The audit key is not archived
    unless --include-key: keep .crosswalk/audit.key (or CROSSWALK_AUDIT_KEY) safe apart.

    Example: crosswalk backup /backups/acme-2026-11-27.tar.gz
    """
    from crosswalk.services.backup.backup import take_backup

    opened = workspace(ctx)
    try:
        with working(f"Backing up {opened.name}"):
            result = take_backup(opened, archive, include_key=include_key, replace=force)
    finally:
        opened.close()
    if as_json:
        print_json(result)
    else:
        out = console()
        out.print(
            f"wrote {result.archive} ({_size(result.size)}): database snapshot "
            f"({result.source}, schema {result.schema_revision}), {result.evidence_files} "
            f"evidence files, {result.trail_entries} trail entries, {result.members} members",
            markup=False,
        )
        out.print(result.key_note, markup=False, style="yellow")
        for problem in result.trail_problems:
            out.print(f"  trail: {problem}", markup=False, style="red")
    if result.trail_problems:
        console(stderr=True).print(
            "the audit trail in this snapshot does not verify: `crosswalk restore` will refuse "
            "it until the trail is repaired (see `crosswalk audit-log verify`)",
            markup=False,
            style="red",
        )
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@handle_errors
def restore(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="Archive `crosswalk backup` wrote.")],
    folder: Annotated[Path, typer.Argument(help="New (or empty) folder for the workspace.")],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="The workspace's audit key (.crosswalk/audit.key), when the archive does not "
            "hold it and CROSSWALK_AUDIT_KEY is not set.",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Restore the data into this empty PostgreSQL database instead of a SQLite "
            "file in the folder.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into a new workspace folder, after checking all of it: every member
    against the manifest, the manifest's seal and the audit trail with the key, every
    evidence file against its hash, the database's schema (migrated forward if older).

    Nothing is written unless everything checks: the workspace is assembled in a hidden
    folder beside FOLDER and renamed into place at the end. A folder that is not empty is
    refused.

    Example: crosswalk restore acme-2026-11-27.tar.gz ./acme --key-file ~/keys/acme-audit.key
    """
    from crosswalk.services.backup.restore import restore_backup

    root = ctx.find_root()
    given = root.get_parameter_source("database_url")
    if database_url is None and given is not None and given.name == "COMMANDLINE":
        # `crosswalk --database-url URL restore ...`; never the environment's: be explicit
        database_url = (root.obj or {}).get("database_url")
    with working(f"Restoring {archive.name}"):
        result = restore_backup(archive, folder, database_url=database_url, key_file=key_file)
    if as_json:
        print_json(result)
        return
    out = console()
    out.print(
        f"restored workspace {result.workspace!r} (backed up {result.backed_up_at}) into "
        f"{result.folder}: {result.database}; {result.evidence_files} evidence files and "
        f"{result.trail_entries} trail entries verified with the key from {result.key_from}"
        + (f"; schema {result.schema_revision} migrated forward" if result.migrated else ""),
        markup=False,
    )
    for note in result.notes:
        out.print(note, markup=False, style="yellow")
