"""``frameworks import|export|template`` and ``mappings import|export``: open formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, workspace_catalogs
from crosswalk.cli.output import console, fail, handle_errors, print_json, working

if TYPE_CHECKING:
    from crosswalk.services.mapping.formats import InstallReport

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")]


def register(frameworks_app: typer.Typer, mappings_app: typer.Typer) -> None:
    frameworks_app.command("import")(import_framework)
    frameworks_app.command("resolve")(resolve_profile)
    frameworks_app.command("export")(export_framework)
    frameworks_app.command("template")(template)
    mappings_app.command("import")(import_mappings)
    mappings_app.command("export")(export_mappings)


def _target(ctx: typer.Context) -> Path:
    folder = workspace_catalogs(ctx)
    if folder is None:
        raise fail("imports are kept in a workspace: run `crosswalk init` or pass --workspace DIR")
    return folder


def _print_install(report: InstallReport, as_json: bool) -> None:
    if as_json:
        print_json(report)
        return
    out = console()
    verb = "would write" if report.dry_run else "wrote"
    for note in report.notes:
        out.print(f"  {note}", markup=False)
    for framework_id, count in report.frameworks.items():
        out.print(f"framework {framework_id}: {count} requirements", markup=False)
    for set_id, count in report.mapping_sets.items():
        out.print(f"mapping set {set_id}: {count} edges", markup=False)
    for path in report.created:
        out.print(f"  {verb} {path}", markup=False)
    if report.unchanged:
        out.print(f"  {len(report.unchanged)} already imported, unchanged", markup=False)


def _import_many(
    ctx: typer.Context, files: list[Path], dry_run: bool, skip_unknown_refs: bool, as_json: bool
) -> None:
    from crosswalk.services.mapping.bulk_import import import_files

    lib = library(ctx, adjusted=False)
    with working(f"Importing {len(files)} path(s)"):
        report, _ = import_files(
            files, lib, _target(ctx), dry_run=dry_run, skip_unknown_refs=skip_unknown_refs
        )
    if as_json:
        print_json(report)
        return
    out = console()
    for item in report.files:
        name = Path(item.path).name
        if item.outcome == "refused":
            reason = item.reason.removeprefix(item.path).lstrip(": ")
            out.print(f"refused    {name}: {reason}", markup=False)
            continue
        written = [f"framework {k} ({v} requirements)" for k, v in item.frameworks.items()]
        written += [f"mapping set {k} ({v} edges)" for k, v in item.mapping_sets.items()]
        summary = ", ".join(written) or (item.notes[0] if item.notes else "-")
        out.print(f"{item.outcome:<10} {name}: {summary}", markup=False)
        for note in item.notes[0 if written else 1 :]:
            out.print(f"             {note}", markup=False)
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{len(report.files)} files: {report.count('imported')} {verb}, "
        f"{report.count('matched')} matched to loaded frameworks, "
        f"{report.count('unchanged')} unchanged, {report.count('refused')} refused",
        markup=False,
    )
    for kind, count in report.refusals_by_reason().items():
        out.print(f"  refused: {count} {kind}", markup=False)


@handle_errors
def import_framework(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="OSCAL catalog/profile (JSON, XML), CISO Assistant YAML, XLSX/CSV; or "
            "several files or folders, imported in dependency order."
        ),
    ],
    framework_id: Annotated[
        str | None, typer.Option("--id", help="Id to give the framework.")
    ] = None,
    catalog: Annotated[
        str | None,
        typer.Option(
            help="For an OSCAL profile whose import is not here (a URL, a file elsewhere): "
            "the OSCAL catalog FILE it names, or a loaded framework id."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="For a spreadsheet: the framework's name.")
    ] = None,
    version: Annotated[str | None, typer.Option(help="For a spreadsheet: its version.")] = None,
    skip_unknown_refs: Annotated[
        bool,
        typer.Option(
            "--skip-unknown-refs",
            help="CISO Assistant files: leave out (and count) edges to requirements we do "
            "not have instead of refusing the file.",
        ),
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import a framework into the workspace, all or nothing; it then works everywhere.

    Reads OSCAL catalogs (groups, controls, enhancements, withdrawn ones marked) and OSCAL
    profiles (resolved as `frameworks resolve` does: imports followed, parameters set), in
    JSON or XML, CISO Assistant library YAML (and its mapping sets) and the spreadsheet
    template. Re-importing the same file changes nothing.

    Several files, or a folder (CISO Assistant's library folder, say), are imported in
    dependency order, each file on its own and all or nothing; a report says per file what
    was imported, matched or refused, and why.

    Example: crosswalk frameworks import NIST_SP-800-53_rev5_catalog.json
    """
    if len(files) != 1 or files[0].is_dir() or skip_unknown_refs:
        if framework_id or catalog or name or version:
            raise fail("--id, --catalog, --name and --version are for one file")
        _import_many(ctx, files, dry_run, skip_unknown_refs, as_json)
        return
    file = files[0]
    from crosswalk.services.mapping.formats import (
        convert_framework_file,
        created_frameworks,
        install,
        installed_library,
    )

    lib = library(ctx, adjusted=False)  # the team's edge adjustments play no part in an import
    with working(f"Reading {file.name}"):
        imported = convert_framework_file(file, lib, framework_id, catalog, name, version)
    report = install(lib, _target(ctx), imported, dry_run)
    _print_install(report, as_json)
    created = created_frameworks(report)
    if not created or dry_run:
        return
    from crosswalk.services.mapping.versions import sets_to_review

    installed = installed_library(lib, imported, report)  # not read again from disk
    if not any(sets_to_review(installed, fid) for fid in created):
        return  # nothing to flag: no need to open the workspace's database
    # A new version of a loaded framework flags the mapping sets of its other versions.
    from crosswalk.cli.context import session
    from crosswalk.services.mapping.reviews import flag_new_framework

    with session(ctx) as active:
        flagged = sorted(
            {f.subject for fid in created for f in flag_new_framework(active, installed, fid)}
        )
    if flagged:
        console(stderr=True).print(
            "flagged for review (a new framework version): "
            + ", ".join(flagged)
            + "; see `crosswalk mappings review`",
            markup=False,
        )


@handle_errors
def resolve_profile(
    ctx: typer.Context,
    profile: Annotated[Path, typer.Argument(help="OSCAL profile (JSON, XML or YAML).")],
    catalog: Annotated[
        str | None,
        typer.Option(
            help="The OSCAL catalog FILE (or loaded framework id) to use for an import that is "
            "not here: a URL, or a file outside this folder. Refused if the import names "
            "another catalog, or if every import is here and this is a different catalog."
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="oscal (OSCAL JSON catalog), xml (OSCAL XML catalog) or json (the framework "
            "`frameworks import` would store).",
        ),
    ] = "oscal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    framework_id: Annotated[
        str | None, typer.Option("--id", help="For --format json: the framework's id.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With -o: print what was written as JSON.")
    ] = False,
) -> None:
    """Resolve an OSCAL profile into the catalog it stands for, storing nothing.

    Follows every import (files, back-matter resources, profiles of profiles), selects,
    merges and modifies as NIST's profile resolution specification says. Missing, broken
    and circular imports are refused (exit 2) with the chain of imports.

    Example: crosswalk frameworks resolve FedRAMP_rev5_MODERATE-baseline_profile.json
    --catalog NIST_SP-800-53_rev5_catalog.json -o fedramp-moderate.json
    """
    from crosswalk.services.mapping.formats import resolve_profile_file

    if as_json and output is None:
        raise fail("--json reports on the file written: give -o FILE")
    result = resolve_profile_file(
        profile,
        catalog,
        output_format,
        lambda: library(ctx, adjusted=False).frameworks,
        framework_id,
    )
    err = console(stderr=True)
    for note in result.notes:
        err.print(f"  {note}", markup=False)
    if output is None:
        _write(result.text, None)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(result.text, encoding="utf-8")
    if as_json:
        print_json(
            {
                "profile": result.profile,
                "output": str(output),
                "format": result.output_format,
                "controls": result.controls,
                "parents_only": result.selected_only_as_parents,
                "groups": result.groups,
                "notes": list(result.notes),
                "documents": list(result.documents),
            }
        )
        return
    err.print(f"wrote {output}: {result.controls} controls in {result.groups} groups", markup=False)


@handle_errors
def export_framework(
    ctx: typer.Context,
    framework: Annotated[str, typer.Argument(help="Framework id.")],
    output_format: Annotated[str, typer.Option("--format", "-f", help="oscal")] = "oscal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Export a framework as an OSCAL catalog (JSON).

    Example: crosswalk frameworks export soc2-tsc-2017 --format oscal -o soc2.json
    """
    from crosswalk.services.mapping.formats import export_framework as export
    from crosswalk.services.mapping.library import resolve_framework

    if output_format != "oscal":
        raise fail("--format must be oscal")
    lib = library(ctx)
    _write(export(lib, resolve_framework(lib, framework)), output)


@handle_errors
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="XLSX file to write.")] = Path(
        "custom-framework.xlsx"
    ),
) -> None:
    """Write an empty spreadsheet template for a custom framework (ref, title, parent, ...).

    Example: crosswalk frameworks template -o our-policy-framework.xlsx
    """
    from crosswalk.services.mapping.formats import write_framework_template

    write_framework_template(output)
    console().print(f"wrote {output}", markup=False)


def _framework_ids(pairs: list[str] | None) -> dict[str, str]:
    found = {}
    for pair in pairs or []:
        resource, sep, framework_id = pair.rpartition("=")
        if not sep or not resource or not framework_id:
            raise fail(f"--framework-id {pair!r}: use RESOURCE=FRAMEWORK_ID")
        found[resource] = framework_id
    return found


@handle_errors
def import_mappings(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="OSCAL mapping collection, CISO Assistant YAML or STRM CSV.")
    ],
    set_id: Annotated[str | None, typer.Option("--id", help="Id to give the mapping set.")] = None,
    framework_id: Annotated[
        list[str] | None,
        typer.Option(help="Name a resource's framework: 'TITLE_OR_HREF=ID' (repeatable)."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="For CSV: the source framework id.")] = None,
    target: Annotated[str | None, typer.Option(help="For CSV: the target framework id.")] = None,
    skip_unknown_refs: Annotated[
        bool,
        typer.Option(help="Leave out (and list) edges to refs the loaded catalog does not have."),
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import mapping sets into the workspace, all or nothing; they then work everywhere.

    Example: crosswalk mappings import csf-to-800-53.mapping-collection.json
    """
    from crosswalk.services.mapping.formats import convert_mapping_file, install

    lib = library(ctx, adjusted=False)  # the team's edge adjustments play no part in an import
    imported = convert_mapping_file(
        file, lib, set_id, _framework_ids(framework_id), source, target, skip_unknown_refs
    )
    _print_install(install(lib, _target(ctx), imported, dry_run), as_json)


@handle_errors
def export_mappings(
    ctx: typer.Context,
    mapping_set: Annotated[str, typer.Argument(help="Mapping set id.")],
    output_format: Annotated[
        str,
        typer.Option("--format", "-f", help="oscal, csv (set-theory columns) or ciso-assistant."),
    ] = "oscal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Export a mapping set as an OSCAL 1.2 mapping collection, STRM CSV or CISO Assistant YAML.

    Example: crosswalk mappings export soc2-to-iso27001-2022 --format oscal -o soc2-iso.json
    """
    from crosswalk.services.mapping.formats import export_mapping_set
    from crosswalk.services.mapping.library import resolve_mapping_set
    from crosswalk.services.mapping.urns import matched_urns

    lib = library(ctx)
    chosen = resolve_mapping_set(lib, mapping_set)
    urns = matched_urns(workspace_catalogs(ctx))
    _write(export_mapping_set(lib, chosen, output_format, urns), output)


def _write(text: str, output: Path | None) -> None:
    import sys

    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console(stderr=True).print(f"wrote {output}", markup=False)
