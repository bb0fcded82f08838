"""``crosswalk ai`` obligations, their follow-up, deadlines, the date setting, ISMS coverage
and the AI register report (the same command group as ``ai``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from crosswalk.cli.ai.ai import JsonOption, app, notice
from crosswalk.cli.context import library, session, workspace_root
from crosswalk.cli.output import (
    ReportFormat,
    console,
    emit_report,
    fail,
    handle_errors,
    listing,
    parse_date,
    print_json,
    print_rows,
)


def attach() -> None:
    """Importing this module adds its commands to ``app``; this names that on purpose."""


def _obligation_rows(items: Any) -> list[list[Any]]:
    return [
        [
            o.system_id,
            o.role.value,
            o.ref,
            o.obligation.title,
            o.obligation.dates.original_text,
            o.obligation.dates.amended_text,
            o.obligation.dates.effective.isoformat() if o.obligation.dates.effective else "",
            o.status,
            o.owner or "",
            o.due.isoformat() if o.due else "",
        ]
        for o in items
    ]


OBLIGATION_HEADERS = [
    "system",
    "role",
    "ref",
    "obligation",
    "original date",
    "amended date",
    "applies from",
    "status",
    "owner",
    "due",
]


@app.command("obligations")
@listing
@handle_errors
def obligations(
    ctx: typer.Context,
    system_id: Annotated[
        str | None, typer.Argument(help="AI system id; all systems when left out.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The obligations each system brings, by role and tier, with the original and amended
    dates side by side, the one in force for the deadline, and their follow-up.

    Example: crosswalk ai obligations cv-screening
    """
    from crosswalk.services.ai.obligations import all_obligations, system_obligations

    lib = library(ctx)
    with session(ctx, commit=False) as active:
        views = (
            [system_obligations(active, lib, system_id)]
            if system_id
            else all_obligations(active, lib)
        )
    if as_json:
        print_json(views)
        return
    items = [o for v in views for o in v.obligations]
    print_rows(f"AI Act obligations ({len(items)})", OBLIGATION_HEADERS, _obligation_rows(items))
    out = console(stderr=True)
    if views:
        out.print(f"dates in force: {views[0].basis}", markup=False)
        statuses = {o.obligation.dates.amendment_status for o in items}
        for status in sorted(statuses):
            out.print(f"amended dates: {status}", markup=False)
    for v in views:
        if v.system.classification is None:
            out.print(f"{v.system.system_id}: not classified yet", markup=False)
        for note in v.role_notes:
            out.print(f"{v.system.system_id}: {note}", markup=False)
        for flag in v.system.flags:
            out.print(f"{v.system.system_id}: flag: {flag}", markup=False, style="yellow")
    notice()


@app.command("obligation")
@handle_errors
def obligation(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(help="AI system id.")],
    ref: Annotated[str, typer.Argument(help="Obligation ref, e.g. 'Art. 9'.")],
    role: Annotated[
        str | None, typer.Option(help="The role, when the system holds it in several.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="not-started, in-progress or met.")] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; '' clears it.")] = None,
    evidence: Annotated[
        list[int] | None, typer.Option(help="Evidence id that shows it is met (repeatable).")
    ] = None,
    note: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Record the follow-up of one obligation: status, owner, due date, evidence.

    Example: crosswalk ai obligation cv-screening "Art. 9" --status in-progress --owner Ana
    """
    from crosswalk.services.ai.obligations import update_obligation

    due_date: date | None = parse_date(due, "--due") if due else None
    with session(ctx) as active:
        got = update_obligation(
            active,
            library(ctx),
            system_id,
            ref,
            role=role,
            status=status,
            owner=owner,
            due=due_date,
            clear_due=due is not None and not due.strip(),
            evidence=evidence,
            note=note,
        )
    if as_json:
        print_json(got)
        return
    console().print(
        f"{got.system_id} {got.role.value} {got.ref}: {got.status}"
        f"{', owner ' + got.owner if got.owner else ''}"
        f"{', due ' + got.due.isoformat() if got.due else ''}",
        markup=False,
    )


@app.command("deadlines")
@listing
@handle_errors
def deadlines_command(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(help="How far ahead to look.")] = 12,
    today: Annotated[str | None, typer.Option(help="Count from this date (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """What becomes applicable in the next 12 months across all AI systems, soonest first.

    Example: crosswalk ai deadlines --months 6
    """
    from crosswalk.services.ai.obligations import deadlines

    when = parse_date(today, "--today") if today else None
    with session(ctx, commit=False) as active:
        view = deadlines(active, library(ctx), when, months)
    if as_json:
        print_json(view)
        return
    print_rows(
        f"Applicable from {view.today} to {view.until_months} months later ({len(view.deadlines)})",
        ["applies from", "system", "role", "ref", "obligation", "original", "amended", "status"],
        [
            [
                d.applies_on.isoformat(),
                d.system_id,
                d.role.value,
                d.ref,
                d.title,
                d.original,
                d.amended,
                d.status,
            ]
            for d in view.deadlines
        ],
    )
    console(stderr=True).print(f"dates in force: {view.basis}", markup=False)
    notice()


@app.command("dates")
@handle_errors
def dates(
    ctx: typer.Context,
    basis: Annotated[
        str | None,
        typer.Argument(help="amended, original, or default; leave out to show the setting."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which date deadlines use: the amended (Digital Omnibus) one or the original one.

    The default uses the amended date where the catalog marks the amendment adopted.

    Example: crosswalk ai dates original
    """
    from crosswalk.services.ai.obligations import basis_label, date_basis, set_date_basis

    with session(ctx, commit=basis is not None) as active:
        chosen = set_date_basis(active, basis) if basis is not None else date_basis(active)
    if as_json:
        print_json({"ai_act_dates": chosen.value if chosen else "default"})
        return
    console().print(f"AI Act dates: {basis_label(chosen)}", markup=False)


@app.command("coverage")
@listing
@handle_errors
def coverage(
    ctx: typer.Context,
    system_id: Annotated[
        str | None, typer.Argument(help="AI system id; all systems when left out.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """How far the ISMS carries each applicable obligation: the ISO 27001 requirements it
    intersects with (shipped AI Act -> ISO set), each with the gap analysis's verdict for this
    workspace; obligations no ISO control carries are listed as AI-specific work.

    Example: crosswalk ai coverage cv-screening
    """
    from crosswalk.services.ai.coverage import ai_coverage

    with session(ctx, commit=False) as active:
        found = ai_coverage(active, library(ctx), system_id, workspace_root=workspace_root(ctx))
    if as_json:
        print_json(found)
        return
    print_rows(
        f"ISMS coverage of AI Act obligations ({len(found.obligations)})",
        ["system", "role", "ref", "ISMS carries it", "ISO 27001 (gap verdict)", "explanation"],
        [
            [
                o.system_id,
                o.role,
                o.ref,
                o.carried,
                ", ".join(f"{s.iso_ref} {s.verdict}" for s in o.supports if not s.weak),
                o.explanation,
            ]
            for o in found.obligations
        ],
    )
    out = console(stderr=True)
    out.print(f"{len(found.ai_specific)} obligations are AI-specific work", markup=False)
    if found.evidence_rule:
        out.print(f"gap rule: {found.evidence_rule}", markup=False)
    notice()


@app.command("register")
@handle_errors
def register_command(
    ctx: typer.Context,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="xlsx, html or json (also read from -o's suffix)."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Register file.")] = None,
    today: Annotated[str | None, typer.Option(help="Count deadlines from (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the AI register: systems, tiers with reasons, obligations with both dates,
    ISMS coverage, AI-specific work and the next 12 months.

    Example: crosswalk ai register -o ai-register.xlsx
    """
    from crosswalk.reports.ai_report import FORMATS, write_ai_register
    from crosswalk.services.ai.register import ai_register

    chosen = output_format.value if output_format is not None else None
    if chosen is None and output is not None and str(output) != "-":
        chosen = output.suffix.lstrip(".").lower()
    if chosen is None and as_json:
        chosen = "json"
    if chosen not in FORMATS:
        raise fail(f"--format: give one of {', '.join(FORMATS)} (md is not offered)")
    when = parse_date(today, "--today") if today else None
    with session(ctx, commit=False) as active:
        register = ai_register(active, library(ctx), when, workspace_root(ctx))
    emit_report(chosen, output, lambda path: write_ai_register(register, chosen, path))
