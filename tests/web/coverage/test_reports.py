"""The gap analysis and observation-window pages, their downloads and their API, checked
against the services run directly on the same demo workspace."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from crosswalk.demo.builder import DemoResult
from crosswalk.domain.window import WindowReport
from crosswalk.services.coverage.gap import GapReport, run_gap
from crosswalk.services.evidence.window import run_window
from crosswalk.services.mapping.library import open_library
from crosswalk.store.auth_models import UserRow
from tests.conftest import DEMO_TODAY
from tests.web.conftest import AUDIT_WINDOW, USERS, WebWorkspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def direct_gap(web: WebWorkspace, target: str = "iso27001-2022") -> GapReport:
    with web.session() as session:
        return run_gap(
            session, open_library(), target=target, today=DEMO_TODAY, workspace_root=web.folder
        )


def direct_window(web: WebWorkspace, start: date, end: date) -> WindowReport:
    with web.session() as session:
        return run_window(session, open_library(), start, end)


def headline(page: str) -> dict[str, int]:
    card = re.search(r'<div class="card kpi" id="gap-headline"([^>]*)>', page)
    assert card, "the page has the headline card"
    return {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', card.group(1))}


# --- gap analysis --------------------------------------------------------------------------


def test_the_gap_page_shows_the_demos_headline_numbers(web: WebWorkspace) -> None:
    expected = direct_gap(web).annex_a_summary
    client = web.client("editor")

    page = client.http.get("/gap")

    assert page.status_code == 200
    numbers = headline(page.text)
    assert numbers == {
        "total": expected.total,
        "covered": expected.by_verdict["covered"],
        "likely": expected.by_verdict["likely"],
        "partial": expected.by_verdict["partial"],
        "planned": expected.by_verdict["planned"],
        "gap": expected.by_verdict["gap"],
        "na": expected.by_verdict["not applicable"],
    }
    assert numbers["total"] == 93  # every Annex A control of ISO/IEC 27001:2022
    text = page.text
    assert text.count("<svg") >= 2  # the donut and the theme bars
    assert 'id="annex-a"' in text and 'data-filter="annex-a"' in text
    annex_a = text.split('id="annex-a"')[1].split("</table>")[0]
    assert annex_a.count('<tr data-ref="A.') == 93
    assert 'id="net-new"' in text and 'id="backlog"' in text
    assert str(escape(direct_gap(web).evidence_rule)) in text and "fresh evidence" in text
    start = direct_gap(web).head_start
    assert start is not None and f'data-percent="{start.percent}"' in text
    assert start.definition in text
    assert 'href="/explorer/iso27001-2022%3AA.5.15"' in text


def test_the_gap_api_is_the_services_report(web: WebWorkspace) -> None:
    expected = direct_gap(web)
    data = web.client("auditor").http.get("/api/gap").json()
    assert data["target"] == "iso27001-2022"
    assert data["annex_a_summary"]["by_verdict"] == expected.annex_a_summary.by_verdict
    assert len(data["net_new"]) == len(expected.net_new)
    assert len(data["backlog"]) == len(expected.backlog)
    verdicts = {v["ref"]: v["verdict"] for v in data["annex_a"]}
    assert verdicts == {v.ref: str(v.verdict) for v in expected.annex_a}


def test_the_gap_can_target_another_version_like_the_cli(web: WebWorkspace) -> None:
    client = web.client("editor")
    expected = direct_gap(web, "iso27001-2013").annex_a_summary
    data = client.http.get("/api/gap?to=iso27001-2013").json()
    assert data["target"] == "iso27001-2013"
    assert data["annex_a_summary"]["total"] == expected.total == 114
    page = client.http.get("/gap?to=iso27001-2013")
    assert page.status_code == 200
    assert headline(page.text)["total"] == 114
    assert 'href="/gap/report.xlsx?to=iso27001-2013"' in page.text
    unknown = client.http.get("/api/gap?to=no-such-framework")
    assert unknown.status_code == 400


def test_gap_downloads_are_a_valid_workbook_and_a_self_contained_page(web: WebWorkspace) -> None:
    client = web.client("editor")
    expected = direct_gap(web).annex_a_summary

    workbook = client.http.get("/gap/report.xlsx")

    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    assert workbook.headers["content-disposition"].startswith("attachment;")
    assert "gap-iso27001-2022-2026-11-27.xlsx" in workbook.headers["content-disposition"]
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert len(book.sheetnames) >= 3
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "A.5.15" in cells

    html = client.http.get("/gap/report.html")
    assert html.status_code == 200
    assert html.headers["content-disposition"].startswith("attachment;")
    assert "<svg" in html.text and 'src="http' not in html.text  # charts inline, no CDN
    start = direct_gap(web).head_start
    assert start is not None and start.sentence() in html.text  # the same figure as the page
    assert f"<b>{expected.by_verdict['likely']}</b>" in html.text


# --- observation window --------------------------------------------------------------------


def test_the_window_page_for_an_auditor_uses_their_window(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    start, end = AUDIT_WINDOW
    expected = direct_window(web, start, end).summary

    page = auditor.http.get("/window")

    assert page.status_code == 200
    assert f'<strong id="window-range">{start}..{end}</strong>' in page.text
    assert 'id="auditor-window"' in page.text
    assert f'id="with-exceptions">{expected.with_exceptions}<' in page.text
    assert 'id="outside-evidence"' not in page.text

    data = auditor.http.get("/api/window").json()
    assert (data["start"], data["end"]) == (str(start), str(end))
    assert data["summary"]["controls_checked"] == expected.controls_checked
    assert data["summary"]["with_exceptions"] == expected.with_exceptions


def test_an_auditor_asking_for_more_is_clamped_and_shown_nothing_outside(
    web: WebWorkspace,
) -> None:
    auditor = web.client("auditor")
    start, end = AUDIT_WINDOW
    wide = auditor.http.get("/api/window?start=2025-01-01&end=2026-11-27").json()
    assert (wide["start"], wide["end"]) == (str(start), str(end))
    assert wide["clamped"] is True
    assert all(
        c["outside"] == [] and c["outside_evidence"] == [] for c in wide["report"]["controls"]
    )
    assert all(c["notes"] == [] for c in wide["report"]["controls"])
    part = auditor.http.get("/api/window?start=2026-03-01&end=2026-09-30").json()
    assert (part["start"], part["end"]) == ("2026-03-01", str(end))
    page = auditor.http.get("/window?start=2025-01-01&end=2026-11-27").text
    assert "so the check is limited to your window" in page

    workbook = auditor.http.get("/window/report.xlsx?start=2025-01-01&end=2026-11-27")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Observation window"] == f"{start}..{end}"
    outside = list(book["Outside window"].iter_rows(values_only=True))
    assert len(outside) == 1  # the header row only


def test_the_window_for_the_team_defaults_to_the_reports_window_and_lists_outside_evidence(
    web: WebWorkspace, demo: DemoResult
) -> None:
    editor = web.client("editor")
    data = editor.http.get("/api/window").json()
    # the last twelve full months: the window the demo's own report uses
    assert (data["start"], data["end"]) == ("2025-11-01", "2026-10-31")
    assert demo.window is not None
    assert (data["start"], data["end"]) == (str(demo.window.start), str(demo.window.end))
    expected = direct_window(web, date(2025, 11, 1), date(2026, 10, 31))
    assert data["summary"]["with_exceptions"] == expected.summary.with_exceptions
    assert data["summary"]["with_evidence_outside"] == expected.summary.with_evidence_outside > 0

    page = editor.http.get("/window")
    assert page.status_code == 200
    assert 'id="outside-evidence"' in page.text
    assert 'id="window-controls"' in page.text and "<svg" in page.text
    audit_day = [c.control_id for c in expected.controls if c.audit_day_only]
    for control_id in audit_day:
        assert control_id in page.text.split('id="audit-day-only"')[1].split("</ul>")[0]


def test_the_window_workbook_opens_and_matches_the_service(web: WebWorkspace) -> None:
    editor = web.client("editor")
    start, end = date(2026, 1, 1), date(2026, 10, 31)
    expected = direct_window(web, start, end).summary

    response = editor.http.get(f"/window/report.xlsx?start={start}&end={end}")

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert f"window-{start}-{end}.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"Summary", "Controls", "Missing periods", "Outside window"} <= set(book.sheetnames)
    summary: dict[Any, Any] = {
        row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)
    }
    assert summary["Controls with exceptions"] == expected.with_exceptions
    assert summary["Controls checked"] == expected.controls_checked


def test_a_bad_window_is_explained_not_crashed(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert editor.http.get("/api/window?start=soon").status_code == 400
    backwards = editor.http.get("/api/window?start=2026-06-01&end=2026-01-01")
    assert backwards.status_code == 400
    assert "before it starts" in backwards.json()["detail"]
    page = editor.http.get("/window?start=2026-06-01&end=2026-01-01")
    assert page.status_code == 400
    assert "before it starts" in page.text
    assert 'id="window-form"' in page.text  # the form is still there to fix it


def test_an_auditor_without_a_window_gets_no_window_report(web: WebWorkspace) -> None:
    with web.session() as session:
        user = session.scalars(select(UserRow).where(UserRow.email == USERS["auditor"][0])).one()
        user.window_start = user.window_end = None
        session.commit()
    auditor = web.client("auditor")
    page = auditor.http.get("/window")
    assert page.status_code == 403
    assert "no observation window is set for you" in page.text
    assert auditor.http.get("/api/window").status_code == 403
    assert auditor.http.get("/window/report.xlsx").status_code == 403


def test_the_gap_page_for_another_framework_is_shaped_for_it(web: WebWorkspace) -> None:
    client = web.client("editor")
    page = client.http.get("/gap", params={"to": "nist-csf-2.0"})
    assert page.status_code == 200
    assert '<option value="nist-csf-2.0" selected>' in page.text  # the page it shows
    assert headline(page.text)["total"] == 106
    assert "NIST Cybersecurity Framework subcategories" in page.text


def test_workbooks_hold_text_with_control_characters(web: WebWorkspace) -> None:
    """A control's title or owner may carry characters a worksheet cannot hold (a vertical
    tab pasted from a word processor, an escape): every workbook download still opens, with
    U+FFFD where they were (each was a 500, found by the API fuzz test)."""
    editor = web.client("editor")
    changed = editor.http.patch(
        "/api/controls/NW-AC-01",
        json={"title": "Quarterly\x0baccess review", "owner": "Dana\x1b Ortiz"},
        headers=editor.headers(),
    )
    assert changed.status_code == 200, changed.text
    for url in ("/gap/report.xlsx", "/plan/report.xlsx", "/window/report.xlsx"):
        download = editor.http.get(url)
        assert download.status_code == 200, (url, download.text[:200])
        workbook = load_workbook(io.BytesIO(download.content))
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        assert any("\ufffd" in cell for cell in cells), url
        assert not any("\x0b" in cell or "\x1b" in cell for cell in cells), url
