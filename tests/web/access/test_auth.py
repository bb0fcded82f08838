"""Signing in and out, sessions, the rate limit, and what a signed-out request gets."""

from __future__ import annotations

from crosswalk.services.access.users import MAX_FAILURES_PER_ACCOUNT
from crosswalk.store.auth_models import WebSessionRow
from tests.web.conftest import USERS, WebWorkspace, login_token, sign_in


def test_pages_redirect_to_sign_in_and_the_api_answers_401(web: WebWorkspace) -> None:
    anonymous = web.client()
    page = anonymous.http.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/"
    assert anonymous.http.get("/api/dashboard").status_code == 401


def test_sign_in_sets_an_httponly_samesite_cookie_and_stores_only_its_hash(
    web: WebWorkspace,
) -> None:
    anonymous = web.client()
    response = sign_in(anonymous.http, USERS["admin"][0])
    cookie = response.headers["set-cookie"]
    assert "crosswalk_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; Secure over TLS
    token = anonymous.http.cookies["crosswalk_session"]
    with web.session() as session:
        stored = [row.token_hash for row in session.query(WebSessionRow)]
    assert stored and token not in stored  # a copy of the database hands out no session


def test_secure_flag_when_served_over_tls(web: WebWorkspace) -> None:
    from fastapi.testclient import TestClient

    with TestClient(web.app, base_url="https://crosswalk.example") as http:
        response = sign_in(http, USERS["admin"][0])
        assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_and_the_limit_stops_guessing(web: WebWorkspace) -> None:
    anonymous = web.client()
    token = login_token(anonymous.http.get("/login").text)
    email = USERS["editor"][0]
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        wrong = anonymous.http.post(
            "/login", data={"email": email, "password": "nope nope nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "Wrong email or password" in wrong.text
    limited = anonymous.http.post(
        "/login",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert limited.status_code == 429  # even the right password waits now
    assert "too many failed sign-in attempts" in limited.text.lower()
    assert anonymous.http.get("/api/dashboard").status_code == 401


def test_sign_in_form_without_its_csrf_token_is_refused(web: WebWorkspace) -> None:
    anonymous = web.client()
    anonymous.http.get("/login")
    response = anonymous.http.post(
        "/login",
        data={"email": USERS["admin"][0], "password": "correct horse battery staple"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "crosswalk_session" not in anonymous.http.cookies


def test_sign_out_ends_the_session_for_every_role(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    assert auditor.http.get("/api/dashboard").status_code == 200
    assert auditor.post("/logout").status_code == 303
    assert auditor.http.get("/api/dashboard").status_code == 401


def test_next_only_goes_to_a_path_on_this_site(web: WebWorkspace) -> None:
    anonymous = web.client()
    token = login_token(anonymous.http.get("/login").text)
    response = anonymous.http.post(
        "/login",
        data={
            "email": USERS["admin"][0],
            "password": "correct horse battery staple",
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_security_headers_on_every_page(web: WebWorkspace) -> None:
    admin = web.client("admin")
    headers = admin.http.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
