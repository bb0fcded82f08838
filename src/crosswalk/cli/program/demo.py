"""``crosswalk demo``: the whole journey on a realistic fictional company."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.context import library
from crosswalk.cli.output import console, handle_errors, print_json, working


def how_to_run() -> str:
    """How the user runs this command again from where they are: ``crosswalk`` when the shell
    finds this one, else what they typed (``.venv/bin/crosswalk`` after the README's set-up)."""
    typed = Path(sys.argv[0])
    if typed.name != "crosswalk" or not typed.exists():  # python -m crosswalk, a test runner
        return "crosswalk"
    found = shutil.which("crosswalk")
    if found is not None and Path(found).resolve() == typed.resolve():
        return "crosswalk"
    return shlex.quote(str(typed))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder for the demo workspace.")] = Path("demo"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Build a demo workspace for Northwind Analytics (about 70 SOC 2 controls imported from
    a messy spreadsheet), run the SOC 2 -> ISO/IEC 27001:2022 gap analysis and write every
    report (XLSX, HTML, Markdown, JSON).

    Example: crosswalk demo ./demo && open demo/reports/gap-soc2-to-iso27001-2022.html
    """
    from crosswalk.cli.coverage.gap import print_summary
    from crosswalk.demo.builder import build_demo

    with working(f"Building the demo workspace in {folder}"):
        result = build_demo(folder, library(ctx))
    if as_json:
        print_json(
            {
                "workspace": result.folder,
                "inventory": result.inventory,
                "imported": {
                    "created": len(result.imported.created),
                    "updated": len(result.imported.updated),
                    "unchanged": len(result.imported.unchanged),
                    "warnings": [str(w) for w in result.imported.warnings],
                },
                "annex_a": result.gap.annex_a_summary,
                "net_new": [v.ref for v in result.gap.net_new],
                "reports": result.reports,
                "program": result.program,
                "seconds": round(result.seconds, 2),
            }
        )
        return
    out = console()
    imported = result.imported
    out.print(
        f"Imported {result.inventory}: {len(imported.created)} created, "
        f"{len(imported.updated)} updated, {len(imported.unchanged)} unchanged, "
        f"{len(imported.warnings)} warnings",
        markup=False,
    )
    print_summary(result.gap)
    if result.readiness is not None and result.scope_check is not None:
        out.print(
            f"ISMS: {len(result.readiness.blockers)} Stage 1 blockers "
            f"({'; '.join(result.readiness.blockers)}); scope check: "
            f"{len(result.scope_check.findings)} findings; SoA validate: "
            f"{len(result.soa_findings)} findings",
            markup=False,
        )
    planted = [f for f in result.policy_findings if f.code in ("duplicate", "frequency-conflict")]
    out.print(
        f"Policies: {len(result.policy_findings)} findings, of them "
        + "; ".join(f"{f.code}: {', '.join(f.policies)}" for f in planted),
        markup=False,
    )
    out.print("Reports:", markup=False, style="bold")
    for path in result.reports.values():
        out.print(f"  {path}", markup=False)
    out.print(f"Program files (for git): {result.program}", markup=False)
    me = f"{how_to_run()} --workspace {shlex.quote(str(result.folder))}"
    out.print(f"Workspace: {result.folder} (try: {me} gap --explain A.5.15)", markup=False)
    out.print(f"Web app: {me} users add you@example.com --role admin && {me} serve", markup=False)
