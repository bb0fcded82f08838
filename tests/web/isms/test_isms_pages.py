"""Risks, internal audits, management reviews and nonconformities in the web app, over the
demo's records: what the pages show, and the writes an editor makes."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import WebWorkspace


def risk(client: Any, risk_id: str) -> dict[str, Any]:
    response = client.http.get(f"/api/risks/{risk_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def nonconformity(client: Any, nc_id: str) -> dict[str, Any]:
    data: dict[str, Any] = client.http.get(f"/api/nonconformities/{nc_id}").json()
    return data


def test_the_risk_register_lists_the_25_demo_risks_with_heat_maps(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    page = auditor.http.get("/risks")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="risk-(R-\d+)"', page.text)
    assert rows == [f"R-{n:02d}" for n in range(1, 26)]
    assert page.text.count("<svg") == 2  # inherent and residual heat maps
    assert "Inherent" in page.text and "Residual" in page.text
    data = auditor.http.get("/api/risks").json()
    assert data["summary"]["risks"] == 26  # and the DPIA's privacy risk (issue 19)
    assert len(data["risks"]) == 26
    assert "R-PRIV-01" in page.text
    first = next(r for r in data["risks"] if r["risk_id"] == "R-01")
    assert first["inherent"]["score"] == 20
    assert first["inherent"]["rating"] == "critical"
    assert first["accepted_by"] is None
    assert 'action="/risks/R-01/accept"' not in auditor.http.get("/risks/R-01").text


def test_the_risk_page_links_controls_and_annex_a(web: WebWorkspace) -> None:
    editor = web.client("editor")
    detail = risk(editor, "R-01")
    page = editor.http.get("/risks/R-01")
    assert page.status_code == 200
    for control in detail["controls"]:
        assert f'href="/controls/{control}"' in page.text
        assert detail["control_titles"][control] in page.text
    for ref in detail["annex_a"]:
        assert f'href="/explorer/iso27001-2022%3A{ref}"' in page.text
    assert 'id="risk-accept"' in page.text and 'id="risk-edit"' in page.text


def test_the_editor_records_the_owners_acceptance(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert "unaccepted" in {f["code"] for f in risk(editor, "R-01")["findings"]}
    response = editor.post(
        "/risks/R-01/accept", data={"by": "Dana Ortiz (IT Manager)", "on": "2026-11-20"}
    )
    assert response.status_code == 303, response.text
    accepted = risk(editor, "R-01")
    assert accepted["accepted_by"] == "Dana Ortiz (IT Manager)"
    assert accepted["accepted_on"] == "2026-11-20"
    assert "unaccepted" not in {f["code"] for f in accepted["findings"]}
    api = editor.http.post(
        "/api/risks/R-04/accept", json={"by": "Jonas Weber"}, headers=editor.headers()
    )
    assert api.status_code == 200
    assert api.json()["accepted_by"] == "Jonas Weber"
    assert api.json()["accepted_on"] == "2026-11-27"
    assert editor.post("/risks/R-02/accept", data={"by": " "}).status_code == 400
    assert risk(editor, "R-02")["accepted_by"] is None


def test_editing_the_treatment_and_a_bad_level_is_refused(web: WebWorkspace) -> None:
    editor = web.client("editor")
    response = editor.post(
        "/risks/R-02",
        data={
            "plan": "Tenant isolation tests in CI",
            "due": "2027-03-31",
            "annex_a": "8.31, A.8.3",
        },
    )
    assert response.status_code == 303, response.text
    changed = risk(editor, "R-02")
    assert changed["plan"] == "Tenant isolation tests in CI"
    assert changed["due"] == "2027-03-31"
    assert changed["annex_a"] == ["A.8.3", "A.8.31"]
    refused = editor.post("/risks/R-02", data={"residual_likelihood": "9"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text
    assert risk(editor, "R-02")["residual"]["likelihood"] == changed["residual"]["likelihood"]
    patched = editor.http.patch(
        "/api/risks/R-02", json={"owner": "Priya Raman (CISO)"}, headers=editor.headers()
    )
    assert patched.status_code == 200
    assert patched.json()["changed"] == ["owner"]


def test_risk_writes_need_a_program_role(web: WebWorkspace) -> None:
    owner = web.client("control_owner")  # Dana owns R-01 as a risk, not the register
    assert owner.post("/risks/R-01/accept", data={"by": "Dana"}).status_code == 403
    patch = owner.http.patch("/api/risks/R-01", json={"plan": "x"}, headers=owner.headers())
    assert patch.status_code == 403
    assert risk(owner, "R-01")["accepted_by"] is None


def test_audits_show_the_programme_coverage(web: WebWorkspace) -> None:
    editor = web.client("editor")
    page = editor.http.get("/audits?start=2026-01-01&end=2027-12-31")
    assert page.status_code == 200
    assert 'id="audit-IA-2026-01"' in page.text and 'id="audit-IA-2027-01"' in page.text
    data = editor.http.get("/api/audits", params={"start": "2026-01-01", "end": "2027-12-31"})
    programme = data.json()["programme"]
    assert programme["performed"] == ["IA-2026-01"]
    assert programme["planned"] == ["IA-2027-01"]
    assert programme["complete"] is False
    first = next(a for a in data.json()["audits"] if a["audit_id"] == "IA-2026-01")
    assert first["state"] == "performed"
    assert set(first["nonconformities"]) == {"NC-2026-01", "NC-2026-02"}
    # Recording the planned audit as performed.
    response = editor.post(
        "/audits/IA-2027-01", data={"performed_on": "2026-11-26", "findings": "No findings"}
    )
    assert response.status_code == 303, response.text
    again = editor.http.get("/api/audits", params={"start": "2026-01-01", "end": "2027-12-31"})
    assert set(again.json()["programme"]["performed"]) == {"IA-2026-01", "IA-2027-01"}
    bad = editor.post("/audits", data={"audit_id": "IA-X", "title": "No scope", "planned_on": ""})
    assert bad.status_code == 400
    assert "needs a scope" in bad.text


def test_reviews_show_the_9_3_2_checklist(web: WebWorkspace) -> None:
    editor = web.client("editor")
    reviews = editor.http.get("/api/reviews").json()
    assert [r["review_id"] for r in reviews] == ["MR-2026-01"]
    assert reviews[0]["missing"] == ["feedback"]
    page = editor.http.get("/reviews")
    assert "1 input missing" in page.text
    assert page.text.count('class="item"') == 10  # one line per 9.3.2 input
    response = editor.post(
        "/reviews/MR-2026-01", data={"input_feedback": "Two customer audits, no findings"}
    )
    assert response.status_code == 303, response.text
    assert editor.http.get("/api/reviews").json()[0]["missing"] == []
    assert "all inputs considered" in editor.http.get("/reviews").text


def test_nonconformities_flag_overdue_and_refuse_an_incomplete_close(web: WebWorkspace) -> None:
    editor = web.client("editor")
    page = editor.http.get("/nonconformities")
    assert page.status_code == 200
    states = dict(re.findall(r'<tr id="nc-(NC-[\d-]+)" data-state="(\w+)"', page.text))
    assert states == {"NC-2026-03": "closed", "NC-2026-01": "open", "NC-2026-02": "overdue"}
    assert "27 days late" in page.text  # due 2026-10-31, today 2026-11-27
    refused = editor.post("/nonconformities/NC-2026-02/close", data={})
    assert refused.status_code == 400
    message = (
        "nonconformity NC-2026-02 cannot be closed: it still needs a correction, a root cause, "
        "a corrective action, an effectiveness check and the date of the effectiveness check"
    )
    assert message in refused.text
    assert nonconformity(editor, "NC-2026-02")["state"] == "overdue"
    api = editor.http.post(
        "/api/nonconformities/NC-2026-01/close", json={}, headers=editor.headers()
    )
    assert api.status_code == 400
    assert "it still needs an effectiveness check" in api.json()["detail"]
    closed = editor.post(
        "/nonconformities/NC-2026-01/close",
        data={
            "effectiveness_check": "SoA approved and reviewed at the next audit",
            "effectiveness_checked_on": "2026-11-25",
            "closed_on": "2026-11-26",
        },
    )
    assert closed.status_code == 303, closed.text
    done = nonconformity(editor, "NC-2026-01")
    assert done["state"] == "closed" and done["closed_on"] == "2026-11-26"


def test_nonconformity_edit_and_add(web: WebWorkspace) -> None:
    editor = web.client("editor")
    response = editor.post(
        "/nonconformities/NC-2026-02",
        data={"root_cause": "No owner for tier-2 vendor reviews", "due_on": "2027-01-31"},
    )
    assert response.status_code == 303, response.text
    changed = nonconformity(editor, "NC-2026-02")
    assert changed["root_cause"] == "No owner for tier-2 vendor reviews"
    assert changed["state"] == "open"  # no longer overdue with the new due date
    raised = editor.post(
        "/nonconformities",
        data={
            "nc_id": "NC-2026-04",
            "source": "incident",
            "source_ref": "INC-0450",
            "description": "Backup restore test skipped in November",
            "due_on": "2026-12-31",
        },
    )
    assert raised.status_code == 303, raised.text
    assert nonconformity(editor, "NC-2026-04")["missing_to_close"][0] == "a correction"
    auditor = web.client("auditor")
    assert auditor.post("/nonconformities/NC-2026-02", data={"owner": "x"}).status_code == 403
