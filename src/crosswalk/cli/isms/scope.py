"""``crosswalk scope`` and ``crosswalk assets``: the ISMS scope (ISO 27001 4.3) and the asset
inventory it is checked against, SOC 2 system boundary included."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.output import (
    ExitCode,
    console,
    fail,
    handle_errors,
    listing,
    parse_date,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.isms.scope import ScopeCheck

scope_app = typer.Typer(
    help="The ISMS scope statement: show, set, approve, check.", no_args_is_help=True
)
assets_app = typer.Typer(
    help="The asset and system inventory: list, show, add, edit.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(scope_app, name="scope")
    app.add_typer(assets_app, name="assets")


# --- crosswalk scope ----------------------------------------------------------------------------


def _status(data: dict[str, Any]) -> str:
    return (
        f"approved by {data['approved_by']} on {data['approved_on']}"
        if data["approved_by"]
        else "draft"
    )


@scope_app.command("show")
@listing
@handle_errors
def show_scope(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the scope statement in force (the latest approved version) and every version.

    Example: crosswalk scope show --json
    """
    from crosswalk.services.isms.scope import current_scope, scope_versions, statement_data

    with session(ctx, commit=False) as active:
        in_force = current_scope(active)
        versions = [statement_data(row) for row in scope_versions(active)]
        current = statement_data(in_force) if in_force else None
    if as_json:
        print_json({"in_force": current, "versions": versions})
        return
    out = console()
    if current is None:
        out.print(
            "no approved scope statement"
            + (
                f" ({versions[-1]['version']} is a draft)"
                if versions
                else "; set one with `crosswalk scope set`"
            ),
            markup=False,
            style="yellow",
        )
    else:
        out.print(f"ISMS scope {current['version']} ({_status(current)})", markup=False)
        out.print(current["text"], markup=False)
        if current["includes"]:
            out.print("includes: " + ", ".join(current["includes"]), markup=False)
        for exclusion in current["excludes"]:
            out.print(
                f"excludes: {exclusion['asset']} ({exclusion['reason'] or 'no reason given'})",
                markup=False,
            )
    print_rows(
        f"Versions ({len(versions)})",
        ["version", "status", "includes", "excludes", "text"],
        [
            [
                v["version"],
                _status(v),
                len(v["includes"]),
                len(v["excludes"]),
                v["text"] if len(v["text"]) <= 60 else v["text"][:57] + "...",
            ]
            for v in versions
        ],
    )


def _exclusion(text: str) -> tuple[str, str]:
    asset, sep, reason = text.partition("=")
    if not sep or not asset.strip() or not reason.strip():
        raise fail(f"--exclude {text!r} should be ID=reason, e.g. office-wifi='guest network'")
    return asset.strip(), reason.strip()


@scope_app.command("set")
@handle_errors
def set_scope(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The scope statement's text.")],
    include: Annotated[
        list[str] | None,
        typer.Option("--include", "-i", metavar="ID", help="Asset named in scope (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", "-x", metavar="ID=REASON", help="Asset excluded, with why (repeatable)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a new version of the scope statement, as a draft; no version is overwritten.

    Every asset named must be in the inventory; every exclusion needs its reason.

    Example: crosswalk scope set "Northwind SaaS platform and its people" -i app -x wifi=guest-only
    """
    from crosswalk.services.isms.scope import set_scope_statement, statement_data

    exclusions = [_exclusion(item) for item in exclude or []]
    with session(ctx) as active:
        data = statement_data(set_scope_statement(active, text, include or [], exclusions))
    if as_json:
        print_json(data)
        return
    console().print(
        f"scope statement {data['version']} recorded as a draft; approve it with "
        f"`crosswalk scope approve {data['version']} --by NAME`",
        markup=False,
    )


@scope_app.command("approve")
@handle_errors
def approve(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="Version to approve, e.g. 2 or v2.")],
    by: Annotated[str, typer.Option("--by", help="Who approves it (name and role).")],
    on: Annotated[
        str | None, typer.Option("--on", help="Approval date, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a draft version: it comes into force and is frozen from then on.

    Example: crosswalk scope approve 2 --by "Dana Reyes, CEO" --on 2026-02-01
    """
    from crosswalk.services.isms.scope import approve_scope, parse_version, statement_data

    day = parse_date(on, "--on") if on else date.today()
    with session(ctx) as active:
        data = statement_data(approve_scope(active, parse_version(version), by, day))
    if as_json:
        print_json(data)
        return
    console().print(f"scope statement {data['version']}: {_status(data)}", markup=False)


def _check_json(result: ScopeCheck) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "statement_version": result.statement_version,
        "statement_approved": result.statement_approved,
        "assets": result.assets,
        "in_scope": result.in_scope,
        "in_boundary": result.in_boundary,
        "findings": result.findings,
    }


@scope_app.command("check")
@listing
@handle_errors
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the scope: exit 1 if anything an ISO auditor would question is found.

    Finds assets in the SOC 2 system boundary but outside the ISMS scope, in-scope assets
    with no owner or no control, mismatches between the statement and the inventory,
    in-scope assets depending on out-of-scope ones nobody considered, and a missing
    approved statement.

    Example: crosswalk scope check --json
    """
    from crosswalk.services.isms.scope import check_scope

    with session(ctx, commit=False) as active:
        result = check_scope(active)
    if as_json:
        print_json(_check_json(result))
    else:
        against = (
            f"statement v{result.statement_version}"
            + ("" if result.statement_approved else " (draft)")
            if result.statement_version
            else "no statement"
        )
        if result.findings:
            print_rows(
                f"Scope findings ({len(result.findings)})",
                ["code", "item", "finding"],
                [[f.code, f.item, f.message] for f in result.findings],
            )
        console().print(
            f"{result.assets} assets, {result.in_scope} in the ISMS scope, "
            f"{result.in_boundary} in the SOC 2 boundary; checked against {against}: "
            + ("ok" if result.ok else f"{len(result.findings)} findings"),
            markup=False,
        )
    if not result.ok:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


# --- crosswalk assets ---------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "yes" if value else "no"


@assets_app.command("list")
@listing
@handle_errors
def list_assets(
    ctx: typer.Context,
    in_scope: Annotated[
        bool | None,
        typer.Option("--in-scope/--out-of-scope", help="Only assets in (or outside) the ISMS."),
    ] = None,
    in_boundary: Annotated[
        bool | None,
        typer.Option(
            "--in-boundary/--outside-boundary",
            help="Only assets in (or outside) the SOC 2 system boundary.",
        ),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner contains this text.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List assets and systems with owner, SOC 2 boundary, ISMS scope and controls.

    Example: crosswalk assets list --in-boundary --out-of-scope --json
    """
    from crosswalk.services.isms.assets import asset_data
    from crosswalk.services.isms.assets import list_assets as list_rows

    with session(ctx, commit=False) as active:
        items = [asset_data(row) for row in list_rows(active, in_scope, in_boundary, owner)]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Assets ({len(items)})",
        ["id", "name", "kind", "owner", "class", "SOC 2", "ISMS", "depends on", "controls"],
        [
            [
                i["asset_id"],
                i["name"],
                i["kind"],
                i["owner"] or "",
                i["classification"] or "",
                _flag(i["in_soc2_boundary"]),
                _flag(i["in_isms_scope"]),
                ", ".join(i["depends_on"]),
                ", ".join(i["controls"]),
            ]
            for i in items
        ],
        as_csv=as_csv,
    )


@assets_app.command("show")
@listing
@handle_errors
def show_asset(
    ctx: typer.Context,
    asset_id: Annotated[str, typer.Argument(help="Asset id, e.g. app-platform.")],
    as_json: JsonOption = False,
) -> None:
    """Show an asset: its controls, what it depends on and what depends on it, its findings.

    Example: crosswalk assets show app-platform
    """
    from crosswalk.services.isms.scope import describe_asset

    with session(ctx, commit=False) as active:
        detail = describe_asset(active, asset_id)
    if as_json:
        print_json(detail)
        return
    out = console()
    out.print(f"{detail.asset_id}  {detail.name}", markup=False, style="bold")
    facts = [
        f"kind: {detail.kind}",
        f"owner: {detail.owner or '(none)'}",
        f"classification: {detail.classification or '(none)'}",
        f"SOC 2 boundary: {_flag(detail.in_soc2_boundary)}",
        f"ISMS scope: {_flag(detail.in_isms_scope)}",
    ]
    out.print("  " + " | ".join(facts), markup=False)
    if detail.description:
        out.print(f"  {detail.description}", markup=False)
    out.print(f"  depends on: {', '.join(detail.depends_on) or '(nothing)'}", markup=False)
    out.print(f"  depended on by: {', '.join(detail.depended_on_by) or '(nothing)'}", markup=False)
    for finding in detail.findings:
        out.print(f"  {finding.code}: {finding.message}", markup=False, style="yellow")
    print_rows(
        "Controls",
        ["control", "title", "status"],
        [[c["control_id"], c["title"], c["status"]] for c in detail.controls],
    )


@assets_app.command("add")
@handle_errors
def add_asset(
    ctx: typer.Context,
    asset_id: Annotated[str, typer.Argument(help="New asset id (no spaces or commas).")],
    name: Annotated[str, typer.Option(help="What it is.")],
    owner: Annotated[str | None, typer.Option(help="Person and role.")] = None,
    classification: Annotated[
        str | None, typer.Option(help="e.g. public, internal, confidential.")
    ] = None,
    kind: Annotated[str, typer.Option(help="system, application, data, service, ...")] = "system",
    soc2_boundary: Annotated[
        bool,
        typer.Option(
            "--soc2-boundary/--no-soc2-boundary", help="Inside the SOC 2 system boundary."
        ),
    ] = False,
    isms_scope: Annotated[
        bool, typer.Option("--isms-scope/--no-isms-scope", help="Inside the ISMS scope.")
    ] = False,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", metavar="ID", help="Asset it depends on (repeatable)."),
    ] = None,
    control: Annotated[
        list[str] | None,
        typer.Option("--control", "-c", metavar="ID", help="Control protecting it (repeatable)."),
    ] = None,
    description: Annotated[str, typer.Option(help="A line on what it does.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Add an asset or system; dependencies and controls must already exist.

    Example: crosswalk assets add app --name "SaaS app" --owner CTO --soc2-boundary --isms-scope
    """
    from crosswalk.services.isms.assets import AssetInput, asset_data
    from crosswalk.services.isms.assets import add_asset as add_row

    data = AssetInput(
        asset_id=asset_id,
        name=name,
        kind=kind,
        owner=owner,
        classification=classification,
        in_soc2_boundary=soc2_boundary,
        in_isms_scope=isms_scope,
        depends_on=depends_on or [],
        controls=control or [],
        description=description,
    )
    with session(ctx) as active:
        item = asset_data(add_row(active, data))
    if as_json:
        print_json(item)
    else:
        console().print(f"added {item['asset_id']}", markup=False)


@assets_app.command("edit")
@handle_errors
def edit_asset(
    ctx: typer.Context,
    asset_id: Annotated[str, typer.Argument(help="Asset id.")],
    name: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears the owner.")] = None,
    classification: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    soc2_boundary: Annotated[
        bool | None,
        typer.Option(
            "--soc2-boundary/--no-soc2-boundary", help="Inside the SOC 2 system boundary."
        ),
    ] = None,
    isms_scope: Annotated[
        bool | None,
        typer.Option("--isms-scope/--no-isms-scope", help="Inside the ISMS scope."),
    ] = None,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", metavar="ID", help="Add a dependency (repeatable)."),
    ] = None,
    drop_depends_on: Annotated[
        list[str] | None,
        typer.Option("--drop-depends-on", metavar="ID", help="Remove a dependency (repeatable)."),
    ] = None,
    control: Annotated[
        list[str] | None,
        typer.Option("--control", "-c", metavar="ID", help="Link a control (repeatable)."),
    ] = None,
    unlink_control: Annotated[
        list[str] | None,
        typer.Option("--unlink-control", metavar="ID", help="Unlink a control (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change an asset; only what you pass changes, all in one transaction.

    Example: crosswalk assets edit office-wifi --isms-scope --owner "IT lead" -c NW-NET-01
    """
    from crosswalk.services.isms.assets import (
        asset_dependencies,
        get_asset,
        link_asset_controls,
        unlink_asset_controls,
    )
    from crosswalk.services.isms.assets import edit_asset as edit_row

    changes: dict[str, object] = {
        field: value
        for field, value in (
            ("name", name),
            ("owner", owner),
            ("classification", classification),
            ("kind", kind),
            ("description", description),
            ("in_soc2_boundary", soc2_boundary),
            ("in_isms_scope", isms_scope),
        )
        if value is not None
    }
    with session(ctx) as active:
        if depends_on or drop_depends_on:
            current = asset_dependencies(get_asset(active, asset_id))
            dropped = set(drop_depends_on or [])
            changes["depends_on"] = [d for d in [*current, *(depends_on or [])] if d not in dropped]
        changed = edit_row(active, asset_id, **changes)
        if control:
            changed += [f"linked {c}" for c in link_asset_controls(active, asset_id, control)]
        if unlink_control:
            changed += [
                f"unlinked {c}" for c in unlink_asset_controls(active, asset_id, unlink_control)
            ]
    if as_json:
        print_json({"asset_id": asset_id, "changed": changed})
    else:
        console().print(f"{asset_id}: {', '.join(changed) or 'nothing changed'}", markup=False)
