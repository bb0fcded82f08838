"""The EU AI Act tier of a system from the questionnaire: each rule of the Act, with its reason."""

from __future__ import annotations

import pytest

from crosswalk.domain.ai_classification import (
    ANNEX_III_AREAS,
    ART5_PRACTICES,
    DEROGATIONS,
    LEGAL_NOTICE,
    QUESTIONS,
    TRANSPARENCY_CASES,
    AiActInputError,
    HighRiskBasis,
    Role,
    Tier,
    classify,
    normalise_answers,
    parse_role,
    parse_roles,
    parse_tier,
)


def _keys(c: object) -> list[str]:
    return [r.key for r in c.reasons]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("letter", "ref"), [(p[0], p[1]) for p in ART5_PRACTICES])
def test_each_art5_practice_is_a_question_and_makes_the_system_prohibited(
    letter: str, ref: str
) -> None:
    key = f"art5_{letter}"
    assert key in {q.key for q in QUESTIONS}
    c = classify({key: True, "interacts_with_people": True, "annex_iii_area": "employment"})
    assert c.tier is Tier.PROHIBITED
    assert c.article == ref
    assert c.prohibited_practices == (ref,)
    assert c.reasons[0].key == key and ref in c.reasons[0].effect
    assert c.reasons[0].answer == "yes"


def test_all_ten_art5_points_are_asked_including_the_omnibus_ones() -> None:
    assert [p[0] for p in ART5_PRACTICES] == ["a", "b", "ba", "bb", "c", "d", "e", "f", "g", "h"]


def test_two_practices_are_both_listed_and_the_first_decides() -> None:
    c = classify({"art5_c": True, "art5_a": True})
    assert c.prohibited_practices == ("Art. 5(1)(a)", "Art. 5(1)(c)")
    assert c.article == "Art. 5(1)(a)"


def test_a_practice_answered_no_is_not_prohibited() -> None:
    assert classify({"art5_a": False}).tier is Tier.MINIMAL


@pytest.mark.parametrize(("value", "point"), [(a[0], a[1]) for a in ANNEX_III_AREAS])
def test_each_annex_iii_area_without_derogation_is_high_risk_under_art_6_2(
    value: str, point: str
) -> None:
    c = classify({"annex_iii_area": value})
    assert c.tier is Tier.HIGH_RISK
    assert c.high_risk_basis is HighRiskBasis.ANNEX_III
    assert c.article == "Art. 6(2)"
    assert c.annex_iii_area == point
    assert any(point in r.effect for r in c.reasons)
    assert any("no Art. 6(3) condition met" in r.effect for r in c.reasons)


@pytest.mark.parametrize(("key", "ref"), [(d[0], d[1]) for d in DEROGATIONS])
def test_each_art_6_3_condition_takes_an_annex_iii_system_out(key: str, ref: str) -> None:
    c = classify({"annex_iii_area": "education", key: True})
    assert c.tier is Tier.MINIMAL
    assert c.derogation is True
    assert c.article == "Art. 6(3)"
    assert c.high_risk_basis is None
    reason = next(r for r in c.reasons if r.key == key)
    assert ref in reason.effect and "registers" in reason.effect


def test_derogated_system_that_talks_to_people_is_transparency_tier() -> None:
    c = classify(
        {
            "annex_iii_area": "education",
            "derogation_preparatory": True,
            "interacts_with_people": True,
        }
    )
    assert c.tier is Tier.TRANSPARENCY and c.derogation is True


@pytest.mark.parametrize("key", [d[0] for d in DEROGATIONS])
def test_profiling_is_always_high_risk_whatever_derogation_is_claimed(key: str) -> None:
    c = classify({"annex_iii_area": "employment", "profiling": True, key: True})
    assert c.tier is Tier.HIGH_RISK
    assert c.derogation is False
    assert "Art. 6(3) last subparagraph" in c.article
    assert "profiling" in _keys(c)
    assert key not in _keys(c)


def test_profiling_outside_annex_iii_does_not_make_it_high_risk() -> None:
    assert classify({"profiling": True}).tier is Tier.MINIMAL


def test_annex_i_safety_component_with_third_party_assessment_is_high_risk_6_1() -> None:
    c = classify({"annex_i_safety_component": True, "annex_i_third_party_assessment": True})
    assert c.tier is Tier.HIGH_RISK
    assert c.high_risk_basis is HighRiskBasis.ANNEX_I
    assert c.article == "Art. 6(1)"
    assert _keys(c) == ["annex_i_safety_component", "annex_i_third_party_assessment"]


def test_annex_i_without_third_party_assessment_is_not_high_risk_and_says_why() -> None:
    c = classify({"annex_i_safety_component": True})
    assert c.tier is Tier.MINIMAL
    assert "does not apply" in c.reasons[0].effect


def test_annex_i_wins_over_annex_iii_and_prohibition_wins_over_both() -> None:
    both = {
        "annex_i_safety_component": True,
        "annex_i_third_party_assessment": True,
        "annex_iii_area": "critical-infrastructure",
    }
    assert classify(both).high_risk_basis is HighRiskBasis.ANNEX_I
    assert classify({**both, "art5_e": True}).tier is Tier.PROHIBITED


@pytest.mark.parametrize(("key", "ref"), [(t[0], t[1]) for t in TRANSPARENCY_CASES])
def test_each_art50_case_gives_the_transparency_tier(key: str, ref: str) -> None:
    c = classify({key: True})
    assert c.tier is Tier.TRANSPARENCY
    assert c.article == ref
    assert c.transparency == (ref,)
    assert c.reasons[0].key == key


def test_art50_duties_are_kept_on_top_of_high_risk() -> None:
    c = classify({"annex_iii_area": "employment", "interacts_with_people": True})
    assert c.tier is Tier.HIGH_RISK
    assert c.transparency == ("Art. 50(1)",)


def test_gpai_model_with_systemic_risk_is_decided_by_art_51() -> None:
    c = classify({"gpai_model": True, "gpai_systemic_risk": True, "synthetic_content": True})
    assert c.tier is Tier.GPAI_SYSTEMIC
    assert c.article == "Art. 51"
    assert c.gpai and c.gpai_systemic
    assert {"gpai_model", "gpai_systemic_risk"} <= set(_keys(c))


def test_gpai_model_without_systemic_risk_is_art_53() -> None:
    c = classify({"gpai_model": True, "gpai_systemic_risk": False})
    assert (c.tier, c.article, c.gpai_systemic) == (Tier.GPAI, "Art. 53", False)


def test_no_answer_pointing_anywhere_is_minimal_with_a_reason() -> None:
    c = classify({"art5_a": False, "annex_iii_area": "none"})
    assert c.tier is Tier.MINIMAL
    assert c.reasons and "minimal" in c.reasons[0].effect


def test_answers_from_text_are_checked_and_normalised() -> None:
    got = normalise_answers(
        {"art5-a": "no", "Annex_III_area": "Employment", "profiling": "yes", "deep_fake": False}
    )
    assert got == {
        "art5_a": False,
        "annex_iii_area": "employment",
        "profiling": True,
        "deep_fake": False,
    }


def test_unknown_question_is_refused_naming_it() -> None:
    with pytest.raises(AiActInputError) as err:
        normalise_answers({"art5_z": True})
    assert err.value.field == "answers.art5_z"


def test_a_value_that_is_not_yes_or_no_is_refused_naming_the_question() -> None:
    with pytest.raises(AiActInputError, match=r"answers\.profiling: 'maybe' is not yes or no"):
        normalise_answers({"profiling": "maybe"})


def test_an_unknown_annex_iii_area_is_refused_with_the_choices() -> None:
    with pytest.raises(AiActInputError, match=r"answers\.annex_iii_area: 'farming'.*employment"):
        normalise_answers({"annex_iii_area": "farming"})


def test_a_tier_forced_without_answers_is_refused_naming_the_tier() -> None:
    with pytest.raises(AiActInputError) as err:
        classify({}, forced_tier=Tier.MINIMAL, forced_reason="counsel says so")
    assert err.value.field == "tier"


def test_a_tier_forced_without_a_reason_is_refused() -> None:
    with pytest.raises(AiActInputError) as err:
        classify({"profiling": False}, forced_tier=Tier.HIGH_RISK)
    assert err.value.field == "tier_reason"


def test_a_forced_tier_keeps_the_computed_one_and_the_reason() -> None:
    c = classify(
        {"annex_iii_area": "education", "derogation_preparatory": True},
        forced_tier=Tier.HIGH_RISK,
        forced_reason="counsel: the preparatory task shapes admissions",
    )
    assert c.tier is Tier.HIGH_RISK and c.forced
    assert c.computed_tier is Tier.MINIMAL
    assert c.high_risk_basis is HighRiskBasis.ANNEX_III
    assert c.reasons[-1].effect == "counsel: the preparatory task shapes admissions"
    assert "set by hand" in c.summary


def test_roles_and_tiers_from_text() -> None:
    assert parse_role("Authorised representative") is Role.AUTHORISED_REPRESENTATIVE
    assert parse_roles(["provider,deployer", "provider"]) == (Role.PROVIDER, Role.DEPLOYER)
    assert parse_tier("HIGH_RISK") is Tier.HIGH_RISK
    with pytest.raises(AiActInputError, match=r"^role: unknown role 'vendor'; choose from"):
        parse_role("vendor")
    with pytest.raises(AiActInputError) as err:
        parse_roles([" "], field="roles")
    assert err.value.field == "roles"
    with pytest.raises(AiActInputError, match=r"^tier: unknown tier"):
        parse_tier("medium")


def test_the_notice_says_it_does_not_replace_a_legal_assessment() -> None:
    assert "does not replace" in LEGAL_NOTICE and "legal assessment" in LEGAL_NOTICE
