"""The Statement of Applicability as auditors read it: an XLSX workbook (one row per Annex A
control, plus a Version sheet), a self-contained HTML page, and Markdown."""

from __future__ import annotations

from pathlib import Path

from crosswalk.reports.tables import Cell, Table, to_markdown, write_report
from crosswalk.services.soa.soa import SoaMeta, SoaRow

FORMATS = ("xlsx", "html", "md")
SHEET = "Statement of Applicability"
COLUMNS = [
    "ref",
    "title",
    "theme",
    "applicable",
    "justification",
    "justification kinds",
    "exclusion reason",
    "implementation status",
    "controls",
    "evidence items",
    "latest evidence",
    "risks",
    "last reviewed",
]
NOTICE = (
    "ISO/IEC 27001:2022 Annex A references and short headings only; the standard's text is ISO's."
)


def _day(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def row_cells(row: SoaRow) -> list[Cell]:
    return [
        row.ref,
        row.title,
        row.theme,
        "yes" if row.applicable else "no",
        row.justification,
        ", ".join(row.justification_kinds),
        row.exclusion_reason,
        row.implementation_status,
        ", ".join(row.controls),
        row.evidence_count,
        _day(row.evidence_latest),
        ", ".join(row.risks),
        _day(row.last_reviewed),
    ]


def soa_table(rows: list[SoaRow]) -> Table:
    return Table(
        SHEET,
        COLUMNS,
        [row_cells(r) for r in rows],
        widths={
            "ref": 9,
            "title": 40,
            "theme": 14,
            "applicable": 12,
            "justification": 60,
            "justification kinds": 20,
            "exclusion reason": 50,
            "implementation status": 22,
            "controls": 30,
            "evidence items": 10,
            "latest evidence": 14,
            "risks": 20,
            "last reviewed": 14,
        },
    )


def version_rows(meta: SoaMeta) -> list[list[Cell]]:
    return [
        ["Version", f"v{meta.version}"],
        ["Status", meta.status],
        ["Approved by", meta.approved_by or "not approved"],
        ["Approved on", _day(meta.approved_on) or "not approved"],
        ["Created on", _day(meta.created_on)],
        ["Note", meta.note],
        ["Annex A controls", meta.total],
        ["Applicable", meta.applicable],
        ["Excluded", meta.excluded],
        ["Notice", NOTICE],
    ]


def soa_tables(rows: list[SoaRow], meta: SoaMeta) -> list[Table]:
    return [
        soa_table(rows),
        Table("Version", ["item", "value"], version_rows(meta), widths={"item": 20, "value": 80}),
    ]


def _title(meta: SoaMeta) -> str:
    return f"Statement of Applicability v{meta.version} ({meta.status})"


def _approval(meta: SoaMeta) -> str:
    if meta.status == "approved":
        return f"Approved by {meta.approved_by} on {_day(meta.approved_on)}."
    return "DRAFT: not approved."


def render_markdown(rows: list[SoaRow], meta: SoaMeta) -> str:
    lines = [
        f"# {_title(meta)}",
        "",
        f"{_approval(meta)} {meta.applicable} applicable, {meta.excluded} excluded of "
        f"{meta.total} Annex A controls. {meta.note}".rstrip(),
        "",
        to_markdown(soa_table(rows)),
        f"_{NOTICE}_",
        "",
    ]
    return "\n".join(lines)


def render_html(rows: list[SoaRow], meta: SoaMeta) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = environment.get_template("soa.html.j2")
    return template.render(
        rows=rows,
        meta=meta,
        title=_title(meta),
        approval=_approval(meta),
        version_rows=version_rows(meta),
        notice=NOTICE,
        day=_day,
    )


def write_soa(rows: list[SoaRow], meta: SoaMeta, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: soa_tables(rows, meta),
        {"md": lambda: render_markdown(rows, meta), "html": lambda: render_html(rows, meta)},
    )
