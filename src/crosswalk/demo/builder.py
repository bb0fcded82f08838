"""Build the Northwind Analytics demo: inventory spreadsheet, workspace, gap analysis, reports."""

from __future__ import annotations

import io
import time as clock
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from crosswalk.demo.ai import add_demo_ai
from crosswalk.demo.context import building, demo_workspace
from crosswalk.demo.gdpr import add_demo_gdpr
from crosswalk.demo.isms import add_demo_isms
from crosswalk.demo.policy_set import install_demo_policies
from crosswalk.domain.controls import OperatingStatus
from crosswalk.domain.frequency import Frequency, effective_frequency
from crosswalk.domain.window import WindowReport, expected_periods
from crosswalk.reports.ai_report import write_ai_register
from crosswalk.reports.gap_report import FORMATS, write_gap_report
from crosswalk.reports.gdpr_report import write_gdpr_report
from crosswalk.reports.risk_report import write_treatment_plan
from crosswalk.reports.soa_report import write_soa
from crosswalk.reports.window_report import write_window_report
from crosswalk.services.ai.register import ai_register
from crosswalk.services.controls.controls import all_facts, expectations_for
from crosswalk.services.controls.imports import ImportReport, import_controls
from crosswalk.services.coverage.gap import GapReport, run_gap
from crosswalk.services.evidence.evidence import (
    BlobStore,
    EvidenceInput,
    add_stream_evidence,
    has_evidence,
)
from crosswalk.services.evidence.window import default_observation_window, run_window
from crosswalk.services.gdpr.report import certificate_gaps
from crosswalk.services.isms.readiness import Readiness, readiness
from crosswalk.services.isms.risks import treatment_plan
from crosswalk.services.isms.scope import ScopeCheck, check_scope
from crosswalk.services.mapping.library import Library
from crosswalk.services.policies.check import Finding as PolicyFinding
from crosswalk.services.policies.check import check as check_policies
from crosswalk.services.program.files import export_program
from crosswalk.services.soa.soa import Finding as SoaFinding
from crosswalk.services.soa.soa import soa_meta, soa_rows
from crosswalk.services.soa.soa import validate as validate_soa

DATA = Path(__file__).parent / "northwind_controls.yaml"

# Header names as a real control matrix has them; the importer must recognise every one.
MESSY_HEADERS = [
    "Control #",
    "Control Name",
    "Control Activity",
    "Control Owner",
    "Frequency",
    "TSC Reference(s)",
    "Status",
    "Evidence",
]
STATUS_WORDS = {"operating": "Operating", "implemented": "Implemented", "on paper": "On paper"}


def demo_data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def write_inventory(path: Path) -> Path:
    """The company's SOC 2 control matrix as an XLSX, title rows and all."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = demo_data()
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Read me"
    notes.append([f"{data['company']['name']}: SOC 2 control matrix"])
    notes.append(["Owner: Compliance team. Do not sort this sheet."])
    sheet = workbook.create_sheet("Control Matrix")
    sheet.append([f"{data['company']['name']} - SOC 2 Type 2 - Control Matrix FY2026"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Scope: Security, Availability, Confidentiality"])
    sheet.append([])
    sheet.append(MESSY_HEADERS)
    for control in data["controls"]:
        sheet.append(
            [
                control["id"],
                f" {control['name']} ",
                control["description"],
                control["owner"] or None,
                control["frequency"],
                control["tsc"],
                STATUS_WORDS[control["status"]],
                control["evidence"],
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def demo_window(today: date) -> tuple[date, date]:
    """The demo's Type 2 observation window: the default one, as the web page shows it."""
    return default_observation_window(today)


# Deliberate exceptions, so the window report has something true to say.
SKIPPED_PERIOD_CONTROL = "NW-AC-01"  # one quarter's access review never happened
AUDIT_DAY_CONTROL = "NW-GOV-05"  # everything done in the last week before fieldwork
CHANGE_CONTROL = "NW-CHG-01"


def _evidence_plan(
    control_id: str, frequency: Frequency, start: date, end: date, today: date
) -> list[tuple[date, date]]:
    """When a diligent team would have produced evidence for this control."""
    if control_id == AUDIT_DAY_CONTROL:
        return [
            (end - timedelta(days=offset), end - timedelta(days=offset)) for offset in (1, 3, 5)
        ]
    if frequency in (Frequency.CONTINUOUS, Frequency.DAILY, Frequency.WEEKLY):
        # One monthly export (dashboard, backup report) covering every day of its month.
        months = expected_periods(Frequency.MONTHLY, start, today)
        return [(p.start, min(p.end, today)) for p in months]
    periods = expected_periods(frequency, start, today)
    plan = []
    for index, period in enumerate(periods):
        if control_id == SKIPPED_PERIOD_CONTROL and index == 1:
            continue
        day = min(period.end - timedelta(days=10), today)
        plan.append((max(day, period.start), max(day, period.start)))
    return plan


def add_demo_evidence(
    session: Session, library: Library, store: BlobStore, today: date
) -> dict[str, object]:
    """Evidence for every operating periodic control at its effective cadence, and changes."""
    start, end = demo_window(today)
    count = 0
    for facts in all_facts(session):
        frequency = effective_frequency(
            facts.frequency, expectations_for(library, [t.requirement for t in facts.tags])
        ).frequency
        if facts.status is not OperatingStatus.OPERATING or frequency is None:
            continue
        if not frequency.periodic:
            continue
        for first, last in _evidence_plan(facts.control_id, frequency, start, end, today):
            content = f"Northwind evidence: {facts.control_id} ({facts.title}), {first}..{last}\n"
            add_stream_evidence(
                session,
                store,
                io.BytesIO(content.encode()),
                f"{facts.control_id}-{first}.txt",
                "text/plain",
                [facts.control_id],
                EvidenceInput(
                    f"{facts.title}: {first}" + ("" if first == last else f"..{last}"),
                    performed_start=first,
                    performed_end=last,
                    collected_by="demo",
                    source="demo builder",
                ),
                today,
            )
            count += 1
    changes = []
    for number in range(12):
        day = start + timedelta(days=20 + 28 * number)
        change_id = f"CHG-{1040 + number}"
        changes.append((change_id, day))
        if number != 7:  # one change went out without its approval record
            add_stream_evidence(
                session,
                store,
                io.BytesIO(f"PR approval for {change_id}\n".encode()),
                f"{change_id}.txt",
                "text/plain",
                [CHANGE_CONTROL],
                EvidenceInput(
                    f"Approval {change_id}",
                    performed_start=day,
                    reference=change_id,
                    collected_by="demo",
                    source="demo builder",
                ),
                today,
            )
            count += 1
    return {"evidence": count, "changes": changes, "window": (start, end)}


def write_population(path: Path, changes: list[tuple[str, date]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Change ID,Date,Summary"] + [f"{cid},{day},Production deploy" for cid, day in changes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class DemoResult:
    folder: Path
    inventory: Path
    imported: ImportReport
    gap: GapReport
    reports: dict[str, Path] = field(default_factory=dict)
    program: Path | None = None
    seconds: float = 0.0
    window: WindowReport | None = None
    evidence_added: int = 0
    readiness: Readiness | None = None
    scope_check: ScopeCheck | None = None
    soa_findings: list[SoaFinding] = field(default_factory=list)
    policy_findings: list[PolicyFinding] = field(default_factory=list)


def build_demo(folder: Path, library: Library, today: date | None = None) -> DemoResult:
    """Create the demo workspace in ``folder`` (evidence only the first time) and every report.

    A new demo is built in a hidden folder beside ``folder`` and renamed into place at the
    end: a build killed halfway leaves no half workspace (a database without its workspace
    file) for the next command to trip on, and the next build removes what it left."""
    if folder.exists() and any(folder.iterdir()):
        return _build_demo(folder, library, today)  # bring an existing demo up to date
    with building(folder) as staging:
        built = _build_demo(staging, library, today)
    return _moved(built, staging, folder)


def _moved(result: DemoResult, staging: Path, folder: Path) -> DemoResult:
    def at(path: Path) -> Path:
        return folder / path.relative_to(staging)

    return replace(
        result,
        folder=folder,
        inventory=at(result.inventory),
        reports={name: at(path) for name, path in result.reports.items()},
        program=at(result.program) if result.program is not None else None,
    )


def _build_demo(folder: Path, library: Library, today: date | None) -> DemoResult:
    started = clock.perf_counter()
    today = today or date.today()
    population = folder / "inventory" / "change-population.csv"
    added = 0
    inventory = write_inventory(folder / "inventory" / "northwind-soc2-control-matrix.xlsx")
    with (
        demo_workspace(folder, demo_data()["company"]["name"]) as workspace,
        workspace.session() as session,
    ):
        imported = import_controls(session, library, inventory)
        session.commit()
        if not has_evidence(session):
            plan = add_demo_evidence(session, library, workspace.blobs, today)
            session.commit()
            added = int(plan["evidence"])  # type: ignore[call-overload]
            write_population(population, plan["changes"])  # type: ignore[arg-type]
        add_demo_isms(session, library, today)
        session.commit()
        add_demo_ai(session, library, today)
        add_demo_gdpr(session, library, today)
        session.commit()
        install_demo_policies(folder)
        gap = run_gap(session, library, today=today, workspace_root=folder)
        start, end = demo_window(today)
        ready = readiness(session, library, today, policies_root=folder)
        scope_findings = check_scope(session)
        soa_problems = validate_soa(session, library)
        soa = (soa_rows(session, library), soa_meta(session))
        plan_of_treatment = treatment_plan(session, library, today)
        policies_found = check_policies(session, library, folder, today)
        window = run_window(
            session, library, start, end, populations=[(population, CHANGE_CONTROL)]
        )
        ai = ai_register(session, library, today, workspace_root=folder)
        gdpr = certificate_gaps(session, library, datetime.combine(today, time(12), UTC))
        export_program(session, folder / "program")
    reports = {}
    for output_format in FORMATS:
        path = folder / "reports" / f"gap-soc2-to-iso27001-2022.{output_format}"
        write_gap_report(gap, output_format, path)
        reports[output_format] = path
    for output_format in ("html", "xlsx"):
        path = folder / "reports" / f"window-{start}-{end}.{output_format}"
        write_window_report(window, output_format, path)
        reports[f"window-{output_format}"] = path
        path = folder / "reports" / f"statement-of-applicability.{output_format}"
        write_soa(*soa, output_format, path)
        reports[f"soa-{output_format}"] = path
        path = folder / "reports" / f"risk-treatment-plan.{output_format}"
        write_treatment_plan(plan_of_treatment, output_format, path)
        reports[f"risks-{output_format}"] = path
        path = folder / "reports" / f"ai-register.{output_format}"
        write_ai_register(ai, output_format, path)
        reports[f"ai-{output_format}"] = path
    for output_format in ("md", "html", "xlsx"):
        path = folder / "reports" / f"gdpr-what-iso-does-not-cover.{output_format}"
        write_gdpr_report(gdpr, output_format, path)
        reports[f"gdpr-{output_format}"] = path
    return DemoResult(
        folder=folder,
        inventory=inventory,
        imported=imported,
        gap=gap,
        reports=reports,
        program=folder / "program",
        seconds=clock.perf_counter() - started,
        window=window,
        evidence_added=added,
        readiness=ready,
        scope_check=scope_findings,
        soa_findings=soa_problems,
        policy_findings=policies_found,
    )
