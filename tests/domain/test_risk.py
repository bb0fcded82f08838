"""The risk method and register rules: scores, bands, validation and checks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.domain.risk import (
    Band,
    Level,
    RiskFacts,
    RiskMethod,
    RiskMethodError,
    RiskScoreError,
    Severity,
    Treatment,
    check_risk,
    default_method,
    parse_category,
    parse_treatment,
    score,
    validate_risk,
)

TODAY = date(2026, 6, 1)


def scale(count: int) -> tuple[Level, ...]:
    return tuple(Level(i, f"level {i}") for i in range(1, count + 1))


def method(
    likelihood: int = 3, impact: int = 3, bands: tuple[Band, ...] = (), threshold: int = 4
) -> RiskMethod:
    return RiskMethod(
        scale(likelihood), scale(impact), bands or (Band("low", 1), Band("high", 5)), threshold
    )


def test_the_default_method_is_5_by_5_with_four_bands() -> None:
    m = default_method()
    assert m.likelihood[0].label == "Rare" and len(m.likelihood) == 5
    assert len(m.impact) == 5 and m.max_score == 25
    assert [(s, m.rating(s)) for s in (1, 4, 5, 9, 10, 15, 16, 25)] == [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (15, "high"),
        (16, "critical"),
        (25, "critical"),
    ]
    assert not m.needs_treatment(9) and m.needs_treatment(10)
    assert "likelihood (1-5) x impact (1-5)" in m.describe()
    assert "critical 16+" in m.describe()


def test_score_is_likelihood_times_impact_and_assess_rates_it() -> None:
    m = default_method()
    assert score(4, 3) == 12
    assessed = m.assess(4, 3)
    assert (assessed.score, assessed.rating) == (12, "high")
    with pytest.raises(RiskScoreError, match=r"likelihood 6 is not on the scale 1\.\.5"):
        m.assess(6, 1)
    with pytest.raises(RiskScoreError, match="impact 0"):
        m.assess(1, 0)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: method(likelihood=1), "likelihood scale has 1 levels"),
        (lambda: method(impact=11), "impact scale has 11 levels"),
        (
            lambda: RiskMethod((Level(1, "a"), Level(3, "b")), scale(3), (Band("low", 1),), 2),
            "numbered 1..2 in order; level #2 is 3",
        ),
        (
            lambda: RiskMethod((Level(1, "Low"), Level(2, "low")), scale(2), (Band("x", 1),), 2),
            "likelihood labels repeat: low",
        ),
        (lambda: method(bands=(Band("low", 2),)), "must start at score 1"),
        (lambda: method(bands=(Band("low", 1), Band("high", 1))), "bands must rise"),
        (lambda: method(bands=(Band("low", 1), Band("high", 10))), "above the highest possible"),
        (lambda: method(bands=(Band("low", 1), Band("Low", 3))), "band names repeat"),
        (lambda: method(threshold=10), "acceptance threshold 10 is outside 0..9"),
    ],
)
def test_bad_methods_cannot_be_built(build: object, message: str) -> None:
    with pytest.raises(RiskMethodError, match=message):
        build()  # type: ignore[operator]


def test_validation_levels_and_half_residuals_are_errors() -> None:
    m = default_method()
    assert validate_risk(m, (3, 3)).errors == []
    assert validate_risk(m, (6, 3)).errors == ["inherent likelihood 6 is not on the scale 1..5"]
    assert validate_risk(m, (3, 3), (2, None)).errors == [
        "give both residual likelihood and residual impact, or neither"
    ]
    assert validate_risk(m, (3, 3), (2, 9)).errors == ["residual impact 9 is not on the scale 1..5"]


def test_residual_above_inherent_warns_unless_the_plan_explains_it() -> None:
    m = default_method()
    higher = validate_risk(m, (2, 2), (3, 3))
    assert higher.errors == [] and "residual score 9 is above the inherent 4" in higher.warnings[0]
    explained = validate_risk(m, (2, 2), (3, 3), "Residual is higher: the new vendor adds risk")
    assert explained.warnings == []
    assert validate_risk(m, (3, 3), (2, 2)).warnings == []


def test_treatments_and_categories_are_read_as_people_write_them() -> None:
    assert parse_treatment("Mitigate") is Treatment.MODIFY
    assert parse_treatment("transfer") is Treatment.SHARE
    assert parse_treatment("accept") is Treatment.RETAIN
    assert parse_treatment("avoid") is Treatment.AVOID
    assert parse_treatment("ignore") is None
    assert parse_category("Service-Commitment").value == "service commitment"
    assert parse_category("asset").value == "information asset"
    assert parse_category("other") is None


def codes(facts: RiskFacts, m: RiskMethod | None = None) -> list[str]:
    return [f.code for f in check_risk(m or default_method(), facts, TODAY)]


def test_checks_find_each_problem_of_a_risk() -> None:
    good = RiskFacts("R-1", (4, 4), (2, 2), owner="Dana", linked=True)
    assert codes(good) == []
    assert codes(RiskFacts("R-2", (4, 4), (2, 2), owner=" ", linked=True)) == ["no-owner"]
    assert codes(RiskFacts("R-3", (4, 4), (2, 2), owner="Dana")) == ["modify-unlinked"]
    retained = RiskFacts("R-4", (4, 4), owner="Dana", treatment=Treatment.RETAIN)
    assert codes(retained) == ["unaccepted"]  # residual not assessed: the inherent counts
    accepted = RiskFacts(
        "R-5", (4, 4), owner="Dana", treatment=Treatment.RETAIN, accepted_by="Dana"
    )
    assert codes(accepted) == []
    late = RiskFacts(
        "R-6", (4, 4), (3, 4), owner="Dana", linked=True, due=date(2026, 5, 1), accepted_by="D"
    )
    assert codes(late) == ["overdue"]
    on_time = RiskFacts("R-7", (4, 4), (2, 2), owner="Dana", linked=True, due=date(2026, 5, 1))
    assert codes(on_time) == []  # due passed but the residual is within the threshold
    worse = RiskFacts("R-8", (2, 2), (3, 2), owner="Dana", linked=True)
    found = check_risk(default_method(), worse, TODAY)
    assert [(f.severity, f.code) for f in found] == [(Severity.WARNING, "residual-above-inherent")]
    off = RiskFacts("R-9", (7, 1), owner="Dana", linked=True)
    assert codes(off) == ["off-scale"]


def test_messages_say_which_score_and_threshold() -> None:
    facts = RiskFacts("R-1", (5, 5), owner="Dana", treatment=Treatment.RETAIN)
    (finding,) = check_risk(default_method(), facts, TODAY)
    assert finding.risk_id == "R-1"
    assert "inherent (residual not assessed) score 25 (critical)" in finding.message
    assert "acceptance threshold 9" in finding.message


@st.composite
def methods(draw: st.DrawFn) -> RiskMethod:
    likelihood = draw(st.integers(2, 10))
    impact = draw(st.integers(2, 10))
    top = likelihood * impact
    starts = draw(st.sets(st.integers(2, top), max_size=6))
    bands = tuple(Band(f"b{i}", s) for i, s in enumerate([1, *sorted(starts)]))
    threshold = draw(st.integers(0, top))
    return RiskMethod(scale(likelihood), scale(impact), bands, threshold)


@given(methods(), st.data())
def test_rating_is_monotonic_in_score(m: RiskMethod, data: st.DataObject) -> None:
    low = data.draw(st.integers(1, m.max_score))
    high = data.draw(st.integers(low, m.max_score))
    assert m.rank(low) <= m.rank(high)
    assert m.needs_treatment(low) <= m.needs_treatment(high)
    assert m.band(low).min_score <= low


@given(methods(), st.data())
def test_every_level_pair_on_the_scale_is_assessable(m: RiskMethod, data: st.DataObject) -> None:
    likelihood = data.draw(st.integers(1, len(m.likelihood)))
    impact = data.draw(st.integers(1, len(m.impact)))
    assessed = m.assess(likelihood, impact)
    assert 1 <= assessed.score <= m.max_score
    assert assessed.rating in {b.name for b in m.bands}
