"""``crosswalk migrate`` and ``crosswalk frameworks diff``: keeping up with framework revisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import actor, library, optional_session, session
from crosswalk.cli.output import console, handle_errors, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.revisions.diff import FrameworkDiff, Touch
    from crosswalk.services.revisions.migration import MigrationPlan, MigrationResult

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ViaOption = Annotated[
    str | None,
    typer.Option("--via", help="Mapping set joining the two versions (default: the one found)."),
]


def register(frameworks_app: typer.Typer, root_app: typer.Typer) -> None:
    frameworks_app.command("diff")(diff)
    root_app.command("migrate")(migrate)


# ------------------------------------------------------------------------------- migrate


def _migration_json(
    plan: MigrationPlan, result: MigrationResult | None, dry_run: bool
) -> dict[str, Any]:
    return {
        "from": plan.old,
        "to": plan.new,
        "mapping_set": plan.mapping_set,
        "dry_run": dry_run,
        "controls": [
            {"line": c.line, "needs_confirmation": c.needs_confirmation, **_fields(c)}
            for c in plan.controls
        ],
        "decisions": [*plan.decisions, *(result.decisions if result else [])],
        "soa": {"action": plan.soa_action, "rows": plan.soa_refs},
        "applied": result,
    }


def _fields(value: Any) -> dict[str, Any]:
    from crosswalk.reports.serialize import to_jsonable

    found: dict[str, Any] = to_jsonable(value)
    return found


def _print_migration(plan: MigrationPlan, result: MigrationResult | None) -> None:
    out = console()
    state = "dry run, nothing changed" if result is None else "applied"
    out.print(
        f"{plan.old} -> {plan.new} through {plan.mapping_set} ({state})",
        markup=False,
        style="bold",
    )
    if plan.controls:
        out.print(
            f"Controls ({len(plan.controls)}), one line each to confirm with its owner:",
            markup=False,
        )
        for c in plan.controls:
            facts = [f"owner {c.owner}" if c.owner else "no owner"]
            if c.evidence_links:
                facts.append(f"{c.evidence_links} evidence linked, follows the control")
            if not c.needs_confirmation:
                facts.append("one-to-one only")
            out.print(f"  {c.line}  [{'; '.join(facts)}]", markup=False, soft_wrap=True)
    else:
        out.print(f"Nothing to move: no control is tagged to {plan.old}.", markup=False)
    if plan.soa_action:
        would = "would " if result is None else ""
        out.print(
            f"SoA: {would}{plan.soa_action}: rows {', '.join(plan.soa_refs)}",
            markup=False,
            soft_wrap=True,
        )
    if result is not None:
        out.print(
            f"Moved: {result.tags_removed} tags removed, {result.tags_added} added or raised, "
            f"on {len(result.controls_changed)} controls (by {result.by}).",
            markup=False,
        )
        if result.soa_created:
            out.print(
                f"SoA draft v{result.soa_version} created: {result.soa_created}",
                markup=False,
                soft_wrap=True,
            )
        for change in result.soa_changes:
            out.print(
                f"  SoA v{result.soa_version} {change.ref} {change.field}: "
                f"{change.before!r} -> {change.after!r}",
                markup=False,
                soft_wrap=True,
            )
    decisions = [*plan.decisions, *(result.decisions if result else [])]
    if decisions:
        print_rows(
            f"Decisions to make ({len(decisions)})",
            ["kind", "ref", "title", "controls", "what to do"],
            [[d.kind, d.ref, d.title, ", ".join(d.controls), d.detail] for d in decisions],
        )


@handle_errors
def migrate(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="The framework version to leave.")],
    target: Annotated[str, typer.Option("--to", help="The framework version to move to.")],
    via: ViaOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and change nothing.")
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Who migrates (default: CROSSWALK_ACTOR or you).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Move the control library from one framework version to the next, through their
    official correspondence: one-to-one moves and merges are applied, splits become
    partial tags to confirm, and the SoA draft follows. Prints one line per affected
    control, then the decisions left to a human (requirements new in the new version,
    old ones with no counterpart). Run again, it finds nothing to move.

    Example: crosswalk migrate --from iso27001-2013 --to iso27001-2022 --dry-run
    """
    from crosswalk.services.revisions.migration import apply_migration, plan_migration

    lib = library(ctx)
    with session(ctx, commit=not dry_run) as active:
        plan = plan_migration(active, lib, source, target, via)
        result = None if dry_run else apply_migration(active, lib, plan, by or actor())
    if as_json:
        print_json(_migration_json(plan, result, dry_run))
    else:
        _print_migration(plan, result)


# ---------------------------------------------------------------------------------- diff


def _print_diff(found: FrameworkDiff, touched: list[Touch] | None) -> None:
    out = console()
    through = f" (matched through {found.mapping_set})" if found.mapping_set else ""
    out.print(
        f"{found.old} -> {found.new}{through}: {len(found.added)} added, "
        f"{len(found.removed)} removed, {len(found.renamed)} renamed, "
        f"{len(found.reparented)} re-parented, {len(found.moved)} moved/merged/split, "
        f"{found.unchanged} unchanged",
        markup=False,
        style="bold",
    )
    reach = {(t.change, t.ref): t for t in touched or []}

    def touches_text(change: str, ref: str) -> str:
        hit = reach.get((change, ref))
        if hit is None:
            return ""
        parts = [f"controls {', '.join(hit.controls)}"] if hit.controls else []
        parts += [f"SoA {', '.join(hit.soa)}"] if hit.soa else []
        parts += [f"risks {', '.join(hit.risks)}"] if hit.risks else []
        return "; ".join(parts)

    rows = []
    for c in found.changes:
        if c.change == "renamed":
            what = f"{c.title!r} -> {c.new_title!r}"
        elif c.change == "re-parented":
            what = f"parent {c.parent or '(top)'} -> {c.new_parent or '(top)'}"
        elif c.change in ("added", "removed"):
            what = c.title
        else:
            what = f"{c.title} -> {', '.join(c.new_refs)} {c.new_title or ''}".strip()
        note = f" ({c.note})" if c.note else ""
        rows.append([c.change, c.ref, what + note, touches_text(c.change, c.ref)])
    print_rows("Changes", ["change", "ref", "what", "touches"], rows)
    if touched is None:
        out.print(
            "No workspace here: run inside one (or pass --workspace) to see what each "
            "change touches.",
            markup=False,
            style="dim",
        )


@handle_errors
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The older framework version, e.g. iso27001-2013.")],
    new: Annotated[str, typer.Argument(help="The newer one, e.g. iso27001-2022.")],
    via: ViaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two versions of a framework (shipped or imported): requirements added,
    removed, renamed (same ref, new title), re-parented, and, where a mapping set joins
    them, moved, merged or split; with the controls, SoA rows and risks each change
    touches in the workspace, if there is one.

    Example: crosswalk frameworks diff iso27001-2013 iso27001-2022 --json
    """
    from crosswalk.services.revisions.diff import diff_frameworks, touches

    lib = library(ctx)
    found = diff_frameworks(lib, old, new, via)
    with optional_session(ctx) as active:
        touched: list[Touch] | None = None if active is None else touches(active, found)
    if as_json:
        print_json({"diff": found, "touches": touched})
    else:
        _print_diff(found, touched)
