"""Deleting a control created by mistake, from the web and the API: only with its id typed
again, only when nothing refers to it (else: retire it, which keeps the history), and only
by editors and admins. Tag routes under /api/controls/ still reach their own handlers."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from crosswalk.store.models import ControlRow
from tests.web.conftest import WebWorkspace


def _count(web: WebWorkspace) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(ControlRow)) or 0)


def _add(web: WebWorkspace, control_id: str) -> None:
    editor = web.client("editor")
    answer = editor.post(
        "/controls",
        data={"control_id": control_id, "title": "Typo", "requirement": "iso27001-2022:A.5.1"},
    )
    assert answer.status_code == 303, answer.text


def test_a_mistaken_control_is_deleted_with_its_id_typed_again(web: WebWorkspace) -> None:
    _add(web, "NW-OOPS-01")
    editor = web.client("editor")
    before = _count(web)
    page = editor.http.get("/controls/NW-OOPS-01").text
    assert 'id="delete-control"' in page
    wrong = editor.post("/controls/NW-OOPS-01/remove", data={"confirm": "NW-OOPS-02"})
    assert wrong.status_code == 400
    assert "type the control's id, NW-OOPS-01, to delete it" in html.unescape(wrong.text)
    assert _count(web) == before
    done = editor.post("/controls/NW-OOPS-01/remove", data={"confirm": "NW-OOPS-01"})
    assert done.status_code == 303 and done.headers["location"].startswith("/controls?")
    assert _count(web) == before - 1
    gone = editor.http.get("/api/controls/NW-OOPS-01")
    assert gone.status_code == 400 and "NW-OOPS-01" in gone.json()["detail"]


def test_a_control_with_evidence_is_not_deleted_and_retiring_is_offered(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = _count(web)
    refused = editor.post("/controls/NW-AC-02/remove", data={"confirm": "NW-AC-02"})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "cannot be deleted: it is referred to by" in text and "Retire it instead" in text
    api = editor.http.delete("/api/controls/NW-AC-02", headers=editor.headers())
    assert api.status_code == 400 and "Retire it instead" in api.json()["detail"]
    assert _count(web) == before


def test_the_api_deletes_and_leaves_tag_routes_alone(web: WebWorkspace) -> None:
    _add(web, "NW-OOPS-03")
    editor = web.client("editor")
    untag = editor.http.delete(
        "/api/controls/NW-OOPS-03/tags/iso27001-2022:A.5.1", headers=editor.headers()
    )
    assert untag.status_code == 200 and untag.json()["untagged"] == ["iso27001-2022:A.5.1"]
    deleted = editor.http.delete("/api/controls/NW-OOPS-03", headers=editor.headers())
    assert deleted.json() == {"control_id": "NW-OOPS-03", "deleted": True}


def test_a_control_owner_cannot_delete_even_their_own_control(web: WebWorkspace) -> None:
    _add(web, "NW-OOPS-04")
    with web.session() as session:
        row = session.scalars(select(ControlRow).where(ControlRow.control_id == "NW-OOPS-04")).one()
        row.owner = "Dana Ortiz (IT Manager)"
        session.commit()
    owner = web.client("control_owner")
    assert 'id="delete-control"' not in owner.http.get("/controls/NW-OOPS-04").text
    refused = owner.post("/controls/NW-OOPS-04/remove", data={"confirm": "NW-OOPS-04"})
    assert refused.status_code == 403
    assert owner.http.get("/api/controls/NW-OOPS-04").status_code == 200
