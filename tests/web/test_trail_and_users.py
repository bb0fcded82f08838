"""The audit trail page and its chain check, and account management (admins only)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from tests.web.conftest import PASSWORD, WebWorkspace, sign_in

NEW_AUDITOR = "lead.auditor@certifier.example"


def test_the_trail_shows_changes_and_verifies_the_chain(web: WebWorkspace) -> None:
    editor = web.client("editor")
    editor.post("/risks/R-02", data={"plan": "Quarterly tenant isolation tests"})
    page = editor.http.get("/trail")
    assert page.status_code == 200
    assert "Intact" in page.text
    verify = editor.http.get("/api/trail/verify").json()
    assert verify["intact"] is True
    assert verify["checked"] > 100  # the demo's history plus the change above
    assert f"{verify['checked']} entries" in page.text
    entries = editor.http.get("/api/trail", params={"entity": "risk"}).json()["entries"]
    newest = entries[0]
    assert newest["actor"] == "editor@northwind.example"
    assert newest["entity_key"] == "R-02"
    assert [c["field"] for c in newest["changes"]] == ["treatment_plan"]
    assert newest["changes"][0]["after"] == "Quarterly tenant isolation tests"
    filtered = editor.http.get("/trail?actor=editor@northwind.example")
    assert "Quarterly tenant isolation tests" in filtered.text
    assert '<a href="/risks/R-02">R-02</a>' in filtered.text
    nobody = editor.http.get("/api/trail", params={"actor": "nobody@example"}).json()
    assert nobody["entries"] == []
    later = editor.http.get("/api/trail", params={"since": "2099-01-01"}).json()
    assert later["entries"] == []


def test_a_tampered_entry_breaks_the_chain(web: WebWorkspace) -> None:
    opened = open_workspace(web.folder)
    try:
        with session_scope(opened.engine) as session:
            session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 5"))
            session.commit()
    finally:
        opened.close()
    admin = web.client("admin")
    verify = admin.http.get("/api/trail/verify").json()
    assert verify["intact"] is False
    assert verify["problems"][0]["entry_id"] == 5
    page = admin.http.get("/trail")
    assert "Broken" in page.text and "Entry #5" in page.text


def test_the_admin_adds_an_auditor_and_sets_the_window(web: WebWorkspace) -> None:
    admin = web.client("admin")
    page = admin.http.get("/users")
    assert page.status_code == 200
    assert set(re.findall(r'<tr id="user-([^"]+)"', page.text)) == {
        "admin@northwind.example",
        "editor@northwind.example",
        "dana@northwind.example",
        "auditor@audit.example",
    }
    assert "argon2" not in page.text
    added = admin.post(
        "/users",
        data={
            "email": NEW_AUDITOR,
            "role": "auditor",
            "name": "Lead Auditor",
            "password": PASSWORD,
        },
    )
    assert added.status_code == 303, added.text
    window = admin.post(
        f"/users/{NEW_AUDITOR}/window", data={"start": "2026-03-01", "end": "2026-08-31"}
    )
    assert window.status_code == 303, window.text
    users = {u["email"]: u for u in admin.http.get("/api/users").json()}
    assert users[NEW_AUDITOR]["role"] == "auditor"
    assert users[NEW_AUDITOR]["window_start"] == "2026-03-01"
    assert users[NEW_AUDITOR]["window_end"] == "2026-08-31"
    assert all("password_hash" not in u for u in users.values())
    # The new auditor signs in and reads, inside that window.
    fresh = web.client()
    sign_in(fresh.http, NEW_AUDITOR)
    session = fresh.http.get("/api/session").json()
    assert session["role"] == "auditor"
    assert session["observation_window"] == ["2026-03-01", "2026-08-31"]
    # A window that ends before it starts is refused with the service's reason.
    bad = admin.post(
        f"/users/{NEW_AUDITOR}/window", data={"start": "2026-09-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400 and "before it starts" in bad.text
    # The change is in the trail under the admin, without the password hash.
    trail = admin.http.get("/api/trail", params={"entity": "user", "key": NEW_AUDITOR}).json()
    assert {e["actor"] for e in trail["entries"]} == {"admin@northwind.example"}
    assert "argon2" not in str(trail)


def test_role_change_disable_and_the_api(web: WebWorkspace) -> None:
    admin = web.client("admin")
    editor_email = "editor@northwind.example"
    role = admin.post(f"/users/{editor_email}/role", data={"role": "auditor", "owner_name": ""})
    assert role.status_code == 303
    disabled = admin.post(f"/users/{editor_email}/active", data={"active": "no"})
    assert disabled.status_code == 303
    users = {u["email"]: u for u in admin.http.get("/api/users").json()}
    assert users[editor_email]["role"] == "auditor"
    assert users[editor_email]["active"] is False
    created = admin.http.post(
        "/api/users",
        json={"email": "ops@northwind.example", "role": "editor", "password": PASSWORD},
        headers=admin.headers(),
    )
    assert created.status_code == 200, created.text
    patched = admin.http.patch(
        "/api/users/ops@northwind.example",
        json={"role": "control_owner", "owner_name": "Sven Lindqvist (SRE Lead)"},
        headers=admin.headers(),
    )
    assert patched.status_code == 200
    assert patched.json()["owner_name"] == "Sven Lindqvist (SRE Lead)"
    refused = admin.http.post(
        "/api/users",
        json={"email": "short@northwind.example", "role": "editor", "password": "short"},
        headers=admin.headers(),
    )
    assert refused.status_code == 400
    assert "at least 12 characters" in refused.json()["detail"]


def test_only_admins_manage_users(web: WebWorkspace) -> None:
    for role in ("editor", "control_owner", "auditor"):
        client = web.client(role)
        assert client.http.get("/users").status_code == 403, role
        assert client.http.get("/api/users").status_code == 403, role
        added = client.post(
            "/users", data={"email": "x@northwind.example", "role": "admin", "password": PASSWORD}
        )
        assert added.status_code == 403, role
        patched = client.http.patch(
            f"/api/users/{client_email(role)}", json={"role": "admin"}, headers=client.headers()
        )
        assert patched.status_code == 403, role
    admin = web.client("admin")
    emails = {u["email"]: u["role"] for u in admin.http.get("/api/users").json()}
    assert "x@northwind.example" not in emails
    assert emails["editor@northwind.example"] == "editor"


def client_email(role: str) -> str:
    from tests.web.conftest import USERS

    return USERS[role][0]


def test_the_auditor_reads_the_trail_without_evidence_changes(web: WebWorkspace) -> None:
    admin_entities = {
        e["entity"]
        for e in web.client("admin")
        .http.get("/api/trail", params={"limit": 5000})
        .json()["entries"]
    }
    assert "evidence" in admin_entities  # the demo added evidence
    auditor = web.client("auditor")
    entries = auditor.http.get("/api/trail", params={"limit": 5000}).json()["entries"]
    entities = {e["entity"] for e in entries}
    assert entities and "control" in entities
    assert not entities & {"evidence", "evidence_link"}


def test_numbers_past_what_the_database_holds_are_refused_not_500(web: WebWorkspace) -> None:
    http = web.client("editor").http
    for url in (
        "/api/evidence/99999999999999999999999",
        "/api/soa?version=99999999999999999999",
        "/evidence/99999999999999999999999",
    ):
        answer = http.get(url, headers={"Accept": "application/json"})
        assert answer.status_code == 400, (url, answer.status_code, answer.text[:200])
        assert "out of range" in answer.text


def test_a_locked_workspace_answers_503_with_retry_after(web: WebWorkspace) -> None:
    import sqlite3

    editor = web.client("editor")
    holder = sqlite3.connect(web.folder / "crosswalk.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer (a long import), mid-transaction
    try:
        answer = editor.http.patch(
            "/api/controls/NW-AC-04", json={"title": "Renamed"}, headers=editor.headers()
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    assert "busy" in answer.text
    after = editor.http.get("/api/controls/NW-AC-04").json()
    assert after["control"]["detail"]["title"] != "Renamed"


def test_the_trail_check_finds_a_record_edited_in_the_database_directly(
    web: WebWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Such an edit moves no data version, so the page's cached check is run again once its
    period is over (a minute; a moment here) instead of saying "intact" until the next change."""
    from crosswalk.web.routes.evidence import trail

    editor = web.client("editor")
    assert editor.http.get("/api/trail/verify").json()["intact"] is True
    with web.session() as session:
        session.execute(
            text("UPDATE controls SET status = 'on paper' WHERE control_id = 'NW-AC-01'")
        )
        session.commit()
    monkeypatch.setattr(trail, "RECHECK_SECONDS", 1e-9)
    answer = editor.http.get("/api/trail/verify").json()
    assert answer["intact"] is False and answer["problems"] == []
    assert [(d["entity"], d["key"]) for d in answer["drift"]] == [("control", "NW-AC-01")]
    assert "status is 'on paper' in the database" in answer["drift"][0]["message"]
    assert "NW-AC-01" in editor.http.get("/trail").text


def test_a_long_trail_is_checked_in_a_process_of_its_own_with_the_same_findings(
    web: WebWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past OWN_PROCESS_ENTRIES the page's check runs in a spawned interpreter (the pages
    served meanwhile do not wait on it); it finds what the in-process check finds."""
    from crosswalk.web.routes.evidence import trail

    monkeypatch.setattr(trail, "OWN_PROCESS_ENTRIES", 0)
    monkeypatch.setattr(trail, "PAGE_WAIT_SECONDS", 60.0)  # a spawned interpreter starts slowly
    editor = web.client("editor")
    page = editor.http.get("/trail")
    checked = editor.http.get("/api/trail/verify").json()["checked"]
    assert "Intact" in page.text and f"{checked} entries" in page.text
    opened = open_workspace(web.folder)
    try:
        with session_scope(opened.engine) as session:
            session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 5"))
            session.commit()
    finally:
        opened.close()
    editor.post("/risks/R-02", data={"plan": "Moves the head, so the page checks again"})
    page = editor.http.get("/trail")
    assert "Broken" in page.text and "Entry #5" in page.text
