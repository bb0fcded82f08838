"""How the server is configured: from `crosswalk serve` options, or from the environment
when Uvicorn starts several worker processes that each build the app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from crosswalk.services.access.oidc import OidcConfig
from crosswalk.services.access.sso_accounts import parse_role_map
from crosswalk.services.access.users import UserError

ENV_WORKSPACE = "CROSSWALK_WORKSPACE"
ENV_DATABASE = "CROSSWALK_DATABASE_URL"
ENV_TODAY = "CROSSWALK_TODAY"
ENV_SECURE = "CROSSWALK_SECURE_COOKIES"
ENV_MAX_UPLOAD = "CROSSWALK_MAX_UPLOAD_MB"
ENV_CATALOG_PATH = "CROSSWALK_CATALOG_PATH"
ENV_WARM = "CROSSWALK_WARM"
ENV_CONCURRENCY = "CROSSWALK_WEB_CONCURRENCY"
# Single sign-on and passwords: from the environment only (a secret is no command-line
# option); every worker process inherits them.
ENV_OIDC_DISCOVERY = "CROSSWALK_OIDC_DISCOVERY_URL"
ENV_OIDC_CLIENT_ID = "CROSSWALK_OIDC_CLIENT_ID"
ENV_OIDC_CLIENT_SECRET = "CROSSWALK_OIDC_CLIENT_SECRET"
ENV_OIDC_PROVIDER = "CROSSWALK_OIDC_PROVIDER_NAME"
ENV_OIDC_SCOPES = "CROSSWALK_OIDC_SCOPES"
ENV_OIDC_ROLE_CLAIM = "CROSSWALK_OIDC_ROLE_CLAIM"
ENV_OIDC_ROLES = "CROSSWALK_OIDC_ROLES"
ENV_OIDC_REDIRECT = "CROSSWALK_OIDC_REDIRECT_URL"
ENV_PASSWORDS = "CROSSWALK_LOCAL_PASSWORDS"

MIB = 1024 * 1024


def sso_from_env() -> OidcConfig | None:
    """The identity provider the environment names; None when it names none."""
    discovery = os.environ.get(ENV_OIDC_DISCOVERY, "").strip()
    if not discovery:
        return None
    client_id = os.environ.get(ENV_OIDC_CLIENT_ID, "").strip()
    secret = os.environ.get(ENV_OIDC_CLIENT_SECRET, "")
    missing = [
        name
        for name, value in ((ENV_OIDC_CLIENT_ID, client_id), (ENV_OIDC_CLIENT_SECRET, secret))
        if not value
    ]
    if missing:
        raise UserError(
            f"{ENV_OIDC_DISCOVERY} is set, so single sign-on also needs {' and '.join(missing)}"
        )
    role_claim = os.environ.get(ENV_OIDC_ROLE_CLAIM, "").strip() or None
    roles = parse_role_map(os.environ.get(ENV_OIDC_ROLES, ""), ENV_OIDC_ROLES)
    if roles and not role_claim:
        role_claim = "groups"
    return OidcConfig(
        discovery_url=discovery,
        client_id=client_id,
        client_secret=secret,
        provider_name=os.environ.get(ENV_OIDC_PROVIDER, "").strip() or "single sign-on",
        scopes=os.environ.get(ENV_OIDC_SCOPES, "").strip() or "openid email profile",
        role_claim=role_claim,
        roles=roles,
        redirect_url=os.environ.get(ENV_OIDC_REDIRECT, "").strip() or None,
    )


def passwords_from_env() -> bool:
    """Whether local passwords sign people in: ``CROSSWALK_LOCAL_PASSWORDS=off`` turns
    them off, which needs single sign-on (nobody could sign in otherwise)."""
    value = os.environ.get(ENV_PASSWORDS, "on").strip().lower()
    if value in ("on", "1", "yes", "true", ""):
        return True
    if value not in ("off", "0", "no", "false"):
        raise UserError(f"{ENV_PASSWORDS} is {value!r}; use on or off")
    if not os.environ.get(ENV_OIDC_DISCOVERY, "").strip():
        raise UserError(f"{ENV_PASSWORDS}=off needs single sign-on ({ENV_OIDC_DISCOVERY})")
    return False


@dataclass
class WebSettings:
    workspace: Path | None = None  # None: found from the current folder up
    database_url: str | None = None
    catalog_paths: list[Path] = field(default_factory=list)
    today: date | None = None  # pinned "today" (demos, tests); None: the real date
    secure_cookies: bool | None = None  # None: Secure when the request came over TLS
    max_upload_bytes: int = 50 * MIB
    session_hours: int = 12
    warm: bool = True  # build the live program before taking requests (no slow first page)
    # Requests one worker runs at once (the rest wait their turn): within the database pool
    # (a burst never opens connections beyond it), and few, since more threads only contend
    # for the interpreter (bench_web: 4 beat 2 and 10 on throughput and tail under edits).
    concurrency: int = 4
    sso: OidcConfig | None = field(default_factory=sso_from_env)
    local_passwords: bool = field(default_factory=passwords_from_env)

    def to_env(self) -> dict[str, str]:
        """The same settings as environment variables, for worker processes."""
        env: dict[str, str] = {}
        if self.workspace is not None:
            env[ENV_WORKSPACE] = str(self.workspace.resolve())
        if self.database_url:
            env[ENV_DATABASE] = self.database_url
        if self.today is not None:
            env[ENV_TODAY] = self.today.isoformat()
        if self.secure_cookies is not None:
            env[ENV_SECURE] = "1" if self.secure_cookies else "0"
        if self.catalog_paths:
            env[ENV_CATALOG_PATH] = os.pathsep.join(str(p) for p in self.catalog_paths)
        env[ENV_MAX_UPLOAD] = str(self.max_upload_bytes // MIB)
        env[ENV_WARM] = "1" if self.warm else "0"
        env[ENV_CONCURRENCY] = str(self.concurrency)
        return env

    @classmethod
    def from_env(cls) -> WebSettings:
        secure = os.environ.get(ENV_SECURE)
        workspace = os.environ.get(ENV_WORKSPACE)
        today = os.environ.get(ENV_TODAY)
        paths = os.environ.get(ENV_CATALOG_PATH, "")
        return cls(
            workspace=Path(workspace) if workspace else None,
            database_url=os.environ.get(ENV_DATABASE) or None,
            catalog_paths=[Path(p) for p in paths.split(os.pathsep) if p],
            today=date.fromisoformat(today) if today else None,
            secure_cookies=None if secure is None else secure == "1",
            max_upload_bytes=int(os.environ.get(ENV_MAX_UPLOAD, "50")) * MIB,
            warm=os.environ.get(ENV_WARM, "1") != "0",
            concurrency=int(os.environ.get(ENV_CONCURRENCY, "4")),
        )
