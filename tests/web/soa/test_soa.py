"""The Statement of Applicability editor: the 93 rows, editing a row of the draft (with the
live check of what would be refused), who may edit, and approval."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import escape

from tests.web.conftest import WebWorkspace

EDITOR_EMAIL = "editor@northwind.example"
REASON = "No premises: Northwind is a fully remote company"


def soa_rows(client: Any) -> dict[str, dict[str, Any]]:
    response = client.http.get("/api/soa")
    assert response.status_code == 200
    return {row["ref"]: row for row in response.json()["entries"]}


def test_the_page_lists_the_93_annex_a_rows_by_theme(web: WebWorkspace) -> None:
    editor = web.client("editor")
    page = editor.http.get("/soa")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="row-(A\.\d+\.\d+)"', page.text)
    assert len(rows) == 93
    assert rows[0] == "A.5.1" and rows[-1] == "A.8.34"
    for theme in ("Organizational", "People", "Physical", "Technological"):
        assert f"{theme} controls" in page.text
    # The demo's draft: v1, not approved, three controls excluded with their reasons.
    assert "draft" in page.text and "v1" in page.text
    data = editor.http.get("/api/soa").json()
    assert data["version"]["status"] == "draft"
    assert data["version"]["total"] == 93
    excluded = [r for r in data["entries"] if not r["applicable"]]
    assert [r["ref"] for r in excluded] == ["A.7.11", "A.7.12", "A.8.30"]
    for row in excluded:
        assert str(escape(row["exclusion_reason"])) in page.text
    # The validation findings of the draft are on the page.
    findings = editor.http.get("/api/soa/validate").json()["findings"]
    assert findings
    assert all(f["ref"] in page.text for f in findings)


def test_editor_excludes_a_control_with_a_reason(web: WebWorkspace) -> None:
    editor = web.client("editor")
    form = editor.http.get("/soa?edit=A.7.4")
    assert 'id="soa-edit-A.7.4"' in form.text
    assert 'data-check="/api/soa/check/A.7.4"' in form.text
    response = editor.post(
        "/soa/A.7.4",
        data={"applicable": "no", "exclusion_reason": REASON, "justification": "ignored"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/soa?notice=")
    row = soa_rows(editor)["A.7.4"]
    assert row["applicable"] is False
    assert row["exclusion_reason"] == REASON
    assert row["implementation_status"] == "not applicable"
    assert row["last_reviewed"] == "2026-11-27"
    trail = editor.http.get("/api/trail", params={"entity": "soa_entry", "key": "A.7.4"}).json()
    newest = trail["entries"][0]
    assert newest["actor"] == EDITOR_EMAIL
    assert newest["entity_key"] == "v1 A.7.4"
    changed = {c["field"]: c for c in newest["changes"]}
    assert changed["applicable"]["before"] is True
    assert changed["applicable"]["after"] is False
    assert changed["exclusion_reason"]["after"] == REASON
    assert REASON in editor.http.get("/soa").text


def test_an_exclusion_without_a_reason_is_refused_and_changes_nothing(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = soa_rows(editor)["A.7.4"]
    trail_before = editor.http.get("/api/trail").json()["entries"][0]["id"]
    page = editor.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": "  "})
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert "Excluding A.7.4 needs a reason" in page.text
    assert 'id="soa-edit-A.7.4"' in page.text  # the form is shown again, with the error
    api = editor.http.put("/api/soa/A.7.4", json={"applicable": False}, headers=editor.headers())
    assert api.status_code == 400
    assert "needs a reason" in api.json()["detail"]
    assert soa_rows(editor)["A.7.4"] == before
    assert editor.http.get("/api/trail").json()["entries"][0]["id"] == trail_before


def test_the_live_check_names_a_missing_reason(web: WebWorkspace) -> None:
    editor = web.client("editor")
    missing = editor.http.get(
        "/api/soa/check/A.7.4", params={"applicable": "no", "exclusion_reason": ""}
    )
    assert missing.status_code == 200
    problems = missing.json()["problems"]
    assert len(problems) == 1
    assert "needs a reason" in problems[0]
    given = editor.http.get(
        "/api/soa/check/A.7.4", params={"applicable": "no", "exclusion_reason": REASON}
    )
    assert given.json()["problems"] == []
    # Including needs a justification and a kind, as the form sends them (kinds may be "").
    bare = editor.http.get(
        "/api/soa/check/A.7.11",
        params={"applicable": "yes", "justification": "", "kinds": ""},
    ).json()["problems"]
    assert any("needs a justification" in p for p in bare)
    assert any("justification kind" in p for p in bare)
    # Excluding a control a risk treatment uses is allowed, with a warning.
    used = editor.http.get(
        "/api/soa/check/A.5.15", params={"applicable": "no", "exclusion_reason": REASON}
    ).json()
    assert used["problems"] == []
    assert used["warnings"] and "R-" in used["warnings"][0]


def test_including_an_excluded_control_via_the_api(web: WebWorkspace) -> None:
    editor = web.client("editor")
    response = editor.http.put(
        "/api/soa/A.8.30",
        json={
            "applicable": True,
            "justification": "We now outsource part of development",
            "justification_kinds": ["risk", "contractual"],
            "implementation_status": "planned",
        },
        headers=editor.headers(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["justification_kinds"] == ["risk", "contractual"]
    row = soa_rows(editor)["A.8.30"]
    assert row["applicable"] is True
    assert row["exclusion_reason"] == ""
    assert row["implementation_status"] == "planned"


def test_the_auditor_reads_but_sees_no_edit_form_and_cannot_write(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    page = auditor.http.get("/soa?edit=A.7.4")
    assert page.status_code == 200
    assert "soa-edit-" not in page.text
    assert 'action="/soa/approve"' not in page.text
    assert "?edit=" not in page.text
    detail = auditor.http.get("/soa/A.7.4")
    assert detail.status_code == 200 and "soa-edit-" not in detail.text
    before = soa_rows(auditor)["A.7.4"]
    form = auditor.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": REASON})
    assert form.status_code == 403
    put = auditor.http.put(
        "/api/soa/A.7.4",
        json={"applicable": False, "exclusion_reason": REASON},
        headers=auditor.headers(),
    )
    assert put.status_code == 403
    assert auditor.post("/soa/approve").status_code == 403
    assert soa_rows(auditor)["A.7.4"] == before


def test_a_control_owner_may_not_change_the_soa(web: WebWorkspace) -> None:
    owner = web.client("control_owner")
    assert "soa-edit-" not in owner.http.get("/soa?edit=A.7.4").text
    form = owner.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": REASON})
    assert form.status_code == 403
    assert "your role does not allow" in form.text
    put = owner.http.put(
        "/api/soa/A.7.4",
        json={"applicable": False, "exclusion_reason": REASON},
        headers=owner.headers(),
    )
    assert put.status_code == 403
    assert owner.http.post("/api/soa/approve", headers=owner.headers()).status_code == 403
    assert soa_rows(owner)["A.7.4"]["applicable"] is True


def test_approving_freezes_the_draft_and_a_new_draft_copies_it(web: WebWorkspace) -> None:
    admin = web.client("admin")
    approved = admin.post("/soa/approve")
    assert approved.status_code == 303
    meta = admin.http.get("/api/soa").json()["version"]
    assert meta["status"] == "approved"
    assert meta["approved_by"] == "admin (admin@northwind.example)"
    assert meta["approved_on"] == "2026-11-27"
    frozen = admin.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": REASON})
    assert frozen.status_code == 400
    assert "approved and can no longer change" in frozen.text
    assert admin.post("/soa/init").status_code == 303
    data = admin.http.get("/api/soa").json()
    assert data["version"]["version"] == 2
    assert data["draft"] == 2
    changed = admin.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": REASON})
    assert changed.status_code == 303
    diff = admin.http.get("/api/soa/diff", params={"from": "1", "to": "2"}).json()
    assert {"ref": "A.7.4", "field": "applicable", "before": True, "after": False} in diff
    page = admin.http.get("/soa/diff?from=1&to=2")
    assert page.status_code == 200 and "A.7.4" in page.text
    assert "Changes since v1" in admin.http.get("/soa").text


def test_the_detail_page_shows_the_row_its_controls_and_its_history(web: WebWorkspace) -> None:
    editor = web.client("editor")
    editor.post("/soa/A.7.4", data={"applicable": "no", "exclusion_reason": REASON})
    row = soa_rows(editor)["A.5.15"]
    page = editor.http.get("/soa/A.5.15")
    assert page.status_code == 200
    assert 'id="soa-edit-A.5.15"' in page.text
    for control in row["controls"]:
        assert f'href="/controls/{control}"' in page.text
    for risk in row["risks"]:
        assert f'href="/risks/{risk}"' in page.text
    history = editor.http.get("/soa/A.7.4").text
    assert EDITOR_EMAIL in history and REASON in history
    refused = editor.post(
        "/soa/A.5.15", data={"applicable": "no", "exclusion_reason": "", "back": "detail"}
    )
    assert refused.status_code == 400
    assert "Excluding A.5.15 needs a reason" in refused.text


def test_without_an_soa_the_page_offers_the_first_draft(web: WebWorkspace) -> None:
    from sqlalchemy import text

    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace

    opened = open_workspace(web.folder)
    try:
        with session_scope(opened.engine) as session:
            session.execute(text("DELETE FROM soa_entries"))
            session.execute(text("DELETE FROM soa_versions"))
            session.commit()
    finally:
        opened.close()
    auditor = web.client("auditor")
    empty = auditor.http.get("/soa")
    assert empty.status_code == 200
    assert "No Statement of Applicability yet" in empty.text
    assert 'action="/soa/init"' not in empty.text  # auditors cannot start one
    editor = web.client("editor")
    assert 'action="/soa/init"' in editor.http.get("/soa").text
    created = editor.post("/soa/init")
    assert created.status_code == 303, created.text
    data = editor.http.get("/api/soa").json()
    assert data["version"]["version"] == 1 and data["version"]["status"] == "draft"
    assert len(data["entries"]) == 93
    assert editor.post("/soa/init").status_code == 400  # one draft at a time


def test_the_rows_lent_by_the_live_program_are_those_soa_export_computes(
    web: WebWorkspace,
) -> None:
    """The web's SoA takes the controls reaching each row and their facts from the live
    program; after edits, every row is what `crosswalk soa export` computes afresh."""
    from crosswalk.catalogs.loader import load_library
    from crosswalk.reports.serialize import to_jsonable
    from crosswalk.services.soa.soa import soa_rows as service_rows

    editor = web.client("editor")
    editor.http.get("/api/soa")  # the live program is built, then changed under it
    tagged = editor.post("/controls/NW-HR-02/tags", data={"requirement": "A.8.16"})
    assert tagged.status_code == 303
    retired = editor.post("/controls/NW-OPS-03/retire", data={"reason": "replaced"})
    assert retired.status_code == 303
    served = editor.http.get("/api/soa").json()["entries"]
    with web.session() as session:
        fresh = to_jsonable(service_rows(session, load_library()))
    assert served == fresh
    assert any("NW-HR-02" in row["controls"] for row in served if row["ref"] == "A.8.16")
