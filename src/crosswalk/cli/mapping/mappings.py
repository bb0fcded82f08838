"""``crosswalk mappings``: the mapping sets themselves."""

from __future__ import annotations

from typing import Annotated

import typer

from crosswalk.cli.context import library
from crosswalk.cli.output import ExitCode, console, handle_errors, print_json, print_rows

app = typer.Typer(help="Mapping sets: list them and check their quality.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
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
            "file": lib.sources[s.id],
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
