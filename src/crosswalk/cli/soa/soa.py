"""``crosswalk soa``: the Statement of Applicability, versioned, approved and checked."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import ExitCode, console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.soa.soa import Change, Finding, SoaEntry, SoaMeta, SoaRow

app = typer.Typer(
    help="The Statement of Applicability (ISO 27001 6.1.3 d): init, show, set, approve, diff, "
    "validate, export.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
VersionOption = Annotated[
    str | None, typer.Option("--version", help="Version number, e.g. 2 (default: the newest).")
]


class SoaFormat(StrEnum):
    xlsx = "xlsx"
    html = "html"
    md = "md"


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    root.add_typer(app, name="soa")


def _date(text: str | None, option: str) -> date | None:
    from crosswalk.cli.output import parse_date

    return parse_date(text, option) if text else None


def _entry_json(entry: SoaEntry) -> dict[str, object]:
    return {
        "ref": entry.ref,
        "applicable": entry.applicable,
        "justification": entry.justification,
        "justification_kinds": [k for k in entry.justification_kinds.split(",") if k],
        "exclusion_reason": entry.exclusion_reason,
        "implementation_status": entry.implementation_status,
        "last_reviewed": entry.last_reviewed,
    }


def _header(meta: SoaMeta) -> str:
    approval = (
        f"approved by {meta.approved_by} on {meta.approved_on}"
        if meta.status == "approved"
        else "draft, not approved"
    )
    return (
        f"Statement of Applicability v{meta.version} ({approval}): {meta.applicable} "
        f"applicable, {meta.excluded} excluded of {meta.total}"
    )


@app.command("init")
@handle_errors
def init(
    ctx: typer.Context,
    from_gap: Annotated[
        bool,
        typer.Option(help="Seed from the gap analysis even when an approved version exists."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Start a draft: the first is seeded from the gap analysis, later ones copy the latest
    approved version.

    Controls the gap analysis found no control for are included with a pending, risk-based
    justification: decide each with `soa set`. Refused while a draft exists.

    Example: crosswalk soa init
    """
    from crosswalk.services.soa.soa import init_soa, soa_meta

    with session(ctx) as active:
        row = init_soa(active, library(ctx), from_gap=from_gap)
        meta = soa_meta(active, row.version)
    if as_json:
        print_json(meta)
    else:
        console().print(f"created draft v{meta.version}: {meta.note}", markup=False)
        console().print(_header(meta), markup=False, style="dim")


@app.command("show")
@listing
@handle_errors
def show(ctx: typer.Context, version: VersionOption = None, as_json: JsonOption = False) -> None:
    """Show a version: applicability, justification, status, controls, evidence and risks.

    Example: crosswalk soa show --version 1 --json
    """
    from crosswalk.services.soa.soa import soa_meta, soa_rows

    with session(ctx, commit=False) as active:
        meta = soa_meta(active, version)
        rows = soa_rows(active, library(ctx), meta.version)
    if as_json:
        print_json({"version": meta, "entries": rows})
        return
    console().print(_header(meta), markup=False, style="bold")
    print_rows(None, *_show_table(rows))
    console().print(
        "Justifications and control ids in full: --json, or soa export --format xlsx|html|md.",
        markup=False,
        style="dim",
    )


def _show_table(rows: list[SoaRow]) -> tuple[list[str], list[list[object]]]:
    """A terminal-sized view; justifications in full are in --json and the exports."""
    headers = ["ref", "title", "applicable", "kinds", "status", "controls", "evidence", "risks"]
    headers.append("reviewed")
    body: list[list[object]] = [
        [
            r.ref,
            r.title,
            "yes" if r.applicable else f"no: {r.exclusion_reason}",
            ", ".join(r.justification_kinds),
            r.implementation_status,
            len(r.controls),
            f"{r.evidence_count} ({r.evidence_latest})" if r.evidence_count else "0",
            ", ".join(r.risks),
            r.last_reviewed or "",
        ]
        for r in rows
    ]
    return headers, body


@app.command("set")
@handle_errors
def set_(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Annex A control, e.g. A.5.1 (forgiving: 5.1).")],
    applicable: Annotated[
        bool | None,
        typer.Option("--applicable/--excluded", help="Include the control, or exclude it."),
    ] = None,
    justification: Annotated[
        str | None, typer.Option(help="Why it is included (needed to include).")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Justification kind (repeatable): risk, legal, contractual, business."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why it is excluded (needed to exclude).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="implemented, partially implemented, planned, not implemented, not applicable."
        ),
    ] = None,
    reviewed: Annotated[
        str | None, typer.Option(help="Reviewed on YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change one row of the draft; only what you pass changes.

    Excluding needs --reason; including needs --justification and --kind.

    Example: crosswalk soa set A.7.4 --excluded --reason "No premises: fully remote company"
    """
    from crosswalk.services.soa.soa import set_entry

    reviewed_on = _date(reviewed, "--reviewed")
    with session(ctx) as active:
        entry = set_entry(
            active,
            library(ctx),
            ref,
            applicable=applicable,
            justification=justification,
            kinds=kind,
            exclusion_reason=reason,
            status=status,
            reviewed_on=reviewed_on,
        )
        data = _entry_json(entry)
    if as_json:
        print_json(data)
        return
    state = "applicable" if data["applicable"] else f"excluded: {data['exclusion_reason']}"
    console().print(f"{data['ref']}: {state} ({data['implementation_status']})", markup=False)


@app.command("approve")
@handle_errors
def approve(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="Who approves (name and role).")],
    on: Annotated[str | None, typer.Option(help="Approval date YYYY-MM-DD (default today).")] = (
        None
    ),
    as_json: JsonOption = False,
) -> None:
    """Approve the draft; an approved version never changes again.

    Example: crosswalk soa approve --by "Dana Reyes, CEO" --on 2026-11-30
    """
    from crosswalk.services.soa.soa import approve as approve_draft
    from crosswalk.services.soa.soa import soa_meta, validate

    day = _date(on, "--on")
    with session(ctx) as active:
        row = approve_draft(active, by, day)
        meta = soa_meta(active, row.version)
        findings = validate(active, library(ctx), row.version)
    if as_json:
        print_json({"version": meta, "open_findings": len(findings)})
        return
    console().print(_header(meta), markup=False)
    if findings:
        console(stderr=True).print(
            f"warning: v{meta.version} was approved with {len(findings)} open findings; "
            f"see crosswalk soa validate --version {meta.version}",
            markup=False,
            style="yellow",
        )


@app.command("diff")
@listing
@handle_errors
def diff(
    ctx: typer.Context,
    v1: Annotated[str, typer.Argument(help="The earlier version, e.g. 1 or v1.")],
    v2: Annotated[str, typer.Argument(help="The later version, e.g. 2 or v2.")],
    as_json: JsonOption = False,
) -> None:
    """What changed between two versions, field by field.

    Example: crosswalk soa diff 1 2
    """
    from crosswalk.services.soa.soa import diff as diff_versions

    with session(ctx, commit=False) as active:
        changes: list[Change] = diff_versions(active, v1, v2)
    if as_json:
        print_json(changes)
        return
    if not changes:
        console().print(f"no changes between {v1} and {v2}", markup=False)
        return
    print_rows(
        f"Changes ({len(changes)})",
        ["ref", "field", "before", "after"],
        [[c.ref, c.field, c.before, c.after] for c in changes],
    )


@app.command("validate")
@listing
@handle_errors
def validate(
    ctx: typer.Context, version: VersionOption = None, as_json: JsonOption = False
) -> None:
    """Check a version: exclusions have reasons, applicable controls have a control or a
    planned treatment, risk treatments use only applicable controls, all 93 present once.

    Exits 1 when there are findings.

    Example: crosswalk soa validate --json
    """
    from crosswalk.services.soa.soa import get_version
    from crosswalk.services.soa.soa import validate as validate_version

    with session(ctx, commit=False) as active:
        number = get_version(active, version).version
        findings: list[Finding] = validate_version(active, library(ctx), number)
    if as_json:
        print_json({"version": number, "findings": findings})
    elif findings:
        print_rows(
            f"SoA v{number}: {len(findings)} findings",
            ["ref", "problem", "what to do"],
            [[f.ref, f.code, f.message] for f in findings],
        )
    else:
        console().print(f"SoA v{number}: no findings", markup=False)
    if findings:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("export")
@handle_errors
def export(
    ctx: typer.Context,
    output_format: Annotated[SoaFormat, typer.Option("--format", "-f", help="xlsx, html or md.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the SoA with the columns auditors expect: one row per Annex A control.

    Example: crosswalk soa export --format xlsx -o soa.xlsx
    """
    from crosswalk.reports.soa_report import write_soa
    from crosswalk.services.soa.soa import soa_meta, soa_rows

    with session(ctx, commit=False) as active:
        meta = soa_meta(active, version)
        rows = soa_rows(active, library(ctx), meta.version)
    write_soa(rows, meta, output_format.value, output)
    if as_json:
        print_json({"path": output, "version": meta.version, "rows": len(rows)})
    else:
        console(stderr=True).print(
            f"wrote {output} (v{meta.version}, {len(rows)} rows)", markup=False
        )
