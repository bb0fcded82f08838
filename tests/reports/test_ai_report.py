"""The AI register report: XLSX sheets a reviewer can filter and one HTML page, each with the
tiers and reasons, both dates, ISMS coverage, AI-specific work and the legal notice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from crosswalk.catalogs.loader import Library
from crosswalk.reports.ai_report import write_ai_register
from crosswalk.services.ai.register import ai_register
from crosswalk.services.ai.systems import AiSystemInput, add_system, classify_system
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 12, 7)


def _register(workspace: Workspace, library: Library):  # type: ignore[no-untyped-def]
    with session_scope(workspace.engine) as session:
        add_system(session, AiSystemInput("cv", "CV screening", roles=["provider"]))
        add_system(
            session, AiSystemInput("bot", "Support bot", roles=["deployer"], source="vendor")
        )
        classify_system(session, "cv", {"annex_iii_area": "employment", "profiling": True})
        classify_system(session, "bot", {"interacts_with_people": True})
        session.commit()
        return ai_register(session, library, TODAY)


def test_xlsx_register_has_tiers_reasons_dates_and_coverage(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    register = _register(sqlite_workspace, library)
    path = tmp_path / "ai.xlsx"
    write_ai_register(register, "xlsx", path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Systems",
        "Reasons",
        "Obligations",
        "ISMS coverage",
        "AI-specific work",
        "Next 12 months",
        "About",
    ]
    systems = {row[0]: row for row in book["Systems"].iter_rows(min_row=2, values_only=True)}
    assert systems["cv"][13] == "high-risk" and systems["bot"][13] == "transparency"
    obligations = list(book["Obligations"].iter_rows(min_row=2, values_only=True))
    art9 = next(r for r in obligations if r[0] == "cv" and r[2] == "Art. 9")
    assert (art9[5], art9[6], art9[9]) == ("2026-08-02", "2027-12-02", "2027-12-02")
    specific = {r[2] for r in book["AI-specific work"].iter_rows(min_row=2, values_only=True)}
    assert {"Art. 10", "Art. 14", "Art. 16"} <= specific
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert "does not replace" in str(about["legal notice"])


def test_html_register_states_the_reason_and_the_notice(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    register = _register(sqlite_workspace, library)
    path = tmp_path / "ai.html"
    write_ai_register(register, "html", path)
    page = path.read_text("utf-8")
    assert "does not replace, a legal assessment" in page
    assert "profiling of natural persons: always high-risk" in page
    assert "AI-specific work" in page and "2027-12-02" in page
