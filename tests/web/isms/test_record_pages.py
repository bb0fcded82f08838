"""The pages that answered 404 (issue 17): scope, assets, objectives and policies, each
with its JSON twin, over the demo workspace's records."""

from __future__ import annotations

from tests.web.conftest import WebWorkspace


def test_scope_and_assets_pages_show_the_statement_and_the_inventory(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    scope = auditor.http.get("/api/scope").json()
    assert scope["versions"] and scope["check"]["assets"] > 5
    page = auditor.http.get("/scope")
    assert page.status_code == 200
    assert f"Statement v{scope['versions'][0]['version']}" in page.text
    assets = auditor.http.get("/api/assets").json()["assets"]
    listed = auditor.http.get("/assets").text
    assert assets and all(f'id="asset-{a["asset_id"]}"' in listed for a in assets)
    assert 'href="/assets"' in listed  # in the navigation


def test_objectives_and_policies_pages_list_every_record(web: WebWorkspace) -> None:
    editor = web.client("editor")
    objectives = editor.http.get("/api/objectives").json()["objectives"]
    page = editor.http.get("/objectives").text
    assert objectives and all(f'id="objective-{o["objective_id"]}"' in page for o in objectives)
    policies = editor.http.get("/api/policies").json()
    listed = editor.http.get("/policies").text
    assert policies["policies"]
    assert all(f'id="policy-{p["policy_id"]}"' in listed for p in policies["policies"])
    assert isinstance(policies["findings"], list)
