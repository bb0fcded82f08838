"""The risk treatment plan as an XLSX workbook, a self-contained HTML page, Markdown and
JSON. Each carries the method the risks were scored by, so the plan documents itself."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from crosswalk.domain.risk import Assessment, RiskMethod
from crosswalk.reports.serialize import dumps, to_jsonable
from crosswalk.reports.tables import Cell, Table, to_markdown, write_report
from crosswalk.services.isms.risks import RiskDetail, TreatmentPlan

FORMATS = ("json", "md", "html", "xlsx")

# Band colours from the lowest band to the highest (green to red, then darker).
_RAMP = ("#2e7d32", "#7cb342", "#f9a825", "#ef6c00", "#c62828", "#8e0000", "#4a148c")
_BY_COUNT = {
    1: ("#2e7d32",),
    2: ("#2e7d32", "#c62828"),
    3: ("#2e7d32", "#f9a825", "#c62828"),
    4: ("#2e7d32", "#f9a825", "#ef6c00", "#c62828"),
}
_LIGHT = {"#7cb342", "#f9a825"}  # backgrounds that need dark text


def band_colors(method: RiskMethod) -> dict[str, str]:
    """Band name -> colour, rising from green to red with the band."""
    count = len(method.bands)
    if count in _BY_COUNT:
        colors = _BY_COUNT[count]
    else:
        last = len(_RAMP) - 1
        colors = tuple(_RAMP[round(i * last / (count - 1))] for i in range(count))
    return {band.name: color for band, color in zip(method.bands, colors, strict=True)}


def _score(assessment: Assessment | None) -> str:
    return f"{assessment.score} {assessment.rating}" if assessment else ""


def _controls(plan: TreatmentPlan, row: RiskDetail) -> str:
    return "; ".join(f"{c} {plan.control_titles.get(c, '')}".strip() for c in row.controls)


def _annex_a(plan: TreatmentPlan, row: RiskDetail) -> str:
    return "; ".join(f"{a} {plan.annex_a_titles.get(a, '')}".strip() for a in row.annex_a)


def _accepted(row: RiskDetail) -> str:
    if row.accepted_by is None:
        return ""
    on = f" on {row.accepted_on.isoformat()}" if row.accepted_on else ""
    return f"{row.accepted_by}{on}"


def _findings(row: RiskDetail) -> str:
    return "; ".join(f"{f.code}: {f.message}" for f in row.findings)


def plan_table(plan: TreatmentPlan) -> Table:
    headers = [
        "risk",
        "title",
        "category",
        "assets",
        "owner",
        "inherent likelihood",
        "inherent impact",
        "inherent score",
        "inherent rating",
        "treatment",
        "controls",
        "Annex A",
        "plan",
        "due",
        "residual likelihood",
        "residual impact",
        "residual score",
        "residual rating",
        "above threshold",
        "accepted by",
        "accepted on",
        "findings",
    ]
    rows: list[list[Cell]] = []
    for r in plan.rows:
        inherent, residual = r.inherent, r.residual
        rows.append(
            [
                r.risk_id,
                r.title,
                r.category,
                ", ".join(r.assets),
                r.owner,
                inherent.likelihood if inherent else None,
                inherent.impact if inherent else None,
                inherent.score if inherent else None,
                inherent.rating if inherent else "off scale",
                r.treatment,
                _controls(plan, r),
                _annex_a(plan, r),
                r.plan,
                r.due.isoformat() if r.due else None,
                residual.likelihood if residual else None,
                residual.impact if residual else None,
                residual.score if residual else None,
                residual.rating if residual else "not assessed",
                "yes" if r.above_threshold else "no",
                r.accepted_by,
                r.accepted_on.isoformat() if r.accepted_on else None,
                _findings(r),
            ]
        )
    widths = {"title": 40, "controls": 40, "Annex A": 40, "plan": 60, "findings": 80}
    return Table("Treatment plan", headers, rows, widths=widths)


def method_table(method: RiskMethod) -> Table:
    rows: list[list[Cell]] = [["score", "likelihood x impact", "", "rated by the bands below"]]
    rows += [["likelihood", v.value, v.label, v.description] for v in method.likelihood]
    rows += [["impact", v.value, v.label, v.description] for v in method.impact]
    for index, band in enumerate(method.bands):
        upper = (
            method.bands[index + 1].min_score - 1
            if index + 1 < len(method.bands)
            else method.max_score
        )
        rows.append(["band", f"{band.min_score}-{upper}", band.name, ""])
    rows.append(
        [
            "acceptance threshold",
            method.acceptance_threshold,
            "",
            f"residual scores above {method.acceptance_threshold} need treatment or the "
            "risk owner's explicit acceptance",
        ]
    )
    return Table(
        "Method",
        ["part", "value", "label", "description"],
        rows,
        widths={"part": 22, "value": 22, "label": 18, "description": 80},
    )


def plan_tables(plan: TreatmentPlan) -> list[Table]:
    return [plan_table(plan), method_table(plan.method)]


def heat_map(plan: TreatmentPlan, residual: bool, cell: int = 44) -> str:
    """A likelihood x impact grid, cells coloured by band, with the number of risks in each."""
    method = plan.method
    counts = plan.heat_counts(residual)
    colors = band_colors(method)
    rows, columns = len(method.likelihood), len(method.impact)
    left, top = 120, 28
    title = "Residual (inherent until assessed)" if residual else "Inherent"
    width = max(left + columns * cell + 10, 16 + 8 * len(title))
    height = top + rows * cell + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)} risk heat map">',
        f'<text x="8" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for row_index, level in enumerate(reversed(method.likelihood)):
        y = top + row_index * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end" font-size="11">'
            f"{level.value} {escape(level.label)}</text>"
        )
        for impact in method.impact:
            x = left + (impact.value - 1) * cell
            value = level.value * impact.value
            rating = method.rating(value)
            color = colors[rating]
            count = counts.get((level.value, impact.value), 0)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{color}" '
                f'fill-opacity="{1 if count else 0.35}"><title>likelihood {level.value} x '
                f"impact {impact.value} = {value} ({escape(rating)}): {count} risk"
                f"{'' if count == 1 else 's'}</title></rect>"
            )
            if count:
                ink = "#111" if color in _LIGHT else "#fff"
                parts.append(
                    f'<text x="{x + (cell - 2) / 2:.0f}" y="{y + cell / 2 + 4:.0f}" '
                    f'text-anchor="middle" font-size="14" font-weight="bold" fill="{ink}">'
                    f"{count}</text>"
                )
    axis_y = top + rows * cell + 14
    for impact in method.impact:
        middle = left + (impact.value - 1) * cell + (cell - 2) / 2
        parts.append(
            f'<text x="{middle:.0f}" y="{axis_y}" text-anchor="middle" font-size="11">'
            f"{impact.value}</text>"
        )
    parts.append(
        f'<text x="{left + columns * cell / 2:.0f}" y="{axis_y + 18}" text-anchor="middle" '
        'font-size="11">impact &#8594;</text>'
        f'<text x="8" y="{axis_y}" font-size="11">likelihood &#8593;</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _grid_markdown(plan: TreatmentPlan, residual: bool) -> str:
    method = plan.method
    counts = plan.heat_counts(residual)
    headers = ["likelihood \\ impact", *(f"{i.value} {i.label}" for i in method.impact)]
    rows: list[list[Cell]] = [
        [
            f"{level.value} {level.label}",
            *(
                f"{counts.get((level.value, i.value), 0) or '.'} "
                f"({method.rating(level.value * i.value)})"
                for i in method.impact
            ),
        ]
        for level in reversed(method.likelihood)
    ]
    return to_markdown(Table("grid", headers, rows))


def _summary_lines(plan: TreatmentPlan) -> list[str]:
    s = plan.summary()
    treatments = ", ".join(f"{k} {v}" for k, v in s["by_treatment"].items()) or "none"
    return [
        f"- Risks: {s['risks']} (by treatment: {treatments})",
        f"- Above the acceptance threshold ({plan.method.acceptance_threshold}): "
        f"{s['above_threshold']}, of which not accepted: {s['unaccepted_above_threshold']}",
        f"- Overdue treatments: {s['overdue']}",
        f"- Accepted by their owner: {s['accepted']}",
        f"- Findings: {s['findings']}",
    ]


def render_markdown(plan: TreatmentPlan) -> str:
    method = plan.method
    compact = Table(
        "plan",
        [
            "risk",
            "title",
            "owner",
            "inherent",
            "treatment",
            "controls",
            "Annex A",
            "plan",
            "due",
            "residual",
            "accepted",
        ],
        [
            [
                r.risk_id,
                r.title,
                r.owner,
                _score(r.inherent) or "off scale",
                r.treatment,
                ", ".join(r.controls),
                ", ".join(r.annex_a),
                r.plan,
                r.due.isoformat() if r.due else "",
                _score(r.residual) or "not assessed",
                _accepted(r),
            ]
            for r in plan.rows
        ],
    )
    method_rows = method_table(method)
    findings = [
        f"- **{f.risk_id}** ({f.severity.value}, {f.code}): {f.message}" for f in plan.findings
    ]
    lines = [
        "# Risk treatment plan",
        "",
        f"Generated {plan.generated_on.isoformat()} by Crosswalk. ISO/IEC 27001:2022 6.1.2 "
        "(risk assessment) and 6.1.3 (risk treatment); Annex A references and short headings "
        "only, the standard's text is ISO's.",
        "",
        "## Summary",
        "",
        *_summary_lines(plan),
        "",
        "## Method",
        "",
        method.describe() + ".",
        "",
        to_markdown(method_rows),
        "## Heat map: inherent",
        "",
        _grid_markdown(plan, residual=False),
        "## Heat map: residual (inherent until assessed)",
        "",
        _grid_markdown(plan, residual=True),
        "## Treatment plan",
        "",
        to_markdown(compact) if plan.rows else "No risks recorded.\n",
        "## Findings",
        "",
        *(findings or ["None: the register passes its checks."]),
        "",
    ]
    return "\n".join(lines)


def render_html(plan: TreatmentPlan) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = environment.get_template("risks.html.j2")
    return template.render(
        plan=plan,
        method=plan.method,
        summary=plan.summary(),
        colors=band_colors(plan.method),
        light=_LIGHT,
        inherent_map=heat_map(plan, residual=False),
        residual_map=heat_map(plan, residual=True),
        controls_of=lambda r: _controls(plan, r),
        annex_a_of=lambda r: _annex_a(plan, r),
        accepted_of=_accepted,
    )


def render_json(plan: TreatmentPlan) -> str:
    """The plan's fields plus its summary and findings, which are computed, not stored."""
    payload: dict[str, Any] = to_jsonable(plan)
    payload["summary"] = plan.summary()
    payload["method_description"] = plan.method.describe()
    payload["findings"] = to_jsonable(plan.findings)
    return dumps(payload)


def write_treatment_plan(plan: TreatmentPlan, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: plan_tables(plan),
        {
            "json": lambda: render_json(plan),
            "md": lambda: render_markdown(plan),
            "html": lambda: render_html(plan),
        },
    )
