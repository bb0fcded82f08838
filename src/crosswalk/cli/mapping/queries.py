"""``crosswalk map`` and ``crosswalk matrix``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from crosswalk.cli.context import library
from crosswalk.cli.output import (
    console,
    emit_report,
    handle_errors,
    listing,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.mapping.queries import PathView

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class MatrixFormat(StrEnum):
    md = "md"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("map")(map_command)
    app.command("matrix")(matrix)


def _strength(view: PathView) -> str:
    return _bare_strength(view) + (" weak" if view.weak else "")


def _bare_strength(view: PathView) -> str:
    if view.strength is None:
        return "–"
    return f"≤{view.strength}" if view.strength_is_bound else str(view.strength)


def _explain(view: PathView) -> None:
    out = console()
    label = "inferred" if view.inferred else "direct"
    out.print(
        f"\n[bold]{escape(view.target.key)}[/bold] {escape(view.target.title)}  "
        + escape(f"[{label}] {view.relationship}, strength {_strength(view)}: {view.coverage}")
    )
    for step in view.steps:
        strength = step.strength if step.strength is not None else "–"
        reverse = ", read in reverse" if step.direction == "incoming" else ""
        out.print(
            f"   {step.mapping_set}: {step.relationship} {step.other.key} "
            f"({step.rationale}, strength {strength}{reverse})",
            markup=False,
        )
        out.print(f"     why: {step.note}", markup=False)
        if step.adjusted:
            out.print(f"     adjusted by the team: {step.adjusted}", markup=False)
        for caution in step.cautions:
            out.print(f"     caution: {caution}", markup=False)
        if step.beyond_refined:
            out.print(f"     beyond the series table: {step.beyond_refined}", markup=False)


@listing
@handle_errors
def map_command(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(help="FRAMEWORK:REF to start from, e.g. soc2-tsc-2017:CC8.1")
    ],
    to: Annotated[str, typer.Option("--to", help="Target framework id, e.g. iso27001-2022.")],
    via: Annotated[
        list[str] | None,
        typer.Option("--via", help="Backbone framework(s) to infer through, e.g. nist-csf-2.0."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every edge of every path with its note.")
    ] = False,
    max_hops: Annotated[int, typer.Option(min=2, max=6, help="Longest inferred path.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Map a requirement into another framework: direct edges, and with --via inferred paths.

    Inferred results are labelled with their path and composed relationship; a path that
    set theory cannot decide is a "possible overlap", never coverage on its own.

    Example: crosswalk map soc2-tsc-2017:CC6.1 --to iso27001-2022 --via nist-csf-2.0 --explain
    """
    from crosswalk.services.mapping.library import resolve_framework, resolve_requirement
    from crosswalk.services.mapping.queries import map_requirement

    lib = library(ctx)
    key = resolve_requirement(lib, ref)
    target = resolve_framework(lib, to)
    via_ids = [resolve_framework(lib, v) for v in via or []]
    result = map_requirement(lib, key, target, via_ids, max_hops=max_hops)
    if as_json:
        print_json(result)
        return
    out = console()
    out.print(f"[bold]{escape(result.source.key)}[/bold] {escape(result.source.title)} → {target}")
    for note in result.no_counterpart:
        out.print(f"  no counterpart: {note}", markup=False)
    if not result.direct and not result.inferred:
        out.print("  no mapping" + ("" if via_ids else " (try --via nist-csf-2.0)"))
    groups = [("direct", result.direct), ("inferred via " + ", ".join(via_ids), result.inferred)]
    for title, views in groups:
        if not views:
            continue
        if explain:
            console().print(f"\n[bold underline]{escape(title)}[/] ({len(views)})")
            for view in views:
                _explain(view)
            continue
        print_rows(
            f"{title} ({len(views)})",
            ["target", "title", "relationship", "strength", "coverage", "path or note"],
            [
                [
                    v.target.ref,
                    v.target.title,
                    v.relationship,
                    _strength(v),
                    v.coverage.split(":")[0],
                    " → ".join(s.other.key for s in v.steps) if v.inferred else v.steps[0].note,
                ]
                for v in views
            ],
        )


@handle_errors
def matrix(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(help="Source framework id (default: soc2-tsc-2017, as gap).")
    ] = "soc2-tsc-2017",
    target: Annotated[
        str, typer.Argument(help="Target framework id (default: iso27001-2022).")
    ] = "iso27001-2022",
    output_format: Annotated[
        MatrixFormat, typer.Option("--format", "-f", help="md, csv, json or xlsx.")
    ] = MatrixFormat.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (required for xlsx).")
    ] = None,
    via: Annotated[
        list[str] | None, typer.Option("--via", help="Also add inferred rows through a backbone.")
    ] = None,
) -> None:
    """The crosswalk between two frameworks as a table, one row per mapping (SOC 2 to ISO/IEC
    27001:2022 unless named).

    Example: crosswalk matrix soc2-tsc-2017 iso27001-2022 --format xlsx -o crosswalk.xlsx
    """
    from crosswalk.reports.listings import matrix_table
    from crosswalk.reports.tables import to_csv, to_markdown, write_xlsx
    from crosswalk.services.mapping.library import resolve_framework
    from crosswalk.services.mapping.queries import build_matrix

    lib = library(ctx)
    source_id, target_id = resolve_framework(lib, source), resolve_framework(lib, target)
    rows = build_matrix(lib, source_id, target_id, [resolve_framework(lib, v) for v in via or []])
    table = matrix_table(rows, source_id, target_id)
    if output_format is MatrixFormat.xlsx:
        emit_report("xlsx", output, lambda path: write_xlsx(path, [table]))
    else:
        from crosswalk.reports.serialize import dumps

        writers = {MatrixFormat.md: to_markdown, MatrixFormat.csv: to_csv}
        text = dumps(rows) if output_format is MatrixFormat.json else writers[output_format](table)
        if output is None:
            sys.stdout.write(text)
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    console(stderr=True).print(f"wrote {len(rows)} rows to {output}")
