"""Over the whole route table: every state-changing route refuses the auditor and refuses a
request without the session's CSRF token, and changes nothing when it refuses.

The routes are enumerated from the app itself, so a route added later is covered without
anyone remembering to add it here.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import func, select

from crosswalk.store.auth_models import UserRow
from crosswalk.store.models import AuditRow
from tests.web.conftest import SignedIn, WebWorkspace

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Signing in has its own CSRF check (a cookie, before any session exists) and any role may
# sign out; both are tested in test_auth.py.
AUTH_ROUTES = {
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/setup"),
    ("POST", "/unsubscribe"),
}
# /setup (the first admin) is guarded by its one-time link instead: test_first_admin.py;
# /unsubscribe by the digest's signed link (it changes only that link's user): test_unsubscribe.py.
SAMPLE_PARAMS = {
    "control_id": "IT-01",
    "key": "iso27001-2022:A.5.15",
    "ref": "A.5.15",
    "requirement": "iso27001-2022:A.5.15",
    "email": "editor@northwind.example",
    "risk_id": "R-01",
    "nc_id": "NC-2026-01",
}


def api_routes(routes: Any) -> list[APIRoute]:
    """Every endpoint, including those of included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found.extend(api_routes(nested.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def unsafe_routes(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in api_routes(app.routes)
        for method in route.methods & UNSAFE
    )


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), path)


def send(client: SignedIn, method: str, path: str, token: str | None) -> Any:
    """A request as a page or an API client would make it, with ``token`` (or none)."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    url = concrete(path)
    if path.startswith("/api/"):
        return client.http.request(method, url, headers=headers, json={})
    data = {"csrf_token": token} if token is not None else {}
    return client.http.request(method, url, headers=headers, data=data, follow_redirects=False)


def fingerprint(web: WebWorkspace) -> tuple[int, int]:
    """The newest audit entry and the number of users: any write moves one of them."""
    with web.session() as session:
        newest = session.scalar(select(func.max(AuditRow.id))) or 0
        users = session.scalar(select(func.count()).select_from(UserRow)) or 0
        return int(newest), int(users)


def test_the_route_table_has_the_writes_users_rely_on(web: WebWorkspace) -> None:
    routes = set(unsafe_routes(web.app))
    expected = {
        ("PATCH", "/api/controls/{control_id:path}"),
        ("POST", "/controls/{control_id:path}"),
        ("POST", "/evidence"),
        ("POST", "/api/evidence"),
        ("POST", "/users"),
    }
    assert expected <= routes, expected - routes
    assert len(routes) >= 20


def test_every_state_changing_route_refuses_the_auditor(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    before = fingerprint(web)
    refused = []
    for method, path in unsafe_routes(web.app):
        if (method, path) in AUTH_ROUTES:
            continue
        response = send(auditor, method, path, auditor.csrf)
        assert response.status_code == 403, (method, path, response.status_code, response.text)
        refused.append(path)
    assert refused
    assert fingerprint(web) == before  # nothing was written


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    web: WebWorkspace,
) -> None:
    admin = web.client("admin")
    before = fingerprint(web)
    for method, path in unsafe_routes(web.app):
        if (method, path) in {("POST", "/login"), ("POST", "/setup"), ("POST", "/unsubscribe")}:
            continue  # their own guards: a cookie; the one-time link; the signed link
        for token in (None, "not-the-token"):
            response = send(admin, method, path, token)
            assert response.status_code == 403, (method, path, token, response.text)
            assert "csrf" in response.text.lower(), (method, path)
    assert fingerprint(web) == before
    assert admin.http.get("/api/session").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(web: WebWorkspace) -> None:
    editor = web.client("editor")
    other = web.client("admin")
    response = editor.http.patch(
        "/api/controls/IT-01", json={"description": "forged"}, headers=other.headers()
    )
    assert response.status_code == 403


def test_every_api_read_is_in_the_openapi_document(web: WebWorkspace) -> None:
    admin = web.client("admin")
    document = admin.http.get("/api/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    for route in api_routes(web.app.routes):
        if route.path.startswith("/api/"):
            for method in route.methods - {"HEAD"}:
                documented_path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                assert (method, documented_path) in documented, (method, route.path)


PAGES_WITH_FORMS = [
    "/",
    "/controls/NW-AC-02",
    "/evidence",
    "/soa?edit=A.5.1",
    "/risks",
    "/nonconformities",
    "/audits",
    "/reviews",
    "/users",
]


def test_every_form_on_the_pages_carries_the_session_csrf_token(web: WebWorkspace) -> None:
    """A form without the token would be refused when a real browser posts it."""
    admin = web.client("admin")
    forms_seen = 0
    for url in PAGES_WITH_FORMS:
        page = admin.http.get(url)
        assert page.status_code == 200, (url, page.status_code)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page.text, flags=re.S | re.I):
            if 'method="post"' not in form.lower():
                continue
            forms_seen += 1
            assert f'name="csrf_token" value="{admin.csrf}"' in form, (url, form[:300])
    assert forms_seen >= len(PAGES_WITH_FORMS)  # sign-out at least on each page
