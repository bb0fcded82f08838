"""``crosswalk gap``: what the SOC 2 program covers of ISO/IEC 27001:2022, and what not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session, workspace_root
from crosswalk.cli.output import (
    ExitCode,
    ReportFormat,
    console,
    emit_report,
    handle_errors,
    parse_date,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.coverage.gap import GapReport, RequirementVerdict


def register(app: typer.Typer) -> None:
    app.command("gap")(gap)


def print_summary(report: GapReport) -> None:
    from crosswalk.reports.gap_report import headline_sentences, net_new_table

    out = console()
    out.print(
        f"Gap analysis {report.source} -> {report.target}: {report.controls_total} controls",
        markup=False,
        style="bold",
    )
    for sentence in headline_sentences(report):
        out.print(sentence, markup=False)
    if report.head_start is not None:
        out.print(report.head_start.definition, markup=False, style="dim")
    out.print(report.evidence_rule, markup=False, style="dim")
    summary = report.annex_a_summary
    if summary.total:
        print_rows(
            f"{report.measured} by {'theme' if report.clauses else 'group'}",
            ["theme" if report.clauses else "group", "total", *summary.by_verdict],
            [[t, c.total, *c.by_verdict.values()] for t, c in report.annex_a_by_theme.items()],
        )
    if report.records:
        print_rows(
            "ISMS records the clauses are judged from",
            ["record", "clauses", "state", "what is missing"],
            [
                [
                    r.name,
                    r.clauses,
                    "complete" if r.complete else ("incomplete" if r.exists else "missing"),
                    "; ".join(r.missing),
                ]
                for r in report.records
            ],
        )
    net_new = net_new_table(report)
    if net_new.rows:
        print_rows(
            "Net-new ISMS work (clauses with no record and no control yet)",
            net_new.headers,
            net_new.rows,
        )
    if report.paper_only_controls:
        out.print("On paper only: " + ", ".join(report.paper_only_controls), markup=False)
    if report.unowned_controls:
        out.print("Unowned: " + ", ".join(report.unowned_controls), markup=False)
    out.print(
        f"Backlog: {len(report.backlog)} items (crosswalk plan orders and dates them). Explain "
        "a verdict with --explain REF; write the full report with --format xlsx|html|md|json "
        "-o FILE.",
        markup=False,
        style="dim",
    )


def print_explanation(view: RequirementVerdict) -> None:
    out = console()
    out.print(f"{view.ref} {view.title}: {view.verdict}", markup=False, style="bold")
    if view.exclusion_reason:
        out.print(f"  excluded: {view.exclusion_reason}", markup=False)
    for basis in view.basis:
        out.print(f"  rests on: {basis}", markup=False)
    for reason in view.why_not_higher:
        out.print(f"  why not higher: {reason}", markup=False)
    direct = [r for r in view.routes if r.relationship is None]
    if direct:
        print_rows(
            f"Controls tagged to {view.ref} directly ({len(direct)})",
            ["control", "status", "owner", "gives"],
            [[r.control_id, r.status, r.owner or "", r.gives] for r in direct],
        )
    if view.criteria:
        print_rows(
            f"Criteria reaching it, each with all its controls ({len(view.criteria)})",
            ["criterion", "relationship", "strength", "gives", "controls", "set", "note"],
            [
                [
                    c.criterion,
                    c.relationship,
                    ("" if c.strength is None else str(c.strength)) + (" weak" if c.weak else ""),
                    c.gives,
                    ", ".join(c.controls),
                    c.mapping_set,
                    c.note,
                ]
                for c in view.criteria
            ],
        )
    if view.head_start:
        print_rows(
            "SOC 2 head start (shown, not counted: a mandatory clause needs its own process)",
            ["control", "tagged", "relationship", "note"],
            [[r.control_id, r.tagged, r.relationship or "", r.note or ""] for r in view.head_start],
        )
    if view.suggested_control and view.verdict != "covered":
        out.print(f"  suggested: {view.suggested_control}", markup=False)


@handle_errors
def gap(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="Framework your program starts from.")] = (
        "soc2-tsc-2017"
    ),
    target: Annotated[str, typer.Option("--to", help="Framework to assess.")] = "iso27001-2022",
    explain: Annotated[
        str | None,
        typer.Option(help="Explain one verdict: controls, criteria, edges, why not higher."),
    ] = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Write the report: json, md, html, xlsx."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Report file.")] = None,
    check: Annotated[
        bool,
        typer.Option(help="Exit 1 when Annex A gaps or net-new clauses remain (for CI gates)."),
    ] = False,
    confirmed_only: Annotated[
        bool,
        typer.Option(
            "--confirmed-only",
            help="Count only tags their owners confirmed (not stale, flagged or expired).",
        ),
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            help="Judge as of this day, YYYY-MM-DD (default: today; for reproducible runs)."
        ),
    ] = None,
    likely: Annotated[
        int | None,
        typer.Option(
            "--likely-strength",
            min=4,
            max=10,
            help="Bar for 'likely' for this run (default: the workspace's, 7 unless set).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON.")
    ] = False,
    mapping_set: Annotated[
        str | None,
        typer.Option(
            "--mapping-set",
            help="Judge with this mapping set in place of the others joining the same two "
            "frameworks (e.g. an imported CISO Assistant set, to compare verdicts).",
        ),
    ] = None,
) -> None:
    """Gap analysis: a verdict per requirement from every source, each explained.

    Verdicts: covered (tagged directly, confirmed, or a full path from criteria whose
    controls all operate), likely (a strong route from operating controls: an owner
    confirms it), partial, planned (only controls on paper), gap. ISO clauses 4-10 are
    judged from the ISMS records (scope, risks, SoA, audits, reviews, nonconformities) and
    from controls tagged to them directly; what SOC 2 offers there is a head start.
    With --confirmed-only a tag counts only while its owner's confirmation holds
    (`crosswalk confirmations` lists the rest).

    Example: crosswalk gap --explain A.5.15
    """
    from crosswalk.reports.gap_report import write_gap_report
    from crosswalk.services.coverage.gap import run_gap
    from crosswalk.services.mapping.library import resolve_framework, resolve_requirement

    lib = library(ctx)
    if mapping_set is not None:
        lib = lib.choosing(mapping_set)
        console(stderr=True).print(f"judged with mapping set {mapping_set}", markup=False)
    source_id, target_id = resolve_framework(lib, source), resolve_framework(lib, target)
    with session(ctx, commit=False) as active:
        report = run_gap(
            active,
            lib,
            source_id,
            target_id,
            today=parse_date(today, "--today") if today else None,
            confirmed_only=confirmed_only,
            likely=likely,
            workspace_root=workspace_root(ctx),
        )
    if output_format is not None:
        emit_report(
            output_format.value,
            output,
            lambda path: write_gap_report(report, output_format.value, path),
        )
    if explain:
        key = resolve_requirement(lib, explain, framework=target_id)
        view = report.find(key.partition(":")[2])
        if as_json:
            print_json(view)
        else:
            print_explanation(view)
    elif as_json:
        print_json(report)
    elif output_format is None:
        print_summary(report)
    if check and (report.annex_a_summary.by_verdict["gap"] or report.net_new):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
