from __future__ import annotations

import pytest

from crosswalk.domain.frequency import (
    Expectation,
    Frequency,
    effective_frequency,
    parse_frequency,
    stricter,
)

F = Frequency


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Quarterly", F.QUARTERLY),
        ("Annually", F.ANNUAL),
        ("Annual", F.ANNUAL),
        ("Semi-annually", F.SEMIANNUAL),
        ("semiannual", F.SEMIANNUAL),
        ("Ad hoc", F.PER_REQUEST),
        ("Ad-hoc", F.PER_REQUEST),
        ("Per change", F.PER_CHANGE),
        ("Upon hire", F.PER_HIRE),
        ("Per termination", F.PER_TERMINATION),
        ("Continuous", F.CONTINUOUS),
        ("Monthly", F.MONTHLY),
        ("weekly ", F.WEEKLY),
        ("Daily", F.DAILY),
        ("Per incident", F.PER_INCIDENT),
        ("As needed", F.PER_REQUEST),
        ("Every sprint", None),
        ("Bi-monthly-ish", None),
        ("", None),
        (None, None),
    ],
)
def test_frequency_words_as_inventories_write_them(word: str | None, expected: F | None) -> None:
    assert parse_frequency(word) == expected


def test_the_stricter_periodic_cadence_wins() -> None:
    assert stricter(F.ANNUAL, F.QUARTERLY) is F.QUARTERLY
    assert stricter(F.DAILY, F.MONTHLY) is F.DAILY
    assert stricter(F.PER_CHANGE, F.DAILY) is F.PER_CHANGE  # event-driven is not comparable


def test_effective_frequency_names_the_requirement_that_raised_it() -> None:
    expectation = Expectation(
        "iso27001-2022:A.5.18", F.QUARTERLY, "access right reviews", "soc2-tsc-2017:CC6.2"
    )
    result = effective_frequency(F.ANNUAL, [expectation])
    assert result.frequency is F.QUARTERLY and result.raised
    assert result.deciding == expectation
    already = effective_frequency(F.MONTHLY, [expectation])
    assert already.frequency is F.MONTHLY and not already.raised


def test_event_driven_controls_keep_their_trigger_with_a_note() -> None:
    expectation = Expectation("soc2-tsc-2017:CC6.2", F.QUARTERLY, "access review")
    result = effective_frequency(F.PER_REQUEST, [expectation])
    assert result.frequency is F.PER_REQUEST and not result.raised
    assert result.conflicts and "quarterly" in result.conflicts[0]


def test_no_own_frequency_takes_the_expected_one() -> None:
    result = effective_frequency(None, [Expectation("x:1", F.ANNUAL, "policy review")])
    assert result.frequency is F.ANNUAL
