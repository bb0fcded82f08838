"""Which AI Act obligations a company holds per role x tier, and the two dates of each.

Runs on the shipped catalog, so a change to its dates or refs shows here.
"""

from __future__ import annotations

from datetime import date

import pytest

from crosswalk.catalogs.loader import load_library
from crosswalk.domain.ai_classification import AiActInputError, Role, Tier, classify
from crosswalk.domain.ai_obligations import (
    HIGH_RISK_PROVIDER_REFS,
    ActObligation,
    ApplicableObligation,
    DateBasis,
    applicable_obligations,
    needs_authorised_representative,
    obligation_dates,
    parse_date_basis,
    role_notes,
    within,
)
from crosswalk.services.ai.catalog import act_obligations


@pytest.fixture(scope="module")
def catalog() -> list[ActObligation]:
    return act_obligations(load_library())


def _refs(rows: list[ApplicableObligation]) -> list[str]:
    return [r.ref for r in rows]


def _row(rows: list[ApplicableObligation], ref: str) -> ApplicableObligation:
    return next(r for r in rows if r.ref == ref)


CV_SCREENING = {"annex_iii_area": "employment", "profiling": True}


def test_provider_of_annex_iii_high_risk_holds_the_chapter_iii_requirements(
    catalog: list[ActObligation],
) -> None:
    rows = applicable_obligations(classify(CV_SCREENING), [Role.PROVIDER], catalog)
    assert _refs(rows) == [
        "Art. 4",
        "Art. 6(2)",
        "Annex III(4)",
        *HIGH_RISK_PROVIDER_REFS,
    ]
    assert {r.role for r in rows} == {Role.PROVIDER}


def test_an_obligation_deferred_by_the_amendment_shows_both_dates(
    catalog: list[ActObligation],
) -> None:
    rows = applicable_obligations(classify(CV_SCREENING), [Role.PROVIDER], catalog)
    art9 = _row(rows, "Art. 9").dates
    assert art9.original == date(2026, 8, 2)
    assert art9.amended == date(2027, 12, 2)
    assert art9.deferred
    assert art9.amended_text == "2027-12-02"
    assert art9.amended_note == "2027-12-02 (Annex III) / 2028-08-02 (Annex I)"
    assert art9.amendment_adopted and "adopted" in art9.amendment_status
    # the catalog marks the amendment adopted, so the default deadline is the amended one
    assert art9.basis is DateBasis.AMENDED and art9.effective == date(2027, 12, 2)


def test_the_original_setting_makes_the_deadline_the_2024_date(
    catalog: list[ActObligation],
) -> None:
    rows = applicable_obligations(
        classify(CV_SCREENING), [Role.PROVIDER], catalog, basis=DateBasis.ORIGINAL
    )
    art9 = _row(rows, "Art. 9").dates
    assert art9.basis is DateBasis.ORIGINAL
    assert art9.effective == date(2026, 8, 2)
    assert art9.amended == date(2027, 12, 2)  # still shown side by side


def test_an_amendment_not_adopted_defaults_to_the_original_date() -> None:
    proposed = ActObligation(
        ref="Art. 9",
        title="Risk management system",
        applies_to="provider",
        applies_from="2026-08-02",
        omnibus_applies_from="2027-12-02 (Annex III) / 2028-08-02 (Annex I)",
        omnibus_status="Digital Omnibus on AI: Commission proposal, not adopted",
    )
    dates = obligation_dates(proposed)
    assert not dates.amendment_adopted
    assert dates.basis is DateBasis.ORIGINAL and dates.effective == date(2026, 8, 2)
    assert dates.amended == date(2027, 12, 2)
    forced = obligation_dates(proposed, basis=DateBasis.AMENDED)
    assert forced.effective == date(2027, 12, 2)


def test_annex_i_systems_get_the_annex_i_dates_on_both_sides(
    catalog: list[ActObligation],
) -> None:
    c = classify({"annex_i_safety_component": True, "annex_i_third_party_assessment": True})
    rows = applicable_obligations(c, [Role.PRODUCT_MANUFACTURER], catalog)
    assert _refs(rows)[:2] == ["Art. 4", "Art. 6(1)"]
    art15 = _row(rows, "Art. 15").dates
    assert art15.original == date(2027, 8, 2)  # Art. 113(c): with Art. 6(1)
    assert art15.amended == date(2028, 8, 2)
    assert _row(rows, "Art. 6(1)").dates.amended == date(2028, 8, 2)


def test_deployer_of_high_risk_holds_art_26_and_the_fria_only_when_it_applies(
    catalog: list[ActObligation],
) -> None:
    c = classify(CV_SCREENING)
    rows = applicable_obligations(c, [Role.DEPLOYER], catalog)
    assert _refs(rows) == ["Art. 4", "Annex III(4)", "Art. 26"]
    public = applicable_obligations(
        c, [Role.DEPLOYER], catalog, answers={"fria_public_service": True}
    )
    assert "Art. 27" in _refs(public)
    grid = classify({"annex_iii_area": "critical-infrastructure"})
    assert "Art. 27" not in _refs(
        applicable_obligations(
            grid, [Role.DEPLOYER], catalog, answers={"fria_public_service": True}
        )
    )


def test_provider_and_deployer_get_one_list_per_role(catalog: list[ActObligation]) -> None:
    rows = applicable_obligations(classify(CV_SCREENING), [Role.PROVIDER, Role.DEPLOYER], catalog)
    assert [r.ref for r in rows if r.role is Role.DEPLOYER] == ["Art. 4", "Annex III(4)", "Art. 26"]
    assert _refs(rows).count("Art. 4") == 2


def test_deployer_of_a_chatbot_holds_ai_literacy_the_provider_the_art50_notice(
    catalog: list[ActObligation],
) -> None:
    c = classify({"interacts_with_people": True})
    assert c.tier is Tier.TRANSPARENCY
    assert _refs(applicable_obligations(c, [Role.DEPLOYER], catalog)) == ["Art. 4"]
    assert _refs(applicable_obligations(c, [Role.PROVIDER], catalog)) == ["Art. 4", "Art. 50(1)"]


def test_deployer_transparency_cases_are_the_deployers(catalog: list[ActObligation]) -> None:
    c = classify({"emotion_or_biometric_categorisation": True, "deep_fake": True})
    assert _refs(applicable_obligations(c, [Role.DEPLOYER], catalog)) == [
        "Art. 4",
        "Art. 50(3)",
        "Art. 50(4)",
    ]


def test_synthetic_content_grace_period_only_for_systems_already_on_the_market(
    catalog: list[ActObligation],
) -> None:
    c = classify({"synthetic_content": True})
    new = _row(applicable_obligations(c, [Role.PROVIDER], catalog), "Art. 50(2)").dates
    assert new.effective == date(2026, 8, 2)
    old = _row(
        applicable_obligations(c, [Role.PROVIDER], catalog, placed_before_2026_08_02=True),
        "Art. 50(2)",
    ).dates
    assert old.effective == date(2026, 12, 2) and old.original == date(2026, 8, 2)
    assert "placed on the market before" in new.amended_note


def test_an_amended_date_the_catalog_did_not_verify_falls_back_to_the_original(
    catalog: list[ActObligation],
) -> None:
    rows = applicable_obligations(classify(CV_SCREENING), [Role.PROVIDER], catalog)
    art72 = _row(rows, "Art. 72").dates
    assert art72.amended is None and art72.amended_text == "not verified"
    assert art72.effective == date(2026, 8, 2)


def test_a_practice_inserted_by_the_amendment_has_no_2024_date(
    catalog: list[ActObligation],
) -> None:
    c = classify({"art5_ba": True})
    row = _row(applicable_obligations(c, [Role.PROVIDER], catalog), "Art. 5(1)(ba)")
    assert row.dates.original is None and row.dates.original_text == "not in the 2024 text"
    assert row.dates.amended == date(2026, 12, 2)
    original = obligation_dates(
        next(o for o in catalog if o.ref == "Art. 5(1)(ba)"), basis=DateBasis.ORIGINAL
    )
    assert original.effective == date(2026, 12, 2)


def test_real_time_biometric_identification_binds_the_deployer_only(
    catalog: list[ActObligation],
) -> None:
    c = classify({"art5_h": True})
    assert "Art. 5(1)(h)" not in _refs(applicable_obligations(c, [Role.PROVIDER], catalog))
    assert "Art. 5(1)(h)" in _refs(applicable_obligations(c, [Role.DEPLOYER], catalog))


def test_gpai_provider_holds_53_and_with_systemic_risk_55(catalog: list[ActObligation]) -> None:
    plain = classify({"gpai_model": True})
    assert _refs(applicable_obligations(plain, [Role.PROVIDER], catalog)) == ["Art. 4", "Art. 53"]
    systemic = classify({"gpai_model": True, "gpai_systemic_risk": True})
    assert _refs(applicable_obligations(systemic, [Role.PROVIDER], catalog)) == [
        "Art. 4",
        "Art. 53",
        "Art. 55",
    ]
    assert _refs(applicable_obligations(systemic, [Role.DEPLOYER], catalog)) == ["Art. 4"]


def test_derogation_leaves_the_provider_the_documentation_and_registration(
    catalog: list[ActObligation],
) -> None:
    c = classify({"annex_iii_area": "education", "derogation_narrow_procedural": True})
    assert _refs(applicable_obligations(c, [Role.PROVIDER], catalog)) == [
        "Art. 4",
        "Art. 6(3)-(4)",
    ]


def test_minimal_risk_is_ai_literacy_only_and_penalties_are_never_listed(
    catalog: list[ActObligation],
) -> None:
    c = classify({})
    for role in Role:
        refs = _refs(applicable_obligations(c, [role], catalog))
        assert not any(r.startswith(("Art. 99", "Art. 101")) for r in refs)
    assert _refs(applicable_obligations(c, [Role.DEPLOYER], catalog)) == ["Art. 4"]


def test_importer_and_distributor_get_the_prohibitions_and_a_note(
    catalog: list[ActObligation],
) -> None:
    c = classify({"art5_c": True, **CV_SCREENING})
    assert _refs(applicable_obligations(c, [Role.IMPORTER], catalog)) == ["Art. 5(1)(c)"]
    hr = classify(CV_SCREENING)
    assert _refs(applicable_obligations(hr, [Role.DISTRIBUTOR], catalog)) == []
    assert any("Art. 24" in n for n in role_notes([Role.DISTRIBUTOR]))


def test_non_eu_provider_of_high_risk_without_representative_is_flagged() -> None:
    hr = classify(CV_SCREENING)
    assert needs_authorised_representative([Role.PROVIDER], hr, False, False)
    assert not needs_authorised_representative([Role.PROVIDER], hr, False, True)
    assert not needs_authorised_representative([Role.PROVIDER], hr, True, False)
    assert not needs_authorised_representative([Role.DEPLOYER], hr, False, False)
    assert not needs_authorised_representative([Role.PROVIDER], classify({}), False, False)


def test_the_next_twelve_months_window() -> None:
    today = date(2026, 12, 7)
    assert within(date(2026, 12, 7), today)
    assert within(date(2027, 12, 7), today)
    assert not within(date(2027, 12, 8), today)
    assert not within(date(2026, 12, 6), today)
    assert not within(None, today)
    assert not within(date(2028, 2, 29), date(2027, 2, 28))
    assert within(date(2025, 2, 28), date(2024, 2, 29))


def test_date_basis_from_text() -> None:
    assert parse_date_basis(" Original ") is DateBasis.ORIGINAL
    with pytest.raises(AiActInputError, match=r"^ai_act_dates: unknown date basis"):
        parse_date_basis("latest")


def test_a_product_manufacturer_is_the_provider_only_for_annex_i_systems(
    catalog: list[ActObligation],
) -> None:
    annex_iii = classify(CV_SCREENING)
    refs = _refs(applicable_obligations(annex_iii, [Role.PRODUCT_MANUFACTURER], catalog))
    assert refs == ["Art. 4"]  # Art. 25(3) makes it the provider of Annex I products only
    annex_i = classify({"annex_i_safety_component": True, "annex_i_third_party_assessment": True})
    assert "Art. 9" in _refs(applicable_obligations(annex_i, [Role.PRODUCT_MANUFACTURER], catalog))


def test_an_annex_i_system_does_not_list_an_annex_iii_area_also_answered(
    catalog: list[ActObligation],
) -> None:
    both = classify(
        {
            "annex_i_safety_component": True,
            "annex_i_third_party_assessment": True,
            "annex_iii_area": "critical-infrastructure",
        }
    )
    refs = _refs(applicable_obligations(both, [Role.PROVIDER, Role.DEPLOYER], catalog))
    assert "Annex III(2)" not in refs and "Art. 6(2)" not in refs
