"""The Jobs page and its API twin show background job runs to admins, and only to them."""

from __future__ import annotations

from crosswalk.services.jobs.runs import FAILED, SUCCEEDED, finish_attempt, start_attempt
from tests.web.conftest import WebWorkspace


def _record_runs(web: WebWorkspace) -> None:
    with web.session() as session:
        done = start_attempt(session, "collect:mfa-report", "2026-12-07", "node-a:41", 7)
        finish_attempt(session, done, SUCCEEDED, "pass: 42 users, all with MFA", claim=True)
        broken = start_attempt(session, "daily_digest", "2026-12-07", "node-b:99", 8)
        finish_attempt(session, broken, FAILED, error="SMTP refused the login")
        session.commit()


def test_admins_see_job_runs_on_the_page_and_in_the_api(web: WebWorkspace) -> None:
    _record_runs(web)
    admin = web.client("admin")
    page = admin.http.get("/jobs")
    assert page.status_code == 200
    assert "collect:mfa-report" in page.text and "pass: 42 users, all with MFA" in page.text
    assert "SMTP refused the login" in page.text and "node-b:99" in page.text
    assert 'href="/jobs"' in admin.http.get("/").text  # in the admin's navigation
    runs = admin.http.get("/api/jobs").json()
    assert [(r["job"], r["status"]) for r in runs] == [
        ("daily_digest", "failed"),
        ("collect:mfa-report", "succeeded"),
    ]
    failed = admin.http.get("/api/jobs", params={"status": "failed"}).json()
    assert [r["error"] for r in failed] == ["SMTP refused the login"]
    assert admin.http.get("/api/jobs", params={"status": "sideways"}).status_code == 400


def test_only_admins_see_job_runs(web: WebWorkspace) -> None:
    _record_runs(web)
    for role in ("editor", "control_owner", "auditor"):
        client = web.client(role)
        assert client.http.get("/jobs").status_code == 403, role
        assert client.http.get("/api/jobs").status_code == 403, role
        assert 'href="/jobs"' not in client.http.get("/").text, role
    assert web.client(None).http.get("/api/jobs").status_code == 401
