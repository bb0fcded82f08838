"""Single sign-on with OpenID Connect, as the relying party: the authorization-code flow
with PKCE (S256), a ``state`` that binds the answer to the browser that asked, and a
``nonce`` that binds the ID token to this sign-in.

Authlib builds the authorization request and exchanges the code; the ID token's signature
is checked against the provider's published keys (JWKS) with joserfc, which Authlib itself
uses, and its claims (iss, aud, exp, nonce, azp, at_hash) with Authlib's ``CodeIDToken``.
The provider is read from its discovery document once per process, on first use, so the
server starts even while the provider is down.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

from crosswalk.domain.errors import CrosswalkError

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
# Signatures with the provider's public keys only: never "none", and never an HMAC keyed
# with the client secret (anyone holding the secret could then mint tokens).
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60  # clock difference tolerated between us and the provider
PENDING_SECONDS = 600  # a sign-in must come back from the provider within ten minutes
HTTP_TIMEOUT = 10


class SsoRefused(CrosswalkError):
    """A single sign-on answer was refused; the message says why, for the person signing in."""


class SsoUnavailable(CrosswalkError):
    """The identity provider could not be reached or answered nonsense."""


@dataclass(frozen=True)
class OidcConfig:
    """How the team's identity provider is reached and read."""

    discovery_url: str
    client_id: str
    client_secret: str
    provider_name: str = "single sign-on"
    scopes: str = "openid email profile"
    role_claim: str | None = None  # e.g. "groups"; dotted for nested claims
    roles: Mapping[str, str] = field(default_factory=dict)  # group -> Crosswalk role
    redirect_url: str | None = None  # None: /sso/callback on the URL the browser used

    @property
    def issuer(self) -> str:
        """The issuer the discovery URL names (OpenID Connect Discovery, section 4.3)."""
        base = self.discovery_url
        return base[: -len(DISCOVERY_SUFFIX)] if base.endswith(DISCOVERY_SUFFIX) else base


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser keeps between leaving for the provider and coming back: nothing
    the provider does not see but the PKCE verifier, which only this browser needs."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    started: float

    def encode(self) -> str:
        raw = json.dumps(asdict(self), separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii")

    @classmethod
    def decode(cls, text: str | None, now: float | None = None) -> PendingSignIn | None:
        """The pending sign-in, or None when absent, garbled or older than ten minutes."""
        if not text:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
            pending = cls(**data)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            return None
        fields = (
            pending.state,
            pending.nonce,
            pending.code_verifier,
            pending.redirect_uri,
            pending.next_path,
        )
        if not all(isinstance(value, str) and value for value in fields):
            return None
        if not isinstance(pending.started, int | float):
            return None
        if (now or time.time()) - pending.started > PENDING_SECONDS:
            return None
        return pending


@dataclass(frozen=True)
class Identity:
    """Who the provider vouched for, read from a verified ID token."""

    subject: str
    email: str
    email_verified: bool
    name: str
    groups: tuple[str, ...] | None  # None: the token has no role claim


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    found: Any = claims
    for part in path.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found


def _groups(claims: Mapping[str, Any], role_claim: str | None) -> tuple[str, ...] | None:
    if not role_claim:
        return None
    value = _claim(claims, role_claim)
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return None


def identity_from_claims(claims: Mapping[str, Any], role_claim: str | None) -> Identity:
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise SsoRefused("the identity provider did not tell us your e-mail address")
    verified = claims.get("email_verified")
    name = claims.get("name")
    return Identity(
        subject=str(claims.get("sub", "")),
        email=email.strip().lower(),
        email_verified=verified is True or verified == "true",
        name=name.strip() if isinstance(name, str) else "",
        groups=_groups(claims, role_claim),
    )


class OidcClient:
    """One identity provider, as this server process sees it: its discovery document and
    keys are fetched once and kept (the keys again when a token names an unknown key)."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        from authlib.integrations.requests_client import OAuth2Session

        metadata = self.metadata()
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in methods else methods[0]
        return OAuth2Session(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=self.config.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=method,
            default_timeout=HTTP_TIMEOUT,
        )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        from authlib.integrations.requests_client import OAuth2Session

        with OAuth2Session(default_timeout=HTTP_TIMEOUT) as http:
            try:
                response = http.get(url, withhold_token=True)
                response.raise_for_status()
                found = response.json()
            except (OSError, ValueError) as error:  # requests' errors are OSErrors
                raise SsoUnavailable(
                    f"{self.config.provider_name} could not be reached for its {what} "
                    f"({url}): {error}"
                ) from error
        if not isinstance(found, dict):
            raise SsoUnavailable(f"the {what} at {url} is not a JSON object")
        return found

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, checked to name the issuer we were given."""
        with self._lock:
            if self._metadata is not None:
                return self._metadata
        found = self._get_json(self.config.discovery_url, "discovery document")
        missing = [
            key
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(found.get(key), str)
        ]
        if missing:
            raise SsoUnavailable(
                f"the discovery document at {self.config.discovery_url} lacks {', '.join(missing)}"
            )
        if found["issuer"].rstrip("/") != self.config.issuer.rstrip("/"):
            raise SsoUnavailable(
                f"the discovery document at {self.config.discovery_url} names issuer "
                f"{found['issuer']!r}, not {self.config.issuer!r}"
            )
        with self._lock:
            self._metadata = found
        return found

    def _key_set(self, refresh: bool = False) -> KeySet:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
        found = self._get_json(self.metadata()["jwks_uri"], "signing keys")
        try:
            keys = KeySet.import_key_set(found)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise SsoUnavailable(f"the provider's signing keys cannot be read: {error}") from error
        with self._lock:
            self._keys = keys
        return keys

    def begin(self, redirect_uri: str, next_path: str) -> tuple[str, PendingSignIn]:
        """The provider's URL to send the browser to, and what the browser keeps meanwhile."""
        from authlib.common.security import generate_token

        pending = PendingSignIn(
            state=generate_token(32),
            nonce=generate_token(32),
            code_verifier=generate_token(64),  # 64 characters: within PKCE's 43 to 128
            redirect_uri=redirect_uri,
            next_path=next_path,
            started=time.time(),
        )
        with self._session(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
            )
        return str(url), pending

    def complete(self, pending: PendingSignIn, answer: Mapping[str, str]) -> Identity:
        """The identity in the provider's answer (the callback's query), after checking the
        state, exchanging the code with the PKCE verifier and verifying the ID token."""
        from authlib.common.errors import AuthlibBaseError

        given_state = answer.get("state", "")
        if not hmac.compare_digest(given_state.encode(), pending.state.encode()):
            raise SsoRefused("the answer does not belong to this sign-in (its state differs)")
        if answer.get("error"):
            detail = answer.get("error_description") or answer["error"]
            raise SsoRefused(f"{self.config.provider_name} refused the sign-in: {detail}")
        code = answer.get("code")
        if not code:
            raise SsoRefused("the answer carries no authorization code")
        with self._session(pending.redirect_uri) as client:
            try:
                token = client.fetch_token(
                    self.metadata()["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                )
            except AuthlibBaseError as error:  # the provider's error answer
                detail = error.description or error.error
                raise SsoRefused(
                    f"{self.config.provider_name} refused the authorization code: {detail}"
                ) from error
            except (OSError, ValueError) as error:
                raise SsoUnavailable(
                    f"{self.config.provider_name} could not be reached to finish the "
                    f"sign-in: {error}"
                ) from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoRefused(f"{self.config.provider_name} sent no ID token")
        claims = self.verify_id_token(id_token, pending.nonce, token.get("access_token"))
        if self._lacks_claims(claims):
            claims = {**self._userinfo(token, claims["sub"]), **claims}
        return identity_from_claims(claims, self.config.role_claim)

    def _lacks_claims(self, claims: Mapping[str, Any]) -> bool:
        """Whether the ID token leaves out what we match on (many providers send the e-mail
        address or the groups only from their userinfo endpoint)."""
        if "email" not in claims or "email_verified" not in claims:
            return True
        role_claim = self.config.role_claim
        return bool(self.config.roles and role_claim and _claim(claims, role_claim) is None)

    def _userinfo(self, token: Mapping[str, Any], subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims, for the access token just issued; only when they
        are about the ID token's subject (OpenID Connect Core, section 5.3.4)."""
        from authlib.integrations.requests_client import OAuth2Session

        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str) or not token.get("access_token"):
            return {}
        with OAuth2Session(token=dict(token), default_timeout=HTTP_TIMEOUT) as http:
            try:
                response = http.get(endpoint)
                response.raise_for_status()
                found = response.json()
            except (OSError, ValueError) as error:
                raise SsoUnavailable(
                    f"{self.config.provider_name} could not be reached for the userinfo "
                    f"of this sign-in ({endpoint}): {error}"
                ) from error
        if not isinstance(found, dict) or found.get("sub") != subject:
            raise SsoRefused(f"{self.config.provider_name}'s userinfo is not about this sign-in")
        return found

    def verify_id_token(
        self, id_token: str, nonce: str, access_token: str | None = None
    ) -> dict[str, Any]:
        """The token's claims, once its signature (by the provider's keys) and its issuer,
        audience, expiry and nonce are right; SsoRefused naming what is wrong otherwise."""
        from authlib.oidc.core import CodeIDToken
        from joserfc import jwt
        from joserfc.errors import InvalidKeyIdError, JoseError
        from joserfc.jws import JWSRegistry

        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        allowed = [alg for alg in offered if alg in ASYMMETRIC] or ["RS256"]
        registry = JWSRegistry(algorithms=allowed)
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys since we read them
                decoded = jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
        except (JoseError, ValueError) as error:
            raise SsoRefused(f"the ID token's signature does not verify: {error}") from error
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.config.client_id}
        if access_token:
            params["access_token"] = access_token
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": self.metadata()["issuer"]},
            "aud": {"essential": True, "value": self.config.client_id},
            "exp": {"essential": True},
            "nonce": {"essential": True},
        }
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        try:
            claims.validate(leeway=LEEWAY_SECONDS)
        except JoseError as error:
            raise SsoRefused(f"the ID token is not valid: {_explain(error)}") from error
        return dict(claims)


def _explain(error: JoseError) -> str:
    from joserfc.errors import ExpiredTokenError, InvalidClaimError, MissingClaimError

    if isinstance(error, ExpiredTokenError):
        return "it has expired"
    if isinstance(error, MissingClaimError):
        return f"its {error.claim!r} claim is missing"
    if isinstance(error, InvalidClaimError):
        return f"its {error.claim!r} claim is wrong"
    return str(error) or type(error).__name__
