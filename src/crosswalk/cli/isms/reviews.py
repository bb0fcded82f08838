"""``crosswalk reviews``: management reviews (9.3) with the 9.3.2 inputs checked off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.isms.common import (
    JsonOption,
    passed,
    say,
)
from crosswalk.cli.output import fail, handle_errors, listing, parse_date, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.isms.reviews import ManagementReview

reviews_app = typer.Typer(
    help="Management reviews (9.3), each 9.3.2 input checked off.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    root.add_typer(reviews_app, name="reviews")


def _review_item(row: ManagementReview) -> dict[str, Any]:
    from crosswalk.services.isms.reviews import missing_inputs, review_inputs

    return {
        "review_id": row.review_id,
        "held_on": row.held_on,
        "chair": row.chair,
        "inputs": review_inputs(row),
        "missing_inputs": [i.key for i in missing_inputs(row)],
        "decisions": row.decisions,
        "outputs": row.outputs,
    }


def _inputs(given: list[str] | None) -> dict[str, str] | None:
    if given is None:
        return None
    notes: dict[str, str] = {}
    for entry in given:
        key, sep, text = entry.partition("=")
        if not sep:
            raise fail(f"--input {entry!r} should be KEY=notes, e.g. risks='Register reviewed'")
        notes[key.strip()] = text
    return notes


InputOption = Annotated[
    list[str] | None,
    typer.Option(
        "--input",
        help="KEY=notes for a 9.3.2 input (repeatable); keys: previous_actions, issues, "
        "interested_parties, nonconformities, monitoring, audit_results, objectives, "
        "feedback, risks, improvement (or the item letter: a, b, c, d1-d4, e, f, g).",
    ),
]


@reviews_app.command("list")
@listing
@handle_errors
def reviews_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List management reviews with the inputs each still misses.

    Example: crosswalk reviews list --json
    """
    from crosswalk.services.isms.reviews import list_reviews

    with session(ctx, commit=False) as active:
        items = [_review_item(r) for r in list_reviews(active)]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Management reviews ({len(items)})",
        ["id", "held", "chair", "inputs", "missing"],
        [
            [
                i["review_id"],
                i["held_on"],
                i["chair"] or "",
                len(i["inputs"]),
                ", ".join(i["missing_inputs"]),
            ]
            for i in items
        ],
    )


@reviews_app.command("show")
@listing
@handle_errors
def reviews_show(
    ctx: typer.Context,
    review_id: Annotated[str, typer.Argument(help="Review id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a review: the 9.3.2 checklist with notes, the decisions and outputs.

    Example: crosswalk reviews show MR-2026-1
    """
    from crosswalk.services.isms.reviews import describe_review

    with session(ctx, commit=False) as active:
        detail = describe_review(active, review_id)
    if as_json:
        print_json(detail)
        return
    say(f"{detail.review_id}  held {detail.held_on}, chair {detail.chair or '-'}")
    if detail.attendees:
        say(f"  attendees: {detail.attendees}")
    print_rows(
        "Inputs (9.3.2)",
        ["item", "key", "input", "notes"],
        [[c.item, c.key, c.label, c.notes or "MISSING"] for c in detail.checklist],
    )
    say(f"decisions: {detail.decisions or '-'}")
    say(f"outputs: {detail.outputs or '-'}")


@reviews_app.command("add")
@handle_errors
def reviews_add(
    ctx: typer.Context,
    review_id: Annotated[str, typer.Argument(help="New review id.")],
    held: Annotated[str, typer.Option(help="Date held, YYYY-MM-DD.")],
    chair: Annotated[str | None, typer.Option(help="Who chaired it.")] = None,
    attendees: Annotated[str, typer.Option(help="Who attended.")] = "",
    inputs: InputOption = None,
    decisions: Annotated[str, typer.Option(help="Decisions taken.")] = "",
    outputs: Annotated[str, typer.Option(help="Outputs: improvements, changes, resources.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a management review; inputs without notes are reported missing.

    Example: crosswalk reviews add MR-2026-1 --held 2026-10-20 --input risks="Register reviewed"
    """
    from crosswalk.services.isms.reviews import ReviewData, add_review

    data = ReviewData(
        review_id,
        parse_date(held, "--held"),
        chair,
        attendees,
        _inputs(inputs) or {},
        decisions,
        outputs,
    )
    with session(ctx) as active:
        item = _review_item(add_review(active, data))
    if as_json:
        print_json(item)
    else:
        missing = ", ".join(item["missing_inputs"]) or "none"
        say(f"added {item['review_id']}; missing inputs: {missing}")


@reviews_app.command("edit")
@handle_errors
def reviews_edit(
    ctx: typer.Context,
    review_id: Annotated[str, typer.Argument(help="Review id.")],
    held: Annotated[str | None, typer.Option(help="Date held, YYYY-MM-DD.")] = None,
    chair: Annotated[str | None, typer.Option()] = None,
    attendees: Annotated[str | None, typer.Option()] = None,
    inputs: InputOption = None,
    decisions: Annotated[str | None, typer.Option()] = None,
    outputs: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a review; --input notes are merged into the checklist (KEY= removes one).

    Example: crosswalk reviews edit MR-2026-1 --input feedback="Two customer audits, clean"
    """
    from crosswalk.services.isms.reviews import edit_review

    changes = passed(
        chair=chair,
        attendees=attendees,
        inputs=_inputs(inputs),
        decisions=decisions,
        outputs=outputs,
        held_on=parse_date(held, "--held") if held else None,
    )
    with session(ctx) as active:
        changed = edit_review(active, review_id, **changes)
    if as_json:
        print_json({"review_id": review_id, "changed": changed})
    else:
        say(f"{review_id}: {', '.join(changed) or 'nothing changed'}")
