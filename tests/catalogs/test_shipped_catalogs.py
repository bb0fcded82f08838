"""The shipped catalogs agree with the reference facts, and carry only what may be shipped."""

from __future__ import annotations

from collections import Counter

from crosswalk.catalogs.loader import Library
from tests.conftest import reference_rows


def test_soc2_has_61_criteria_33_common(library: Library) -> None:
    soc2 = library.frameworks["soc2-tsc-2017"]
    criteria = [r for r in soc2 if r.kind == "criterion"]
    assert len(criteria) == 61
    assert sum(1 for r in criteria if r.ref.startswith("CC")) == 33
    expected = {row["ref"]: row for row in reference_rows("catalogs/soc2_tsc_2017.csv")}
    assert {r.ref for r in criteria} == set(expected)
    for requirement in criteria:
        assert requirement.title == expected[requirement.ref]["short_title"]  # our paraphrase
        assert requirement.text is None  # never AICPA's criterion text
        assert soc2.ancestors(requirement.ref)[0].ref == expected[requirement.ref]["series"]


def test_iso27001_2022_has_93_controls_by_theme_and_the_clauses(library: Library) -> None:
    iso = library.frameworks["iso27001-2022"]
    controls = [r for r in iso if r.kind == "control"]
    assert Counter(r.attributes["theme"] for r in controls) == {
        "Organizational": 37,
        "People": 8,
        "Physical": 14,
        "Technological": 34,
    }
    annex = {row["ref"]: row for row in reference_rows("catalogs/iso27001_2022_annexA.csv")}
    assert {r.ref: r.title for r in controls} == {ref: row["title"] for ref, row in annex.items()}
    assert sum(1 for r in controls if r.attributes.get("new_in_2022") == "True") == 11
    clauses = {row["ref"]: row for row in reference_rows("catalogs/iso27001_2022_clauses.csv")}
    shipped = {r.ref: r for r in iso if r.kind == "clause"}
    assert set(shipped) == set(clauses)
    assert all(r.mandatory for r in shipped.values())
    assert not any(r.mandatory for r in controls)  # selected through the SoA
    assert all(r.text is None for r in iso)  # headings only; ISO's text is not shipped


def test_iso27001_2013_has_114_controls(library: Library) -> None:
    iso2013 = library.frameworks["iso27001-2013"]
    controls = {r.ref for r in iso2013 if r.kind == "control"}
    assert len(controls) == 114
    assert controls == {
        row["ref_2013"] for row in reference_rows("catalogs/iso27001_2013_to_2022.csv")
    }


def test_nist_csf_has_6_functions_22_categories_106_subcategories(library: Library) -> None:
    csf = library.frameworks["nist-csf-2.0"]
    assert csf.counts_by_kind() == {"function": 6, "category": 22, "subcategory": 106}
    rows = reference_rows("catalogs/nist_csf_2_0.csv")
    assert {r.ref: r.title for r in csf if r.kind == "subcategory"} == {
        row["subcategory_id"]: row["subcategory"] for row in rows
    }


OMNIBUS_PROHIBITIONS = ("Art. 5(1)(ba)", "Art. 5(1)(bb)")


def test_gdpr_and_ai_act_carry_the_reference_facts(library: Library) -> None:
    gdpr = library.frameworks["gdpr"]
    articles = {r.ref for r in gdpr if r.kind == "article"}
    assert articles == {row["ref"] for row in reference_rows("catalogs/gdpr_security_articles.csv")}
    assert (
        gdpr.get("Art. 33") is not None and gdpr.get("Art. 33").attributes["deadline_hours"] == "72"
    )  # type: ignore[union-attr]
    assert gdpr.get("Art. 5(1)(f)") is not None
    ai = library.frameworks["eu-ai-act"]
    rows = {row["ref"]: row for row in reference_rows("catalogs/eu_ai_act_obligations.csv")}
    obligations = {r.ref: r for r in ai if r.kind == "obligation"}
    # The reference rows, plus the two prohibitions the Digital Omnibus on AI inserts in Art. 5.
    assert set(obligations) - set(rows) == set(OMNIBUS_PROHIBITIONS)
    assert set(rows) <= set(obligations)
    for ref, row in rows.items():
        attributes = obligations[ref].attributes
        assert attributes["applies_to"] == row["applies_to"]
        assert attributes["applies_from"] == row["applies_from"]
        assert attributes["omnibus_applies_from"] == row["omnibus_applies_from"]
    assert obligations["Art. 6(2)"].attributes["omnibus_applies_from"] == "2027-12-02"


def test_every_framework_names_its_source_and_licence(library: Library) -> None:
    for framework in library.frameworks.values():
        assert framework.source and framework.notice, framework.id
    assert "not included" in library.frameworks["iso27001-2022"].notice


def test_ai_act_grace_periods_in_notes_agree_with_their_dates(library: Library) -> None:
    """A note that says "(N months, FROM to TO)" must count the months between its dates."""
    import re
    from datetime import date

    checked = 0
    for requirement in library.frameworks["eu-ai-act"]:
        note = str(requirement.attributes.get("note", ""))
        found = re.search(r"\((\d+) months?, (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)\)", note)
        if found is None:
            assert not re.search(r"grace period \(\d+ months?\)", note), requirement.ref
            continue
        months, start, end = (
            int(found[1]),
            date.fromisoformat(found[2]),
            date.fromisoformat(found[3]),
        )
        assert (end.year - start.year) * 12 + end.month - start.month == months, requirement.ref
        checked += 1
    assert checked >= 1  # Art. 50(2): 2 August to 2 December 2026 is four months


def test_ai_act_header_states_the_digital_omnibus_status_it_has_sources_for(
    library: Library,
) -> None:
    """The header names the proposal; no Official Journal publication claimed without a ref."""
    import re

    ai = library.frameworks["eu-ai-act"]
    header = " ".join((ai.version, ai.source, ai.notice, ai.description))
    assert "COM(2025) 836" in ai.source and "19 November 2025" in ai.source
    assert "Regulation (EU) 2024/1689" in ai.source
    # no bare "agreement" without its date, as the old header had
    assert "Digital Omnibus agreement" not in header
    assert "provisional agreement of Parliament and Council 7 May 2026" in ai.source
    # Official Journal: either a reference, or an explicit "not yet published"
    omnibus_oj = re.search(r"Official Journal: Regulation \(EU\) (\d{4}/\d+), OJ L", ai.source)
    if omnibus_oj is None:
        assert "not yet published in the Official Journal" in ai.source
    else:
        assert omnibus_oj[1] != "2024/1689"
        # the reference came from secondary sources; the header must say so
        assert "secondary sources" in ai.source and "secondary sources" in ai.notice
    assert "checked 2026-12-06" in ai.source
    for requirement in ai:
        if requirement.kind != "obligation":
            continue
        attributes = requirement.attributes
        assert "checked 2026-12-06" in str(attributes["omnibus_status"]), requirement.ref
        if attributes["omnibus_applies_from"] == "not verified":
            assert "not verified" in str(attributes.get("note", "")), requirement.ref


def test_ai_act_omnibus_prohibitions_name_their_sources(library: Library) -> None:
    """Art. 5 gains only the prohibitions a named public source gives, dated as amended."""
    ai = library.frameworks["eu-ai-act"]
    for ref in OMNIBUS_PROHIBITIONS:
        requirement = ai.get(ref)
        assert requirement is not None and requirement.parent == "Art. 5", ref
        attributes = requirement.attributes
        assert attributes["applies_from"] == "not in the 2024 text"  # not in the Act as published
        assert attributes["omnibus_applies_from"] == "2026-12-02"
        assert attributes["article_title"] == "Prohibited AI practices"
        source = str(attributes["source"])
        assert "Council" in source and "29 June 2026" in source and "https://" in source, ref
        assert "not checked" in str(attributes["note"])  # OJ text itself not retrieved
