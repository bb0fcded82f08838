"""The GDPR pages and their /api/ twins: incidents and the breach clock, the dashboard
banner, records of processing, data-subject requests and the ISO gap report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from crosswalk.store.gdpr_models import IncidentRow, ProcessingActivityRow
from tests.web.conftest import WebWorkspace


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def _count(web: WebWorkspace, model: type) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_recording_a_breach_shows_its_clock_and_the_dashboard_banner(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert "breach-banner" not in editor.http.get("/").text
    added = editor.post(
        "/incidents",
        data={
            "incident_id": "INC-WEB-1",
            "title": "Payroll export mailed to the wrong client",
            "detected": _ago(66),
            "aware": _ago(65),
            "zone": "UTC",
            "personal_data": "yes",
            "risk": "high",
        },
    )
    assert added.status_code == 303, added.text
    page = editor.http.get("/incidents/INC-WEB-1").text
    assert "due in 6 h" in page or "due in 7 h" in page
    banner = editor.http.get("/").text
    assert "breach-banner" in banner and "INC-WEB-1" in banner
    item = editor.http.get("/api/incidents/INC-WEB-1").json()
    assert item["clock"]["state"] == "due in under 12 h" and item["aware_zone"] == "UTC"

    noted = editor.post(
        "/incidents/INC-WEB-1",
        data={"notified": _ago(0), "zone": "Europe/Berlin", "authority": "BfDI"},
    )
    assert noted.status_code == 303, noted.text
    assert "breach-banner" not in editor.http.get("/").text
    item = editor.http.get("/api/incidents/INC-WEB-1").json()
    assert item["clock"]["state"] == "notified on time" and item["notified_zone"] == "Europe/Berlin"
    assert item["aware_zone"] == "UTC"  # the earlier moment kept its own zone


def test_bad_input_on_the_form_and_the_api_is_refused_naming_the_field(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = _count(web, IncidentRow)
    activities = _count(web, ProcessingActivityRow)
    twice = editor.post(
        "/incidents",
        data={
            "incident_id": "INC-WEB-2",
            "title": "x",
            "detected": "2026-11-01 01:30",
            "zone": "America/New_York",
        },
    )
    assert twice.status_code == 400 and "detected_at: 2026-11-01 01:30 happens twice" in twice.text
    early = editor.http.post(
        "/api/incidents",
        json={
            "incident_id": "INC-WEB-3",
            "title": "x",
            "detected": "2026-06-01 10:00",
            "aware": "2026-06-01 09:00",
            "personal_data": True,
        },
        headers=editor.headers(),
    )
    assert early.status_code == 400 and "aware_at" in early.json()["detail"]
    assert _count(web, IncidentRow) == before
    transfer = editor.http.post(
        "/api/processing",
        json={"activity_id": "PA-WEB", "name": "Newsletter", "transfers": ["US"]},
        headers=editor.headers(),
    )
    assert transfer.status_code == 400
    assert "transfer_safeguard" in transfer.json()["detail"]
    basis = editor.post(
        "/processing", data={"activity_id": "PA-WEB", "name": "x", "lawful_basis": "whim"}
    )
    assert basis.status_code == 400 and "lawful_basis" in basis.text
    assert _count(web, ProcessingActivityRow) == activities


def test_requests_and_the_report_through_pages_and_api(web: WebWorkspace) -> None:
    editor = web.client("editor")
    added = editor.http.post(
        "/api/subject-requests",
        json={"request_id": "DSR-WEB", "kind": "access", "received_on": "2026-11-20"},
        headers=editor.headers(),
    )
    assert added.status_code == 200, added.text
    assert added.json()["due_on"] == "2026-12-20"
    extended = editor.post("/subject-requests/DSR-WEB", data={"extension_reason": "Archives"})
    assert extended.status_code == 303
    listed = editor.http.get("/api/subject-requests").json()
    [item] = [r for r in listed if r["request_id"] == "DSR-WEB"]
    assert item["extended"] and item["due_on"] == "2027-02-20"
    report = editor.http.get("/api/gdpr/report").json()
    assert {a["ref"] for a in report["articles"]} >= {"Art. 30", "Art. 32", "Art. 33"}
    page = editor.http.get("/gdpr").text
    assert "What your ISO certificate does not cover" in page and 'data-article="Art. 33"' in page
    workbook = editor.http.get("/gdpr/report.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert editor.http.get("/processing").status_code == 200
    assert editor.http.get("/subject-requests").status_code == 200
    auditor = web.client("auditor")
    assert auditor.http.get("/incidents").status_code == 200
    assert "incident-add" not in auditor.http.get("/incidents").text


def test_screening_and_a_dpia_on_the_activity_page(web: WebWorkspace) -> None:
    editor = web.client("editor")
    added = editor.post(
        "/processing",
        data={
            "activity_id": "PA-WEB-2",
            "name": "Driver telematics",
            "lawful_basis": "legitimate interests",
            "assets": "AWS-PROD",
            "retention": "1 year",
        },
    )
    assert added.status_code == 303, added.text
    screened = editor.post(
        "/processing/PA-WEB-2",
        data={"screening": "1", "q:systematic monitoring": "yes", "q:large scale": "yes"},
    )
    assert screened.status_code == 303 and "DPIA%20required" in screened.headers["location"]
    refused = editor.post(
        "/processing/PA-WEB-2", data={"dpia_completed_on": "2026-11-20", "dpia_risks": "R-01"}
    )
    assert refused.status_code == 400 and "is not a privacy risk" in refused.text
    assert editor.http.get("/api/processing/PA-WEB-2").json()["dpia_completed_on"] is None
    sheet = editor.http.get("/processing/ropa.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
