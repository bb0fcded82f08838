"""``crosswalk nonconformities``: nonconformity and corrective action (10.2)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.isms.common import (
    DATE_HELP,
    JsonOption,
    dates_passed,
    optional_date,
    passed,
    say,
)
from crosswalk.cli.output import handle_errors, listing, parse_date, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.isms.nonconformities import Nonconformity

nonconformities_app = typer.Typer(
    help="Nonconformities and corrective action (10.2); overdue ones flagged.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(nonconformities_app, name="nonconformities")


def _nc_item(row: Nonconformity, today: date) -> dict[str, Any]:
    from crosswalk.services.isms.nonconformities import COLUMNS, close_blockers, nc_state

    return {
        "nc_id": row.nc_id,
        "state": nc_state(row, today),
        **{name: getattr(row, name) for name in COLUMNS},
        "missing_to_close": [] if row.closed_on else close_blockers(row),
    }


NcText = Annotated[str | None, typer.Option()]


@nonconformities_app.command("list")
@listing
@handle_errors
def nonconformities_list(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option(help="Only open ones past their due date.")] = False,
    state: Annotated[str | None, typer.Option(help="open, overdue or closed.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner contains this text.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List nonconformities; open ones past their due date are overdue.

    Example: crosswalk nonconformities list --overdue
    """
    from crosswalk.services.isms.nonconformities import OVERDUE, list_nonconformities

    today = date.today()
    with session(ctx, commit=False) as active:
        rows = list_nonconformities(active, today, OVERDUE if overdue else state, owner)
        items = [_nc_item(r, today) for r in rows]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Nonconformities ({len(items)})",
        ["id", "state", "source", "description", "owner", "raised", "due", "closed"],
        [
            [
                i["nc_id"],
                i["state"],
                f"{i['source']} {i['source_ref']}".strip(),
                i["description"],
                i["owner"] or "",
                i["raised_on"],
                i["due_on"] or "",
                i["closed_on"] or "",
            ]
            for i in items
        ],
    )


@nonconformities_app.command("show")
@handle_errors
def nonconformities_show(
    ctx: typer.Context,
    nc_id: Annotated[str, typer.Argument(help="Nonconformity id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a nonconformity and what it still needs before it can be closed.

    Example: crosswalk nonconformities show NC-3
    """
    from crosswalk.services.isms.nonconformities import get_nonconformity

    with session(ctx, commit=False) as active:
        item = _nc_item(get_nonconformity(active, nc_id), date.today())
    if as_json:
        print_json(item)
        return
    for key, value in item.items():
        say(f"{key}: {(', '.join(value) if isinstance(value, list) else value) or '-'}")


@nonconformities_app.command("add")
@handle_errors
def nonconformities_add(
    ctx: typer.Context,
    nc_id: Annotated[str, typer.Argument(help="New nonconformity id.")],
    source: Annotated[str, typer.Option(help="audit, incident, review or complaint.")],
    description: Annotated[str, typer.Option(help="What does not conform.")],
    source_ref: Annotated[str, typer.Option(help="Audit, incident or review id.")] = "",
    owner: Annotated[str | None, typer.Option(help="Who owns the corrective action.")] = None,
    raised: Annotated[str | None, typer.Option(help="Date raised (default today).")] = None,
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    correction: Annotated[str, typer.Option(help="The immediate fix.")] = "",
    root_cause: Annotated[str, typer.Option(help="Why it happened.")] = "",
    corrective_action: Annotated[str, typer.Option(help="What stops it recurring.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Raise a nonconformity.

    Example: crosswalk nonconformities add NC-3 --source audit --description "Leaver kept access"
    """
    from crosswalk.services.isms.nonconformities import NonconformityInput, add_nonconformity

    data = NonconformityInput(
        nc_id,
        source,
        description,
        source_ref,
        owner,
        optional_date(raised, "--raised"),
        optional_date(due, "--due"),
        correction,
        root_cause,
        corrective_action,
    )
    today = date.today()
    with session(ctx) as active:
        item = _nc_item(add_nonconformity(active, data, today), today)
    if as_json:
        print_json(item)
    else:
        say(f"added {item['nc_id']} ({item['state']}, due {item['due_on'] or '-'})")


@nonconformities_app.command("edit")
@handle_errors
def nonconformities_edit(
    ctx: typer.Context,
    nc_id: Annotated[str, typer.Argument(help="Nonconformity id.")],
    source: NcText = None,
    source_ref: NcText = None,
    description: NcText = None,
    owner: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    raised: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    due: Annotated[str | None, typer.Option(help=DATE_HELP)] = None,
    correction: NcText = None,
    root_cause: NcText = None,
    corrective_action: NcText = None,
    effectiveness_check: NcText = None,
    checked_on: Annotated[str | None, typer.Option(help="Effectiveness check date.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of a nonconformity; only what you pass changes.

    Example: crosswalk nonconformities edit NC-3 --root-cause "No HR ticket" --due 2027-01-15
    """
    from crosswalk.services.isms.nonconformities import edit_nonconformity

    changes = passed(
        source=source,
        source_ref=source_ref,
        description=description,
        owner=owner,
        correction=correction,
        root_cause=root_cause,
        corrective_action=corrective_action,
        effectiveness_check=effectiveness_check,
    )
    changes.update(
        dates_passed(
            {"due_on": (due, "--due"), "effectiveness_checked_on": (checked_on, "--checked-on")}
        )
    )
    if raised:
        changes["raised_on"] = parse_date(raised, "--raised")
    with session(ctx) as active:
        changed = edit_nonconformity(active, nc_id, **changes)
    if as_json:
        print_json({"nc_id": nc_id, "changed": changed})
    else:
        say(f"{nc_id}: {', '.join(changed) or 'nothing changed'}")


@nonconformities_app.command("close")
@handle_errors
def nonconformities_close(
    ctx: typer.Context,
    nc_id: Annotated[str, typer.Argument(help="Nonconformity id.")],
    on: Annotated[str | None, typer.Option(help="Closing date (default today).")] = None,
    correction: NcText = None,
    root_cause: NcText = None,
    corrective_action: NcText = None,
    effectiveness_check: Annotated[
        str | None, typer.Option(help="How you checked the action worked.")
    ] = None,
    checked_on: Annotated[str | None, typer.Option(help="When it was checked.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Close a nonconformity; refused until correction, root cause, corrective action and an
    effectiveness check with its date are all recorded (they may be given here).

    Example: crosswalk nonconformities close NC-3 --effectiveness-check OK --checked-on 2026-12-20
    """
    from crosswalk.services.isms.nonconformities import close_nonconformity

    completions = passed(
        correction=correction,
        root_cause=root_cause,
        corrective_action=corrective_action,
        effectiveness_check=effectiveness_check,
    )
    completions.update(dates_passed({"effectiveness_checked_on": (checked_on, "--checked-on")}))
    today = date.today()
    with session(ctx) as active:
        item = _nc_item(
            close_nonconformity(active, nc_id, optional_date(on, "--on"), **completions), today
        )
    if as_json:
        print_json(item)
    else:
        say(f"closed {nc_id} on {item['closed_on']}")
