"""Adding a control from the web (issue 17): the form and its JSON twin check every value
with the service's own rules, tag it when asked, and save nothing on refusal; control
owners and auditors cannot add."""

from __future__ import annotations

from sqlalchemy import func, select

from crosswalk.store.models import ControlRow
from tests.web.conftest import WebWorkspace


def _count(web: WebWorkspace) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(ControlRow)) or 0)


def test_an_editor_adds_and_tags_a_control_with_the_form(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert 'id="control-add"' in editor.http.get("/controls").text
    added = editor.post(
        "/controls",
        data={
            "control_id": "NW-NEW-01",
            "title": "Supplier security reviews",
            "owner": "Dana Ortiz (IT Manager)",
            "status": "implemented",
            "frequency": "annually",
            "requirement": "iso27001-2022:A.5.19",
            "coverage": "partial",
            "description": "Each new supplier is reviewed before contract.",
        },
    )
    assert added.status_code == 303 and added.headers["location"].startswith("/controls/NW-NEW-01")
    control = editor.http.get("/api/controls/NW-NEW-01").json()["control"]["detail"]
    assert control["title"] == "Supplier security reviews" and control["status"] == "implemented"
    assert [(t["requirement"], t["coverage"]) for t in control["tags"]] == [
        ("iso27001-2022:A.5.19", "partial")
    ]


def test_a_bad_value_is_named_and_nothing_is_saved(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = _count(web)
    for data, words in (
        ({"control_id": "NW-NEW-02", "title": "X", "frequency": "whenever"}, "frequency"),
        ({"control_id": "NW-NEW-02", "title": "X", "status": "sometimes"}, "status"),
        ({"control_id": "NW-NEW-02", "title": "X", "requirement": "A.9.99"}, "A.9.99"),
        ({"control_id": "NW-AC-04", "title": "Twice"}, "already exists"),
        ({"control_id": "x" * 300, "title": "X"}, "id"),
    ):
        refused = editor.post("/controls", data=data)
        assert refused.status_code == 400, data
        assert words in refused.text and 'id="control-add-error"' in refused.text
        assert f'value="{data["title"]}"' in refused.text  # what was typed is kept
    assert _count(web) == before


def test_the_api_twin_adds_and_refuses_the_same(web: WebWorkspace) -> None:
    editor = web.client("editor")
    made = editor.http.post(
        "/api/controls",
        json={"control_id": "NW-NEW-03", "title": "Backups restored yearly", "frequency": "yearly"},
        headers=editor.headers(),
    )
    assert made.status_code == 201, made.text
    assert made.json()["control"]["control_id"] == "NW-NEW-03"
    again = editor.http.post(
        "/api/controls",
        json={"control_id": "NW-NEW-03", "title": "Again"},
        headers=editor.headers(),
    )
    assert again.status_code == 400 and "already exists" in again.json()["detail"]


def test_control_owners_and_auditors_cannot_add(web: WebWorkspace) -> None:
    before = _count(web)
    owner = web.client("control_owner")
    assert 'id="control-add"' not in owner.http.get("/controls").text
    refused = owner.post("/controls", data={"control_id": "NW-NEW-04", "title": "Mine"})
    assert refused.status_code == 403
    auditor = web.client("auditor")
    denied = auditor.post("/controls", data={"control_id": "NW-NEW-05", "title": "X"})
    assert denied.status_code == 403
    assert _count(web) == before
