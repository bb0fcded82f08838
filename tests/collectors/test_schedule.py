"""When a declared check is due: never run, or a whole period of UTC days since its last run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crosswalk.collectors import Declaration, due_declarations, is_due
from crosswalk.collectors.file import FileParams
from crosswalk.domain.frequency import Frequency

F = Frequency
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_never_run_is_due() -> None:
    assert is_due(F.ANNUAL, None, NOW) is True


@pytest.mark.parametrize(
    ("schedule", "days_ago", "due"),
    [
        (F.DAILY, 0, False),
        (F.DAILY, 1, True),
        (F.CONTINUOUS, 1, True),
        (F.WEEKLY, 6, False),
        (F.WEEKLY, 7, True),
        (F.MONTHLY, 30, False),
        (F.MONTHLY, 31, True),
        (F.QUARTERLY, 91, False),
        (F.QUARTERLY, 92, True),
        (F.SEMIANNUAL, 182, False),
        (F.SEMIANNUAL, 183, True),
        (F.ANNUAL, 365, False),
        (F.ANNUAL, 366, True),
    ],
)
def test_due_after_a_full_period(schedule: Frequency, days_ago: int, due: bool) -> None:
    assert is_due(schedule, NOW - timedelta(days=days_ago), NOW) is due


def test_a_daily_job_starting_a_little_earlier_than_yesterday_is_still_due() -> None:
    yesterday = datetime(2026, 6, 30, 2, 0, 5, tzinfo=UTC)
    assert is_due(F.DAILY, yesterday, datetime(2026, 7, 1, 2, 0, 0, tzinfo=UTC)) is True


def test_days_are_counted_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 2026-07-01 08:00 in Tokyo is still 2026-06-30 in UTC: the same UTC day as last_run.
    assert (
        is_due(F.DAILY, NOW - timedelta(days=1), datetime(2026, 7, 1, 8, 0, tzinfo=tokyo)) is False
    )


def test_a_run_in_the_future_is_not_due() -> None:
    assert is_due(F.DAILY, NOW + timedelta(days=3), NOW) is False


def test_event_driven_schedules_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="event-driven"):
        is_due(F.PER_CHANGE, None, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_due(F.DAILY, None, datetime(2026, 7, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_due(F.DAILY, datetime(2026, 6, 1), NOW)


def test_due_declarations_picks_by_name() -> None:
    def declared(name: str, schedule: Frequency) -> Declaration:
        return Declaration(name, "file", FileParams(path="x"), ("C-1",), schedule)

    daily, annual, fresh = declared("d", F.DAILY), declared("a", F.ANNUAL), declared("n", F.ANNUAL)
    last = {"d": NOW - timedelta(days=2), "a": NOW - timedelta(days=2)}
    assert due_declarations([daily, annual, fresh], last, NOW) == [daily, fresh]
