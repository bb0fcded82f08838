"""``crosswalk ai``: the EU AI Act inventory, each system's tier with reasons, the obligations
that apply with both dates, their follow-up, and what becomes applicable in the next months."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.output import (
    console,
    handle_errors,
    listing,
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
    """Add the ai commands to the root app (obligations, deadlines and reports live in
    ``obligations``, which adds its commands to the same group)."""
    from crosswalk.cli.ai import obligations

    obligations.attach()
    root.add_typer(app, name="ai")


def notice() -> None:
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
    notice()


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
    notice()


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
    notice()
