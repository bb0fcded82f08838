"""The gap analysis as an XLSX workbook, a self-contained HTML page, Markdown and JSON."""

from __future__ import annotations

from pathlib import Path

from crosswalk.reports.charts import stacked_bars, verdict_donut
from crosswalk.reports.serialize import dumps
from crosswalk.reports.tables import Table, to_markdown, write_report
from crosswalk.services.coverage.gap import GapReport, RequirementVerdict

FORMATS = ("json", "md", "html", "xlsx")


def _routes_text(view: RequirementVerdict) -> str:
    """Direct tags per control; criteria with all their controls (a criterion-level claim)."""
    direct = [f"{r.control_id} (direct)" for r in view.routes if not r.relationship]
    criteria = [
        f"{c.criterion} ({c.relationship}"
        + (f", {c.strength}" if c.strength is not None else "")
        + f"): {', '.join(c.controls)}"
        for c in view.criteria
    ]
    return "; ".join([*direct, *criteria])


def _why(view: RequirementVerdict) -> str:
    """The reasons as separate sentences, never run together."""
    return " | ".join(reason.rstrip(". ") for reason in view.why_not_higher)


def leaf_clauses(report: GapReport) -> list[RequirementVerdict]:
    """The clauses the clause counts count: those without sub-clauses."""
    parents = {v.group_parent for v in report.clauses if v.group_parent}
    return [v for v in report.clauses if v.ref not in parents]


def headline_sentences(report: GapReport) -> list[str]:
    """The headline every surface prints, from the report's own figures."""
    summary = report.annex_a_summary
    by, percent = summary.by_verdict, summary.percent
    lines = []
    if summary.total:
        lines.append(
            f"{report.measured} ({summary.total}): {by['covered']} covered "
            f"({percent['covered']}%), "
            f"{by['likely']} likely covered, to confirm ({percent['likely']}%), "
            f"{by['partial']} partial, {by['planned']} planned, {by['gap']} gap"
            + (f", {by['not applicable']} not applicable" if by["not applicable"] else "")
            + "."
        )
    if report.head_start is not None:
        lines.append(report.head_start.sentence() + ".")
    clauses = report.clause_summary
    if clauses.total:
        c = clauses.by_verdict
        lines.append(
            f"Clauses 4-10 ({clauses.total}, judged from the ISMS records and direct tags): "
            f"{c['covered']} covered, {c['partial']} partial, {c['gap']} gap; "
            f"{len(report.net_new)} net-new (no record, no control yet)."
        )
    return lines


def gap_tables(report: GapReport) -> list[Table]:
    summary_rows: list[list[str | int | float | None]] = [
        ["Source framework", report.source],
        ["Target framework", report.target],
        ["Generated", report.generated_at],
        ["Controls in the library", report.controls_total],
        ["Verdict rule", report.evidence_rule],
        ["Annex A controls assessed", report.annex_a_summary.total],
    ]
    if report.head_start is not None:
        summary_rows.append(["SOC 2 head start", f"{report.head_start.percent}%"])
        summary_rows.append(["Head start definition", report.head_start.definition])
    for verdict, count in report.annex_a_summary.by_verdict.items():
        summary_rows.append(
            [f"Annex A {verdict}", f"{count} ({report.annex_a_summary.percent[verdict]}%)"]
        )
    for theme, counts in report.annex_a_by_theme.items():
        summary_rows.append(
            [
                f"{theme} ({counts.total})",
                ", ".join(f"{v} {n}" for v, n in counts.by_verdict.items() if n),
            ]
        )
    clauses = report.clause_summary
    summary_rows.append(
        [
            f"Clauses 4-10 ({clauses.total})",
            ", ".join(f"{v} {n}" for v, n in clauses.by_verdict.items() if n),
        ]
    )
    summary_rows.append(["Clauses 4-10 net-new", ", ".join(v.ref for v in report.net_new)])
    summary_rows.append(["Controls on paper only", ", ".join(report.paper_only_controls)])
    summary_rows.append(["Unowned controls", ", ".join(report.unowned_controls)])
    return [
        Table("Summary", ["item", "value"], summary_rows, widths={"item": 34, "value": 90}),
        Table(
            "Annex A",
            [
                "ref",
                "title",
                "theme",
                "verdict",
                "controls",
                "owners",
                "routes",
                "why not higher",
                "suggested control",
            ],
            [
                [
                    v.ref,
                    v.title,
                    v.group,
                    v.verdict,
                    ", ".join(v.controls),
                    ", ".join(v.owners),
                    _routes_text(v),
                    _why(v),
                    v.suggested_control,
                ]
                for v in report.annex_a
            ],
            widths={"routes": 60, "why not higher": 70, "suggested control": 60},
        ),
        Table(
            "Clauses",
            [
                "ref",
                "title",
                "verdict",
                "net-new",
                "artifact",
                "judged from",
                "controls tagged",
                "SOC 2 head start",
                "why not higher",
            ],
            [
                [
                    v.ref,
                    v.title,
                    v.verdict,
                    "yes" if v.net_new else "no",
                    v.artifact,
                    "; ".join(v.basis),
                    ", ".join(v.controls),
                    v.head_start_refs,
                    _why(v),
                ]
                for v in leaf_clauses(report)
            ],
            widths={"why not higher": 70, "SOC 2 head start": 40, "judged from": 50},
        ),
        Table(
            "Crosswalk",
            [
                "control",
                "control title",
                "status",
                "SOC 2 criterion",
                "ISO ref",
                "relationship",
                "strength",
                "note",
            ],
            [
                [
                    r.control_id,
                    r.control_title,
                    r.status,
                    r.criterion,
                    r.target,
                    r.relationship,
                    r.strength,
                    r.note,
                ]
                for r in report.crosswalk
            ],
            widths={"note": 70},
        ),
        Table(
            "Backlog",
            ["item", "ISO ref", "verdict", "suggested control", "owner", "effort"],
            [
                [b.item, b.ref, b.verdict, b.suggested_control, b.owner, b.effort]
                for b in report.backlog
            ],
            widths={"item": 60, "suggested control": 70},
        ),
        Table(
            "SoA draft",
            [
                "ref",
                "title",
                "theme",
                "proposed applicability",
                "justification",
                "implementation status",
                "controls",
            ],
            [
                [
                    s.ref,
                    s.title,
                    s.theme,
                    s.proposed_applicability,
                    s.justification,
                    s.implementation_status,
                    ", ".join(s.controls),
                ]
                for s in report.soa_draft
            ],
            widths={"justification": 70},
        ),
    ]


def net_new_table(report: GapReport) -> Table:
    return Table(
        "net-new",
        ["clause", "title", "artifact", "SOC 2 head start"],
        [[v.ref, v.title, v.artifact, v.head_start_refs] for v in report.net_new],
    )


def render_markdown(report: GapReport) -> str:
    summary = report.annex_a_summary
    lines = [
        f"# Gap analysis: {report.source} -> {report.target}",
        "",
        f"Generated {report.generated_at} from {report.controls_total} controls. "
        f"Rule: {report.evidence_rule}.",
        "",
        "## Headline",
        "",
        *[f"- {sentence}" for sentence in headline_sentences(report)],
        "",
        *([f"_{report.head_start.definition}._", ""] if report.head_start else []),
        to_markdown(
            Table(
                "by theme",
                ["theme", "total", *summary.by_verdict],
                [
                    [theme, c.total, *c.by_verdict.values()]
                    for theme, c in report.annex_a_by_theme.items()
                ],
            )
        ),
        "## ISO clauses 4-10",
        "",
        "Judged from the ISMS records the workspace keeps and from controls tagged to the "
        "clauses directly; SOC 2 criteria are only a head start there.",
        "",
        to_markdown(
            Table(
                "clauses",
                ["clause", "title", "verdict", "judged from", "why not higher"],
                [
                    [v.ref, v.title, v.verdict, "; ".join(v.basis), _why(v)]
                    for v in leaf_clauses(report)
                ],
            )
        ),
        "### Net-new (no record and no control yet)",
        "",
        to_markdown(net_new_table(report)),
        "## What SOC 2 asks that ISO does not",
        "",
        *[
            f"- **{item.topic}**: {item.explanation}"
            + (f" ({', '.join(item.criteria)})" if item.criteria else "")
            for item in report.reverse
        ],
        "",
        "## Remediation backlog",
        "",
        to_markdown(
            Table(
                "backlog",
                ["ISO ref", "item", "suggested control", "owner", "effort"],
                [
                    [b.ref, b.item, b.suggested_control, b.owner or "", b.effort]
                    for b in report.backlog
                ],
            )
        ),
        "## Annex A verdicts",
        "",
        to_markdown(
            Table(
                "annex a",
                ["ref", "title", "verdict", "controls", "why not higher"],
                [
                    [v.ref, v.title, v.verdict, ", ".join(v.controls), _why(v)]
                    for v in report.annex_a
                ],
            )
        ),
        "## Controls to look at",
        "",
        f"- On paper only: {', '.join(report.paper_only_controls) or 'none'}",
        f"- Unowned: {', '.join(report.unowned_controls) or 'none'}",
        f"- Not tagged to any requirement: {', '.join(report.untagged_controls) or 'none'}",
        "",
    ]
    return "\n".join(lines)


def render_html(report: GapReport) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = environment.get_template("gap.html.j2")
    themes = [(theme, counts.by_verdict) for theme, counts in report.annex_a_by_theme.items()]
    return template.render(
        report=report,
        theme_chart=stacked_bars([*themes, ("All Annex A", report.annex_a_summary.by_verdict)]),
        donut=verdict_donut(report.annex_a_summary.by_verdict),
        clause_chart=stacked_bars([("Clauses 4-10", report.clause_summary.by_verdict)]),
        routes_text=_routes_text,
        headline=headline_sentences(report),
        leaf_clauses=leaf_clauses(report),
    )


def write_gap_report(report: GapReport, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: gap_tables(report),
        {
            "json": lambda: dumps(report),
            "md": lambda: render_markdown(report),
            "html": lambda: render_html(report),
        },
    )
