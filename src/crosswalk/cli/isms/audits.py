"""``crosswalk audits``: internal audits (9.2) and the programme of a cycle."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.isms.common import (
    DATE_HELP,
    JsonOption,
    dates_passed,
    optional_date,
    passed,
    plain,
    say,
)
from crosswalk.cli.output import (
    ExitCode,
    console,
    handle_errors,
    listing,
    parse_date,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.isms.audits import Audit

audits_app = typer.Typer(
    help="Internal audits (9.2) and the programme that must cover the ISMS over a cycle.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(audits_app, name="audits")


def _audit_item(row: Audit, today: date) -> dict[str, Any]:
    from crosswalk.services.isms.audits import audit_scope, audit_state

    return {
        "audit_id": row.audit_id,
        "title": row.title,
        "scope": audit_scope(row),
        "auditor": row.auditor,
        "planned_on": row.planned_on,
        "performed_on": row.performed_on,
        "state": audit_state(row, today),
        "findings": row.findings,
    }


@audits_app.command("list")
@listing
@handle_errors
def audits_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="planned, performed or overdue.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List internal audits by date with their scope and state.

    Example: crosswalk audits list --state overdue
    """
    from crosswalk.services.isms.audits import list_audits

    today = date.today()
    with session(ctx, commit=False) as active:
        items = [_audit_item(r, today) for r in list_audits(active, state, today)]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Internal audits ({len(items)})",
        ["id", "title", "auditor", "planned", "performed", "state", "scope"],
        [
            [
                i["audit_id"],
                i["title"],
                i["auditor"] or "",
                i["planned_on"] or "",
                i["performed_on"] or "",
                i["state"],
                ", ".join(i["scope"]),
            ]
            for i in items
        ],
    )


@audits_app.command("show")
@listing
@handle_errors
def audits_show(
    ctx: typer.Context,
    audit_id: Annotated[str, typer.Argument(help="Audit id, e.g. IA-2026-1.")],
    as_json: JsonOption = False,
) -> None:
    """Show an audit: scope with titles, findings, and the nonconformities it raised.

    Example: crosswalk audits show IA-2026-1
    """
    from crosswalk.services.isms.audits import ISO, get_audit
    from crosswalk.services.isms.nonconformities import list_nonconformities

    lib = library(ctx)
    today = date.today()
    with session(ctx, commit=False) as active:
        item = _audit_item(get_audit(active, audit_id), today)
        item["nonconformities"] = [
            r.nc_id
            for r in list_nonconformities(active, today)
            if r.source == "audit" and r.source_ref == item["audit_id"]
        ]
    item["scope"] = [
        {"ref": ref, "title": r.title if (r := lib.requirement(f"{ISO}:{ref}")) else ""}
        for ref in item["scope"]
    ]
    if as_json:
        print_json(item)
        return
    say(f"{item['audit_id']}  {item['title']}  ({item['state']})")
    for label in ("auditor", "planned_on", "performed_on", "findings", "nonconformities"):
        value = item[label]
        say(f"  {label}: {(', '.join(value) if isinstance(value, list) else value) or '-'}")
    print_rows("Scope", ["ref", "title"], [[s["ref"], s["title"]] for s in item["scope"]])


ScopeOption = Annotated[
    list[str],
    typer.Option(help="ISO/IEC 27001:2022 clause, Annex A control or theme (repeatable, or a,b)."),
]


@audits_app.command("add")
@handle_errors
def audits_add(
    ctx: typer.Context,
    audit_id: Annotated[str, typer.Argument(help="New audit id.")],
    title: Annotated[str, typer.Option(help="What the audit is.")],
    scope: ScopeOption,
    auditor: Annotated[str | None, typer.Option(help="Who audits (not who is audited).")] = None,
    planned: Annotated[str | None, typer.Option(help="Planned date, YYYY-MM-DD.")] = None,
    performed: Annotated[str | None, typer.Option(help="Date performed, YYYY-MM-DD.")] = None,
    findings: Annotated[str, typer.Option(help="What the audit found.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Plan or record an internal audit with its scope.

    Example: crosswalk audits add IA-2026-1 --title Core --scope 4,5,6,9,10 --planned 2026-09-15
    """
    from crosswalk.services.isms.audits import AuditInput, add_audit

    data = AuditInput(
        audit_id,
        title,
        scope,
        auditor,
        optional_date(planned, "--planned"),
        optional_date(performed, "--performed"),
        findings,
    )
    with session(ctx) as active:
        item = _audit_item(add_audit(active, library(ctx), data), date.today())
    if as_json:
        print_json(item)
    else:
        say(f"added {item['audit_id']} ({item['state']}): {', '.join(item['scope'])}")


@audits_app.command("edit")
@handle_errors
def audits_edit(
    ctx: typer.Context,
    audit_id: Annotated[str, typer.Argument(help="Audit id.")],
    title: Annotated[str | None, typer.Option()] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Replaces the whole scope.")] = None,
    auditor: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    planned: Annotated[str | None, typer.Option(help=DATE_HELP)] = None,
    performed: Annotated[str | None, typer.Option(help=DATE_HELP)] = None,
    findings: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of an audit; only what you pass changes.

    Example: crosswalk audits edit IA-2026-1 --performed 2026-09-17 --findings "2 minor NCs"
    """
    from crosswalk.services.isms.audits import edit_audit

    changes = passed(title=title, scope=scope, auditor=auditor, findings=findings)
    changes.update(
        dates_passed(
            {"planned_on": (planned, "--planned"), "performed_on": (performed, "--performed")}
        )
    )
    with session(ctx) as active:
        changed = edit_audit(active, library(ctx), audit_id, **changes)
    if as_json:
        print_json({"audit_id": audit_id, "changed": changed})
    else:
        say(f"{audit_id}: {', '.join(changed) or 'nothing changed'}")


def _by_theme(refs: list[str], applicable: list[str]) -> list[str]:
    """Uncovered Annex A refs; a theme with none of its applicable controls covered is
    named once ("A.8 (all 34)") instead of control by control."""
    from collections import Counter

    def theme(ref: str) -> str:
        return ref.rpartition(".")[0]

    missing = Counter(theme(r) for r in refs)
    total = Counter(theme(r) for r in applicable)
    shown: list[str] = []
    for ref in refs:
        group = theme(ref)
        if missing[group] < total[group]:
            shown.append(ref)
        elif (label := f"{group} (all {total[group]})") not in shown:
            shown.append(label)
    return shown


@audits_app.command("programme")
@listing
@handle_errors
def audits_programme(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="First day of the audit cycle (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day of the cycle (YYYY-MM-DD).")],
    as_json: JsonOption = False,
) -> None:
    """Check the audit programme of a cycle; exit 1 while anything is uncovered or overdue.

    Every lowest-level clause of 4-10 and every applicable Annex A control (per the latest
    Statement of Applicability; all 93 while there is none) must be in the scope of an
    audit planned or performed in the cycle.

    Example: crosswalk audits programme --start 2026-01-01 --end 2026-12-31
    """
    from crosswalk.services.isms.audits import programme

    lib = library(ctx)
    with session(ctx, commit=False) as active:
        result = programme(
            active, lib, parse_date(start, "--start"), parse_date(end, "--end"), date.today()
        )
    if as_json:
        print_json({**plain(result), "complete": result.complete})
    else:
        print_rows(
            f"Audits {result.cycle_start}..{result.cycle_end} ({len(result.audits)})",
            ["id", "title", "planned", "performed", "state", "scope"],
            [
                [a.audit_id, a.title, a.planned_on, a.performed_on, a.state, ", ".join(a.scope)]
                for a in result.audits
            ],
        )
        out = console()
        for label, items in (("clauses 4-10", result.clauses), ("Annex A", result.annex_a)):
            done = sum(1 for i in items if i.performed)
            covered = sum(1 for i in items if i.audits)
            out.print(
                f"{label}: {covered} of {len(items)} in scope ({done} already audited)",
                markup=False,
            )
        out.print(f"applicable Annex A from: {result.applicable_from}", markup=False, style="dim")
        gaps = result.clauses_not_covered + _by_theme(
            result.annex_a_not_covered, [i.ref for i in result.annex_a]
        )
        if gaps:
            out.print(f"not covered: {', '.join(gaps)}", markup=False, style="yellow")
        if result.overdue:
            out.print(f"overdue audits: {', '.join(result.overdue)}", markup=False, style="red")
    if not result.complete:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
