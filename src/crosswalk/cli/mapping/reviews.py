"""Keeping the crosswalk current: owners confirm it, mapping sets are reviewed, and changes
raise flags. ``confirmations``, ``confirm``, ``flags`` and ``mappings review|owner``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session, workspace_root
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
    from crosswalk.services.controls.confirmations import ConfirmationState, State
    from crosswalk.services.mapping.flags import ReviewFlag
    from crosswalk.services.mapping.reviews import MappingReview

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ByOption = Annotated[str, typer.Option("--by", help="Who did it (name and role).")]
OnOption = Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default: today).")]
NoteOption = Annotated[str, typer.Option("--note", help="A line saying what was checked.")]
STATES = ("unconfirmed", "stale", "flagged", "expired", "confirmed")

flags_app = typer.Typer(
    help="Review flags raised when something changed under the crosswalk: list and clear.",
    invoke_without_command=True,
)


def register(mappings_app: typer.Typer, root_app: typer.Typer) -> None:
    root_app.command("confirmations")(confirmations)
    root_app.command("confirm")(confirm)
    root_app.add_typer(flags_app, name="flags")
    mappings_app.command("review")(review)
    mappings_app.command("owner")(owner)


def _day(text: str | None, option: str) -> date:
    return parse_date(text, option) if text else date.today()


def _say(text: str) -> None:
    console().print(text, markup=False)


def _states(given: list[str] | None) -> list[State]:
    from crosswalk.services.controls.confirmations import NEEDS_REVIEW, State

    if not given:
        return list(NEEDS_REVIEW)
    if "all" in given:
        return list(State)
    unknown = [g for g in given if g not in STATES]
    if unknown:
        raise fail(f"--state {unknown[0]!r}: use {', '.join(STATES)} or all")
    return [State(g) for g in given]


@handle_errors
def confirmations(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Control owner contains this text.")] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(help=f"{', '.join(STATES)} or all (repeatable; default: all but confirmed)."),
    ] = None,
    control: Annotated[str | None, typer.Option(help="Only this control.")] = None,
    cadence_days: Annotated[
        int, typer.Option(help="A confirmation expires after this many days.")
    ] = 365,
    tags_only: Annotated[
        bool, typer.Option("--tags-only", help="Leave out the edges each tag travels.")
    ] = False,
    check: Annotated[
        bool, typer.Option(help="Exit 1 when anything listed needs its owner (for CI gates).")
    ] = False,
    likely: Annotated[
        bool,
        typer.Option(
            "--likely",
            help="The confirmation round instead: ISO requirements the gap analysis calls "
            "likely covered, with the controls whose owner should confirm them.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List control tags, and the edges they travel, that their owners have not confirmed,
    or whose confirmation is stale (the description, coverage or edge changed since),
    flagged for review, or older than the cadence.

    With --likely, the confirmation round: what each owner should confirm so that "likely
    covered" becomes covered (or partial, with what is missing).

    Example: crosswalk confirmations --owner Dana --state stale --json

    Example: crosswalk confirmations --likely --owner "Dana Ortiz"
    """
    from crosswalk.services.controls.confirmations import confirmation_status, filter_states

    if likely:
        _likely_round(ctx, owner, as_json, check)
        return

    wanted = _states(state)
    with session(ctx, commit=False) as active:
        if control is not None:
            from crosswalk.services.controls.controls import get_control

            get_control(active, control)  # an unknown id is bad input, with suggestions
        states = confirmation_status(
            active, library(ctx), date.today(), cadence_days, edges=not tags_only
        )
    listed = filter_states(states, owner, wanted, control)
    if as_json:
        print_json(listed)
    else:
        _print_states(listed)
    if check and any(s.state != "confirmed" for s in listed):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


def _likely_round(ctx: typer.Context, owner: str | None, as_json: bool, check: bool) -> None:
    from crosswalk.services.coverage.gap import run_gap
    from crosswalk.services.coverage.rounds import owner_rounds

    with session(ctx, commit=False) as active:
        report = run_gap(active, library(ctx), workspace_root=workspace_root(ctx))
    rounds = [r for r in owner_rounds(report) if owner is None or owner.lower() in r.owner.lower()]
    if as_json:
        print_json(rounds)
    elif not rounds:
        _say("nothing likely to confirm" + (f" for {owner}" if owner else ""))
    for each in [] if as_json else rounds:
        print_rows(
            f"{each.owner}: {len(each.items)} to confirm ({', '.join(each.controls)})",
            ["ISO ref", "title", "through", "strength", "your controls", "confirm with"],
            [
                [
                    item.ref,
                    item.title,
                    f"{item.criterion} ({item.relationship})",
                    "" if item.strength is None else item.strength,
                    ", ".join(c.control_id for c in item.candidates),
                    item.command,
                ]
                for item in each.items
            ],
        )
    if check and rounds:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


def _edge_label(state: ConfirmationState) -> str:
    """``-> iso27001-2022:A.8.32 (superset_of, soc2-to-iso27001-2022)``: the edge's far end."""
    if not state.edge:
        return ""
    set_id, _, ends = state.edge.partition(":")
    source, _, target = ends.partition("->")
    far = target if source == state.requirement else source
    return f"-> {far} ({state.relationship}, {set_id})"


def _print_states(listed: list[ConfirmationState]) -> None:
    if not listed:
        _say("nothing to confirm: every tag listed is confirmed")
        return
    print_rows(
        f"Confirmations ({len(listed)})",
        ["control", "owner", "tag", "edge", "state", "why", "flags"],
        [
            [
                s.control_id,
                s.owner or "",
                s.requirement,
                _edge_label(s),
                s.state,
                s.why,
                "; ".join(s.flags),
            ]
            for s in listed
        ],
    )


@handle_errors
def confirm(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    requirement: Annotated[
        str | None,
        typer.Argument(
            help="One tag, e.g. soc2-tsc-2017:CC8.1 (default: every tag); with --full or "
            "--partial, the requirement the control meets, e.g. A.8.32."
        ),
    ] = None,
    by: ByOption = "",
    on: OnOption = None,
    note: NoteOption = "",
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="The control meets REQUIREMENT fully (a likely item becomes covered)."
        ),
    ] = False,
    partial: Annotated[
        str | None,
        typer.Option(
            "--partial",
            metavar="WHAT_IS_MISSING",
            help="The control meets REQUIREMENT only partly; say what is missing.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Confirm that a control's tag (or every tag) and the edges it travels into other
    frameworks describe how the work is really done. Clears open flags on those tags.

    With --full or --partial the owner confirms the control against a requirement itself,
    typically an ISO control the gap analysis calls "likely covered": --full makes it
    covered, --partial "what is missing" keeps it partial and quotes the missing part.

    Example: crosswalk confirm NW-CM-01 soc2-tsc-2017:CC8.1 --by "Dana Lee (CTO)"

    Example: crosswalk confirm NW-CHG-01 A.8.32 --full --by "Dana Lee (CTO)"
    """
    from crosswalk.domain.controls import Coverage
    from crosswalk.services.controls.confirmations import confirm as confirm_tags
    from crosswalk.services.controls.controls import get_control

    if not by.strip():
        raise fail("say who confirms: --by NAME")
    if full and partial is not None:
        raise fail("give --full or --partial, not both")
    meets = Coverage.FULL if full else (Coverage.PARTIAL if partial is not None else None)
    if partial is not None:
        note = partial
    day = _day(on, "--on")
    with session(ctx) as active:
        rows = confirm_tags(
            active, library(ctx), control_id, requirement, by=by, on=day, note=note, meets=meets
        )
        control_owner = get_control(active, control_id).owner
    tags = [r.requirement for r in rows if not r.edge]
    edges = [r.edge for r in rows if r.edge]
    by_owner = bool(control_owner) and (
        by.strip().lower() in (control_owner or "").lower()
        or (control_owner or "").lower() in by.strip().lower()
    )
    if as_json:
        print_json(
            {
                "control_id": control_id,
                "owner": control_owner,
                "confirmed_by": by.strip(),
                "confirmed_on": day,
                "by_owner": by_owner,
                "tags": tags,
                "edges": edges,
                "meets": None if meets is None else str(meets),
                "missing": note.strip() if meets is Coverage.PARTIAL else None,
            }
        )
        return
    if meets is not None:
        _say(
            f"{control_id}: confirmed it meets {tags[0]} {meets}"
            + (f" (missing: {note.strip()})" if meets is Coverage.PARTIAL else "")
            + f", by {by.strip()} on {day}; the gap analysis counts it directly"
        )
    else:
        _say(
            f"{control_id}: confirmed {len(tags)} tag(s) and {len(edges)} edge(s) "
            f"by {by.strip()} on {day}"
        )
    if not by_owner:
        _say(f"  note: the control's owner is {control_owner or '(none)'}")


def _flag_item(row: ReviewFlag) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.subject_kind,
        "subject": row.subject,
        "trigger": row.trigger,
        "reason": row.reason,
        "raised_on": row.raised_on,
        "cleared_by": row.cleared_by,
        "cleared_on": row.cleared_on,
    }


@flags_app.callback()
@listing
@handle_errors
def flags(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Open review flags: tags, edges and mapping sets to look at because something changed
    (an asset joined the ISMS scope, a control's description changed, a new framework
    version was installed). Re-confirming a tag or reviewing a mapping set clears its flags.

    Example: crosswalk flags --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crosswalk.services.mapping.flags import open_flags

    with session(ctx, commit=False) as active:
        items = [_flag_item(row) for row in open_flags(active)]
    if as_json:
        print_json(items)
        return
    if not items:
        _say("no open flags")
        return
    print_rows(
        f"Open flags ({len(items)})",
        ["id", "kind", "subject", "trigger", "raised", "reason"],
        [
            [i["id"], i["kind"], i["subject"], i["trigger"], i["raised_on"], i["reason"]]
            for i in items
        ],
    )


@flags_app.command("clear")
@handle_errors
def clear(
    ctx: typer.Context,
    flag_id: Annotated[int, typer.Argument(help="Flag id, from `crosswalk flags`.")],
    by: ByOption = "",
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clear one open flag: you looked, and the mapping still holds.

    Example: crosswalk flags clear 3 --by "Dana Lee (CTO)"
    """
    from crosswalk.services.mapping.flags import clear_flag

    if not by.strip():
        raise fail("say who clears the flag: --by NAME")
    with session(ctx) as active:
        item = _flag_item(clear_flag(active, flag_id, by, _day(on, "--on")))
    if as_json:
        print_json(item)
    else:
        _say(f"cleared flag #{flag_id} ({item['kind']} {item['subject']})")


def _review_item(row: MappingReview, cleared: list[int] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "mapping_set": row.mapping_set,
        "owner": row.owner,
        "cadence_days": row.cadence_days,
        "reviewed_by": row.reviewed_by,
        "reviewed_on": row.reviewed_on,
        "note": row.note,
    }
    if cleared is not None:
        item["cleared_flags"] = cleared
    return item


@listing
@handle_errors
def review(
    ctx: typer.Context,
    mapping_set: Annotated[
        str | None, typer.Argument(help="Record a review of this set (default: list what is due).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who reviewed the set.")] = None,
    on: OnOption = None,
    note: NoteOption = "",
    show_all: Annotated[
        bool, typer.Option("--all", help="List every set with its owner and last review.")
    ] = False,
    check: Annotated[
        bool, typer.Option(help="Exit 1 when any set or edge is due (for CI gates).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List mapping sets due for review (never reviewed, past their cadence, or flagged) and
    flagged edges; with a SET, record its review and clear the flags on it and its edges.

    Example: crosswalk mappings review soc2-to-iso27001-2022 --by "Ana (GRC)" --note "checked CC6"
    """
    from crosswalk.services.mapping.library import resolve_mapping_set
    from crosswalk.services.mapping.reviews import (
        mapping_review_status,
        mapping_reviews_due,
        record_review,
    )

    lib = library(ctx)
    if mapping_set is not None:
        if not (by or "").strip():
            raise fail("say who reviewed the set: --by NAME")
        set_id = resolve_mapping_set(lib, mapping_set)
        with session(ctx) as active:
            recorded = record_review(active, set_id, by or "", _day(on, "--on"), note)
            item = _review_item(recorded.review, recorded.cleared_flags)
        if as_json:
            print_json(item)
        else:
            cleared = len(item["cleared_flags"])
            _say(f"reviewed {set_id} by {item['reviewed_by']} on {item['reviewed_on']}")
            if cleared:
                _say(f"  cleared {cleared} flag(s)")
        return
    today = date.today()
    with session(ctx, commit=False) as active:
        if show_all:
            statuses = mapping_review_status(active, lib, today)
            if as_json:
                print_json(statuses)
            else:
                print_rows(
                    f"Mapping sets ({len(statuses)})",
                    ["set", "owner", "cadence", "last reviewed", "due on", "due", "why"],
                    [
                        [
                            s.mapping_set,
                            s.owner or "(none)",
                            f"{s.cadence_days} days",
                            f"{s.last_reviewed_on} by {s.last_reviewed_by}"
                            if s.last_reviewed_on
                            else "never",
                            s.due_on or "now",
                            "yes" if s.due else "no",
                            "; ".join(s.reasons),
                        ]
                        for s in statuses
                    ],
                )
            due_any = any(s.due for s in statuses)
        else:
            due = mapping_reviews_due(active, lib, today)
            if as_json:
                print_json(due)
            elif due:
                print_rows(
                    f"Due for review ({len(due)})",
                    ["kind", "subject", "owner", "last reviewed", "why"],
                    [
                        [
                            d.kind,
                            d.subject,
                            d.owner or "(none)",
                            d.last_reviewed_on or "never",
                            "; ".join(d.reasons),
                        ]
                        for d in due
                    ],
                )
            else:
                _say("no mapping set or edge is due for review")
            due_any = bool(due)
    if check and due_any:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@handle_errors
def owner(
    ctx: typer.Context,
    mapping_set: Annotated[str, typer.Argument(help="Mapping set id.")],
    owner_name: Annotated[str, typer.Option("--owner", help="Who owns the set.")],
    cadence_days: Annotated[
        int, typer.Option("--cadence-days", help="Review it every N days.")
    ] = 365,
    as_json: JsonOption = False,
) -> None:
    """Name a mapping set's owner and how often it must be reviewed.

    Example: crosswalk mappings owner soc2-to-iso27001-2022 --owner "Ana (GRC)" --cadence-days 180
    """
    from crosswalk.services.mapping.library import resolve_mapping_set
    from crosswalk.services.mapping.reviews import set_mapping_owner

    set_id = resolve_mapping_set(library(ctx), mapping_set)
    with session(ctx) as active:
        item = _review_item(set_mapping_owner(active, set_id, owner_name, cadence_days))
    if as_json:
        print_json(item)
    else:
        _say(f"{set_id}: owned by {item['owner']}, reviewed every {item['cadence_days']} days")
