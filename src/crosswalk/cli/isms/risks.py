"""``crosswalk risks``: the risk register and treatment plan (ISO/IEC 27001 6.1.2, 6.1.3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import (
    ExitCode,
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

if TYPE_CHECKING:
    from crosswalk.domain.risk import Assessment, Finding, RiskCategory, Treatment
    from crosswalk.services.isms.risks import RiskDetail

app = typer.Typer(
    help="The risk register and treatment plan: list, show, add, edit, accept, method, check, "
    "treatment-plan.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
TREATMENT_HELP = "modify, retain, avoid or share (mitigate, accept, transfer also read)."
CATEGORY_HELP = "'information asset', 'service commitment' or 'privacy' (a DPIA's risks)."


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    root.add_typer(app, name="risks")


def _treatment(text: str) -> Treatment:
    from crosswalk.domain.risk import parse_treatment

    treatment = parse_treatment(text)
    if treatment is None:
        raise fail(f"--treatment {text!r}: use {TREATMENT_HELP}")
    return treatment


def _category(text: str) -> RiskCategory:
    from crosswalk.domain.risk import parse_category

    category = parse_category(text)
    if category is None:
        raise fail(f"--category {text!r}: use {CATEGORY_HELP}")
    return category


def _due(text: str | None) -> date | None:
    """A date, or None for '' (the caller tells "not given" apart)."""
    return parse_date(text, "--due") if text and text.strip() else None


def _score(assessment: Assessment | None, missing: str = "") -> str:
    if assessment is None:
        return missing
    return (
        f"{assessment.score} {assessment.rating} (L{assessment.likelihood} x I{assessment.impact})"
    )


def _print_findings(findings: list[Finding]) -> None:
    out = console()
    for finding in findings:
        style = "red" if finding.severity.value == "error" else "yellow"
        out.print(
            f"  {finding.severity.value}: {finding.risk_id}: {finding.message}",
            markup=False,
            style=style,
        )


def _report(detail: RiskDetail, line: str, as_json: bool, changed: list[str] | None = None) -> None:
    """What a changing command prints: one line, then the risk's findings as hints."""
    if as_json:
        payload: dict[str, Any] = {"risk": detail}
        if changed is not None:
            payload["changed"] = changed
        print_json(payload)
        return
    console().print(line, markup=False)
    _print_findings(detail.findings)


@app.command("list")
@listing
@handle_errors
def list_command(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Owner contains this text.")] = None,
    treatment: Annotated[str | None, typer.Option(help=TREATMENT_HELP)] = None,
    above_threshold: Annotated[
        bool | None,
        typer.Option(
            "--above-threshold/--within-threshold",
            help="Only risks whose residual (inherent until assessed) score is above, or "
            "within, the acceptance threshold.",
        ),
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the risk register with scores, treatment, acceptance and findings.

    Example: crosswalk risks list --above-threshold --json
    """
    from crosswalk.services.isms.risks import describe_risks, list_risks

    with session(ctx, commit=False) as active:
        chosen = _treatment(treatment) if treatment is not None else None
        rows = list_risks(active, owner, chosen, above_threshold)
        details = describe_risks(active, rows)
    if as_json:
        print_json(details)
        return
    print_rows(
        f"Risks ({len(details)})",
        ["id", "title", "owner", "inherent", "treatment", "residual", "due", "accepted", "flags"],
        [
            [
                d.risk_id,
                d.title,
                d.owner or "",
                _score(d.inherent, "off scale"),
                d.treatment,
                _score(d.residual, "not assessed"),
                d.due.isoformat() if d.due else "",
                f"{d.accepted_by} {d.accepted_on or ''}".strip() if d.accepted_by else "",
                " ".join(sorted({f.code for f in d.findings})),
            ]
            for d in details
        ],
        as_csv=as_csv,
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(help="Risk id, e.g. R-07.")],
    as_json: JsonOption = False,
) -> None:
    """Show a risk: scores rated by the method, treatment, links, acceptance and findings.

    Example: crosswalk risks show R-07
    """
    from crosswalk.services.isms.risks import describe_risk, link_titles

    with session(ctx, commit=False) as active:
        detail = describe_risk(active, risk_id)
        control_titles, annex_a_titles = link_titles(active, library(ctx), [detail])
    if as_json:
        print_json(detail)
        return
    out = console()
    out.print(f"{detail.risk_id}  {detail.title}", markup=False, style="bold")
    facts = [f"category: {detail.category}", f"owner: {detail.owner or '(none)'}"]
    if detail.assets:
        facts.append(f"assets: {', '.join(detail.assets)}")
    out.print("  " + " | ".join(facts), markup=False)
    if detail.description:
        out.print(f"  {detail.description}", markup=False)
    out.print(f"  inherent: {_score(detail.inherent, 'off scale')}", markup=False)
    out.print(f"  treatment: {detail.treatment}", markup=False)
    for control in detail.controls:
        out.print(f"    control {control} {control_titles.get(control, '')}", markup=False)
    for ref in detail.annex_a:
        out.print(f"    Annex A {ref} {annex_a_titles.get(ref, '')}", markup=False)
    if detail.plan:
        out.print(f"  plan: {detail.plan}", markup=False)
    if detail.due:
        out.print(f"  due: {detail.due.isoformat()}", markup=False)
    out.print(f"  residual: {_score(detail.residual, 'not assessed')}", markup=False)
    accepted = (
        f"{detail.accepted_by} on {detail.accepted_on}" if detail.accepted_by else "not accepted"
    )
    out.print(f"  acceptance: {accepted}", markup=False)
    _print_findings(detail.findings)


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(help="New risk id.")],
    title: Annotated[str, typer.Option(help="What could happen, in a line.")],
    likelihood: Annotated[int, typer.Option(help="Inherent likelihood level (see `method`).")],
    impact: Annotated[int, typer.Option(help="Inherent impact level (see `method`).")],
    owner: Annotated[str | None, typer.Option(help="The risk owner.")] = None,
    category: Annotated[str, typer.Option(help=CATEGORY_HELP)] = "information asset",
    asset: Annotated[
        list[str] | None, typer.Option(help="Asset or system id concerned (repeatable).")
    ] = None,
    description: Annotated[str, typer.Option(help="Threat, vulnerability, consequence.")] = "",
    treatment: Annotated[str, typer.Option(help=TREATMENT_HELP)] = "modify",
    residual_likelihood: Annotated[
        int | None, typer.Option(help="Likelihood after treatment.")
    ] = None,
    residual_impact: Annotated[int | None, typer.Option(help="Impact after treatment.")] = None,
    control: Annotated[
        list[str] | None, typer.Option("--control", "-c", help="Treating control id (repeatable).")
    ] = None,
    annex_a: Annotated[
        list[str] | None, typer.Option(help="Annex A control, e.g. 5.15 or A.8.8 (repeatable).")
    ] = None,
    plan: Annotated[str, typer.Option(help="What will be done, by whom.")] = "",
    due: Annotated[str | None, typer.Option(help="Treatment due date (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a risk to the register; every level, control and Annex A ref is checked first.

    Example: crosswalk risks add R-07 --title "Laptop theft" --likelihood 3 --impact 4 -c EP-1
    """
    from crosswalk.services.isms.risks import RiskInput, add_risk, describe_risk

    data = RiskInput(
        risk_id=risk_id,
        title=title,
        inherent_likelihood=likelihood,
        inherent_impact=impact,
        description=description,
        category=_category(category),
        assets=tuple(asset or ()),
        owner=owner,
        treatment=_treatment(treatment),
        controls=tuple(control or ()),
        annex_a=tuple(annex_a or ()),
        plan=plan,
        due=_due(due),
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
    )
    with session(ctx) as active:
        row = add_risk(active, library(ctx), data)
        detail = describe_risk(active, row.risk_id)
    _report(detail, f"added {detail.risk_id}", as_json)


@app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(help="Risk id.")],
    title: Annotated[str | None, typer.Option()] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears the owner.")] = None,
    category: Annotated[str | None, typer.Option(help=CATEGORY_HELP)] = None,
    asset: Annotated[
        list[str] | None, typer.Option(help="Replace the assets with these (repeatable).")
    ] = None,
    description: Annotated[str | None, typer.Option()] = None,
    likelihood: Annotated[int | None, typer.Option(help="Inherent likelihood level.")] = None,
    impact: Annotated[int | None, typer.Option(help="Inherent impact level.")] = None,
    treatment: Annotated[str | None, typer.Option(help=TREATMENT_HELP)] = None,
    residual_likelihood: Annotated[int | None, typer.Option()] = None,
    residual_impact: Annotated[int | None, typer.Option()] = None,
    control: Annotated[
        list[str] | None, typer.Option("--control", "-c", help="Link a control (repeatable).")
    ] = None,
    remove_control: Annotated[
        list[str] | None, typer.Option(help="Unlink a control (repeatable).")
    ] = None,
    annex_a: Annotated[list[str] | None, typer.Option(help="Link an Annex A ref.")] = None,
    remove_annex_a: Annotated[list[str] | None, typer.Option(help="Unlink an Annex A ref.")] = None,
    plan: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; '' clears it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a risk; only what you pass changes, and nothing changes if any of it is bad.

    Raising the residual score clears an earlier acceptance (it was of the lower score).

    Example: crosswalk risks edit R-07 --residual-likelihood 2 --residual-impact 3 --annex-a 8.7
    """
    from crosswalk.services.isms.risks import describe_risk, edit_risk, link_risk, unlink_risk

    changes: dict[str, Any] = {}
    for name, value in (
        ("title", title),
        ("owner", owner),
        ("description", description),
        ("inherent_likelihood", likelihood),
        ("inherent_impact", impact),
        ("residual_likelihood", residual_likelihood),
        ("residual_impact", residual_impact),
        ("plan", plan),
    ):
        if value is not None:
            changes[name] = value
    if category is not None:
        changes["category"] = _category(category)
    if treatment is not None:
        changes["treatment"] = _treatment(treatment)
    if asset is not None:
        changes["assets"] = tuple(asset)
    if due is not None:
        changes["due"] = _due(due)
    lib = library(ctx)
    with session(ctx) as active:
        changed = edit_risk(active, lib, risk_id, **changes)
        if control or annex_a:
            linked = link_risk(active, lib, risk_id, control or (), annex_a or ())
            changed += [f"+{item}" for item in linked]
        if remove_control or remove_annex_a:
            unlinked = unlink_risk(active, lib, risk_id, remove_control or (), remove_annex_a or ())
            changed += [f"-{item}" for item in unlinked]
        detail = describe_risk(active, risk_id)
    _report(
        detail, f"{detail.risk_id}: {', '.join(changed) or 'nothing changed'}", as_json, changed
    )


@app.command("accept")
@handle_errors
def accept(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(help="Risk id.")],
    by: Annotated[str, typer.Option(help="Who accepts the residual risk (its owner).")],
    on: Annotated[str | None, typer.Option(help="Date accepted (default: today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record the risk owner's acceptance of the residual risk (6.1.3 f).

    Example: crosswalk risks accept R-07 --by "Dana Reyes, CTO" --on 2026-03-31
    """
    from crosswalk.services.isms.risks import accept_risk, describe_risk

    day = parse_date(on, "--on") if on else None
    with session(ctx) as active:
        accept_risk(active, risk_id, by, day)
        detail = describe_risk(active, risk_id)
    _report(
        detail,
        f"{detail.risk_id}: accepted by {detail.accepted_by} on {detail.accepted_on}",
        as_json,
    )


@app.command("method")
@listing
@handle_errors
def method(
    ctx: typer.Context,
    set_file: Annotated[
        Path | None,
        typer.Option(
            "--set-file",
            help="Replace the method with this YAML file (the settings/risk-method.yaml format).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the risk method (scales, bands, acceptance threshold), or replace it from YAML.

    A method whose scales no longer fit a recorded risk is refused, naming the risks.

    Example: crosswalk risks method --set-file risk-method.yaml
    """
    from crosswalk.services.isms.risk_method import (
        get_method,
        method_file,
        method_is_set,
        read_method_file,
    )
    from crosswalk.services.isms.risk_method import set_method as store_method

    with session(ctx, commit=set_file is not None) as active:
        changed = store_method(active, read_method_file(set_file)) if set_file else False
        current = get_method(active)
        stored = method_is_set(active)
    data = method_file(current).model_dump(mode="json", exclude={"id"})
    if as_json:
        print_json(
            {"stored": stored, "changed": changed, "description": current.describe(), **data}
        )
        return
    out = console()
    if set_file:
        out.print(f"risk method {'replaced' if changed else 'unchanged'}", markup=False)
    out.print(
        f"{current.describe()}{'' if stored else ' (the default: not yet set)'}", markup=False
    )
    for scale in ("likelihood", "impact"):
        print_rows(
            scale.capitalize(),
            ["level", "label", "description"],
            [[v["level"], v["label"], v["description"]] for v in data[scale]],
        )


@app.command("check")
@listing
@handle_errors
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the register; exit 1 when anything is found.

    Finds: risks above the acceptance threshold after treatment without the owner's
    acceptance, "modify" with neither controls nor Annex A refs, treatments past their due
    date still above the threshold, risks without an owner, levels off the method's scales,
    and residual scores above inherent that the plan does not explain.

    Example: crosswalk risks check --json
    """
    from crosswalk.services.isms.risks import register_checks

    with session(ctx, commit=False) as active:
        findings = register_checks(active)
    if as_json:
        print_json(findings)
    elif findings:
        print_rows(
            f"Findings ({len(findings)})",
            ["risk", "severity", "check", "finding"],
            [[f.risk_id, f.severity.value, f.code, f.message] for f in findings],
        )
    else:
        console().print("risk register: no findings", markup=False)
    if findings:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("treatment-plan")
@handle_errors
def treatment_plan_command(
    ctx: typer.Context,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Write the plan: xlsx, html, md or json."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Plan file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Write the risk treatment plan with the method it was scored by (6.1.3 e).

    XLSX has the sheets "Treatment plan" and "Method"; HTML is one self-contained page with
    inherent and residual heat maps.

    Example: crosswalk risks treatment-plan --format xlsx -o treatment-plan.xlsx
    """
    from crosswalk.reports.risk_report import render_json, write_treatment_plan
    from crosswalk.services.isms.risks import treatment_plan

    if output is not None and str(output) != "-" and output_format is None:
        suffix = output.suffix.lstrip(".").lower()
        if suffix not in {f.value for f in ReportFormat}:
            raise fail(f"give --format xlsx|html|md|json for {output}")
        output_format = ReportFormat(suffix)
    with session(ctx, commit=False) as active:
        plan = treatment_plan(active, library(ctx))
    if output_format is not None:
        chosen = output_format.value
        emit_report(chosen, output, lambda path: write_treatment_plan(plan, chosen, path))
        if output is None or str(output) == "-":
            return
    if as_json:
        typer.echo(render_json(plan), nl=False)
    elif output is None:
        summary = plan.summary()
        console().print(
            f"{summary['risks']} risks, {summary['above_threshold']} above the acceptance "
            f"threshold ({summary['unaccepted_above_threshold']} not accepted), "
            f"{summary['overdue']} overdue; write it with --format xlsx|html|md -o FILE",
            markup=False,
        )
