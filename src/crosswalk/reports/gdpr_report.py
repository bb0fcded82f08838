"""What your ISO certificate does not cover, as Markdown, one self-contained HTML page, an
XLSX workbook and JSON. Every surface renders ``services.gdpr.report.certificate_gaps``; none
computes a figure of its own."""

from __future__ import annotations

from pathlib import Path

from crosswalk.reports.serialize import dumps, to_jsonable
from crosswalk.reports.tables import Table, to_markdown, write_report
from crosswalk.services.gdpr.report import (
    MET_BY_CONTROLS,
    MET_BY_RECORDS,
    NOT_USED,
    OPEN,
    ArticleLine,
    CertificateGaps,
)

FORMATS = ("json", "md", "html", "xlsx")
TITLE = "What your ISO certificate does not cover"
SECTIONS = (
    (OPEN, "Open: nothing covers these yet"),
    (MET_BY_RECORDS, "Met by this module's records"),
    (MET_BY_CONTROLS, "Met through ISMS controls"),
    (NOT_USED, "Not used"),
)
HEADERS = ["article", "title", "state", "fine tier", "explanation", "controls"]


def controls_text(line: ArticleLine) -> str:
    """Each control once, with the ISO requirement it meets the article through."""
    seen: dict[str, list[str]] = {}
    for reach in line.controls:
        seen.setdefault(f"{reach.control_id} {reach.title}", []).append(reach.via)
    return "; ".join(f"{name} (via {', '.join(vias)})" for name, vias in seen.items())


def summary_line(report: CertificateGaps) -> str:
    c = report.counts
    return (
        f"{c[OPEN]} articles open, {c[MET_BY_RECORDS]} met by this module's records, "
        f"{c[MET_BY_CONTROLS]} met through ISMS controls, {c[NOT_USED]} not used"
    )


def figures_lines(report: CertificateGaps) -> list[str]:
    f = report.figures
    return [
        f"- Processing activities: {f.activities} ({f.incomplete_activities} incomplete, "
        f"{f.without_basis} without a lawful basis, {f.dpia_missing} awaiting a DPIA)",
        f"- Incidents: {f.incidents}; personal-data breaches: {f.breaches}; awaiting "
        f"notification: {f.awaiting_notification} ({f.clocks_alerting} under 12 h or past due)",
        f"- Data-subject requests: {sum(f.requests.values())} "
        f"({sum(f.overdue_requests.values())} overdue)",
    ]


def article_table(report: CertificateGaps) -> Table:
    return Table(
        "Articles",
        HEADERS,
        [
            [
                line.ref,
                line.title,
                line.state,
                line.fine_tier,
                line.explanation,
                controls_text(line),
            ]
            for line in report.articles
        ],
        widths={"explanation": 70, "controls": 60, "title": 40},
    )


def reach_table(report: CertificateGaps) -> Table:
    rows = [
        [line.ref, r.control_id, r.title, r.via, r.strength, r.note]
        for line in report.articles
        for r in line.controls
    ]
    return Table(
        "Controls explained",
        ["article", "control", "title", "via", "strength", "what ISO leaves out"],
        rows,
        widths={"what ISO leaves out": 80},
    )


def render_markdown(report: CertificateGaps) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by Crosswalk from the shipped GDPR "
        "catalog, the GDPR -> ISO/IEC 27001:2022 mapping set and this workspace's records. "
        "ISO references only; the standard's text is ISO's.",
        "",
        summary_line(report) + ".",
        "",
        *figures_lines(report),
        "",
    ]
    for state, heading in SECTIONS:
        chosen = report.by_state(state)
        if not chosen:
            continue
        lines += [f"## {heading} ({len(chosen)})", ""]
        rows = [
            [line.ref, line.title, line.fine_tier, line.explanation, controls_text(line)]
            for line in chosen
        ]
        table = Table(heading, ["article", "title", "fine tier", "why", "controls"], rows)
        lines.append(to_markdown(table))
    return "\n".join(lines)


def render_html(report: CertificateGaps) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return environment.get_template("gdpr.html.j2").render(
        title=TITLE,
        report=report,
        sections=[
            (state.replace(" ", "-").replace("'", ""), heading, report.by_state(state))
            for state, heading in SECTIONS
        ],
        summary=summary_line(report),
        figures=[line[2:] for line in figures_lines(report)],
        controls_of=controls_text,
    )


def render_json(report: CertificateGaps) -> str:
    return dumps(to_jsonable(report))


def write_gdpr_report(report: CertificateGaps, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: [article_table(report), reach_table(report)],
        {
            "json": lambda: render_json(report),
            "md": lambda: render_markdown(report),
            "html": lambda: render_html(report),
        },
    )
