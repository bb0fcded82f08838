"""Build the Northwind Analytics demo: inventory spreadsheet, workspace, gap analysis, reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crosswalk.catalogs.loader import Library
from crosswalk.reports.gap_report import FORMATS, write_gap_report
from crosswalk.services.gap import GapReport, run_gap
from crosswalk.services.imports import ImportReport, import_controls
from crosswalk.services.program import export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import init_workspace

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


@dataclass
class DemoResult:
    folder: Path
    inventory: Path
    imported: ImportReport
    gap: GapReport
    reports: dict[str, Path] = field(default_factory=dict)
    program: Path | None = None
    seconds: float = 0.0


def build_demo(folder: Path, library: Library) -> DemoResult:
    """Create (or refresh) the demo workspace in ``folder`` and write every report."""
    started = time.perf_counter()
    workspace, _created = init_workspace(folder, name=demo_data()["company"]["name"])
    try:
        inventory = write_inventory(folder / "inventory" / "northwind-soc2-control-matrix.xlsx")
        with session_scope(workspace.engine) as session:
            imported = import_controls(session, library, inventory)
            session.commit()
            gap = run_gap(session, library)
            export_program(session, folder / "program")
    finally:
        workspace.close()
    reports = {}
    for output_format in FORMATS:
        path = folder / "reports" / f"gap-soc2-to-iso27001-2022.{output_format}"
        write_gap_report(gap, output_format, path)
        reports[output_format] = path
    return DemoResult(
        folder=folder,
        inventory=inventory,
        imported=imported,
        gap=gap,
        reports=reports,
        program=folder / "program",
        seconds=time.perf_counter() - started,
    )
