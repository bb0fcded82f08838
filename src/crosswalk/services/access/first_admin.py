"""The first run of the web app: a one-time link that creates the first admin.

A workspace starts with no users, and the sign-in page cannot help someone who has no
account. So while no active admin exists, ``crosswalk serve`` issues a link (printed on
its console, which only whoever started the server sees). The link works once, for an
hour: opening it lets its holder create the first admin, who then adds everyone else.
Only a hash of the token is kept, in the workspace's ``.crosswalk`` folder (0600), beside
the audit key; a new link replaces the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access.users import ADMIN, User, add_user
from crosswalk.store.auth_models import UserRow

SETUP_FILE = Path(".crosswalk") / "first-admin.json"
LINK_LIFETIME = timedelta(hours=1)


class SetupRefused(CrosswalkError):
    """The link is not (or no longer) good: used, expired, replaced, or an admin exists."""


def has_admin(session: Session) -> bool:
    found = session.scalar(
        select(UserRow.id).where(UserRow.role == ADMIN, UserRow.active.is_(True)).limit(1)
    )
    return found is not None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def issue_link(session: Session, workspace_root: Path, now: datetime | None = None) -> str | None:
    """A new one-time token while no admin exists (None once one does; a stale link is
    then removed)."""
    path = workspace_root / SETUP_FILE
    if has_admin(session):
        path.unlink(missing_ok=True)
        return None
    token = secrets.token_urlsafe(32)
    expires = (now or _now()) + LINK_LIFETIME
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"sha256": _digest(token), "expires": expires.isoformat()}, handle)
    temporary.replace(path)
    return token


def check_link(
    session: Session, workspace_root: Path, token: str, now: datetime | None = None
) -> None:
    """Refused, saying why, unless ``token`` is the live link and no admin exists yet."""
    if has_admin(session):
        raise SetupRefused(
            "this workspace already has an admin: sign in, or ask an admin to add you"
        )
    path = workspace_root / SETUP_FILE
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
        expires = datetime.fromisoformat(str(held["expires"]))
        digest = str(held["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SetupRefused(
            "this setup link is not valid (used, or never issued): restart `crosswalk serve` "
            "for a new one"
        ) from None
    if not token or not secrets.compare_digest(digest, _digest(token)):
        raise SetupRefused(
            "this setup link is not the current one: use the newest link `crosswalk serve` printed"
        )
    if (now or _now()) >= expires:
        raise SetupRefused(
            "this setup link has expired (it lasts an hour): restart `crosswalk serve` for "
            "a new one"
        )


def create_first_admin(
    session: Session,
    workspace_root: Path,
    token: str,
    email: str,
    password: str,
    name: str = "",
    now: datetime | None = None,
) -> User:
    """The first admin, made with the live link; nothing is saved on refusal (a bad email
    or password keeps the link). Once committed, ``forget_link`` uses the link up."""
    check_link(session, workspace_root, token, now)
    return add_user(session, email, ADMIN, password, name=name)


def forget_link(workspace_root: Path) -> None:
    (workspace_root / SETUP_FILE).unlink(missing_ok=True)
