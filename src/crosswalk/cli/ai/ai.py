"""``crosswalk ai``: the EU AI Act inventory, each system's tier with reasons, the obligations
that apply with both dates, their follow-up, and what becomes applicable in the next months."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import (
    console,
    handle_errors,
    listing,
    parse_date,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.ai.systems import AiSystem

app = typer.Typer(
    help="The EU AI Act: AI system inventory, classification with reasons, obligations with "
    "their dates, deadlines. Supports, and does not replace, a legal assessment.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ROLE_HELP = (
    "provider, deployer, importer, distributor, authorised-representative or "
    "product-manufacturer (repeatable, or comma-separated)."
)
SOURCE_HELP = "own (built in-house), vendor (bought) or gpai (built on a general-purpose model)."


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ai")


def _notice() -> None:
    from crosswalk.domain.ai_classification import LEGAL_NOTICE

    console().print(f"Note: {LEGAL_NOTICE}", markup=False, style="dim")


def _print_system(system: AiSystem) -> None:
    out = console()
    out.print(f"{system.system_id}  {system.name}", markup=False, style="bold")
    facts = [
        f"roles: {', '.join(r.value for r in system.roles)}",
        f"source: {system.source}",
        f"output used in the EU: {'yes' if system.output_in_eu else 'no'}",
        f"established in the EU: {'yes' if system.established_in_eu else 'no'}",
    ]
    out.print("  " + " | ".join(facts), markup=False)
    for label, value in (
        ("purpose", system.purpose),
        ("intended use", system.intended_use),
        ("users", system.users),
        ("vendor", system.vendor),
        ("general-purpose model", system.gpai_model),
        ("authorised representative", system.authorised_representative),
        ("owner", system.owner),
        ("assets", ", ".join(system.assets)),
        ("processing activities", ", ".join(system.processing_activities)),
    ):
        if value:
            out.print(f"  {label}: {value}", markup=False)
    c = system.classification
    if c is None:
        out.print("  tier: not classified", markup=False)
    else:
        out.print(f"  tier: {c.summary}", markup=False, style="bold")
        for reason in c.reasons:
            out.print(f"    {reason.article}: {reason.answer} -> {reason.effect}", markup=False)
        if c.transparency and c.tier.value != "transparency":
            out.print(f"  also: transparency duties {', '.join(c.transparency)}", markup=False)
    for flag in system.flags:
        out.print(f"  flag: {flag}", markup=False, style="yellow")


def _input(
    system_id: str,
    name: str,
    role: list[str],
    purpose: str,
    intended_use: str,
    users: str,
    source: str,
    vendor: str | None,
    gpai_model: str | None,
    established_in_eu: bool,
    output_in_eu: bool,
    representative: str | None,
    placed_before: bool,
    asset: list[str] | None,
    activity: list[str] | None,
    owner: str | None,
) -> Any:
    from crosswalk.services.ai.systems import AiSystemInput

    return AiSystemInput(
        system_id=system_id,
        name=name,
        roles=role,
        purpose=purpose,
        intended_use=intended_use,
        users=users,
        output_in_eu=output_in_eu,
        established_in_eu=established_in_eu,
        authorised_representative=representative,
        source=source,
        vendor=vendor,
        gpai_model=gpai_model,
        placed_before_2026_08_02=placed_before,
        processing_activities=tuple(activity or ()),
        owner=owner,
        assets=tuple(asset or ()),
    )


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(help="New AI system id, e.g. support-chatbot.")],
    name: Annotated[str, typer.Option(help="What people call it.")],
    role: Annotated[list[str], typer.Option("--role", "-r", help=ROLE_HELP)],
    purpose: Annotated[str, typer.Option(help="What it is for.")] = "",
    intended_use: Annotated[
        str, typer.Option(help="Intended use, as the provider states it.")
    ] = "",
    users: Annotated[str, typer.Option(help="Who uses it, and who is exposed to it.")] = "",
    source: Annotated[str, typer.Option(help=SOURCE_HELP)] = "own",
    vendor: Annotated[str | None, typer.Option(help="Who provides it, when bought.")] = None,
    gpai_model: Annotated[
        str | None, typer.Option(help="The general-purpose model under it, if any.")
    ] = None,
    established_in_eu: Annotated[
        bool,
        typer.Option(
            "--established-in-eu/--established-outside-eu",
            help="Whether the company is established in the Union.",
        ),
    ] = True,
    output_in_eu: Annotated[
        bool,
        typer.Option(
            "--output-in-eu/--output-not-in-eu", help="Whether its output is used in the Union."
        ),
    ] = True,
    representative: Annotated[
        str | None, typer.Option(help="The EU authorised representative, when established outside.")
    ] = None,
    placed_before_2026_08_02: Annotated[
        bool,
        typer.Option(help="Placed on the market before 2026-08-02 (Art. 50(2) grace period)."),
    ] = False,
    asset: Annotated[
        list[str] | None, typer.Option(help="ISMS asset it runs on (repeatable).")
    ] = None,
    processing_activity: Annotated[
        list[str] | None,
        typer.Option(help="GDPR processing activity whose personal data it uses (repeatable)."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Who answers for it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add an AI system to the inventory; every role and asset is checked first.

    Example: crosswalk ai add cv-screening --name "CV screening" --role provider --asset ml-platform
    """
    from crosswalk.services.ai.systems import add_system

    data = _input(
        system_id, name, role, purpose, intended_use, users, source, vendor, gpai_model,
        established_in_eu, output_in_eu, representative, placed_before_2026_08_02, asset,
        processing_activity, owner,
    )  # fmt: skip
    with session(ctx) as active:
        system = add_system(active, data)
    if as_json:
        print_json({"system": system})
        return
    console().print(f"added {system.system_id}", markup=False)
    _print_system(system)
    _notice()


@app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(help="AI system id.")],
    name: Annotated[str | None, typer.Option()] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", "-r", help="Replace the roles: " + ROLE_HELP)
    ] = None,
    purpose: Annotated[str | None, typer.Option()] = None,
    intended_use: Annotated[str | None, typer.Option()] = None,
    users: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option(help=SOURCE_HELP)] = None,
    vendor: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    gpai_model: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    established_in_eu: Annotated[
        bool | None, typer.Option("--established-in-eu/--established-outside-eu")
    ] = None,
    output_in_eu: Annotated[bool | None, typer.Option("--output-in-eu/--output-not-in-eu")] = None,
    representative: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    asset: Annotated[
        list[str] | None, typer.Option(help="Replace the assets with these (repeatable).")
    ] = None,
    processing_activity: Annotated[
        list[str] | None, typer.Option(help="Replace the processing activities (repeatable).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a system; only what you pass changes, and nothing changes if any of it is bad.

    Example: crosswalk ai edit cv-screening --representative "EU Rep GmbH, Berlin"
    """
    from crosswalk.services.ai.systems import edit_system, get_system

    changes: dict[str, Any] = {}
    for key, value in (
        ("name", name),
        ("roles", role),
        ("purpose", purpose),
        ("intended_use", intended_use),
        ("users", users),
        ("source", source),
        ("vendor", vendor),
        ("gpai_model", gpai_model),
        ("established_in_eu", established_in_eu),
        ("output_in_eu", output_in_eu),
        ("authorised_representative", representative),
        ("assets", asset),
        ("processing_activities", processing_activity),
        ("owner", owner),
    ):
        if value is not None:
            changes[key] = value
    with session(ctx) as active:
        changed = edit_system(active, system_id, **changes)
        system = get_system(active, system_id)
    if as_json:
        print_json({"system": system, "changed": changed})
        return
    console().print(f"{system_id}: {', '.join(changed) or 'nothing changed'}", markup=False)
    for flag in system.flags:
        console().print(f"  flag: {flag}", markup=False, style="yellow")


@app.command("list")
@listing
@handle_errors
def list_command(
    ctx: typer.Context,
    tier: Annotated[str | None, typer.Option(help="Only systems of this tier.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the AI systems with their roles, tier and the article that decides it.

    Example: crosswalk ai list --tier high-risk
    """
    from crosswalk.services.ai.systems import list_systems

    with session(ctx, commit=False) as active:
        systems = list_systems(active, tier)
    if as_json:
        print_json(systems)
        return
    print_rows(
        f"AI systems ({len(systems)})",
        ["id", "name", "roles", "source", "tier", "article", "flags"],
        [
            [
                s.system_id,
                s.name,
                ",".join(r.value for r in s.roles),
                s.source,
                s.tier,
                s.classification.article if s.classification else "",
                len(s.flags),
            ]
            for s in systems
        ],
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(help="AI system id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a system: what it is, its tier, each answer that led there, and its flags.

    Example: crosswalk ai show cv-screening
    """
    from crosswalk.services.ai.systems import get_system

    with session(ctx, commit=False) as active:
        system = get_system(active, system_id)
    if as_json:
        print_json(system)
        return
    _print_system(system)
    _notice()


@app.command("questions")
@listing
@handle_errors
def questions(as_json: JsonOption = False) -> None:
    """The questionnaire: each question's key, the article it tests, and its choices.

    Answer with `crosswalk ai classify ID --answer KEY=yes` or a YAML file of KEY: answer.
    """
    from crosswalk.domain.ai_classification import QUESTIONS

    if as_json:
        print_json(QUESTIONS)
        return
    print_rows(
        "AI Act questionnaire",
        ["key", "article", "question", "answers"],
        [
            [q.key, q.article, q.text, ", ".join(v for v, _ in q.choices) or "yes, no"]
            for q in QUESTIONS
        ],
    )


@app.command("classify")
@handle_errors
def classify_command(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(help="AI system id.")],
    answer: Annotated[
        list[str] | None,
        typer.Option("--answer", "-a", help="QUESTION=VALUE, e.g. profiling=yes (repeatable)."),
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers", help="YAML file of question: answer.")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Replace all stored answers instead of changing only these.")
    ] = False,
    tier: Annotated[
        str | None, typer.Option(help="Set the tier by hand (needs answers and --tier-reason).")
    ] = None,
    tier_reason: Annotated[str, typer.Option(help="Why the tier is set by hand.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Answer the questionnaire and record the tier it gives, with the reasons.

    A changed answer re-classifies; the audit trail keeps each version.

    Example: crosswalk ai classify cv-screening -a annex_iii_area=employment -a profiling=yes
    """
    from crosswalk.services.ai.systems import (
        answers_from_file,
        answers_from_pairs,
        classify_system,
    )

    given: dict[str, object] = {}
    if answers_file is not None:
        given.update(answers_from_file(answers_file))
    given.update(answers_from_pairs(answer or ()))
    with session(ctx) as active:
        result = classify_system(
            active, system_id, given, tier=tier, tier_reason=tier_reason, merge=not replace
        )
    if as_json:
        print_json(result)
        return
    before = result.before or "not classified"
    if result.changed:
        console().print(f"{system_id}: {before} -> {result.system.tier}", markup=False)
    else:
        console().print(f"{system_id}: unchanged ({result.system.tier})", markup=False)
    _print_system(result.system)
    _notice()


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
    _notice()


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
    _notice()


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
