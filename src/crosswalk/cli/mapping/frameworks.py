"""``crosswalk frameworks`` and ``crosswalk show``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from crosswalk.cli.context import library
from crosswalk.cli.output import console, handle_errors, listing, print_json, print_rows

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


app = typer.Typer(
    help="Frameworks: list them (no subcommand), import, resolve, export, template.",
    invoke_without_command=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="frameworks")
    root.command("show")(show)


@app.callback()
@listing
@handle_errors
def list_frameworks(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List loaded frameworks: id, version, requirement counts by kind.

    Example: crosswalk frameworks --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crosswalk.services.mapping.frameworks import summarize_frameworks

    summaries = summarize_frameworks(library(ctx))
    if as_json:
        print_json(summaries)
        return
    print_rows(
        "Frameworks",
        ["id", "name", "version", "requirements by kind", "groups"],
        [
            [
                s.id,
                s.name,
                s.version,
                ", ".join(f"{n} {kind}" for kind, n in s.counts.items()),
                ", ".join(f"{g.ref} {sum(g.counts.values())}" for g in s.groups if g.counts),
            ]
            for s in summaries
        ],
    )


@listing
@handle_errors
def show(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(help="FRAMEWORK:REF, e.g. soc2-tsc-2017:CC6.1 or iso27001-2022:5.15")
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a requirement: parent, children and every mapping in both directions.

    Example: crosswalk show iso27001-2022:A.5.15
    """
    from crosswalk.services.mapping.frameworks import describe_requirement
    from crosswalk.services.mapping.library import resolve_requirement

    lib = library(ctx)
    detail = describe_requirement(lib, resolve_requirement(lib, ref))
    if as_json:
        print_json(detail)
        return
    out = console()
    out.print(f"[bold]{escape(detail.key)}[/bold]  {escape(detail.title)}")
    facts = [f"kind: {detail.kind}"]
    if detail.mandatory:
        facts.append("mandatory")
    facts.extend(f"{k}: {v}" for k, v in detail.attributes.items())
    out.print("  " + " | ".join(facts), markup=False)
    if detail.text:
        out.print(f"  {detail.text}", markup=False, style="italic")
    for param_id, value in detail.parameters.items():
        out.print(f"  parameter {param_id}: {value}", markup=False)
    if detail.parent:
        out.print(f"  parent: {detail.parent.ref} {detail.parent.title}", markup=False)
    if detail.children:
        out.print("  children: " + ", ".join(c.ref for c in detail.children), markup=False)
    for note in detail.no_counterpart:
        out.print(f"  no counterpart ({note.mapping_set}): {note.note}", markup=False)
    for view in detail.retired:
        out.print(
            f"  retired by the team ({view.mapping_set}): {view.other.key} {view.relationship}; "
            f"why: {view.adjusted}",
            markup=False,
        )
    if not detail.mappings:
        out.print("  no mappings")
        return
    print_rows(
        f"Mappings of {detail.key} ({len(detail.mappings)})",
        ["", "requirement", "title", "this is ... it", "strength", "set", "note"],
        [
            [
                "→" if v.direction == "outgoing" else "←",
                v.other.key,
                v.other.title,
                v.relationship,
                ("" if v.strength is None else str(v.strength)) + (" weak" if v.weak else ""),
                v.mapping_set,
                "; ".join(
                    [
                        v.note,
                        *([f"adjusted by the team: {v.adjusted}"] if v.adjusted else []),
                        *(f"caution: {c}" for c in v.cautions),
                    ]
                ),
            ]
            for v in detail.mappings
        ],
    )
    out.print(detail.notice, markup=False, style="dim")
