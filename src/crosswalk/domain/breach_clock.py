"""The GDPR breach clock: moments entered in a local time zone, and the 72 hours of Art. 33(1).

Moments are kept in UTC with the zone they were entered in, so a breach that became known at
01:30 on the night the clocks change is due 72 real hours later, not 72 wall-clock hours. A
local time the zone skips (clocks go forward) or passes twice (clocks go back, without an
offset saying which) is refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crosswalk.domain.errors import CrosswalkError

NOTIFY_WITHIN = timedelta(hours=72)  # Art. 33(1)
WARN_WITHIN = timedelta(hours=12)  # a clock this close to due is flagged (CLI exit, banner)

# The states of a clock, as lists and banners name them.
NO_CLOCK = "no clock"  # not a personal-data breach, or unlikely to result in a risk
RUNNING = "running"
DUE_SOON = "due in under 12 h"
PAST_DUE = "past due"
ON_TIME = "notified on time"
LATE = "notified late"
ALERTING = (DUE_SOON, PAST_DUE)


FIRST_YEAR, LAST_YEAR = 1970, 2199  # moments a register can hold (and add 72 h to)


class MomentError(CrosswalkError):
    """A date and time that cannot be placed on the clock; names the field."""


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def zone_named(name: str, field: str) -> ZoneInfo:
    """The IANA zone (e.g. Europe/Berlin); an unknown name is refused naming the field."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise MomentError(f"{field}: give a time zone, e.g. Europe/Berlin or UTC")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise MomentError(
            f"{field}: unknown time zone {cleaned!r}; use an IANA name such as Europe/Berlin"
        ) from None


def as_utc(moment: datetime) -> datetime:
    """A stored moment in UTC (SQLite hands back naive datetimes, which were UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_moment(text: str, zone_name: str, field: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` as read on a clock in ``zone_name``, as an aware UTC moment.

    An offset (``+01:00``) may follow; it must be one the zone uses at that time, and it
    settles which of the two 01:30s is meant on the night the clocks go back.
    """
    zone = zone_named(zone_name, f"{field} zone")
    raw = (text or "").strip()
    if not raw:
        raise MomentError(f"{field}: give a date and time, YYYY-MM-DD HH:MM")
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise MomentError(
            f"{field}: {raw!r} is not a date and time; use YYYY-MM-DD HH:MM"
        ) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise MomentError(f"{field}: {raw!r}: the year must be {FIRST_YEAR}-{LAST_YEAR}")
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        local = parsed.replace(tzinfo=None)
        candidates = _readings(local, zone)
        if candidates and all(c.utcoffset() != offset for c in candidates):
            used = " or ".join(_offset_text(c) for c in candidates)
            raise MomentError(
                f"{field}: {raw} has offset {_offset_text(parsed)}, but {zone.key} uses {used} "
                f"at {local:%Y-%m-%d %H:%M}"
            )
        return parsed.astimezone(UTC)
    candidates = _readings(parsed, zone)
    if not candidates:
        raise MomentError(
            f"{field}: {parsed:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks go "
            "forward over it that night)"
        )
    if len(candidates) > 1:
        offsets = " or ".join(_offset_text(c) for c in candidates)
        raise MomentError(
            f"{field}: {parsed:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back "
            f"that night); add the offset, {offsets}"
        )
    return candidates[0].astimezone(UTC)


def _readings(local: datetime, zone: ZoneInfo) -> list[datetime]:
    """The real moments a wall-clock reading names in the zone: none, one or two."""
    found: list[datetime] = []
    for fold in (0, 1):
        candidate = local.replace(tzinfo=zone, fold=fold)
        round_trip = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip == local and all(candidate.utcoffset() != f.utcoffset() for f in found):
            found.append(candidate)
    return found


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def shown_in(moment: datetime, zone_name: str) -> str:
    """A stored moment as read in the zone it was entered in, with its offset."""
    local = as_utc(moment).astimezone(ZoneInfo(zone_name))
    return f"{local:%Y-%m-%d %H:%M} {_offset_text(local)} ({zone_name})"


def duration_text(span: timedelta) -> str:
    """``2 d 5 h 10 min``: how long, to the minute, without a sign."""
    minutes = abs(int(span.total_seconds())) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    parts.append(f"{mins} min")
    return " ".join(parts)


@dataclass(frozen=True)
class Clock:
    """Where an incident stands against the Art. 33(1) deadline at ``now``."""

    state: str
    due_at: datetime | None  # awareness + 72 h, UTC
    remaining: timedelta | None  # before due (open clocks); negative once past due
    late_by: timedelta | None  # past due (open) or notified after due

    @property
    def alerting(self) -> bool:
        return self.state in ALERTING

    def text(self) -> str:
        if self.state in (RUNNING, DUE_SOON) and self.remaining is not None:
            return f"due in {duration_text(self.remaining)}"
        if self.state in (PAST_DUE, LATE) and self.late_by is not None:
            return f"{self.state} by {duration_text(self.late_by)}"
        return self.state


def breach_clock(
    aware_at: datetime | None,
    notifiable: bool,
    notified_at: datetime | None,
    now: datetime,
) -> Clock:
    """The clock runs from awareness while a breach may need notifying (``notifiable``)."""
    if aware_at is None or not notifiable:
        return Clock(NO_CLOCK, None, None, None)
    due = as_utc(aware_at) + NOTIFY_WITHIN
    if notified_at is not None:
        late = as_utc(notified_at) - due
        if late > timedelta(0):
            return Clock(LATE, due, None, late)
        return Clock(ON_TIME, due, None, None)
    remaining = due - as_utc(now)
    if remaining < timedelta(0):
        return Clock(PAST_DUE, due, remaining, -remaining)
    if remaining < WARN_WITHIN:
        return Clock(DUE_SOON, due, remaining, None)
    return Clock(RUNNING, due, remaining, None)
