"""Who receives the digest: everyone active, unless they turned it off, by the signed link
in a message, on the web, or by an admin with ``crosswalk notify --unsubscribe``.

A link is signed with HMAC-SHA256 over the user's id and e-mail address, keyed by a secret
made once per workspace and kept in the database (every server node and worker checks it
alike, with nothing to configure). It needs no sign-in and does not expire, as people
expect of an unsubscribe link; a changed e-mail address makes old links invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access.users import user_row
from crosswalk.store.auth_models import UserRow
from crosswalk.store.notify_models import SigningKeyRow

PURPOSE = "unsubscribe"


class LinkRefused(CrosswalkError):
    """An unsubscribe link that is not one of ours (altered, cut short, or outdated)."""


@dataclass(frozen=True)
class Subscription:
    email: str
    subscribed: bool
    changed: bool  # False: it already was so
    unsubscribed_at: datetime | None


def _key(session: Session, make: bool = True) -> bytes | None:
    """The workspace's signing secret, made on first use (two processes making it at once
    keep the first one's); None when there is none and ``make`` is False."""
    found = session.scalar(select(SigningKeyRow.secret).where(SigningKeyRow.purpose == PURPOSE))
    if found is None and make:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(SigningKeyRow)
            .values(purpose=PURPOSE, secret=secrets.token_hex(32))
            .on_conflict_do_nothing()
        )
        found = session.scalar(select(SigningKeyRow.secret).where(SigningKeyRow.purpose == PURPOSE))
    return found.encode("ascii") if found is not None else None


def _signature(key: bytes, user_id: int, email: str) -> str:
    digest = hmac.new(key, f"{PURPOSE}\n{user_id}\n{email}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def unsubscribe_token(session: Session, user_id: int, email: str) -> str:
    key = _key(session)
    assert key is not None  # made above
    return f"{user_id}.{_signature(key, user_id, email)}"


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url}/unsubscribe?token={quote(token, safe='.')}"


def _row_for(session: Session, token: str) -> UserRow:
    user_part, _, signature = (token or "").strip().partition(".")
    refused = LinkRefused(
        "this unsubscribe link is not valid (altered, cut short, or for an address that has "
        "changed); use the link in your newest digest, or ask an admin"
    )
    if not (user_part.isascii() and user_part.isdigit()) or not signature or len(user_part) > 12:
        raise refused
    row = session.get(UserRow, int(user_part))
    key = _key(session, make=False)  # no key yet: no link was ever made
    if row is None or key is None:
        raise refused
    expected = _signature(key, row.id, row.email)
    if not hmac.compare_digest(expected, signature):
        raise refused
    return row


def _set(row: UserRow, subscribed: bool, now: datetime) -> Subscription:
    was = row.digest_unsubscribed_at is None
    if subscribed != was:
        row.digest_unsubscribed_at = None if subscribed else now
    return Subscription(row.email, subscribed, subscribed != was, row.digest_unsubscribed_at)


def check_token(session: Session, token: str) -> str:
    """The e-mail address a link is for (the page asks before it unsubscribes)."""
    return _row_for(session, token).email


def unsubscribe_by_token(session: Session, token: str, now: datetime) -> Subscription:
    """Turn the digest off for the link's user; a second use changes nothing. The audit
    trail names the link's user as who did it (nobody is signed in)."""
    row = _row_for(session, token)
    session.info["actor"] = row.email
    found = _set(row, False, now)
    session.flush()
    return found


def set_subscription(session: Session, email: str, subscribed: bool, now: datetime) -> Subscription:
    """An admin (CLI) turning someone's digest off or back on."""
    found = _set(user_row(session, email), subscribed, now)
    session.flush()
    return found
