from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency
from crosswalk.domain.window import (
    ControlWindow,
    Event,
    EvidenceDating,
    Period,
    PopulationError,
    WindowError,
    WindowReport,
    check_control,
    expected_periods,
    match_population,
    parse_event_date,
    read_population,
)

F = Frequency
START, END = date(2026, 1, 1), date(2026, 12, 31)
PERIODIC = [f for f in Frequency if f.periodic]


def on(evidence_id: int | str, day: date, reference: str = "") -> EvidenceDating:
    return EvidenceDating(evidence_id, day, day, reference)


def check(
    frequency: F | None, *evidence: EvidenceDating, audit_day_days: int = 14, owner: str = ""
) -> ControlWindow:
    return check_control(
        "C-1", "Access review", frequency, list(evidence), START, END, audit_day_days, owner=owner
    )


# --- acceptance ----------------------------------------------------------------------------


def test_a_quarterly_control_missing_q3_is_reported_with_q3_and_only_q3() -> None:
    result = check(
        F.QUARTERLY, on(1, date(2026, 2, 10)), on(2, date(2026, 5, 5)), on(3, date(2026, 11, 3))
    )
    assert [p.label for p in result.missing] == ["2026-Q3"]
    assert result.missing[0] == Period(date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert result.exceptions == ["no evidence for 2026-Q3 (2026-07-01..2026-09-30)"]
    assert [(c.period.label, c.evidence_ids) for c in result.periods] == [
        ("2026-Q1", (1,)),
        ("2026-Q2", (2,)),
        ("2026-Q3", ()),
        ("2026-Q4", (3,)),
    ]
    assert not result.outside and not result.audit_day_only and result.has_exceptions


def test_an_annual_control_whose_only_evidence_is_after_the_window_is_outside_and_missing() -> None:
    result = check(F.ANNUAL, on(17, date(2027, 1, 15)))
    assert result.outside == [17]
    assert [p.label for p in result.missing] == ["2026"]
    assert "evidence 17 dated 2027-01-15 is outside the window" in result.notes  # listed
    assert "no evidence for 2026 (2026-01-01..2026-12-31)" in result.exceptions
    assert result.exceptions == ["no evidence for 2026 (2026-01-01..2026-12-31)"]
    assert result.evidence_in_window == 0 and not result.audit_day_only


def test_evidence_bunched_in_the_last_ten_days_is_audit_day_only() -> None:
    days = [date(2026, 12, 22), date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31)]
    result = check(F.ANNUAL, *(on(i, d) for i, d in enumerate(days, 1)))
    assert result.audit_day_only
    assert not result.missing  # the year does have evidence: the bunching is the finding
    assert result.exceptions == [
        "all 4 pieces of evidence fall in the last 10 days of the window: audit-day only"
    ]


def test_evidence_spread_over_the_year_is_not_audit_day_only() -> None:
    days = [date(2026, 3, 2), date(2026, 6, 1), date(2026, 9, 1), date(2026, 12, 28)]
    result = check(F.ANNUAL, *(on(i, d) for i, d in enumerate(days, 1)))
    assert not result.audit_day_only and not result.has_exceptions


def test_a_change_without_evidence_is_named(tmp_path: Path) -> None:
    population = tmp_path / "changes.csv"
    population.write_text(
        "Change ID,Created,Type,Summary\n"
        "CHG-1041,2026-04-30,standard,Rotate TLS certificates\n"
        "CHG-1042,2026-05-01,normal,Upgrade PostgreSQL\n"
        "CHG-1043,05/02/2026,emergency,Hotfix login\n"
        "CHG-0999,2025-12-30,normal,Before the window\n",
        encoding="utf-8",
    )
    events = read_population(population)
    evidence = [
        on(101, date(2026, 4, 30), "PR #311 approved, CHG-1041"),
        on(102, date(2026, 5, 1), "Approval for chg-1042 in Jira"),
    ]
    result = match_population("CM-1", events, evidence, START, END, frequency=F.PER_CHANGE)
    assert [e.event_id for e in result.unmatched] == ["CHG-1043"]
    assert result.exceptions == ["change CHG-1043 (emergency) on 2026-05-02 has no evidence"]
    assert result.matched == {"CHG-1041": [101], "CHG-1042": [102]}
    assert result.in_scope == 3 and result.out_of_window == 1


# --- periods -------------------------------------------------------------------------------


def test_iso_week_labels_cross_the_year_boundary() -> None:
    weeks = expected_periods(F.WEEKLY, date(2025, 12, 25), date(2026, 1, 10))
    assert [(p.label, p.start, p.end) for p in weeks] == [
        ("2025-W52", date(2025, 12, 22), date(2025, 12, 28)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-W02", date(2026, 1, 5), date(2026, 1, 11)),
    ]


@pytest.mark.parametrize(
    ("frequency", "labels"),
    [
        (F.DAILY, ["2026-03-14", "2026-03-15"]),
        (F.MONTHLY, ["2026-03"]),
        (F.QUARTERLY, ["2026-Q1"]),
        (F.SEMIANNUAL, ["2026-H1"]),
        (F.ANNUAL, ["2026"]),
    ],
)
def test_labels_are_the_ones_auditors_write(frequency: F, labels: list[str]) -> None:
    periods = expected_periods(frequency, date(2026, 3, 14), date(2026, 3, 15))
    assert [p.label for p in periods] == labels


def test_second_half_and_third_quarter_end_where_the_calendar_says() -> None:
    (half,) = expected_periods(F.SEMIANNUAL, date(2026, 8, 1), date(2026, 8, 1))
    assert (half.label, half.start, half.end) == ("2026-H2", date(2026, 7, 1), date(2026, 12, 31))
    (month,) = expected_periods(F.MONTHLY, date(2028, 2, 10), date(2028, 2, 10))
    assert month.end == date(2028, 2, 29)


def test_continuous_controls_are_sampled_weekly_not_daily() -> None:
    continuous = expected_periods(F.CONTINUOUS, START, END)
    assert continuous == expected_periods(F.WEEKLY, START, END)
    assert len(continuous) == 53  # 2026-W01 starts in 2025, 2026-W53 ends in 2027


@pytest.mark.parametrize("frequency", [f for f in Frequency if not f.periodic])
def test_event_driven_frequencies_have_no_periods(frequency: F) -> None:
    assert expected_periods(frequency, START, END) == []
    result = check(frequency, on(1, date(2026, 5, 1)))
    assert result.periods == [] and not result.has_exceptions


def test_a_window_starting_mid_quarter_still_expects_that_quarter() -> None:
    periods = expected_periods(F.QUARTERLY, date(2026, 2, 15), date(2026, 8, 31))
    assert [p.label for p in periods] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    result = check_control(
        "C-2", "Review", F.QUARTERLY, [on(1, date(2026, 5, 1))], date(2026, 2, 15), END
    )
    assert "2026-Q1" in [p.label for p in result.missing]


def test_evidence_before_a_mid_quarter_window_does_not_satisfy_that_quarter() -> None:
    evidence = [on(1, date(2026, 1, 20)), on(2, date(2026, 5, 1)), on(3, date(2026, 8, 1))]
    result = check_control("C-2", "Review", F.QUARTERLY, evidence, date(2026, 2, 15), END)
    assert result.outside == [1]
    assert [p.label for p in result.missing] == ["2026-Q1", "2026-Q4"]


def test_period_covering_evidence_satisfies_every_period_it_covers() -> None:
    review = EvidenceDating("AR-Q1", date(2026, 1, 1), date(2026, 3, 31), "Q1 access review")
    result = check(F.QUARTERLY, review)
    assert result.periods[0].evidence_ids == ("AR-Q1",)
    assert [p.label for p in result.missing] == ["2026-Q2", "2026-Q3", "2026-Q4"]
    monthly = check(F.MONTHLY, review)
    assert [p.label for p in monthly.missing][:1] == ["2026-04"]
    assert len(monthly.missing) == 9


def test_evidence_straddling_the_window_edge_counts_inside_and_is_not_outside() -> None:
    result = check(F.ANNUAL, EvidenceDating(5, date(2025, 12, 1), date(2026, 1, 15)))
    assert result.outside == [] and result.missing == [] and result.evidence_in_window == 1


def test_runs_of_missing_weeks_read_as_one_sentence() -> None:
    weekly = [on(i, START + timedelta(weeks=i)) for i in range(10)]
    result = check(F.WEEKLY, *weekly)
    assert len(result.missing) == 52 - 10  # 2026-W53 ends in 2027: still running at the end
    assert [p.label for p in result.in_progress] == ["2026-W53"]
    assert result.exceptions == [
        "no evidence for 2026-W11..2026-W52 (42 periods, 2026-03-09..2026-12-27)"
    ]


def test_a_period_still_running_when_the_window_closes_is_not_yet_due() -> None:
    window_end = date(2026, 10, 31)  # mid-quarter: Q4's review has not had its quarter yet
    evidence = [
        on(i, day) for i, day in enumerate([date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1)])
    ]
    result = check_control("C", "t", F.QUARTERLY, evidence, START, window_end)
    assert result.missing == [] and not result.has_exceptions
    assert [p.label for p in result.in_progress] == ["2026-Q4"]


def test_audit_day_needs_a_window_longer_than_the_audit_day_span() -> None:
    short = check_control("C", "t", F.DAILY, [on(1, date(2026, 1, 5))], START, date(2026, 1, 5))
    assert not short.audit_day_only
    single = check(F.ANNUAL, on(1, date(2026, 12, 30)), audit_day_days=3)
    assert single.audit_day_only
    assert single.exceptions[-1].startswith("the only piece of evidence falls in the last 2 days")
    assert not check(F.ANNUAL, on(1, date(2026, 12, 28)), audit_day_days=3).audit_day_only
    boundary = check(F.ANNUAL, on(1, date(2026, 12, 29)), audit_day_days=3)  # last 3 days
    assert boundary.audit_day_only and "last 3 days" in boundary.exceptions[-1]


def test_evidence_outside_the_window_does_not_make_a_control_audit_day_only() -> None:
    result = check(F.ANNUAL, on(1, date(2025, 6, 1)), on(2, date(2026, 12, 30)))
    assert result.audit_day_only  # the only in-window evidence is on audit day
    assert result.outside == [1]
    assert "all 1" not in " ".join(result.exceptions)


def test_a_control_without_frequency_cannot_be_checked() -> None:
    result = check(None, on(1, date(2026, 5, 1)), owner="it@example.com")
    assert result.exceptions == ["no frequency set: cannot check the window"]
    assert result.periods == [] and result.owner == "it@example.com"


def test_bad_dates_are_refused_with_a_crosswalk_error() -> None:
    with pytest.raises(WindowError, match="evidence 9 ends"):
        EvidenceDating(9, date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(CrosswalkError, match="window ends"):
        check_control("C", "t", F.ANNUAL, [], END, START)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    length=st.integers(min_value=0, max_value=800),
)
def test_every_day_of_the_window_is_in_exactly_one_period(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    for frequency in PERIODIC:
        periods = expected_periods(frequency, start, end)
        seen: Counter[date] = Counter()
        for period in periods:
            assert period.start <= period.end
            assert period.start <= end and period.end >= start  # overlaps the window
            day = max(period.start, start)
            while day <= min(period.end, end):
                seen[day] += 1
                day += timedelta(days=1)
        assert len(seen) == length + 1 and set(seen.values()) == {1}, frequency
        assert len({p.label for p in periods}) == len(periods)


# --- populations ---------------------------------------------------------------------------


def test_ids_match_as_whole_tokens_only() -> None:
    events = [Event("CHG-1042", date(2026, 5, 1)), Event("chg-7", date(2026, 5, 1))]
    evidence = [
        on(1, date(2026, 5, 1), "deployed CHG-10421 and XCHG-1042"),
        on(2, date(2026, 5, 1), "see CHG-7."),
    ]
    result = match_population("CM-1", events, evidence, START, END)
    assert [e.event_id for e in result.unmatched] == ["CHG-1042"]
    assert result.matched == {"chg-7": [2]}
    assert result.exceptions == ["event CHG-1042 on 2026-05-01 has no evidence"]
    hit = match_population("CM-1", events[:1], [on(3, START, "(chg-1042)")], START, END)
    assert hit.matched == {"CHG-1042": [3]} and not hit.has_exceptions


def test_one_evidence_item_may_name_many_events_and_many_items_one_event() -> None:
    events = [Event("INC-1", date(2026, 3, 1)), Event("INC-2", date(2026, 3, 2))]
    evidence = [on("a", START, "INC-1, INC-2 INC-1"), on("b", START, "postmortem INC-2")]
    result = match_population("IR-1", events, evidence, START, END, frequency=F.PER_INCIDENT)
    assert result.matched == {"INC-1": ["a"], "INC-2": ["a", "b"]}
    assert result.noun == "incident"


def _csv(tmp_path: Path, text: str, name: str = "population.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_population_headers_and_dates_are_read_flexibly(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Employee_ID;Hire Date;Kind;Title\n"
        "E-1;2026-02-01T09:30:00Z;hire;Engineer\n"
        "\n"
        ";;;\n"
        "E-2;03/15/2026;hire;Designer\n",
    )
    assert read_population(path) == [
        Event("E-1", date(2026, 2, 1), "hire", "Engineer"),
        Event("E-2", date(2026, 3, 15), "hire", "Designer"),
    ]


@pytest.mark.parametrize(
    ("text", "row", "column", "message"),
    [
        ("Ticket,Closed\nT-1,2026-01-01\n,2026-01-02\n", 3, "Ticket", "missing id"),
        ("Key,Terminated\nK-1,2026-13-45\n", 2, "Terminated", "cannot read date '2026-13-45'"),
        ("Key,Terminated\nK-1,\n", 2, "Terminated", "missing date"),
        ("Key,Date\nK-1,2026-01-01\nk-1,2026-01-02\n", 3, "Key", "duplicate id 'k-1'"),
        ("Summary,Date\nx,2026-01-01\n", 1, None, "no id, change id, ticket or key column"),
    ],
)
def test_population_errors_name_file_row_and_column(
    tmp_path: Path, text: str, row: int, column: str | None, message: str
) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(PopulationError) as caught:
        read_population(path)
    error = caught.value
    assert (error.path, error.row, error.column) == (path, row, column)
    assert str(path) in str(error) and f"row {row}" in str(error) and message in str(error)
    if column:
        assert f"column {column!r}" in str(error)
    assert isinstance(error, CrosswalkError)


def test_an_empty_or_missing_population_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PopulationError, match="empty"):
        read_population(_csv(tmp_path, "\n\n"))
    with pytest.raises(PopulationError, match="cannot read"):
        read_population(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-02", date(2026, 5, 2)),
        ("2026-05-02T23:59:00+02:00", date(2026, 5, 2)),
        ("2026-05-02 08:00", date(2026, 5, 2)),
        ("5/2/2026", date(2026, 5, 2)),
        ("05/02/2026 14:03", date(2026, 5, 2)),
        ("31/12/2026", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_event_dates(text: str, expected: date | None) -> None:
    assert parse_event_date(text) == expected


# --- the report ----------------------------------------------------------------------------


def test_the_window_report_counts_every_kind_of_exception() -> None:
    controls = [
        check(F.QUARTERLY, on(1, date(2026, 2, 1))),  # three quarters missing: one run
        check(F.ANNUAL, on(2, date(2027, 2, 1)), on(3, date(2026, 12, 30))),  # outside, audit day
        check(F.ANNUAL, on(4, date(2026, 6, 1))),  # clean
        check(None),
    ]
    population = match_population(
        "CM-1", [Event("CHG-1", date(2026, 4, 1))], [], START, END, frequency=F.PER_CHANGE
    )
    report = WindowReport(START, END, 14, controls, [population])
    summary = report.summary
    assert (summary.controls_checked, summary.with_missing_periods) == (4, 1)
    assert (summary.audit_day_only, summary.with_evidence_outside) == (1, 1)
    assert (summary.without_frequency, summary.with_exceptions) == (1, 3)
    assert (summary.populations_checked, summary.unmatched_events) == (1, 1)
    assert report.exceptions_count == 1 + 1 + 1 + 1 == summary.exceptions  # outside: a note
    assert report.has_exceptions
    assert not WindowReport(START, END, 14, [controls[2]], []).has_exceptions
