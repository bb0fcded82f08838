"""Signing in with the team's identity provider (OpenID Connect; see
``crosswalk.services.access.oidc``). ``/sso/start`` sends the browser to the provider with
a fresh state, nonce and PKCE challenge, kept meanwhile in a short-lived HttpOnly cookie;
``/sso/callback`` checks the answer against it, and starts the same signed-in session a
password does. Every refusal is the sign-in page saying why."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from crosswalk.services.access.oidc import (
    PENDING_SECONDS,
    OidcClient,
    OidcConfig,
    PendingSignIn,
    SsoRefused,
    SsoUnavailable,
)
from crosswalk.services.access.sso_accounts import account_for_identity
from crosswalk.web.context import Db, app_state
from crosswalk.web.routes.access.auth import LOGIN_CSRF_COOKIE, login_page, safe_next, signed_in
from crosswalk.web.security import set_cookie

router = APIRouter()
SSO_COOKIE = "crosswalk_sso"


def _config(request: Request) -> OidcConfig:
    config = app_state(request).settings.sso
    if config is None:
        raise HTTPException(404, "single sign-on is not configured on this server")
    return config


def _client(request: Request, config: OidcConfig) -> OidcClient:
    """One client per server process: it keeps the discovery document and keys."""
    found = getattr(request.app.state, "oidc_client", None)
    if isinstance(found, OidcClient) and found.config is config:
        return found
    made = OidcClient(config)
    request.app.state.oidc_client = made
    return made


def _refused(request: Request, message: str, status: int, next_path: str = "/") -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = login_page(request, token, next_path, message, status)
    response.delete_cookie(SSO_COOKIE, path="/")
    return response


@router.get("/sso/start", include_in_schema=False)
def sso_start(request: Request, next: str = "/") -> Response:
    config = _config(request)
    redirect_uri = config.redirect_url or str(request.url_for("sso_callback"))
    try:
        url, pending = _client(request, config).begin(redirect_uri, safe_next(next))
    except SsoUnavailable as error:
        return _refused(request, f"{error}.", 502, safe_next(next))
    response = RedirectResponse(url, status_code=303)
    settings = app_state(request).settings
    set_cookie(response, request, settings, SSO_COOKIE, pending.encode(), max_age=PENDING_SECONDS)
    return response


@router.get("/sso/callback", include_in_schema=False, name="sso_callback")
def sso_callback(request: Request, db: Db) -> Response:
    config = _config(request)
    pending = PendingSignIn.decode(request.cookies.get(SSO_COOKIE))
    if pending is None:
        return _refused(
            request,
            f"This sign-in with {config.provider_name} expired or was already used; sign in again.",
            400,
        )
    try:
        identity = _client(request, config).complete(pending, dict(request.query_params))
        db.info["actor"] = f"{identity.email} (single sign-on)"
        user = account_for_identity(db, identity, config.roles, config.provider_name)
    except SsoUnavailable as error:
        return _refused(request, f"{error}.", 502, pending.next_path)
    except SsoRefused as error:
        db.rollback()
        message = str(error)
        return _refused(request, message[:1].upper() + message[1:] + ".", 403, pending.next_path)
    response = signed_in(request, db, user, pending.next_path)
    response.delete_cookie(SSO_COOKIE, path="/")
    return response
