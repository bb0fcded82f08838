"""``crosswalk objectives`` and ``crosswalk isms readiness``, and the registration of every
ISMS record command group: audits, reviews, nonconformities, objectives.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session, workspace_root
from crosswalk.cli.isms.common import (
    DATE_HELP,
    JsonOption,
    dates_passed,
    optional_date,
    passed,
    plain,
    say,
)
from crosswalk.cli.output import ExitCode, console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.isms.objectives import Objective

objectives_app = typer.Typer(
    help="Information security objectives (6.2) with measures and owners.", no_args_is_help=True
)
isms_app = typer.Typer(help="The ISMS as a whole: Stage 1 readiness.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    from crosswalk.cli.isms import audits, nonconformities, reviews

    audits.register(app)
    reviews.register(app)
    nonconformities.register(app)
    app.add_typer(objectives_app, name="objectives")
    app.add_typer(isms_app, name="isms")


# --- objectives --------------------------------------------------------------------------


def _objective_item(row: Objective) -> dict[str, Any]:
    from crosswalk.services.isms.objectives import EDITABLE

    return {"objective_id": row.objective_id, **{name: getattr(row, name) for name in EDITABLE}}


STATUS_HELP = "open, on track, at risk, achieved or missed."


@objectives_app.command("list")
@listing
@handle_errors
def objectives_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    owner: Annotated[str | None, typer.Option(help="Owner contains this text.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List security objectives with measure, target, owner, due date and status.

    Example: crosswalk objectives list --status "at risk"
    """
    from crosswalk.services.isms.objectives import list_objectives

    with session(ctx, commit=False) as active:
        items = [_objective_item(r) for r in list_objectives(active, status, owner)]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Objectives ({len(items)})",
        ["id", "title", "measure", "target", "owner", "due", "status"],
        [
            [
                i["objective_id"],
                i["title"],
                i["measure"],
                i["target"],
                i["owner"] or "",
                i["due_on"] or "",
                i["status"],
            ]
            for i in items
        ],
    )


@objectives_app.command("add")
@handle_errors
def objectives_add(
    ctx: typer.Context,
    objective_id: Annotated[str, typer.Argument(help="New objective id.")],
    title: Annotated[str, typer.Option(help="The objective.")],
    measure: Annotated[str, typer.Option(help="How progress is measured.")] = "",
    target: Annotated[str, typer.Option(help="The value that means achieved.")] = "",
    owner: Annotated[str | None, typer.Option(help="Who answers for it.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    status: Annotated[str, typer.Option(help=STATUS_HELP)] = "open",
    as_json: JsonOption = False,
) -> None:
    """Add a security objective.

    Example: crosswalk objectives add OBJ-1 --title "Patch fast" --target "95% in 14d" --owner Sam
    """
    from crosswalk.services.isms.objectives import ObjectiveInput, add_objective

    data = ObjectiveInput(
        objective_id, title, measure, target, owner, optional_date(due, "--due"), status
    )
    with session(ctx) as active:
        item = _objective_item(add_objective(active, data))
    if as_json:
        print_json(item)
    else:
        say(f"added {item['objective_id']} ({item['status']})")


@objectives_app.command("edit")
@handle_errors
def objectives_edit(
    ctx: typer.Context,
    objective_id: Annotated[str, typer.Argument(help="Objective id.")],
    title: Annotated[str | None, typer.Option()] = None,
    measure: Annotated[str | None, typer.Option()] = None,
    target: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    due: Annotated[str | None, typer.Option(help=DATE_HELP)] = None,
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of an objective; only what you pass changes.

    Example: crosswalk objectives edit OBJ-1 --status "on track"
    """
    from crosswalk.services.isms.objectives import edit_objective

    changes = passed(title=title, measure=measure, target=target, owner=owner, status=status)
    changes.update(dates_passed({"due_on": (due, "--due")}))
    with session(ctx) as active:
        changed = edit_objective(active, objective_id, **changes)
    if as_json:
        print_json({"objective_id": objective_id, "changed": changed})
    else:
        say(f"{objective_id}: {', '.join(changed) or 'nothing changed'}")


# --- readiness ---------------------------------------------------------------------------


@isms_app.command("readiness")
@listing
@handle_errors
def readiness(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Each mandatory ISMS artifact: exists, first and last dated, months of records; then
    what still blocks a Stage 1 audit. Exit 1 while anything does.

    Example: crosswalk isms readiness --json
    """
    from crosswalk.services.isms.readiness import readiness as check

    with session(ctx, commit=False) as active:
        result = check(active, library(ctx), date.today(), policies_root=workspace_root(ctx))
    if as_json:
        print_json({**plain(result), "ready": result.ready})
    else:
        print_rows(
            f"ISMS readiness on {result.today}",
            ["artifact", "records", "first", "last", "months", "note"],
            [
                [
                    f"{a.name} ({a.clauses})",
                    a.records if a.exists else "MISSING",
                    a.first or "",
                    a.last or "",
                    a.months,
                    a.note,
                ]
                for a in result.artifacts
            ],
        )
        out = console()
        if result.ready:
            out.print("Nothing blocks a Stage 1 audit.", markup=False, style="green")
        else:
            out.print("Still blocks a Stage 1 audit:", markup=False, style="bold red")
            for blocker in result.blockers:
                out.print(f"  - {blocker}", markup=False)
    if not result.ready:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
