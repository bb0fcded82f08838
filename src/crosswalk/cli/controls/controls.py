"""``crosswalk controls``: the control library, each control defined once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.domain.controls import OperatingStatus
    from crosswalk.domain.frequency import Frequency

app = typer.Typer(
    help="The control library: list, show, add, edit, tag, untag, remove, restore.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FREQUENCY_HELP = (
    "continuous, daily, weekly, monthly, quarterly, semiannual, annual, per change, per hire, "
    "per termination, per incident, per request (common spellings accepted)"
)


def _frequency(text: str | None) -> tuple[Frequency | None, str | None]:
    from crosswalk.cli.output import fail
    from crosswalk.domain.frequency import parse_frequency

    if text is None:
        return None, None
    frequency = parse_frequency(text)
    if frequency is None:
        raise fail(f"--frequency {text!r} is not a frequency: use {FREQUENCY_HELP}")
    return frequency, text


def _status(text: str | None) -> OperatingStatus | None:
    from crosswalk.cli.output import fail
    from crosswalk.domain.controls import parse_status

    if text is None:
        return None
    status = parse_status(text)
    if status is None:
        raise fail(f"--status {text!r}: use 'on paper', 'implemented' or 'operating'")
    return status


@app.command("list")
@listing
@handle_errors
def list_controls(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Owner contains this text.")] = None,
    status: Annotated[str | None, typer.Option(help="on paper, implemented or operating.")] = None,
    framework: Annotated[str | None, typer.Option(help="Tagged to this framework.")] = None,
    unowned: Annotated[bool, typer.Option(help="Only controls without an owner.")] = False,
    retired: Annotated[
        bool, typer.Option("--retired", help="Only retired controls, with when and why.")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the controls in the program with owner, frequency, status, tags and flags.

    Retired controls are left out (they no longer count); --retired lists them instead.

    Example: crosswalk controls list --status "on paper" --json
    """
    from crosswalk.services.controls.controls import control_flags
    from crosswalk.services.controls.controls import list_controls as list_all
    from crosswalk.services.mapping.library import resolve_framework

    framework_id = resolve_framework(library(ctx), framework) if framework else None
    with session(ctx, commit=False) as active:
        controls = list_all(active, owner, _status(status), framework_id, unowned, retired)
        items: list[dict[str, Any]] = [
            {
                "control_id": c.control_id,
                "title": c.title,
                "owner": c.owner,
                "frequency": c.frequency,
                "frequency_text": c.frequency_text,
                "status": c.status,
                "tags": [t.key for t in c.tags],
                "flags": control_flags(c),
                **(
                    {
                        "retired_on": c.retired_on.isoformat() if c.retired_on else None,
                        "retired_reason": c.retired_reason,
                        "retired_by": c.retired_by,
                    }
                    if retired
                    else {}
                ),
            }
            for c in controls
        ]
    if as_json:
        print_json(items)
        return
    if retired:
        print_rows(
            f"Retired controls ({len(items)})",
            ["id", "title", "owner", "retired on", "by", "reason"],
            [
                [
                    i["control_id"],
                    i["title"],
                    i["owner"] or "",
                    i["retired_on"],
                    i["retired_by"] or "",
                    i["retired_reason"] or "",
                ]
                for i in items
            ],
            as_csv=as_csv,
        )
        return
    print_rows(
        f"Controls ({len(items)})",
        ["id", "title", "owner", "frequency", "status", "tags", "flags"],
        [
            [
                i["control_id"],
                i["title"],
                i["owner"] or "",
                i["frequency"] or i["frequency_text"] or "",
                i["status"],
                " ".join(str(t).partition(":")[2] for t in i["tags"]),
                "; ".join(i["flags"]),
            ]
            for i in items
        ],
        as_csv=as_csv,
    )


@app.command("show")
@listing
@handle_errors
def show(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id, e.g. NW-AC-04")],
    as_json: JsonOption = False,
) -> None:
    """Show a control: tags, flags, and its effective frequency with the reason.

    Where tagged requirements (or what they map to) expect a stricter cadence than the
    control's own, the stricter wins and this says which requirement and why.

    Example: crosswalk controls show NW-AC-04
    """
    from crosswalk.services.controls.controls import describe_control

    with session(ctx, commit=False) as active:
        detail = describe_control(active, library(ctx), control_id)
    if as_json:
        print_json(detail)
        return
    out = console()
    out.print(f"{detail.control_id}  {detail.title}", markup=False, style="bold")
    if detail.retired_on is not None:
        out.print(
            f"  retired on {detail.retired_on.isoformat()} by {detail.retired_by}:"
            f" {detail.retired_reason} (out of coverage; history and evidence kept;"
            f" crosswalk controls restore {detail.control_id} brings it back)",
            markup=False,
            style="yellow",
        )
    facts = [
        f"status: {detail.status}",
        f"owner: {detail.owner or '(none)'}",
        f"frequency: {detail.frequency or detail.frequency_text or '(none)'}",
    ]
    out.print("  " + " | ".join(facts), markup=False)
    if detail.description:
        out.print(f"  {detail.description}", markup=False)
    if detail.evidence:
        out.print(f"  evidence: {detail.evidence}", markup=False)
    out.print(f"  effective frequency: {detail.frequency_explanation}", markup=False)
    for flag in detail.flags:
        out.print(f"  flag: {flag}", markup=False, style="yellow")
    print_rows(
        "Tags",
        ["requirement", "title", "coverage"],
        [[t["requirement"], t["title"], t["coverage"]] for t in detail.tags],
    )


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="New control id.")],
    title: Annotated[str, typer.Option(help="Short name.")],
    description: Annotated[str, typer.Option(help="How the control works.")] = "",
    owner: Annotated[str | None, typer.Option(help="Person and role.")] = None,
    frequency: Annotated[str | None, typer.Option(help=FREQUENCY_HELP)] = None,
    status: Annotated[str, typer.Option(help="on paper, implemented or operating.")] = "operating",
    evidence: Annotated[str, typer.Option(help="The evidence it produces.")] = "",
    tag: Annotated[
        list[str] | None,
        typer.Option(help="Requirement to tag (repeatable), e.g. iso27001-2022:A.5.18."),
    ] = None,
    partial: Annotated[bool, typer.Option(help="Tags cover the requirement only partly.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a control.

    Example: crosswalk controls add ISMS-01 --title "ISMS scope" --tag iso27001-2022:4.3
    """
    from crosswalk.domain.controls import Coverage, OperatingStatus
    from crosswalk.services.controls.controls import (
        ControlInput,
        add_control,
        describe_control,
        tag_control,
    )

    lib = library(ctx)
    parsed, written = _frequency(frequency)
    with session(ctx) as active:
        add_control(
            active,
            ControlInput(
                control_id,
                title,
                description,
                owner,
                parsed,
                written,
                _status(status) or OperatingStatus.OPERATING,
                evidence,
            ),
        )
        if tag:
            tag_control(
                active, lib, control_id, tag, Coverage.PARTIAL if partial else Coverage.FULL
            )
        detail = describe_control(active, lib, control_id)
    if as_json:
        print_json(detail)
    else:
        console().print(f"added {control_id}", markup=False)


@app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    title: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears the owner.")] = None,
    frequency: Annotated[str | None, typer.Option(help=FREQUENCY_HELP)] = None,
    status: Annotated[str | None, typer.Option(help="on paper, implemented or operating.")] = None,
    evidence: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of a control; only what you pass changes.

    Example: crosswalk controls edit NW-BCP-02 --status operating --frequency annual
    """
    from crosswalk.services.controls.controls import edit_control

    changes: dict[str, object] = {}
    for name, value in (
        ("title", title),
        ("description", description),
        ("owner", owner),
        ("evidence", evidence),
    ):
        if value is not None:
            changes[name] = value
    if frequency is not None:
        parsed, written = _frequency(frequency)
        changes["frequency"], changes["frequency_text"] = parsed, written
    if status is not None:
        changes["status"] = _status(status)
    with session(ctx) as active:
        changed = edit_control(active, control_id, **changes)
    if as_json:
        print_json({"control_id": control_id, "changed": changed})
    else:
        console().print(f"{control_id}: {', '.join(changed) or 'nothing changed'}", markup=False)


@app.command("tag")
@handle_errors
def tag(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    requirements: Annotated[list[str], typer.Argument(help="FRAMEWORK:REF ... (forgiving).")],
    partial: Annotated[bool, typer.Option(help="The control covers them only partly.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Tag a control to requirements of any framework, fully or partially.

    Example: crosswalk controls tag NW-GOV-02 iso27001-2022:9.3 iso27001-2022:5.1
    """
    from crosswalk.domain.controls import Coverage
    from crosswalk.services.controls.controls import tag_control

    with session(ctx) as active:
        changed = tag_control(
            active,
            library(ctx),
            control_id,
            requirements,
            Coverage.PARTIAL if partial else Coverage.FULL,
        )
    if as_json:
        print_json({"control_id": control_id, "tagged": changed})
    else:
        console().print(f"{control_id}: tagged {', '.join(changed) or 'nothing new'}", markup=False)


@app.command("untag")
@handle_errors
def untag(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    requirements: Annotated[list[str], typer.Argument(help="FRAMEWORK:REF ...")],
    as_json: JsonOption = False,
) -> None:
    """Remove tags from a control.

    Example: crosswalk controls untag NW-AC-04 soc2-tsc-2017:CC6.3
    """
    from crosswalk.services.controls.controls import untag_control

    with session(ctx) as active:
        removed = untag_control(active, library(ctx), control_id, requirements)
    if as_json:
        print_json({"control_id": control_id, "untagged": removed})
    else:
        console().print(f"{control_id}: removed {', '.join(removed) or 'nothing'}", markup=False)


@app.command("remove")
@handle_errors
def remove(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    reason: Annotated[
        str | None, typer.Option(help="Why it is retired (kept in the trail for the auditor).")
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="Retired from this day, YYYY-MM-DD (default today).")
    ] = None,
    delete: Annotated[
        bool,
        typer.Option(
            "--delete",
            help="Delete it outright: only a control created by mistake, with no "
            "evidence, risk, asset or confirmation referring to it.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Take a control out of the program: retire it with a reason, or delete a mistake.

    A retired control drops out of coverage, readiness and the SoA from that day; its tags,
    evidence and audit trail are kept, and a Type 2 window it was part of still tests it up
    to the day it was retired. `controls restore` brings it back.

    Example: crosswalk controls remove NW-AC-04 --reason "passwords replaced by SSO (NW-AC-02)"
    """
    from datetime import date

    from crosswalk.cli.output import fail
    from crosswalk.services.controls.retirement import delete_control, retire_control

    if delete:
        if reason is not None or on is not None:
            raise fail("--delete removes the control and its trail entry; --reason/--on retire")
        with session(ctx) as active:
            deleted = delete_control(active, control_id)
        if as_json:
            print_json({"control_id": deleted, "deleted": True})
        else:
            console().print(f"deleted {deleted}", markup=False)
        return
    if reason is None:
        raise fail(
            f"say why {control_id} is retired: --reason '...' (or --delete for a control"
            " created by mistake)"
        )
    try:
        day = date.fromisoformat(on) if on is not None else None
    except ValueError:
        raise fail(f"--on {on!r} is not a date: use YYYY-MM-DD") from None
    with session(ctx) as active:
        done = retire_control(active, control_id, reason, day)
    if as_json:
        print_json(done)
    else:
        console().print(
            f"retired {done.control_id} on {done.retired_on.isoformat()}: {done.reason}."
            " It no longer counts toward coverage; its history and evidence are kept.",
            markup=False,
        )


@app.command("restore")
@handle_errors
def restore(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(help="Control id.")],
    as_json: JsonOption = False,
) -> None:
    """Bring a retired control back into the program (and coverage).

    Example: crosswalk controls restore NW-AC-04
    """
    from crosswalk.services.controls.retirement import restore_control

    with session(ctx) as active:
        undone = restore_control(active, control_id)
    if as_json:
        print_json({"control_id": undone.control_id, "restored": True})
    else:
        console().print(
            f"restored {undone.control_id} (retired since {undone.retired_on.isoformat()})",
            markup=False,
        )
