"""``crosswalk mappings``: the mapping sets themselves."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import ExitCode, console, handle_errors, listing, print_json, print_rows

app = typer.Typer(help="Mapping sets: list them and check their quality.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
@listing
@handle_errors
def list_sets(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List mapping sets with version, frameworks, edge count and provenance.

    Example: crosswalk mappings list
    """
    lib = library(ctx)
    sets = [
        {
            "id": s.id,
            "version": s.version,
            "source_framework": s.source_framework,
            "target_framework": s.target_framework,
            "edges": len(s.mappings),
            "refines": s.refines,
            "provenance": s.provenance,
            "file": lib.sources.get(s.id, "(this workspace: the team's adjustments)"),
        }
        for s in lib.mapping_sets.values()
    ]
    if as_json:
        print_json(sets)
        return
    print_rows(
        "Mapping sets",
        ["id", "version", "from", "to", "edges", "source"],
        [
            [
                s["id"],
                s["version"],
                s["source_framework"],
                s["target_framework"],
                s["edges"],
                lib.mapping_sets[str(s["id"])].provenance.source,
            ]
            for s in sets
        ],
    )


@app.command("lint")
@listing
@handle_errors
def lint(
    ctx: typer.Context,
    mapping_set: Annotated[
        list[str] | None, typer.Argument(help="Mapping set ids (default: all).")
    ] = None,
    backbone: Annotated[
        str, typer.Option(help="Framework to compare direct edges against ('' to skip).")
    ] = "nist-csf-2.0",
    as_json: JsonOption = False,
) -> None:
    """Quality scorecard per mapping set; exit 1 on structural errors.

    Counts edges by relationship and rationale, source coverage, targets nothing
    reaches, duplicate and contradictory edges, edges to unknown refs, edges that break
    a refinement, and disagreements with what the backbone framework implies.

    Example: crosswalk mappings lint soc2-to-iso27001-2022
    """
    from crosswalk.services.mapping.library import resolve_mapping_set
    from crosswalk.services.mapping.lint import lint_library

    lib = library(ctx, strict=False)
    only = [resolve_mapping_set(lib, s) for s in mapping_set] if mapping_set else None
    report = lint_library(lib, only, backbone or None)
    if as_json:
        print_json(
            {
                "scorecards": report.scorecards,
                "cross_set_findings": report.findings,
                "errors": sum(c.errors for c in report.scorecards)
                + sum(1 for f in report.findings if f.severity == "error"),
            }
        )
    else:
        print_rows(
            "Mapping set scorecards",
            [
                "set",
                "edges",
                "by relationship",
                "typed",
                "sources reached",
                "targets reached",
                "backbone agrees",
                "errors",
                "warnings",
            ],
            [
                [
                    c.mapping_set,
                    c.edges,
                    ", ".join(f"{k} {v}" for k, v in sorted(c.by_relationship.items())),
                    f"{c.typed_share:.0%}",
                    f"{c.sources_reached}/{c.sources_total}",
                    f"{c.targets_reached}/{c.targets_total}",
                    f"{c.backbone_reaches}/{c.edges}" if c.backbone else "",
                    c.errors,
                    c.warnings,
                ]
                for c in report.scorecards
            ],
        )
        findings = report.all_findings
        if findings:
            print_rows(
                f"Findings ({len(findings)})",
                ["severity", "code", "set", "where", "message"],
                [[f.severity, f.code, f.mapping_set, f.where, f.message] for f in findings],
            )
        else:
            console().print("no findings")
    if report.has_errors:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("adjust")
@handle_errors
def adjust(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source FRAMEWORK:REF, as the edge is authored.")],
    target: Annotated[str, typer.Argument(help="Target FRAMEWORK:REF.")],
    because: Annotated[
        str, typer.Option("--because", help="Why the team judges the edge this way (required).")
    ] = "",
    relationship: Annotated[
        str | None,
        typer.Option(
            "--relationship",
            help="equal, subset_of, superset_of or intersects_with (source relative to target).",
        ),
    ] = None,
    strength: Annotated[
        int | None, typer.Option("--strength", min=1, max=10, help="1-10 on the rubric.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="What of the target the source covers, and not.")
    ] = None,
    retire: Annotated[
        bool, typer.Option("--retire", help="The team does not accept this shipped edge.")
    ] = False,
    undo: Annotated[
        bool, typer.Option("--undo", help="Drop the team's adjustment: the shipped edge applies.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Adjust one crosswalk edge for this workspace: change, retire or add it, with a reason.

    Shipped files never change: the adjustment is a record in the workspace (and in the audit
    trail), used by every verdict and shown as "adjusted by the team".

    Example: crosswalk mappings adjust soc2-tsc-2017:CC6.4 iso27001-2022:A.7.2
    --relationship intersects_with --strength 6 --because "no delivery or loading areas in scope"
    """
    from crosswalk.services.mapping.adjustments import adjust_edge, restore_edge

    shipped = library(ctx, adjusted=False)
    with session(ctx) as active:
        if undo:
            edge = restore_edge(active, shipped, source, target)
            result: object = {"undone": edge}
            message = f"{edge}: the team's adjustment is undone; the shipped edge applies"
        else:
            view = adjust_edge(
                active,
                shipped,
                source,
                target,
                because,
                date.today(),
                relationship=relationship,
                strength=strength,
                note=note,
                retire=retire,
            )
            result = view
            message = f"{view.edge}: {view.kind} by the team ({', '.join(view.mapping_sets)})"
    if as_json:
        print_json(result)
        return
    console().print(message, markup=False)


@app.command("adjustments")
@listing
@handle_errors
def adjustments(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the team's adjustments to the crosswalk, with the shipped edge each one changes.

    Example: crosswalk mappings adjustments
    """
    from crosswalk.services.mapping.adjustments import list_adjustments

    shipped = library(ctx, adjusted=False)
    with session(ctx, commit=False) as active:
        views = list_adjustments(active, shipped)
    if as_json:
        print_json(views)
        return
    if not views:
        console().print("no adjustments: the crosswalk is used as shipped")
        return
    print_rows(
        f"The team's adjustments ({len(views)})",
        ["edge", "what", "now", "shipped", "why", "by", "on"],
        [
            [
                v.edge,
                v.kind,
                "retired"
                if v.action == "retire"
                else ", ".join(
                    x
                    for x in (
                        v.relationship,
                        None if v.strength is None else f"strength {v.strength}",
                        v.note,
                    )
                    if x
                ),
                v.shipped or "(none: added)",
                v.reason,
                v.adjusted_by,
                v.adjusted_on.isoformat(),
            ]
            for v in views
        ],
    )
