"""The plan to certification: ordered by what blocks it, dated backwards, honest when late."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crosswalk.demo.builder import DemoResult
from crosswalk.services.program.plan import (
    ANNEX_A_GAPS,
    CONFIRM,
    PARTIAL,
    STAGE_1,
    CertificationPlan,
    PlanError,
    build_plan,
)
from tests.conftest import DEMO_TODAY

TARGET = date(2027, 6, 30)


def plan_for(demo: DemoResult, target: date = TARGET) -> CertificationPlan:
    assert demo.readiness is not None
    return build_plan(demo.gap, DEMO_TODAY, target, demo.readiness.blockers, {"A.6.5": ["R-11"]})


def test_the_readiness_blockers_lead_and_the_phases_come_in_order(demo: DemoResult) -> None:
    plan = plan_for(demo)
    assert [p.key for p in plan.phases] == [STAGE_1, ANNEX_A_GAPS, PARTIAL, CONFIRM]
    first_two = {item.ref for item in plan.phases[0].items[:2]}
    assert first_two == {"6.1.3", "10.2"}  # the SoA is not approved; NC-2026-02 is overdue
    assert any("not approved" in m for m in plan.find(f"{STAGE_1}:6.1.3").missing)
    gaps = {i.ref: i for i in plan.phases[1].items}
    assert set(gaps) == {v.ref for v in demo.gap.annex_a if v.verdict == "gap"}
    assert gaps["A.6.5"].risks == ["R-11"] and gaps["A.6.5"].owner_suggested
    likely = {v.ref for v in demo.gap.annex_a if v.verdict == "likely"}
    rounds = plan.phases[3].items
    assert rounds and {r for item in rounds for r in item.ref.split(", ")} <= likely
    assert all(not item.owner_suggested for item in rounds)


def test_dates_run_backwards_from_the_target_in_the_clause_order(demo: DemoResult) -> None:
    plan = plan_for(demo)
    milestones = {m.key: m.due for m in plan.milestones}
    assert milestones["stage-2"] == TARGET
    assert milestones["stage-1"] == TARGET - timedelta(days=42)
    assert milestones["stage-1-ready"] < milestones["stage-1"]
    by_key = {item.key: item for item in plan.items}
    for item in plan.items:
        assert item.start <= item.due
        for before in item.depends_on:
            assert by_key[before].due <= item.start, (before, item.key)
    treatment = by_key[f"{STAGE_1}:6.1.3"]
    assert f"{STAGE_1}:6.1.2" in treatment.depends_on  # risk assessment before treatment
    review = by_key[f"{STAGE_1}:9.3.2"]
    assert f"{STAGE_1}:6.1.3" in review.depends_on and f"{STAGE_1}:4.4" in review.depends_on
    assert all(item.due <= milestones["stage-1-ready"] for item in plan.phases[0].items)
    assert all(item.due < TARGET for item in plan.phases[2].items)
    assert plan.late_by_days == 0 and plan.earliest_target == TARGET


def test_a_target_too_close_says_how_late_and_the_earliest_target(demo: DemoResult) -> None:
    near = DEMO_TODAY + timedelta(days=60)
    plan = plan_for(demo, near)
    assert plan.late_by_days > 0
    assert plan.earliest_target == near + timedelta(days=plan.late_by_days)
    assert plan.starts_on == DEMO_TODAY - timedelta(days=plan.late_by_days)
    with pytest.raises(PlanError, match="not after today"):
        plan_for(demo, DEMO_TODAY)


def test_an_isms_too_young_by_stage_2_moves_the_earliest_target(demo: DemoResult) -> None:
    from dataclasses import replace

    from crosswalk.reports.plan_report import summary_lines
    from crosswalk.services.program.plan import MIN_RUN_DAYS

    assert demo.readiness is not None
    assert demo.gap.isms_since is not None and demo.gap.isms_since < DEMO_TODAY
    settled = plan_for(demo)
    assert settled.run_days_by_stage_2 >= MIN_RUN_DAYS
    assert not any("three months" in line for line in summary_lines(settled))

    since = DEMO_TODAY - timedelta(days=10)
    young = replace(demo.gap, isms_since=since)
    plan = build_plan(young, DEMO_TODAY, since + timedelta(days=40), demo.readiness.blockers, {})
    assert plan.run_days_by_stage_2 == 40
    assert plan.earliest_target >= since + timedelta(days=MIN_RUN_DAYS)
    assert any("three months" in line for line in summary_lines(plan))
