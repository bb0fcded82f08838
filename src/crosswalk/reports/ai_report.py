"""The AI register as an XLSX workbook (one sheet per view, filterable), a self-contained
HTML page and JSON. Each says that it supports, and does not replace, a legal assessment."""

from __future__ import annotations

from pathlib import Path

from crosswalk.reports.serialize import dumps, to_jsonable
from crosswalk.reports.tables import Cell, Table, write_report
from crosswalk.services.ai.register import AiRegister

FORMATS = ("json", "html", "xlsx")


def _systems(register: AiRegister) -> Table:
    rows: list[list[Cell]] = []
    for view in register.systems:
        s = view.system
        c = s.classification
        rows.append(
            [
                s.system_id,
                s.name,
                s.purpose,
                s.users,
                ", ".join(r.value for r in s.roles),
                s.source,
                s.vendor,
                s.gpai_model,
                "yes" if s.output_in_eu else "no",
                "yes" if s.established_in_eu else "no",
                s.authorised_representative,
                ", ".join(s.assets),
                ", ".join(s.processing_activities),
                c.tier.value if c else "not classified",
                c.article if c else None,
                ", ".join(c.transparency) if c else None,
                s.classified_on.isoformat() if s.classified_on else None,
                "; ".join(s.flags),
            ]
        )
    headers = [
        "system", "name", "purpose", "users", "roles", "source", "vendor",
        "general-purpose model", "output used in EU", "established in EU",
        "authorised representative", "assets", "processing activities", "tier",
        "deciding article", "transparency duties", "classified on", "flags",
    ]  # fmt: skip
    return Table("Systems", headers, rows, widths={"purpose": 40, "flags": 80})


def _reasons(register: AiRegister) -> Table:
    rows: list[list[Cell]] = []
    for view in register.systems:
        c = view.system.classification
        if c is None:
            continue
        for reason in c.reasons:
            rows.append(
                [
                    view.system.system_id,
                    reason.article,
                    reason.question,
                    reason.answer,
                    reason.effect,
                ]
            )
    return Table(
        "Reasons",
        ["system", "article", "question", "answer", "what it decided"],
        rows,
        widths={"question": 60, "what it decided": 60},
    )


def _obligations(register: AiRegister) -> Table:
    rows: list[list[Cell]] = []
    for view in register.systems:
        for o in view.obligations:
            d = o.obligation.dates
            cov = register.coverage_of(o.system_id, o.role.value, o.ref)
            rows.append(
                [
                    o.system_id,
                    o.role.value,
                    o.ref,
                    o.obligation.title,
                    o.obligation.why,
                    d.original_text,
                    d.amended_text,
                    d.amended_note,
                    d.amendment_status,
                    d.effective.isoformat() if d.effective else None,
                    o.status,
                    o.owner,
                    o.due.isoformat() if o.due else None,
                    ", ".join(str(e) for e in o.evidence),
                    cov.carried if cov else None,
                ]
            )
    headers = [
        "system", "role", "ref", "obligation", "why", "original date", "amended date",
        "amended (catalog wording)", "amendment status", "applies from (in force)", "status",
        "owner", "due", "evidence", "ISMS",
    ]  # fmt: skip
    return Table(
        "Obligations", headers, rows, widths={"obligation": 50, "why": 50, "amendment status": 50}
    )


def _coverage(register: AiRegister) -> Table:
    rows: list[list[Cell]] = []
    for item in register.coverage.obligations:
        if not item.supports:
            rows.append(
                [item.system_id, item.role, item.ref, item.carried, None, None, None, None, None,
                 item.explanation]
            )  # fmt: skip
        for s in item.supports:
            rows.append(
                [
                    item.system_id,
                    item.role,
                    item.ref,
                    item.carried,
                    f"{s.iso_ref} {s.iso_title}".strip(),
                    s.strength,
                    "yes" if s.weak else "no",
                    s.verdict,
                    ", ".join(s.controls),
                    "; ".join([s.note, *s.explanation]),
                ]
            )
    headers = [
        "system", "role", "ref", "ISMS carries it", "ISO 27001 requirement", "strength",
        "tangential", "gap verdict", "controls", "explanation",
    ]  # fmt: skip
    return Table("ISMS coverage", headers, rows, widths={"explanation": 80})


def _ai_specific(register: AiRegister) -> Table:
    rows: list[list[Cell]] = [
        [i.system_id, i.role, i.ref, i.title, i.explanation] for i in register.coverage.ai_specific
    ]
    return Table(
        "AI-specific work",
        ["system", "role", "ref", "obligation", "why no ISO control carries it"],
        rows,
        widths={"why no ISO control carries it": 80},
    )


def _deadlines(register: AiRegister) -> Table:
    rows: list[list[Cell]] = [
        [d.applies_on.isoformat(), d.system_id, d.role.value, d.ref, d.title, d.original,
         d.amended, d.status]
        for d in register.deadlines.deadlines
    ]  # fmt: skip
    return Table(
        "Next 12 months",
        ["applies from", "system", "role", "ref", "obligation", "original", "amended", "status"],
        rows,
    )


def _about(register: AiRegister) -> Table:
    return Table(
        "About",
        ["item", "value"],
        [
            ["generated on", register.generated_on.isoformat()],
            ["legal notice", register.notice],
            ["dates in force", register.basis],
            ["ISMS coverage rule", register.coverage.evidence_rule],
        ],
        widths={"value": 100},
    )


def register_tables(register: AiRegister) -> list[Table]:
    return [
        _systems(register),
        _reasons(register),
        _obligations(register),
        _coverage(register),
        _ai_specific(register),
        _deadlines(register),
        _about(register),
    ]


def render_html(register: AiRegister) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("crosswalk.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return environment.get_template("ai.html.j2").render(register=register)


def render_json(register: AiRegister) -> str:
    return dumps(to_jsonable(register))


def write_ai_register(register: AiRegister, output_format: str, path: Path) -> None:
    write_report(
        path,
        output_format,
        lambda: register_tables(register),
        {"json": lambda: render_json(register), "html": lambda: render_html(register)},
    )
