"""Objectives, assets, the scope statement and policies made and changed from the web, by
the same service rules the CLI uses: a refused value is named beside the form and changes
nothing; each form has a JSON twin under /api/."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crosswalk.services.isms.assets import get_asset
from crosswalk.services.isms.objectives import get_objective
from crosswalk.services.isms.scope import scope_versions
from crosswalk.store.isms_models import AssetRow, ObjectiveRow
from tests.web.conftest import WebWorkspace


def said(answer: Any) -> str:
    """The page's text as a reader sees it (quotes unescaped)."""
    return html.unescape(answer.text)


def _count(web: WebWorkspace, column: object) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


# --- objectives ------------------------------------------------------------------------------


def test_an_editor_adds_an_objective_and_updates_its_status(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.post(
        "/objectives",
        data={"objective_id": "OBJ-WEB", "title": "Patch fast", "target": "95 % in 14 days",
              "owner": "Sven Lindqvist", "due_on": "2027-03-31", "status": "open"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    page = editor.http.get("/objectives").text
    assert "OBJ-WEB" in page and "95 % in 14 days" in page
    changed = editor.post("/objectives/OBJ-WEB", data={"status": "on track", "owner": ""})
    assert changed.status_code == 303 and "status" in changed.headers["location"]
    with web.session() as session:
        objective = get_objective(session, "OBJ-WEB")
    assert objective.status == "on track" and objective.owner is None


def test_a_bad_objective_is_named_beside_the_form_and_nothing_is_added(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = _count(web, ObjectiveRow.id)
    answer = editor.post(
        "/objectives", data={"title": "Patch fast", "due_on": "next week", "status": "open"}
    )
    assert answer.status_code == 400
    assert "due date 'next week' is not a date" in said(answer)
    assert 'value="Patch fast"' in said(answer)  # what was typed comes back
    bad_status = editor.post("/objectives", data={"title": "X", "status": "done-ish"})
    assert bad_status.status_code == 400 and "objective status 'done-ish'" in said(bad_status)
    assert _count(web, ObjectiveRow.id) == before


def test_the_objectives_api_adds_and_patches(web: WebWorkspace) -> None:
    editor = web.client("editor")
    added = editor.http.post(
        "/api/objectives", json={"title": "Train everyone", "status": "open"},
        headers=editor.headers(),
    )  # fmt: skip
    assert added.status_code == 201, added.text
    objective_id = added.json()["objective_id"]
    patched = editor.http.patch(
        f"/api/objectives/{objective_id}", json={"status": "achieved"}, headers=editor.headers()
    )
    assert patched.json()["changed"] == ["status"]
    refused = editor.http.patch(
        f"/api/objectives/{objective_id}", json={"status": "maybe"}, headers=editor.headers()
    )
    assert refused.status_code == 400
    listed = editor.http.get("/api/objectives").json()["objectives"]
    assert objective_id == "OBJ-04"  # the next free id after the demo's OBJ-01 to OBJ-03
    assert next(o for o in listed if o["objective_id"] == objective_id)["status"] == "achieved"


# --- assets ----------------------------------------------------------------------------------


def test_an_editor_adds_an_asset_inside_the_scope_and_changes_its_owner(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.post(
        "/assets",
        data={"asset_id": "BILLING-DB", "name": "Billing database", "kind": "data",
              "owner": "Grace Kim", "depends_on": "AWS-PROD", "controls": "NW-AC-08",
              "in_isms_scope": "on"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    with web.session() as session:
        asset = get_asset(session, "BILLING-DB")
    assert asset.in_isms_scope and not asset.in_soc2_boundary
    assert list(asset.depends_on) == ["AWS-PROD"]
    assert [c.control_id for c in asset.controls] == ["NW-AC-08"]
    edited = editor.post(
        "/assets/BILLING-DB",
        data={"owner": "Yuki Tanaka", "classification": "restricted", "depends_on": "AWS-PROD",
              "in_isms_scope": "on", "in_soc2_boundary": "on"},
    )  # fmt: skip
    assert edited.status_code == 303
    with web.session() as session:
        asset = get_asset(session, "BILLING-DB")
    assert asset.owner == "Yuki Tanaka" and asset.in_soc2_boundary


def test_an_asset_with_an_unknown_dependency_is_refused_and_nothing_is_added(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    before = _count(web, AssetRow.id)
    answer = editor.post(
        "/assets", data={"asset_id": "X-1", "name": "X", "depends_on": "NO-SUCH-ASSET"}
    )
    assert answer.status_code == 400 and "NO-SUCH-ASSET" in said(answer)
    assert 'value="X-1"' in said(answer)
    assert _count(web, AssetRow.id) == before
    api = editor.http.post(
        "/api/assets", json={"asset_id": "X-2", "name": "X", "controls": ["NW-NOPE"]},
        headers=editor.headers(),
    )  # fmt: skip
    assert api.status_code in (400, 404) and "NW-NOPE" in said(api)
    assert _count(web, AssetRow.id) == before


# --- the scope statement -----------------------------------------------------------------------


def test_a_new_scope_version_is_a_draft_until_approved_and_the_old_one_stays(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    page = editor.http.get("/scope").text
    assert 'id="scope-set"' in page and 'id="scope-approve"' not in page  # v1 is approved
    answer = editor.post(
        "/scope",
        data={"text": "Northwind platform and the support desk", "includes": "API, SUPPORT",
              "excludes": "WEBSITE=Marketing site, no customer data"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    page = editor.http.get("/scope").text
    assert "not approved" in page and 'id="scope-approve"' in page
    approved = editor.post("/scope/2/approve", data={"by": "Elena Varga (CEO)", "on": ""})
    assert approved.status_code == 303
    with web.session() as session:
        versions = scope_versions(session)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].approved_on is not None  # the earlier version is untouched
    assert versions[1].approved_by == "Elena Varga (CEO)"
    again = editor.post("/scope/2/approve", data={"by": "Someone else"})
    assert again.status_code == 400 and "already approved" in said(again)


def test_a_bad_exclusion_line_is_named_and_no_version_is_recorded(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.post(
        "/scope", data={"text": "Platform", "includes": "API", "excludes": "WEBSITE\n"}
    )
    assert answer.status_code == 400
    assert "exclusions, line 1: 'WEBSITE' should be ID=reason" in said(answer)
    unknown = editor.post("/scope", data={"text": "Platform", "includes": "API, NOPE"})
    assert unknown.status_code == 400 and "NOPE" in said(unknown)
    with web.session() as session:
        assert len(scope_versions(session)) == 1


# --- policies --------------------------------------------------------------------------------


def test_an_editor_adds_a_policy_file_then_approves_and_reviews_it(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.post(
        "/policies",
        data={"policy_id": "POL-CRYPTO", "title": "Cryptography policy", "owner": "Jonas Weber",
              "governs": "A.8.24", "review_frequency": "annual"},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    written = web.folder / "policies" / "POL-CRYPTO.md"
    assert written.is_file() and "status: draft" in written.read_text(encoding="utf-8")
    approved = editor.post(
        "/policies/POL-CRYPTO/approve", data={"by": "Priya Raman (CISO)", "on": "2026-11-20"}
    )
    assert approved.status_code == 303
    text = written.read_text(encoding="utf-8")
    assert "status: in force" in text and "Priya Raman (CISO)" in text
    reviewed = editor.post("/policies/POL-CRYPTO/review", data={"by": "Jonas", "on": "2026-11-01"})
    assert reviewed.status_code == 400 and "already reviewed on 2026-11-20" in said(reviewed)
    api = editor.http.get("/api/policies").json()["policies"]
    crypto = next(p for p in api if p["policy_id"] == "POL-CRYPTO")
    assert crypto["status"] == "in force" and crypto["review_due"] == "2027-11-21"  # 365 days on


def test_a_bad_policy_is_named_and_no_file_is_written(web: WebWorkspace) -> None:
    editor = web.client("editor")
    files = sorted(p.name for p in Path(web.folder / "policies").iterdir())
    often = editor.post(
        "/policies", data={"policy_id": "POL-X", "title": "X", "review_frequency": "often"}
    )
    assert often.status_code == 400 and "review frequency 'often'" in said(often)
    clash = editor.post("/policies", data={"policy_id": "POL-AC", "title": "Again"})
    assert clash.status_code == 400 and "already exists" in said(clash)
    unknown = editor.post(
        "/policies", data={"policy_id": "POL-Y", "title": "Y", "governs": "NO-SUCH-THING"}
    )
    assert unknown.status_code == 400 and "NO-SUCH-THING" in said(unknown)
    assert sorted(p.name for p in Path(web.folder / "policies").iterdir()) == files


def test_the_auditor_sees_these_pages_without_forms(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    for path in ("/objectives", "/assets", "/scope", "/policies"):
        page = auditor.http.get(path)
        assert page.status_code == 200
        assert 'method="post" action="/logout"' in said(page) or "/logout" in said(page)
        assert page.text.count('method="post"') == page.text.count('action="/logout"'), path
