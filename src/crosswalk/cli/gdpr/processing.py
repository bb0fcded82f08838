"""``crosswalk processing`` (records of processing, Art. 30, with DPIA screening) and
``crosswalk subject-requests`` (Art. 12, 15-22)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.isms.common import JsonOption, optional_date, passed, plain, say
from crosswalk.cli.output import ExitCode, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.gdpr.requests import SubjectRequest

app = typer.Typer(
    help="Records of processing activities (Art. 30) on the asset inventory, flagged gaps, "
    "DPIA screening (Art. 35), XLSX import and export.",
    no_args_is_help=True,
)
requests_app = typer.Typer(
    help="Data-subject requests (Art. 15-22): due a month from receipt (Art. 12(3)).",
    no_args_is_help=True,
)
ListText = Annotated[str | None, typer.Option(help="Comma-separated; '' clears it.")]
Text = Annotated[str | None, typer.Option()]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="processing")
    root.add_typer(requests_app, name="subject-requests")


def _split(text: str) -> list[str]:
    from crosswalk.domain.gdpr import split_list

    return split_list(text)


def _yes_no(text: str) -> bool:
    from crosswalk.cli.output import fail

    value = text.strip().lower()
    if value in ("yes", "y", "true"):
        return True
    if value in ("no", "n", "false", ""):
        return False
    raise fail(f"--processor-agreement: {text!r}: use yes or no")


@app.command("list")
@listing
@handle_errors
def processing_list(
    ctx: typer.Context,
    flagged: Annotated[bool, typer.Option(help="Only activities with something to fix.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List processing activities with their systems, DPIA screening and flags; exits 1 when
    any is flagged (an asset without owner or outside the ISMS scope, a missing basis, ...).

    Example: crosswalk processing list --flagged
    """
    from crosswalk.services.gdpr.activities import list_activities

    with session(ctx, commit=False) as active:
        items = list_activities(active, flagged)
    if as_json:
        print_json(items)
    else:
        print_rows(
            f"Processing activities ({len(items)})",
            ["id", "name", "role", "lawful basis", "systems", "DPIA", "flags"],
            [
                [
                    a.activity_id,
                    a.name,
                    a.role,
                    a.lawful_basis or "",
                    ", ".join(a.assets),
                    a.dpia,
                    "; ".join(a.flags),
                ]
                for a in items
            ],
        )
    if any(a.flags for a in items):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("show")
@handle_errors
def processing_show(
    ctx: typer.Context,
    activity_id: Annotated[str, typer.Argument(help="Activity id.")],
    as_json: JsonOption = False,
) -> None:
    """Show an activity: its Art. 30 fields, systems, DPIA screening with reasons, flags.

    Example: crosswalk processing show PA-1
    """
    from crosswalk.services.gdpr.activities import get_activity

    with session(ctx, commit=False) as active:
        item = plain(get_activity(active, activity_id))
    if as_json:
        print_json(item)
        return
    for key, value in item.items():
        items = value
        if key == "systems":
            items = [
                f"{s['asset_id']} ({s['owner'] or 'no owner'}"
                f"{'' if s['in_isms_scope'] else ', outside ISMS scope'})"
                for s in value
            ]
        shown = "; ".join(str(v) for v in items) if isinstance(items, list) else items
        say(f"{key}: {shown if shown not in (None, '') else '-'}")


def _activity_changes(**given: Any) -> dict[str, Any]:
    changes = passed(**given)
    for name in ("special_categories", "processors", "transfers", "assets", "controls"):
        if name in changes:
            changes[name] = _split(changes[name])
    for name in ("dpia_criteria", "dpia_risks"):
        if name in changes:
            changes[name] = _split(changes[name])
    for name in ("lawful_basis", "art9_condition", "transfer_safeguard", "owner"):
        if name in changes:
            changes[name] = changes[name].strip() or None
    if "processor_agreement" in changes:
        changes["processor_agreement"] = _yes_no(changes["processor_agreement"])
    return changes


@app.command("add")
@handle_errors
def processing_add(
    ctx: typer.Context,
    activity_id: Annotated[str, typer.Argument(help="New activity id.")],
    name: Annotated[str, typer.Option(help="Name of the processing.")],
    role: Annotated[str, typer.Option(help="controller, processor or joint controller.")] = (
        "controller"
    ),
    controller: Text = None,
    purpose: Text = None,
    subject_categories: Text = None,
    data_categories: Text = None,
    special_categories: ListText = None,
    lawful_basis: Annotated[
        str | None,
        typer.Option(
            help="consent, contract, legal obligation, vital interests, public task "
            "or legitimate interests."
        ),
    ] = None,
    art9_condition: Annotated[str | None, typer.Option(help="Art. 9(2) letter a-j.")] = None,
    recipients: Text = None,
    processors: ListText = None,
    processor_agreement: Annotated[str | None, typer.Option(help="yes or no (Art. 28).")] = None,
    transfers: Annotated[str | None, typer.Option(help="Third countries, comma-separated.")] = None,
    transfer_safeguard: Annotated[
        str | None, typer.Option(help="adequacy, sccs, bcrs, code or certification, derogation.")
    ] = None,
    retention: Text = None,
    assets: Annotated[str | None, typer.Option(help="Asset ids holding the data.")] = None,
    controls: Annotated[str | None, typer.Option(help="Control ids securing it.")] = None,
    security_measures: Text = None,
    owner: Text = None,
    dpia_criteria: Annotated[
        str | None, typer.Option(help="DPIA screening answers met (see `processing show`).")
    ] = None,
    dpia_risks: Annotated[str | None, typer.Option(help="Risk ids of its DPIA.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a processing activity on the asset inventory.

    Example: crosswalk processing add PA-1 --name "Payroll" --lawful-basis "legal obligation"
    --assets hr-system --retention "10 years"
    """
    from crosswalk.services.gdpr.activities import ActivityInput, add_activity

    changes = _activity_changes(
        role=role,
        controller=controller,
        purpose=purpose,
        subject_categories=subject_categories,
        data_categories=data_categories,
        special_categories=special_categories,
        lawful_basis=lawful_basis,
        art9_condition=art9_condition,
        recipients=recipients,
        processors=processors,
        processor_agreement=processor_agreement,
        transfers=transfers,
        transfer_safeguard=transfer_safeguard,
        retention=retention,
        assets=assets,
        controls=controls,
        security_measures=security_measures,
        owner=owner,
        dpia_criteria=dpia_criteria,
        dpia_risks=dpia_risks,
    )
    with session(ctx) as active:
        item = add_activity(active, ActivityInput(activity_id, name, **changes))
    if as_json:
        print_json(item)
    else:
        flags = f"; flags: {'; '.join(item.flags)}" if item.flags else ""
        say(f"added {item.activity_id} ({item.dpia}){flags}")


@app.command("edit")
@handle_errors
def processing_edit(
    ctx: typer.Context,
    activity_id: Annotated[str, typer.Argument(help="Activity id.")],
    name: Text = None,
    role: Text = None,
    controller: Text = None,
    purpose: Text = None,
    subject_categories: Text = None,
    data_categories: Text = None,
    special_categories: ListText = None,
    lawful_basis: Text = None,
    art9_condition: Text = None,
    recipients: Text = None,
    processors: ListText = None,
    processor_agreement: Annotated[str | None, typer.Option(help="yes or no.")] = None,
    transfers: ListText = None,
    transfer_safeguard: Text = None,
    retention: Text = None,
    assets: ListText = None,
    controls: ListText = None,
    security_measures: Text = None,
    owner: Text = None,
    dpia_criteria: ListText = None,
    dpia_completed: Annotated[str | None, typer.Option(help="YYYY-MM-DD; '' clears it.")] = None,
    dpia_risks: ListText = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of an activity; only what you pass changes.

    Example: crosswalk processing edit PA-1 --transfers US --transfer-safeguard sccs
    """
    from crosswalk.services.gdpr.activities import edit_activity

    changes = _activity_changes(
        name=name,
        role=role,
        controller=controller,
        purpose=purpose,
        subject_categories=subject_categories,
        data_categories=data_categories,
        special_categories=special_categories,
        lawful_basis=lawful_basis,
        art9_condition=art9_condition,
        recipients=recipients,
        processors=processors,
        processor_agreement=processor_agreement,
        transfers=transfers,
        transfer_safeguard=transfer_safeguard,
        retention=retention,
        assets=assets,
        controls=controls,
        security_measures=security_measures,
        owner=owner,
        dpia_criteria=dpia_criteria,
        dpia_risks=dpia_risks,
    )
    if dpia_completed is not None:
        changes["dpia_completed_on"] = optional_date(dpia_completed, "--dpia-completed")
    with session(ctx) as active:
        changed = edit_activity(active, activity_id, **changes)
    if as_json:
        print_json({"activity_id": activity_id, "changed": changed})
    else:
        say(f"{activity_id}: {', '.join(changed) or 'nothing changed'}")


@app.command("export")
@handle_errors
def processing_export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="XLSX file to write.")],
    as_json: JsonOption = False,
) -> None:
    """Write the record of processing activities as one XLSX sheet, the Art. 30(1) fields as
    columns.

    Example: crosswalk processing export ropa.xlsx
    """
    from crosswalk.services.gdpr.ropa import export_activities_xlsx

    with session(ctx, commit=False) as active:
        count = export_activities_xlsx(active, output)
    if as_json:
        print_json({"file": str(output), "activities": count})
    else:
        say(f"wrote {count} activities to {output}")


@app.command("import")
@handle_errors
def processing_import(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="XLSX file in the `processing export` layout.")],
    as_json: JsonOption = False,
) -> None:
    """Create or replace activities from an XLSX sheet, all or nothing: a bad row is named
    (file, row, field) and nothing changes.

    Example: crosswalk processing import ropa.xlsx
    """
    from crosswalk.services.gdpr.ropa import import_activities_xlsx

    with session(ctx) as active:
        written = import_activities_xlsx(active, source)
    if as_json:
        print_json({"file": str(source), "activities": written})
    else:
        say(f"imported {len(written)} activities from {source}")


# --- data-subject requests -----------------------------------------------------------------


def _request_row(r: SubjectRequest) -> list[Any]:
    return [
        r.request_id,
        r.article,
        r.received_on,
        r.identity_verified_on or "",
        r.due_on,
        r.state + (f" ({r.days_overdue} d)" if r.days_overdue else ""),
        r.extension_reason,
        r.done_on or "",
    ]


@requests_app.command("list")
@listing
@handle_errors
def requests_list(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option(help="Only open ones past their due date.")] = False,
    state: Annotated[str | None, typer.Option(help="open, overdue or done.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List data-subject requests with their due dates; exits 1 when any is overdue.

    Example: crosswalk subject-requests list --overdue
    """
    from crosswalk.services.gdpr.requests import list_requests, overdue_requests

    with session(ctx, commit=False) as active:
        items = overdue_requests(active) if overdue else list_requests(active, state)
    if as_json:
        print_json(items)
    else:
        print_rows(
            f"Data-subject requests ({len(items)})",
            ["id", "type", "received", "identity verified", "due", "state", "extended", "done"],
            [_request_row(r) for r in items],
        )
    if any(r.state == "overdue" for r in items):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@requests_app.command("add")
@handle_errors
def requests_add(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="New request id.")],
    kind: Annotated[
        str,
        typer.Option(
            help="access, rectification, erasure, restriction, portability, "
            "objection or automated decision."
        ),
    ],
    received: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    verified: Annotated[str | None, typer.Option(help="Identity verified on.")] = None,
    activity: Annotated[str, typer.Option(help="Processing activity id.")] = "",
    owner: Text = None,
    notes: Annotated[str, typer.Option()] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a data-subject request; it is due a month from receipt.

    Example: crosswalk subject-requests add DSR-1 --kind access --received 2026-11-02
    """
    from crosswalk.cli.output import parse_date
    from crosswalk.services.gdpr.requests import RequestInput, add_request

    data = RequestInput(
        request_id,
        kind,
        parse_date(received, "--received"),
        optional_date(verified, "--verified"),
        activity_id=activity,
        owner=owner,
        notes=notes,
    )
    with session(ctx) as active:
        item = add_request(active, data)
    if as_json:
        print_json(item)
    else:
        say(f"added {item.request_id} ({item.article}), due {item.due_on}")


@requests_app.command("edit")
@handle_errors
def requests_edit(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    verified: Annotated[str | None, typer.Option(help="YYYY-MM-DD; '' clears it.")] = None,
    done: Annotated[str | None, typer.Option(help="Answered on, YYYY-MM-DD.")] = None,
    kind: Text = None,
    activity: Text = None,
    owner: Text = None,
    notes: Text = None,
    as_json: JsonOption = False,
) -> None:
    """Change a request: identity verified, answered, notes; only what you pass changes.

    Example: crosswalk subject-requests edit DSR-1 --verified 2026-11-03 --done 2026-11-20
    """
    from crosswalk.services.gdpr.requests import edit_request

    changes = passed(kind=kind, activity_id=activity, owner=owner, notes=notes)
    if verified is not None:
        changes["identity_verified_on"] = optional_date(verified, "--verified")
    if done is not None:
        changes["done_on"] = optional_date(done, "--done")
    with session(ctx) as active:
        changed = edit_request(active, request_id, **changes)
    if as_json:
        print_json({"request_id": request_id, "changed": changed})
    else:
        say(f"{request_id}: {', '.join(changed) or 'nothing changed'}")


@requests_app.command("extend")
@handle_errors
def requests_extend(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    reason: Annotated[str, typer.Option(help="Why two more months are needed (Art. 12(3)).")],
    as_json: JsonOption = False,
) -> None:
    """Extend a request by two months, once, with the reason the requester is told.

    Example: crosswalk subject-requests extend DSR-1 --reason "Archived mail must be searched"
    """
    from crosswalk.services.gdpr.requests import extend_request

    with session(ctx) as active:
        item = extend_request(active, request_id, reason)
    if as_json:
        print_json(item)
    else:
        say(f"extended {request_id}: due {item.due_on}")
