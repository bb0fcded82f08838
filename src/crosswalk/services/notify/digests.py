"""The daily digest: for each active, subscribed user, the due items whose records name
them (see ``owners``), in one message a day at most.

``send_due_digests`` is safe to run any number of times a day, from any number of
processes: before a message leaves, a row for (user, day) is inserted and committed, and
the database's unique key lets only one process insert it; if the SMTP server refuses the
message the row is removed again, so a later run retries. A process killed between the two
loses that day's message rather than sending it twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access.users import normalize_email
from crosswalk.services.mapping.adjustments import adjusted_library
from crosswalk.services.mapping.library import catalogs_folder, open_library
from crosswalk.services.notify.items import DigestItem, due_items
from crosswalk.services.notify.mailer import Mailer, MessageRefused
from crosswalk.services.notify.messages import (
    Letter,
    mime_message,
    render_html,
    render_text,
    subject_for,
)
from crosswalk.services.notify.owners import Person, display_name
from crosswalk.services.notify.settings import MailSettings
from crosswalk.services.notify.subscriptions import unsubscribe_token, unsubscribe_url
from crosswalk.store.auth_models import UserRow
from crosswalk.store.notify_models import DigestSentRow

UNSUBSCRIBED = "unsubscribed"
NOTHING_DUE = "nothing due"
ALREADY_SENT = "already sent today"


class DigestError(CrosswalkError):
    pass


@dataclass(frozen=True)
class Digest:
    """One user's message for one day, as it would be sent."""

    email: str
    name: str
    day: date
    items: list[DigestItem]
    new: frozenset[str]  # keys of items the previous digest did not list
    subscribed: bool
    already_sent: bool  # a digest went to them this day already
    subject: str
    text: str
    html: str
    unsubscribe_link: str | None

    @property
    def would_send(self) -> bool:
        return bool(self.items) and self.subscribed and not self.already_sent


@dataclass(frozen=True)
class DigestOutcome:
    """What happened to one user's digest: sent, skipped (with why), or failed (with why)."""

    email: str
    outcome: str  # "sent", "would send" (dry run), "skipped", "failed"
    items: int
    subject: str = ""
    reason: str = ""


@dataclass(frozen=True)
class DigestRun:
    day: date
    dry_run: bool
    outcomes: list[DigestOutcome] = field(default_factory=list)

    @property
    def sent(self) -> list[DigestOutcome]:
        return [o for o in self.outcomes if o.outcome == "sent"]

    @property
    def failed(self) -> list[DigestOutcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]


def workspace_library(session: Session, root: Path | None, extra: Sequence[Path] = ()) -> Library:
    """The library digests judge freshness and confirmations against, as the CLI and the
    web app build it: the shipped catalogs, the workspace's imported ones (under ``root``),
    any ``extra`` catalog files, and the team's mapping adjustments laid over them. For a
    caller that has only a workspace (the job worker)."""
    files = list(extra)
    if root is not None:
        imported = catalogs_folder(root)
        files.extend(f for f in (imported / "frameworks", imported / "mappings") if f.is_dir())
    return adjusted_library(session, open_library(files))


def _day(now: datetime) -> date:
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def _previous_keys(session: Session, user_id: int, day: date) -> frozenset[str] | None:
    """The items of the user's newest digest before ``day``; None if they never had one."""
    found = session.scalar(
        select(DigestSentRow.items)
        .where(DigestSentRow.user_id == user_id, DigestSentRow.day < day)
        .order_by(DigestSentRow.day.desc())
        .limit(1)
    )
    return frozenset(json.loads(found)) if found is not None else None


def _sent_on(session: Session, user_id: int, day: date) -> bool:
    return (
        session.scalar(
            select(DigestSentRow.id).where(
                DigestSentRow.user_id == user_id, DigestSentRow.day == day
            )
        )
        is not None
    )


def _compose(
    session: Session,
    row: UserRow,
    items: list[DigestItem],
    now: datetime,
    base_url: str | None,
) -> Digest:
    day = _day(now)
    person = Person.of(row.email, row.name, row.owner_name)
    mine = [item for item in items if person.owns(item.owner)]
    previous = _previous_keys(session, row.id, day)
    new = frozenset(i.key for i in mine if i.key not in previous) if previous else frozenset()
    link = None
    if base_url and mine:
        link = unsubscribe_url(base_url, unsubscribe_token(session, row.id, row.email))
    name = display_name(row.name, row.owner_name, row.email)
    letter = Letter(name, row.email, day, mine, new, base_url, link)
    return Digest(
        email=row.email,
        name=name,
        day=day,
        items=mine,
        new=new,
        subscribed=row.digest_unsubscribed_at is None,
        already_sent=_sent_on(session, row.id, day),
        subject=subject_for(mine, day),
        text=render_text(letter),
        html=render_html(letter),
        unsubscribe_link=link,
    )


def _user_rows(session: Session, only: str | None) -> list[UserRow]:
    query = select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.email)
    if only is not None:
        query = query.where(UserRow.email == normalize_email(only))
    rows = list(session.scalars(query))
    if only is not None and not rows:
        raise DigestError(f"no active user {only!r} (see crosswalk users list)")
    return rows


def preview_digest(
    session: Session, library: Library, now: datetime, email: str, base_url: str | None = None
) -> Digest:
    """The message ``email`` would receive at ``now``; nothing is sent or recorded."""
    row = _user_rows(session, email)[0]
    return _compose(session, row, due_items(session, library, now), now, base_url)


def _claim(session: Session, digest: Digest, user_id: int, now: datetime) -> bool:
    """Record the digest as sent, committed at once; False if another run recorded it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = session.scalar(
        insert(DigestSentRow)
        .values(
            user_id=user_id,
            email=digest.email,
            day=digest.day,
            sent_at=now,
            subject=digest.subject[:300],
            item_count=len(digest.items),
            items=json.dumps(sorted(i.key for i in digest.items)),
        )
        .on_conflict_do_nothing()
        .returning(DigestSentRow.id)
    )
    session.commit()
    return claimed is not None


def _unclaim(session: Session, user_id: int, day: date) -> None:
    session.execute(
        delete(DigestSentRow).where(DigestSentRow.user_id == user_id, DigestSentRow.day == day)
    )
    session.commit()


def _skip(digest: Digest) -> DigestOutcome | None:
    reason = (
        UNSUBSCRIBED
        if not digest.subscribed
        else NOTHING_DUE
        if not digest.items
        else ALREADY_SENT
        if digest.already_sent
        else ""
    )
    if not reason:
        return None
    return DigestOutcome(digest.email, "skipped", len(digest.items), digest.subject, reason)


def plan_digests(
    session: Session,
    library: Library,
    now: datetime,
    base_url: str | None = None,
    only: str | None = None,
) -> DigestRun:
    """What ``send_due_digests`` would do now, sending and recording nothing."""
    items = due_items(session, library, now)
    outcomes = []
    for row in _user_rows(session, only):
        digest = _compose(session, row, items, now, base_url)
        skipped = _skip(digest)
        outcomes.append(
            skipped or DigestOutcome(digest.email, "would send", len(digest.items), digest.subject)
        )
    return DigestRun(_day(now), True, outcomes)


def send_due_digests(
    session: Session,
    library: Library,
    now: datetime,
    settings: MailSettings,
    only: str | None = None,
) -> DigestRun:
    """Send each active, subscribed user with something due their digest for ``now``'s day
    (UTC), unless one went to them that day already; ``only`` limits it to one address.

    Commits ``session`` around each message (the record of a message must outlive a later
    failure); call it with a session that holds no other pending changes. A message the
    server refuses is a "failed" outcome and is retried by the next run; a server that
    cannot be reached or used raises ``MailDeliveryError`` naming the setting to fix.
    """
    day = _day(now)
    items = due_items(session, library, now)
    rows = _user_rows(session, only)
    outcomes: list[DigestOutcome] = []
    with Mailer(settings) as mailer:
        for row in rows:
            digest = _compose(session, row, items, now, settings.base_url)
            skipped = _skip(digest)
            if skipped is not None:
                outcomes.append(skipped)
                continue
            if not _claim(session, digest, row.id, now):
                outcomes.append(
                    DigestOutcome(
                        digest.email, "skipped", len(digest.items), digest.subject, ALREADY_SENT
                    )
                )
                continue
            message = mime_message(
                settings.sender,
                digest.email,
                digest.subject,
                digest.text,
                digest.html,
                digest.unsubscribe_link,
                now,
            )
            try:
                mailer.send(message)
            except MessageRefused as error:
                _unclaim(session, row.id, day)
                outcomes.append(
                    DigestOutcome(
                        digest.email, "failed", len(digest.items), digest.subject, str(error)
                    )
                )
                continue
            except BaseException:
                _unclaim(session, row.id, day)
                raise
            outcomes.append(DigestOutcome(digest.email, "sent", len(digest.items), digest.subject))
    return DigestRun(day, False, outcomes)
