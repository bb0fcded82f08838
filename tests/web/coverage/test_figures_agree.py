"""One set of figures everywhere: the gap headline on every surface (terminal, JSON, Markdown,
HTML, XLSX, web page, API, dashboard) is the one the service computed, on the demo."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from crosswalk.cli.app import app
from crosswalk.reports.gap_report import headline_sentences
from crosswalk.services.coverage.gap import run_gap
from crosswalk.services.mapping.library import open_library
from crosswalk.services.program.dashboard import build_dashboard
from tests.conftest import DEMO_TODAY
from tests.web.conftest import WebWorkspace


def cli(folder: Path, *args: str) -> str:
    """``crosswalk gap ...`` on the same workspace and the same day as the web app."""
    arguments = ["--workspace", str(folder), *args, "--today", str(DEMO_TODAY)]
    result = CliRunner().invoke(app, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return result.stdout


def test_every_surface_shows_the_same_gap_figures(web: WebWorkspace, tmp_path: Path) -> None:
    with web.session() as session:
        report = run_gap(session, open_library(), today=DEMO_TODAY, workspace_root=web.folder)
        board = build_dashboard(session, open_library(), DEMO_TODAY, web.folder)
    summary, start = report.annex_a_summary, report.head_start
    assert start is not None
    sentences = headline_sentences(report)
    flat = " ".join(sentences)

    terminal = " ".join(cli(web.folder, "gap").split())
    assert all(" ".join(s.split()) in terminal for s in sentences)

    data = json.loads(cli(web.folder, "gap", "--json"))
    assert data["annex_a_summary"]["by_verdict"] == summary.by_verdict
    assert data["head_start"]["percent"] == start.percent
    assert data["clause_summary"]["by_verdict"] == report.clause_summary.by_verdict

    for fmt in ("md", "html", "xlsx"):
        cli(web.folder, "gap", "--format", fmt, "-o", str(tmp_path / f"gap.{fmt}"))
    markdown = (tmp_path / "gap.md").read_text()
    assert all(s in markdown for s in sentences)
    html = (tmp_path / "gap.html").read_text()
    assert all(s in html for s in sentences)
    book = load_workbook(io.BytesIO((tmp_path / "gap.xlsx").read_bytes()), read_only=True)
    cells = {str(row[0]): str(row[1]) for row in book["Summary"].iter_rows(values_only=True)}
    for verdict, count in summary.by_verdict.items():
        assert cells[f"Annex A {verdict}"] == f"{count} ({summary.percent[verdict]}%)"
    assert cells["SOC 2 head start"] == f"{start.percent}%"
    clauses_sheet = list(book["Clauses"].iter_rows(values_only=True))
    assert len(clauses_sheet) - 1 == report.clause_summary.total  # one row per counted clause

    client = web.client("editor")
    page = client.http.get("/gap").text
    card = re.search(r'id="gap-headline"([^>]*)>', page)
    assert card is not None
    numbers = {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', card.group(1))}
    assert numbers["covered"] == summary.by_verdict["covered"]
    assert numbers["likely"] == summary.by_verdict["likely"]
    assert f'data-percent="{start.percent}"' in page
    assert client.http.get("/api/gap").json()["annex_a_summary"] == json.loads(
        json.dumps(data["annex_a_summary"])
    )

    iso = next(c for c in board.coverage if c.framework == "iso27001-2022")
    assert iso.counts.by_verdict == summary.by_verdict  # the dashboard counts the same way
    assert str(start.percent) in flat


def test_stale_or_never_evidenced_is_one_figure_everywhere(web: WebWorkspace) -> None:
    client = web.client("editor")
    counts = client.http.get("/api/evidence").json()["freshness"]["counts"]
    dashboard = client.http.get("/api/dashboard").json()
    status = json.loads(cli(web.folder, "status", "--json"))
    not_standing = counts["stale"] + counts["never"]
    assert not_standing > 0
    assert len(dashboard["stale"]) == not_standing
    assert sum(len(group["stale"]) for group in status) == not_standing
    page = client.http.get("/").text
    assert re.search(
        rf">\s*{not_standing}\s*</div>\s*<div class=\"muted\">controls stale or never", page
    )
