"""The SOC 2 Type 2 window check as an XLSX workbook, a self-contained HTML page, Markdown
and JSON: every exception named, with the control's title and owner beside it."""

from __future__ import annotations

from pathlib import Path

from crosswalk.domain.window import ControlWindow, PopulationCheck, WindowReport
from crosswalk.reports.charts import COLORS, stacked_bars
from crosswalk.reports.serialize import dumps, to_jsonable
from crosswalk.reports.tables import Cell, Table, to_markdown, write_report

FORMATS = ("json", "md", "html", "xlsx")


def _window(report: WindowReport) -> str:
    return f"{report.start.isoformat()}..{report.end.isoformat()}"


def _frequency(control: ControlWindow) -> str:
    return control.frequency.value if control.frequency else ""


def _titles(report: WindowReport) -> dict[str, tuple[str, str]]:
    """Control id -> (title, owner), for the rows that only carry the id."""
    found = {c.control_id: (c.title, c.owner or "") for c in report.controls}
    for population in report.populations:
        if population.title:  # the service names the event-driven control it checks
            found[population.control_id] = (population.title, population.owner or "")
    return found


def _unmatched_text(check: PopulationCheck) -> str:
    return ", ".join(f"{e.event_id} ({e.occurred.isoformat()})" for e in check.unmatched)


def summary_rows(report: WindowReport) -> list[list[Cell]]:
    s = report.summary
    return [
        ["Observation window", _window(report)],
        ["Audit-day span (days)", report.audit_day_days],
        ["Controls checked", s.controls_checked],
        ["Controls with exceptions", s.with_exceptions],
        ["Controls with missing periods", s.with_missing_periods],
        ["Controls with evidence outside the window", s.with_evidence_outside],
        ["Controls audit-day only", s.audit_day_only],
        ["Controls without a frequency", s.without_frequency],
        ["Populations checked", s.populations_checked],
        ["Events without evidence", s.unmatched_events],
        ["Exceptions", s.exceptions],
    ]


def _controls_table(report: WindowReport) -> Table:
    headers = [
        "control",
        "title",
        "owner",
        "frequency",
        "expected periods",
        "periods with evidence",
        "missing periods",
        "evidence in window",
        "evidence outside",
        "audit-day only",
        "exceptions",
        "retired on",
    ]
    rows: list[list[Cell]] = [
        [
            c.control_id,
            c.title,
            c.owner,
            _frequency(c),
            len(c.periods),
            sum(1 for p in c.periods if p.covered),
            len(c.missing),
            c.evidence_in_window,
            len(c.outside),
            "yes" if c.audit_day_only else "no",
            "; ".join(c.exceptions),
            c.retired_on.isoformat() if c.retired_on else None,
        ]
        for c in report.controls
    ]
    return Table("Controls", headers, rows, widths={"title": 40, "exceptions": 80})


def _missing_table(report: WindowReport) -> Table:
    rows: list[list[Cell]] = [
        [
            c.control_id,
            c.title,
            c.owner,
            _frequency(c),
            p.label,
            p.start.isoformat(),
            p.end.isoformat(),
        ]
        for c in report.controls
        for p in c.missing
    ]
    headers = ["control", "title", "owner", "frequency", "period", "from", "to"]
    return Table("Missing periods", headers, rows, widths={"title": 40})


def _outside_table(report: WindowReport) -> Table:
    rows: list[list[Cell]] = [
        [c.control_id, c.title, c.owner, str(e.evidence_id), e.dated]
        for c in report.controls
        for e in c.outside_evidence
    ]
    headers = ["control", "title", "owner", "evidence", "dated"]
    return Table("Outside window", headers, rows, widths={"title": 40})


def _populations_table(report: WindowReport) -> Table:
    titles = _titles(report)
    rows: list[list[Cell]] = [
        [
            p.control_id,
            *titles.get(p.control_id, ("", "")),
            p.noun,
            p.in_scope,
            len(p.matched),
            len(p.unmatched),
            p.out_of_window,
            _unmatched_text(p),
        ]
        for p in report.populations
    ]
    headers = [
        "control",
        "title",
        "owner",
        "population",
        "events in window",
        "with evidence",
        "without evidence",
        "outside window",
        "events without evidence",
    ]
    return Table("Populations", headers, rows, widths={"title": 40, "events without evidence": 80})


def window_tables(report: WindowReport) -> list[Table]:
    """One sheet per question an auditor asks, each filterable by control and owner."""
    return [
        Table("Summary", ["item", "value"], summary_rows(report), widths={"item": 44, "value": 30}),
        _controls_table(report),
        _missing_table(report),
        _outside_table(report),
        _populations_table(report),
    ]


def _exception_lines(report: WindowReport) -> list[str]:
    titles = _titles(report)
    lines: list[str] = []
    for control in report.controls:
        owner = f", owner {control.owner}" if control.owner else ""
        lines.extend(
            f"- **{control.control_id}** {control.title}{owner}: {text}"
            for text in control.exceptions
        )
    for check in report.populations:
        title = titles.get(check.control_id, ("", ""))[0]
        lines.extend(f"- **{check.control_id}** {title}: {text}" for text in check.exceptions)
    return lines


def render_markdown(report: WindowReport) -> str:
    missing, outside, populations = (
        _missing_table(report),
        _outside_table(report),
        _populations_table(report),
    )
    audit_day = [c for c in report.controls if c.audit_day_only]
    lines = [
        f"# SOC 2 Type 2 observation window: {_window(report)}",
        "",
        to_markdown(Table("summary", ["item", "value"], summary_rows(report))),
        "## Exceptions",
        "",
        *(_exception_lines(report) or ["No exceptions: every period has evidence."]),
        "",
        "## Missing periods",
        "",
        to_markdown(missing) if missing.rows else "None.\n",
        "## Evidence outside the window",
        "",
        to_markdown(outside) if outside.rows else "None.\n",
        f"## Audit-day only (all evidence in the last {report.audit_day_days} days)",
        "",
        *([f"- {c.control_id} {c.title}" for c in audit_day] or ["None."]),
        "",
        "## Populations",
        "",
        to_markdown(populations) if populations.rows else "None checked.\n",
    ]
    return "\n".join(lines)


def _chart(report: WindowReport) -> str:
    """Controls with and without each kind of exception."""
    s, total = report.summary, report.summary.controls_checked

    def bar(label: str, bad: int, out_of: int = total) -> tuple[str, dict[str, int]]:
        return label, {"no exception": out_of - bad, "exception": bad}

    rows = [
        bar("Any exception", s.with_exceptions),
        bar("Missing periods", s.with_missing_periods),
        bar("Audit-day only", s.audit_day_only),
    ]
    in_scope = sum(p.in_scope for p in report.populations)
    if in_scope:
        rows.append(bar("Population events", s.unmatched_events, in_scope))
    return stacked_bars(
        rows, colors={"no exception": COLORS["covered"], "exception": COLORS["gap"]}
    )


def render_html(report: WindowReport) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = environment.get_template("window.html.j2")
    return template.render(
        report=report,
        summary=report.summary,
        window=_window(report),
        chart=_chart(report),
        titles=_titles(report),
        unmatched_text=_unmatched_text,
    )


def render_json(report: WindowReport) -> str:
    """The report's fields plus its summary counts, which are computed, not stored."""
    payload = to_jsonable(report)
    payload["summary"] = to_jsonable(report.summary)
    payload["exceptions_count"] = report.exceptions_count
    return dumps(payload)


def write_window_report(report: WindowReport, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: window_tables(report),
        {
            "json": lambda: render_json(report),
            "md": lambda: render_markdown(report),
            "html": lambda: render_html(report),
        },
    )
