"""The daily digest as a periodic job, with a hook for whatever sends the digests.

``daily_digest`` is scheduled once per UTC day from ``CROSSWALK_DIGEST_HOUR`` (default 7).
The e-mail digests plug in with one call::

    set_digest_sender(lambda session, now: send_daily_digests(session, now))

(the sender returns a one-line summary, e.g. "12 messages sent"). Until one is set the job
runs, records "no digest sender installed", and does nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.jobs.registry import JobContext, JobOutcome, register_periodic

DIGEST_JOB = "daily_digest"
DIGEST_HOUR_ENV = "CROSSWALK_DIGEST_HOUR"
DigestSender = Callable[[Session, datetime], str]

_sender: list[DigestSender] = []


def set_digest_sender(sender: DigestSender | None) -> None:
    """Install (or, with None, remove) the function that sends the day's digests."""
    _sender.clear()
    if sender is not None:
        _sender.append(sender)


def digest_hour() -> int:
    raw = os.environ.get(DIGEST_HOUR_ENV, "7").strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise CrosswalkError(f"{DIGEST_HOUR_ENV}={raw!r}: expected an hour of the day, 0 to 23")
    return int(raw)


def daily_digest(context: JobContext) -> JobOutcome:
    if not _sender:
        return JobOutcome("no digest sender installed")
    return JobOutcome(_sender[0](context.session, context.now))


def register_daily_digest(hour: int | None = None) -> None:
    register_periodic(
        DIGEST_JOB, daily_digest, every_days=1, at_hour=digest_hour() if hour is None else hour
    )
