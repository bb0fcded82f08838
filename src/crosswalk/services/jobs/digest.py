"""The daily digest as a periodic job: once per UTC day from ``CROSSWALK_DIGEST_HOUR``
(default 7), each owner's e-mail of what is due (``services/notify``). Without SMTP settings
the run records that no mail is configured and succeeds: the period is not retried all day.
Another sender can be installed (tests count the runs with one)."""

from __future__ import annotations

import os
from collections.abc import Callable

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.jobs.registry import JobContext, JobOutcome, register_periodic

DIGEST_JOB = "daily_digest"
DIGEST_HOUR_ENV = "CROSSWALK_DIGEST_HOUR"
DigestSender = Callable[[JobContext], str]


def send_mail_digests(context: JobContext) -> str:
    """Each owner's digest for the day, sent at most once (the notify service records each)."""
    from crosswalk.services.notify.digests import send_due_digests, workspace_library
    from crosswalk.services.notify.settings import HOST, MailSettings

    if not os.environ.get(HOST, "").strip():
        return f"no e-mail configured ({HOST} is not set): no digests sent"
    session = context.session
    library = workspace_library(session, context.workspace.root)
    run = send_due_digests(session, library, context.now, MailSettings.from_env())
    return f"{len(run.sent)} digests sent, {len(run.failed)} refused by the mail server"


_sender: list[DigestSender] = [send_mail_digests]


def set_digest_sender(sender: DigestSender | None) -> None:
    """Install another sender (or, with None, the e-mail one back)."""
    _sender[:] = [sender or send_mail_digests]


def digest_hour() -> int:
    raw = os.environ.get(DIGEST_HOUR_ENV, "7").strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise CrosswalkError(f"{DIGEST_HOUR_ENV}={raw!r}: expected an hour of the day, 0 to 23")
    return int(raw)


def daily_digest(context: JobContext) -> JobOutcome:
    return JobOutcome(_sender[0](context))


def register_daily_digest(hour: int | None = None) -> None:
    register_periodic(
        DIGEST_JOB, daily_digest, every_days=1, at_hour=digest_hour() if hour is None else hour
    )
