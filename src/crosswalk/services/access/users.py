"""People who use the web application: accounts, roles, sign-in and signed-in sessions.

Passwords are hashed with argon2 (argon2-cffi's defaults, rehashed when they change).
A session cookie carries a random token; only its SHA-256 is stored. Sign-in is rate
limited per account and per client address from rows in the database, so the limit holds
however many server workers there are.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, delete, func, select, text, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.auth_models import LoginAttemptRow, UserRow, WebSessionRow
from crosswalk.store.models import AuditRow

ADMIN = "admin"
EDITOR = "editor"
CONTROL_OWNER = "control_owner"
AUDITOR = "auditor"
ROLES = (ADMIN, EDITOR, CONTROL_OWNER, AUDITOR)
ROLE_ALIASES = {"control-owner": CONTROL_OWNER, "owner": CONTROL_OWNER}

MIN_PASSWORD = 12
SESSION_HOURS = 12
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class UserError(CrosswalkError):
    pass


class LoginRefused(CrosswalkError):
    """Wrong email or password (deliberately not saying which)."""


class LoginLimited(CrosswalkError):
    """Too many failed attempts; try again later."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def parse_role(given: str) -> str:
    role = given.strip().lower().replace(" ", "_")
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise UserError(f"unknown role {given!r}; roles are {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters")


@dataclass(frozen=True)
class User:
    """An account as clients and permission checks read it; never its password hash."""

    id: int
    email: str
    name: str
    role: str
    owner_name: str | None
    active: bool
    window_start: date | None
    window_end: date | None
    created_at: datetime | None


def _view(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        owner_name=row.owner_name,
        active=row.active,
        window_start=row.window_start,
        window_end=row.window_end,
        created_at=row.created_at,
    )


def user_row(session: Session, email: str) -> UserRow:
    """The account's row, for services that change it."""
    row = session.scalar(select(UserRow).where(UserRow.email == normalize_email(email)))
    if row is None:
        raise UserError(f"no user {email!r}")
    return row


def get_user(session: Session, email: str) -> User:
    return _view(user_row(session, email))


def list_users(session: Session) -> list[User]:
    return [_view(row) for row in session.scalars(select(UserRow).order_by(UserRow.email))]


def add_user(
    session: Session,
    email: str,
    role: str,
    password: str,
    name: str = "",
    owner_name: str | None = None,
) -> User:
    address = normalize_email(email)
    if not EMAIL.match(address):
        raise UserError(f"{email!r} is not an email address")
    chosen = parse_role(role)
    _check_password(password)
    if session.scalar(select(UserRow.id).where(UserRow.email == address)) is not None:
        raise UserError(f"user {address} already exists")
    if chosen == CONTROL_OWNER and not (owner_name or "").strip():
        raise UserError(
            "a control owner needs --owner: the owner name their controls carry, "
            'e.g. "Dana Ortiz (IT Manager)"'
        )
    row = UserRow(
        email=address,
        name=name.strip(),
        role=chosen,
        owner_name=(owner_name or "").strip() or None,
        password_hash=_hasher.hash(password),
        active=True,
    )
    session.add(row)
    session.flush()
    return _view(row)


def set_password(session: Session, email: str, password: str) -> User:
    _check_password(password)
    row = user_row(session, email)
    row.password_hash = _hasher.hash(password)
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
    session.flush()
    return _view(row)


def _keep_an_admin(session: Session, row: UserRow) -> None:
    """Refuse to leave the workspace without an active admin (nobody could manage users)."""
    others = session.scalar(
        select(func.count())
        .select_from(UserRow)
        .where(UserRow.role == ADMIN, UserRow.active.is_(True), UserRow.id != row.id)
    )
    if row.role == ADMIN and row.active and not others:
        raise UserError(f"{row.email} is the last active admin; make someone else admin first")


def set_role(session: Session, email: str, role: str, owner_name: str | None = None) -> User:
    row = user_row(session, email)
    chosen = parse_role(role)
    if chosen != ADMIN:
        _keep_an_admin(session, row)
    row.role = chosen
    if owner_name is not None:
        row.owner_name = owner_name.strip() or None
    if row.role == CONTROL_OWNER and not row.owner_name:
        raise UserError("a control owner needs an owner name")
    session.flush()
    return _view(row)


def set_active(session: Session, email: str, active: bool) -> User:
    row = user_row(session, email)
    if not active:
        _keep_an_admin(session, row)
    row.active = active
    if not active:
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
    session.flush()
    return _view(row)


def set_window(session: Session, email: str, start: date | None, end: date | None) -> User:
    """The observation window an auditor's evidence view is limited to."""
    if (start is None) != (end is None):
        raise UserError("give both the start and the end of the observation window")
    if start is not None and end is not None and end < start:
        raise UserError(f"the window ends ({end}) before it starts ({start})")
    row = user_row(session, email)
    row.window_start, row.window_end = start, end
    session.flush()
    return _view(row)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _recent_failures(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    since: datetime,
    other_than: int,
) -> int:
    """Failed attempts (and attempts still being checked) in the window, but this one."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginAttemptRow)
            .where(column == value)
            .where(LoginAttemptRow.at >= since)
            .where(LoginAttemptRow.succeeded.is_(False))
            .where(LoginAttemptRow.id != other_than)
        )
        or 0
    )


def _claim_attempt(session: Session, address: str, client: str, moment: datetime) -> int | None:
    """Record the attempt, then count what came before it, in one short transaction of its
    own that only one attempt per account (and per client) runs at a time: the id of the
    attempt, or None when the limit is reached (that attempt is not kept). Recorded before
    the slow password check, so forty attempts at once count as forty, not as none.

    A caller that has written already on SQLite holds the database's only write lock: the
    attempt is then recorded in its transaction (a command or a test, never the sign-in
    page, whose transaction has done nothing yet)."""
    if _holds_sqlite_write_lock(session):
        return _count_and_keep(session, address, client, moment)
    with Session(bind=session.get_bind()) as own:
        claimed = _count_and_keep(own, address, client, moment)
        own.commit()
        return claimed


def _holds_sqlite_write_lock(session: Session) -> bool:
    """Asked without taking a connection from the pool when the answer is no: an attempt
    holding one connection while it waits for a second would starve the pool when many
    sign in at once (forty at once on PostgreSQL waited out the pool's timeout)."""
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    connection = session.connection()
    return bool(getattr(connection.connection.driver_connection, "in_transaction", False))


def _count_and_keep(session: Session, address: str, client: str, moment: datetime) -> int | None:
    if session.connection().dialect.name == "postgresql":  # held until the transaction ends
        for lock in (f"login account {address}", f"login client {client}"):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": lock})
    # SQLite: the insert takes the database's write lock, held until the commit.
    attempt = LoginAttemptRow(email=address[:320], client=client[:64], at=moment)
    session.add(attempt)
    session.flush()
    since = moment - FAILURE_WINDOW
    limited = (
        _recent_failures(session, LoginAttemptRow.email, address[:320], since, attempt.id)
        >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, LoginAttemptRow.client, client[:64], since, attempt.id)
        >= MAX_FAILURES_PER_CLIENT
    )
    if limited:  # a refused attempt is not an attempt: the limit still ends 15 minutes on
        session.delete(attempt)
        session.flush()
        return None
    return attempt.id


def authenticate(
    session: Session, email: str, password: str, client: str, now: datetime | None = None
) -> User:
    """The active user with that email and password; every attempt is recorded, in its own
    transaction (a refused attempt counts whatever the caller does next)."""
    moment = now or _now()
    address = normalize_email(email)
    attempt_id = _claim_attempt(session, address, client, moment)
    if attempt_id is None:
        raise LoginLimited("too many failed sign-in attempts; try again in 15 minutes")
    row = session.scalar(select(UserRow).where(UserRow.email == address))
    ok = False
    try:
        ok = _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and row is not None and row.active
    if ok:  # in the caller's transaction: it commits the session it starts with it
        session.execute(
            update(LoginAttemptRow).where(LoginAttemptRow.id == attempt_id).values(succeeded=True)
        )
    if not ok or row is None:
        raise LoginRefused("wrong email or password")
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return _view(row)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie, never stored
    csrf_token: str
    expires_at: datetime


def start_session(
    session: Session, user: User, hours: int = SESSION_HOURS, now: datetime | None = None
) -> NewSession:
    moment = now or _now()
    token = secrets.token_urlsafe(32)
    row = WebSessionRow(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=moment,
        expires_at=moment + timedelta(hours=hours),
    )
    session.add(row)
    # Expired sessions are swept as new ones start; no scheduler needed.
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < moment))
    session.flush()
    return NewSession(token, row.csrf_token, row.expires_at)


@dataclass(frozen=True)
class WebSession:
    """A live signed-in session: its CSRF token, when it ends, and who it belongs to."""

    csrf_token: str
    created_at: datetime
    expires_at: datetime
    user: User
    # With ``trail_since``: the trail's newest entry id, and this user's newest after it.
    trail_head: tuple[int, int] | None = None


@cache
def _session_lookup(with_heads: bool) -> Select[*tuple[Any, ...]]:
    """The statement ``find_session`` runs on every request of the web app, built once:
    SQLAlchemy works out a statement's cache key each time a new one is executed. Columns,
    not ORM rows. With ``with_heads`` it also reads the trail's newest id and the user's
    newest after ``:since``."""
    heads = []
    if with_heads:
        heads = [
            select(func.max(AuditRow.id)).scalar_subquery(),
            select(func.max(AuditRow.id))
            .where(AuditRow.id > bindparam("since"), AuditRow.actor == UserRow.email)
            .correlate(UserRow)
            .scalar_subquery(),
        ]
    return (
        select(
            WebSessionRow.csrf_token,
            WebSessionRow.created_at,
            WebSessionRow.expires_at,
            UserRow.id,
            UserRow.email,
            UserRow.name,
            UserRow.role,
            UserRow.owner_name,
            UserRow.active,
            UserRow.window_start,
            UserRow.window_end,
            UserRow.created_at,
            *heads,
        )
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .where(WebSessionRow.token_hash == bindparam("token_hash"))
    )


def find_session(
    session: Session,
    token: str | None,
    now: datetime | None = None,
    trail_since: int | None = None,
) -> WebSession | None:
    """The live session for a cookie's token, with its active user; None otherwise.

    With ``trail_since`` the same round trip reads what the web app asks next on every
    request (``trail_head``): is the data newer than its state, and did this user change it.
    """
    if not token:
        return None
    heads = trail_since is not None
    values: dict[str, object] = {"token_hash": token_hash(token)}
    if heads:
        values["since"] = trail_since
    found = session.execute(_session_lookup(with_heads=heads), values).first()
    if found is None:
        return None
    csrf, created, expires, *columns = found
    account = User(*columns[:9])
    if _aware(expires) <= (now or _now()) or not account.active:
        return None
    head = (int(columns[9] or 0), int(columns[10] or 0)) if heads else None
    return WebSession(csrf, created, expires, account, head)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash(token)))
        session.flush()
