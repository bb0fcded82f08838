"""Single sign-on with OpenID Connect, end to end: the app under Uvicorn, a real OpenID
provider (Authlib's server side, tests/web/access/oidc_provider.py) on another local port,
and a real HTTP client following the redirects between them, as a browser would."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx2 as httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from crosswalk.services.access.oidc import OidcConfig
from crosswalk.services.access.sso_accounts import parse_role_map
from crosswalk.services.access.users import UserError, set_active
from crosswalk.store.auth_models import UserRow
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from crosswalk.web.app import create_app
from crosswalk.web.settings import WebSettings, passwords_from_env, sso_from_env
from tests.conftest import DEMO_TODAY
from tests.web.access.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    KEY_ID,
    Person,
    Provider,
)
from tests.web.conftest import ARTIFACTS, PASSWORD, USERS, free_port, login_token, served
from tests.web.test_accessibility import AXE, _violations

ROLES = "crosswalk-admins=admin,crosswalk-editors=editor,crosswalk-auditors=auditor"
NEWCOMER = Person(
    sub="u-1001", email="newcomer@northwind.example", name="Nia Newcomer",
    groups=["staff", "crosswalk-editors"],
)  # fmt: skip


class Site:
    """The app and the provider, and a browser-like client between them."""

    def __init__(self, base: str, provider: Provider, folder: Path) -> None:
        self.base = base
        self.provider = provider
        self.folder = folder
        self.http = httpx.Client(follow_redirects=True, timeout=30)

    def sign_in(self, person: Person, next_path: str = "/") -> Any:
        """Through the provider and back; the last response."""
        self.provider.person = person
        return self.http.get(f"{self.base}/sso/start", params={"next": next_path})

    def callback_url(self, person: Person) -> str:
        """Up to the provider's answer, without delivering it: the callback URL."""
        self.provider.person = person
        start = self.http.get(f"{self.base}/sso/start", follow_redirects=False)
        assert start.status_code == 303, start.text
        assert start.headers["location"].startswith(f"{self.provider.issuer}/authorize?")
        answer = self.http.get(start.headers["location"], follow_redirects=False)
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(f"{self.base}/sso/callback?")
        return str(location)

    def session(self) -> Any:
        return self.http.get(f"{self.base}/api/session", headers={"Accept": "application/json"})

    def user(self, email: str) -> UserRow | None:
        opened = open_workspace(self.folder)
        try:
            with session_scope(opened.engine) as db:
                return db.scalar(select(UserRow).where(UserRow.email == email))
        finally:
            opened.close()


MakeSite = Callable[..., Site]


@pytest.fixture
def make_site(web_template: Path, tmp_path: Path) -> Iterator[MakeSite]:
    """``make_site(roles=..., passwords=...)``: the demo workspace served with single
    sign-on through a fresh provider."""
    made = itertools.count()
    with ExitStack() as stack:

        def make(roles: str = ROLES, passwords: bool = True, name: str = "Northwind ID") -> Site:
            folder = tmp_path / f"site-{next(made)}"
            shutil.copytree(web_template, folder)
            provider = stack.enter_context(contextmanager(Provider().serve)())
            config = OidcConfig(
                discovery_url=provider.discovery_url,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                provider_name=name,
                role_claim="groups",
                roles=parse_role_map(roles),
            )
            settings = WebSettings(
                workspace=folder, today=DEMO_TODAY, sso=config, local_passwords=passwords
            )
            base = stack.enter_context(served(create_app(settings)))
            provider.client.redirect_uris.append(f"{base}/sso/callback")
            site = Site(base, provider, folder)
            stack.callback(site.http.close)
            return site

        yield make


def test_signing_in_through_the_provider_maps_the_role_from_the_group_claim(
    make_site: MakeSite,
) -> None:
    site = make_site()
    login = site.http.get(f"{site.base}/login")
    assert "Sign in with Northwind ID" in login.text

    landed = site.sign_in(NEWCOMER, next_path="/soa")

    assert landed.status_code == 200
    assert str(landed.url) == f"{site.base}/soa"
    assert site.provider.challenge_methods == ["S256"]  # PKCE, and the provider checked it
    me = site.session().json()
    assert (me["email"], me["role"], me["name"]) == (
        "newcomer@northwind.example",
        "editor",
        "Nia Newcomer",
    )
    made = site.user("newcomer@northwind.example")
    assert made is not None and made.role == "editor"
    # The account has no password: the password form cannot sign it in.
    other = httpx.Client(timeout=30)
    form = other.get(f"{site.base}/login")
    refused = other.post(
        f"{site.base}/login",
        data={
            "email": made.email,
            "password": "!single-sign-on",
            "csrf_token": login_token(form.text),
        },
    )
    assert refused.status_code == 401

    # An existing account takes the role its groups give at each sign-in.
    site.http.cookies.clear()
    promoted = Person(sub="u-7", email=USERS["auditor"][0], groups=["crosswalk-admins"])
    site.sign_in(promoted)
    assert site.session().json()["role"] == "admin"


def test_the_email_and_groups_are_read_from_userinfo_when_the_id_token_lacks_them(
    make_site: MakeSite,
) -> None:
    site = make_site()
    site.provider.claims_in_id_token = False

    assert site.sign_in(NEWCOMER).status_code == 200

    me = site.session().json()
    assert (me["email"], me["role"]) == (NEWCOMER.email, "editor")


def test_an_answer_with_a_wrong_state_is_refused(make_site: MakeSite) -> None:
    site = make_site()
    callback = urlsplit(site.callback_url(NEWCOMER))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    query["state"] = "forged-" + query["state"]

    answer = site.http.get(urlunsplit(callback._replace(query=urlencode(query))))

    assert answer.status_code == 403
    assert "state differs" in answer.text
    assert site.provider.tokens == []  # the code was never exchanged
    assert site.session().status_code == 401
    assert site.user(NEWCOMER.email) is None


def test_a_replayed_authorization_code_is_refused(make_site: MakeSite) -> None:
    site = make_site()
    callback = site.callback_url(NEWCOMER)
    pending = site.http.cookies.get("crosswalk_sso")
    assert site.http.get(callback).status_code == 200  # signed in once
    token = site.http.get(f"{site.base}/api/session").json()["csrf_token"]
    site.http.post(f"{site.base}/logout", data={"csrf_token": token})
    assert site.session().status_code == 401

    # The same answer again: this browser's pending sign-in is used up.
    again = site.http.get(callback)
    assert again.status_code == 400
    assert "expired or was already used" in again.text
    # Even with the pending sign-in put back (a copied cookie), the provider refuses the code.
    site.http.cookies.set("crosswalk_sso", pending)
    replayed = site.http.get(callback)
    assert replayed.status_code == 403
    assert "refused the authorization code" in replayed.text
    assert any("invalid_grant" in error for error in site.provider.token_errors)
    assert site.session().status_code == 401


def test_an_unverified_email_is_refused(make_site: MakeSite) -> None:
    site = make_site()
    unverified = Person(sub="u-9", email=USERS["editor"][0], email_verified=False,
                        groups=["crosswalk-editors"])  # fmt: skip

    answer = site.sign_in(unverified)

    assert answer.status_code == 403
    assert "has not verified the e-mail address editor@northwind.example" in answer.text
    assert site.session().status_code == 401


def test_an_expired_id_token_is_refused(make_site: MakeSite) -> None:
    site = make_site()
    site.provider.id_token_seconds = -3600

    answer = site.sign_in(NEWCOMER)

    assert answer.status_code == 403
    assert "ID token is not valid: it has expired" in answer.text
    assert site.session().status_code == 401
    assert site.user(NEWCOMER.email) is None


def test_an_id_token_not_signed_by_the_provider_or_meant_for_another_client_is_refused(
    make_site: MakeSite,
) -> None:
    site = make_site()
    site.provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
    forged = site.sign_in(NEWCOMER)
    assert forged.status_code == 403
    assert "signature does not verify" in forged.text

    site.provider.sign_with = None
    site.provider.audience = "another-app"
    elsewhere = site.sign_in(NEWCOMER)
    assert elsewhere.status_code == 403
    assert "ID token is not valid: its &#39;aud&#39; claim is wrong" in elsewhere.text
    assert site.session().status_code == 401
    assert site.user(NEWCOMER.email) is None


def test_without_a_role_mapping_an_admin_assigns_roles(make_site: MakeSite) -> None:
    site = make_site(roles="")
    stranger = site.sign_in(NEWCOMER)
    assert stranger.status_code == 403
    assert "no Crosswalk account for newcomer@northwind.example" in stranger.text
    assert site.user(NEWCOMER.email) is None  # refused, and nothing made

    known = Person(sub="u-2", email=USERS["control_owner"][0], groups=["crosswalk-admins"])
    assert site.sign_in(known).status_code == 200
    me = site.session().json()
    assert (me["email"], me["role"]) == (USERS["control_owner"][0], "control_owner")


def test_a_deactivated_account_and_demoting_the_last_admin_are_refused(
    make_site: MakeSite,
) -> None:
    site = make_site()
    opened = open_workspace(site.folder)
    try:
        with session_scope(opened.engine, actor="test") as db:
            set_active(db, USERS["editor"][0], False)
            db.commit()
    finally:
        opened.close()
    gone = site.sign_in(Person(sub="u-6", email=USERS["editor"][0], groups=["crosswalk-editors"]))
    assert gone.status_code == 403
    assert "The account editor@northwind.example is deactivated" in gone.text

    # The demo's only admin, now only in the editors' group: Crosswalk keeps an admin.
    demoted = site.sign_in(Person(sub="u-8", email=USERS["admin"][0], groups=["crosswalk-editors"]))
    assert demoted.status_code == 403
    assert "make you editor, but admin@northwind.example is the last active admin" in demoted.text
    assert site.session().status_code == 401
    admin = site.user(USERS["admin"][0])
    assert admin is not None and admin.role == "admin"


def test_with_passwords_off_an_admin_adds_people_who_then_sign_in_by_sso(
    make_site: MakeSite,
) -> None:
    site = make_site(roles="", passwords=False)
    site.sign_in(Person(sub="u-5", email=USERS["admin"][0]))  # the admin an admin added before
    token = site.session().json()["csrf_token"]
    page = site.http.get(f"{site.base}/users")
    assert 'name="password"' not in page.text

    added = site.http.post(
        f"{site.base}/users",
        data={"email": NEWCOMER.email, "role": "auditor", "csrf_token": token},
        follow_redirects=False,
    )

    assert added.status_code == 303, added.text
    site.http.cookies.clear()
    assert site.sign_in(NEWCOMER).status_code == 200
    assert site.session().json()["role"] == "auditor"  # the role the admin gave, not the groups'


def test_groups_that_map_to_no_role_are_refused(make_site: MakeSite) -> None:
    site = make_site()
    answer = site.sign_in(Person(sub="u-3", email=USERS["editor"][0], groups=["staff"]))
    assert answer.status_code == 403
    assert "None of your groups at Northwind ID gives a Crosswalk role" in answer.text
    assert site.session().status_code == 401


def test_with_passwords_off_the_password_form_is_gone_and_refused(make_site: MakeSite) -> None:
    site = make_site(passwords=False)
    page = site.http.get(f"{site.base}/login")
    assert 'name="password"' not in page.text
    assert "Sign in with Northwind ID" in page.text

    response = site.http.post(
        f"{site.base}/login",
        data={
            "email": USERS["admin"][0],
            "password": PASSWORD,
            "csrf_token": site.http.cookies["crosswalk_login_csrf"],  # the form's token
        },
    )

    assert response.status_code == 403
    assert "password is turned off" in response.text
    assert site.session().status_code == 401
    assert (
        site.sign_in(
            Person(sub="u-4", email=USERS["admin"][0], groups=["crosswalk-admins"])
        ).status_code
        == 200
    )
    assert site.session().json()["role"] == "admin"


def test_signing_out_ends_the_session(make_site: MakeSite) -> None:
    site = make_site()
    site.sign_in(NEWCOMER)
    cookie = site.http.cookies["crosswalk_session"]
    token = site.session().json()["csrf_token"]

    out = site.http.post(f"{site.base}/logout", data={"csrf_token": token})

    assert str(out.url) == f"{site.base}/login"
    assert site.session().status_code == 401
    stale = httpx.Client(timeout=30, cookies={"crosswalk_session": cookie})
    assert stale.get(f"{site.base}/api/session").status_code == 401  # ended, not only forgotten


def test_role_mappings_and_settings_are_read_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_role_map("crosswalk-admins=admin, crosswalk-owners=control owner") == {
        "crosswalk-admins": "admin",
        "crosswalk-owners": "control_owner",
    }
    ldap = "cn=admins,ou=groups=admin; cn=audit,ou=groups=auditor"
    assert parse_role_map(ldap) == {"cn=admins,ou=groups": "admin", "cn=audit,ou=groups": "auditor"}
    with pytest.raises(UserError, match="unknown role 'boss'"):
        parse_role_map("crosswalk-admins=boss")
    with pytest.raises(UserError, match="is not group=role"):
        parse_role_map("crosswalk-admins")

    monkeypatch.setenv("CROSSWALK_LOCAL_PASSWORDS", "off")
    with pytest.raises(UserError, match="needs single sign-on"):
        passwords_from_env()
    monkeypatch.setenv(
        "CROSSWALK_OIDC_DISCOVERY_URL", "https://id.example/.well-known/openid-configuration"
    )
    with pytest.raises(
        UserError, match="CROSSWALK_OIDC_CLIENT_ID and CROSSWALK_OIDC_CLIENT_SECRET"
    ):
        sso_from_env()
    monkeypatch.setenv("CROSSWALK_OIDC_CLIENT_ID", "crosswalk")
    monkeypatch.setenv("CROSSWALK_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("CROSSWALK_OIDC_ROLES", ROLES)
    config = sso_from_env()
    assert config is not None
    assert (config.issuer, config.role_claim) == ("https://id.example", "groups")
    assert config.roles["crosswalk-editors"] == "editor"
    assert passwords_from_env() is False


@pytest.mark.slow
def test_a_person_signs_in_with_the_provider_in_a_real_browser(
    make_site: MakeSite, page: Any
) -> None:
    site = make_site(passwords=False)
    site.provider.person = NEWCOMER
    page.goto(f"{site.base}/login?next=/soa")
    assert page.locator("input[name=password]").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sign-in-sso.png"))
    if AXE.is_file():  # as every page (test_accessibility.py): no serious WCAG violation
        assert _violations(page) == []

    page.get_by_role("link", name="Sign in with Northwind ID").click()

    page.wait_for_url(f"{site.base}/soa")
    me = page.evaluate("() => fetch('/api/session').then(r => r.json())")
    assert (me["email"], me["role"]) == (NEWCOMER.email, "editor")


def test_an_unreachable_provider_is_a_clear_page_not_an_error(
    web_template: Path, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    folder = tmp_path / "northwind"
    shutil.copytree(web_template, folder)
    nowhere = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    config = OidcConfig(nowhere, CLIENT_ID, CLIENT_SECRET, provider_name="Northwind ID")
    app = create_app(WebSettings(workspace=folder, today=DEMO_TODAY, sso=config))
    with TestClient(app) as http:
        answer = http.get("/sso/start", follow_redirects=False)
        assert answer.status_code == 502
        assert "Northwind ID could not be reached for its discovery document" in answer.text
        assert "Sign in with Northwind ID" in answer.text  # to try again
        assert http.get("/api/session").status_code == 401
