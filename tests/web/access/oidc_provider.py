"""A small OpenID provider for the single sign-on tests, built from Authlib's server side
(the authorization-code grant, PKCE and OpenID Connect's ID token), served over real HTTP
by a WSGI server in a thread, with its own RSA key, JWKS and discovery document.

The person who signs in is whoever the test puts in ``provider.person`` (the provider asks
no password); knobs let a test make it misbehave (an expired ID token)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from joserfc.jwk import RSAKey

CLIENT_ID = "crosswalk-test"
CLIENT_SECRET = "a client secret only the test knows"
KEY_ID = "test-key-1"


@dataclass
class Person:
    """Who the provider says signed in."""

    sub: str
    email: str
    email_verified: bool = True
    name: str = ""
    groups: list[str] = field(default_factory=list)


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items()}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, self._values)


class WsgiRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, environ: dict[str, Any]) -> None:
        host = environ["HTTP_HOST"]
        query = environ.get("QUERY_STRING", "")
        uri = f"http://{host}{environ['PATH_INFO']}" + (f"?{query}" if query else "")
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        self._args = parse_qs(query)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        self._form = parse_qs(body)
        self.payload = Payload({**self._args, **self._form})

    @property
    def args(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._args.items()}

    @property
    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._form.items()}


Answer = tuple[int, Any, list[tuple[str, str]]]


class Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.provider = provider

    def query_client(self, client_id: str) -> Client | None:
        client = self.provider.client
        return client if client_id == client.client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.provider.tokens.append(token)
        self.provider.holders[token["access_token"]] = request.user

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else WsgiRequest(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Iterable[tuple[str, str]]) -> Answer:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class Grant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        provider: Provider = self.server.provider
        provider.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.scope,
            person=request.user,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(time.time()),
        )
        provider.challenge_methods.append(data.get("code_challenge_method"))

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found: Code | None = self.server.provider.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> Person:
        return authorization_code.person


class IdTokens(OpenIDCode):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.sign_with or self.provider.key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": KEY_ID}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {
            "iss": self.provider.issuer,
            "aud": [self.provider.audience or client.client_id],
            "exp": int(time.time()) + self.provider.id_token_seconds,
        }

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        claims = self.provider.claims(user)
        if not self.provider.claims_in_id_token:
            return UserInfo(sub=user.sub)
        return claims


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class Provider:
    """The identity provider at ``issuer`` (http://127.0.0.1:PORT)."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        self.person: Person | None = None
        self.id_token_seconds = 300  # a test sets it negative for an expired token
        self.sign_with: RSAKey | None = None  # a key it does not publish (a forged token)
        self.audience: str | None = None  # a token meant for another client
        self.claims_in_id_token = True  # False: e-mail and groups only from /userinfo
        self.holders: dict[str, Person] = {}  # access token -> whom it was issued for
        self.codes: dict[str, Code] = {}
        self.tokens: list[dict[str, Any]] = []
        self.challenge_methods: list[str | None] = []
        self.token_errors: list[str] = []
        self.server = Server(self)
        self.server.register_grant(Grant, [CodeChallenge(required=True), IdTokens(self)])
        self.server.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: generate_token(42))
        )
        self._http: WSGIServer = make_server("127.0.0.1", 0, self.wsgi, handler_class=Quiet)
        self.issuer = f"http://127.0.0.1:{self._http.server_port}"
        self.client = Client(CLIENT_ID, CLIENT_SECRET, [])

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        }

    def wsgi(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        try:
            if path == "/.well-known/openid-configuration":
                status, body, headers = 200, self.discovery(), []
            elif path == "/jwks":
                status, body, headers = 200, {"keys": [self.key.as_dict(private=False)]}, []
            elif path == "/userinfo":
                status, body, headers = self._userinfo(environ)
            elif path == "/authorize":
                status, body, headers = self._authorize(environ)
            elif path == "/token" and environ["REQUEST_METHOD"] == "POST":
                status, body, headers = self.server.create_token_response(environ)
                if status != 200:
                    self.token_errors.append(str(body))
            else:
                status, body, headers = 404, {"error": "not_found"}, []
        except OAuth2Error as error:
            status, body, headers = error.status_code, dict(error.get_body()), []
        text = body if isinstance(body, str) else json.dumps(body)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        start(f"{status} {'OK' if status < 400 else 'Error'}", headers)
        return [text.encode()]

    def claims(self, person: Person) -> UserInfo:
        return UserInfo(
            sub=person.sub,
            email=person.email,
            email_verified=person.email_verified,
            name=person.name,
            groups=list(person.groups),
        )

    def _userinfo(self, environ: dict[str, Any]) -> Answer:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        holder = self.holders.get(token) if scheme.lower() == "bearer" else None
        if holder is None:
            return 401, {"error": "invalid_token"}, []
        return 200, dict(self.claims(holder)), []

    def _authorize(self, environ: dict[str, Any]) -> Answer:
        request = WsgiRequest(environ)
        data = request.payload.data
        if data.get("code_challenge_method") != "S256" or not data.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE S256 required"}, []
        grant = self.server.get_consent_grant(request, end_user=self.person)
        answer: Answer = self.server.create_authorization_response(
            request=grant.request, grant_user=self.person, grant=grant
        )
        return answer

    def serve(self) -> Iterator[Provider]:
        thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()
            thread.join(timeout=10)
