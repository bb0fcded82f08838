"""The certification plan as Markdown, a self-contained HTML page with an SVG timeline, an
XLSX workbook (one sheet per phase) and JSON: the same plan object on every surface."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from crosswalk.reports.serialize import dumps
from crosswalk.reports.tables import Table, to_markdown, write_report
from crosswalk.services.program.plan import MIN_RUN_DAYS, CertificationPlan, Phase, PlanItem

FORMATS = ("json", "md", "html", "xlsx")
PHASE_COLORS = {
    "stage-1-blockers": "#c62828",
    "annex-a-gaps": "#ef6c00",
    "partial": "#f9a825",
    "confirm": "#7cb342",
}
HEADERS = ["#", "ref", "action", "owner", "effort", "start", "due", "depends on", "missing"]


def _row(position: int, item: PlanItem) -> list[str | int | None]:
    return [
        position,
        item.ref,
        item.action,
        item.owner + (" (suggested role)" if item.owner_suggested else ""),
        item.effort,
        item.start.isoformat(),
        item.due.isoformat(),
        ", ".join(key.partition(":")[2] for key in item.depends_on),
        " | ".join(item.missing)
        + (f" | treats risks {', '.join(item.risks)}" if item.risks else ""),
    ]


def phase_table(phase: Phase) -> Table:
    return Table(
        _sheet_name(phase),
        HEADERS,
        [_row(n, item) for n, item in enumerate(phase.items, start=1)],
        widths={"action": 60, "missing": 70, "owner": 30, "depends on": 30},
    )


def _sheet_name(phase: Phase) -> str:
    return {
        "stage-1-blockers": "Stage 1 blockers",
        "annex-a-gaps": "Annex A gaps",
        "partial": "Partial",
        "confirm": "Confirmation rounds",
    }.get(phase.key, phase.key)


def summary_lines(plan: CertificationPlan) -> list[str]:
    """The plan's headline, the same on every surface."""
    lines = [
        f"Target (Stage 2 audit): {plan.target_date}; "
        + ", ".join(f"{m.name} {m.due}" for m in plan.milestones if m.key != "today")
        + ".",
        ", ".join(f"{_sheet_name(p)}: {len(p.items)}" for p in plan.phases) + ".",
    ]
    if plan.head_start is not None:
        lines.append(plan.head_start.sentence() + ".")
    since = plan.isms_since or plan.today
    if plan.run_days_by_stage_2 < MIN_RUN_DAYS:
        lines.append(
            f"By Stage 2 the ISMS will have kept records for {plan.run_days_by_stage_2} days "
            f"(since {since}); certification bodies commonly look for about three months: "
            f"the earliest target that allows it is {plan.earliest_target}."
        )
    if plan.late_by_days:
        lines.append(
            f"At these efforts the work should have started {plan.late_by_days} days ago "
            f"({plan.starts_on}): the earliest realistic target is {plan.earliest_target}."
        )
    else:
        lines.append(f"The latest start that still meets the target: {plan.starts_on}.")
    return lines


def render_markdown(plan: CertificationPlan) -> str:
    lines = [f"# Plan to ISO/IEC 27001 certification (as of {plan.today})", ""]
    lines += [f"- {line}" for line in summary_lines(plan)] + [""]
    lines += ["## Milestones", ""]
    lines += [f"- **{m.due}** {m.name}: {m.what}" for m in plan.milestones] + [""]
    for phase in plan.phases:
        lines += [f"## {phase.title} ({len(phase.items)})", ""]
        lines.append(to_markdown(phase_table(phase)) if phase.items else "Nothing here.\n")
    return "\n".join(lines)


def timeline_svg(plan: CertificationPlan, width: int = 960) -> str:
    """One lane per phase (earliest start to latest due) and a line per milestone."""
    left, right, lane, top = 190, 20, 30, 40
    first = min([plan.today, plan.starts_on])
    last = max(plan.target_date, *(i.due for i in plan.items)) if plan.items else plan.target_date
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return left + (width - left - right) * (day - first).days / span

    phases = [p for p in plan.phases if p.items]
    height = top + lane * len(phases) + 24 + 16 * len(plan.milestones)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Plan timeline" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">'
    ]
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            parts.append(
                f'<line x1="{x(month):.1f}" y1="{top - 8}" x2="{x(month):.1f}" '
                f'y2="{height - 50}" stroke="#e3e7eb"/>'
                f'<text x="{x(month) + 3:.1f}" y="{top - 12}" fill="#5b6673">'
                f"{month.strftime('%b %Y')}</text>"
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    for index, phase in enumerate(phases):
        y = top + index * lane
        start = min(i.start for i in phase.items)
        due = max(i.due for i in phase.items)
        color = PHASE_COLORS.get(phase.key, "#6d8fb3")
        parts.append(
            f'<text x="8" y="{y + 16}" fill="#1d2733">{escape(_sheet_name(phase))} '
            f"({len(phase.items)})</text>"
            f'<rect x="{x(start):.1f}" y="{y + 4}" width="{max(3.0, x(due) - x(start)):.1f}" '
            f'height="{lane - 10}" rx="3" fill="{color}"><title>{escape(phase.title)}: '
            f"{start} to {due}</title></rect>"
        )
    base = top + lane * len(phases)
    for index, milestone in enumerate(plan.milestones):
        mx = x(milestone.due)
        label_y = base + 18 + index * 16
        right = mx > width * 0.6  # labels near the right edge read leftwards
        parts.append(
            f'<line x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{label_y - 4}" '
            f'stroke="#1d2733" stroke-dasharray="3 3"/>'
            f'<text x="{mx + (-4 if right else 4):.1f}" y="{label_y}" fill="#1d2733" '
            f'text-anchor="{"end" if right else "start"}">'
            f"{escape(milestone.name)} {milestone.due}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(plan: CertificationPlan) -> str:
    phases_html = []
    for phase in plan.phases:
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(str(c or ''))}</td>" for c in _row(n, item)) + "</tr>"
            for n, item in enumerate(phase.items, start=1)
        )
        body = (
            f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in HEADERS)}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if phase.items
            else '<p class="muted">Nothing here.</p>'
        )
        phases_html.append(
            f'<h2 id="{phase.key}"><span class="dot" style="background:'
            f'{PHASE_COLORS.get(phase.key, "#6d8fb3")}"></span>{escape(phase.title)} '
            f"({len(phase.items)})</h2>{body}"
        )
    summary = "".join(f"<li>{escape(line)}</li>" for line in summary_lines(plan))
    milestones = "".join(
        f"<li><b>{m.due}</b> {escape(m.name)}: {escape(m.what)}</li>" for m in plan.milestones
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plan to ISO/IEC 27001 certification</title>
<style>
body {{ font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1d2733; margin: 0 auto; max-width: 1200px; padding: 24px; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #1d2733; padding-bottom: 4px; }}
.muted {{ color: #5b6673; }} .dot {{ display: inline-block; width: 12px; height: 12px;
  border-radius: 6px; margin-right: 8px; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #d9dee4; padding: 5px 7px; text-align: left;
  vertical-align: top; font-size: 13px; }}
th {{ background: #f5f7f9; }} svg {{ max-width: 100%; height: auto; }}
@media print {{ body {{ max-width: none; padding: 0; }} tr {{ break-inside: avoid; }} }}
</style></head><body>
<h1>Plan to ISO/IEC 27001 certification</h1>
<p class="muted">As of {plan.today}, scheduled backwards from the Stage 2 audit on
{plan.target_date}. Generated by Crosswalk.</p>
<ul>{summary}</ul>
{timeline_svg(plan)}
<h2>Milestones</h2><ul>{milestones}</ul>
{"".join(phases_html)}
</body></html>
"""


def write_plan(plan: CertificationPlan, output_format: str, path: Path) -> None:
    def tables() -> list[Table]:
        overview = Table(
            "Overview",
            ["item", "value"],
            [[line, ""] for line in summary_lines(plan)]
            + [[f"{m.name}", m.due.isoformat()] for m in plan.milestones],
            widths={"item": 100, "value": 14},
        )
        return [overview, *(phase_table(p) for p in plan.phases)]

    write_report(
        path,
        output_format,
        tables,
        {
            "json": lambda: dumps(plan),
            "md": lambda: render_markdown(plan),
            "html": lambda: render_html(plan),
        },
    )
