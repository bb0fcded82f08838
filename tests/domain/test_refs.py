from __future__ import annotations

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import AmbiguousReferenceError, UnknownReferenceError
from crosswalk.domain.refs import resolve_framework_id, resolve_key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("soc2-tsc-2017:cc6.1", "soc2-tsc-2017:CC6.1"),
        ("soc2-tsc-2017:CC 6.1", "soc2-tsc-2017:CC6.1"),
        ("iso27001-2022:5.15", "iso27001-2022:A.5.15"),
        ("iso27001-2022:a.5.15", "iso27001-2022:A.5.15"),
        ("iso27001-2022:6.1.2", "iso27001-2022:6.1.2"),
        ("iso27001-2022:5.1", "iso27001-2022:5.1"),  # the clause itself wins over A.5.1
        ("gdpr:Art 32", "gdpr:Art. 32"),
        ("gdpr:art.32", "gdpr:Art. 32"),
        ("nist-csf-2.0:gv.oc-1", "nist-csf-2.0:GV.OC-01"),
        ("soc2:CC8.1", "soc2-tsc-2017:CC8.1"),
        ("iso27001-2013:9.2.5", "iso27001-2013:A.9.2.5"),
        ("cc7.2", "soc2-tsc-2017:CC7.2"),
        ("A.8.32", "iso27001-2022:A.8.32"),
    ],
)
def test_refs_are_read_the_way_people_type_them(library: Library, typed: str, key: str) -> None:
    assert resolve_key(typed, library.ref_indexes) == key


def test_unknown_ref_suggests_close_ones(library: Library) -> None:
    with pytest.raises(UnknownReferenceError) as error:
        resolve_key("soc2-tsc-2017:CC10.1", library.ref_indexes)
    assert "soc2-tsc-2017:CC1.1" in error.value.suggestions
    assert "did you mean" in str(error.value)


def test_bare_ref_prefers_the_one_framework_where_it_is_exact(library: Library) -> None:
    assert resolve_key("6.1", library.ref_indexes) == "iso27001-2022:6.1"


def test_bare_ref_matching_in_several_frameworks_lists_them(library: Library) -> None:
    with pytest.raises(AmbiguousReferenceError) as error:
        resolve_key("1.1", library.ref_indexes)  # CC1.1, A1.1, C1.1, PI1.1, P1.1
    assert {"soc2-tsc-2017:CC1.1", "soc2-tsc-2017:P1.1"} <= set(error.value.candidates)


def test_framework_ids_accept_unique_prefixes() -> None:
    ids = ["iso27001-2013", "iso27001-2022", "soc2-tsc-2017"]
    assert resolve_framework_id("soc2", ids) == "soc2-tsc-2017"
    with pytest.raises(AmbiguousReferenceError):
        resolve_framework_id("iso27001", ids)
    with pytest.raises(UnknownReferenceError) as error:
        resolve_framework_id("iso27001-2023", ids)
    assert error.value.suggestions


def test_suggestions_put_refs_shaped_like_the_typed_one_first() -> None:
    from crosswalk.domain.refs import rank_suggestions

    ranked = rank_suggestions(
        "A.5.99", ["eu-ai-act:Art. 99", "iso27001-2022:A.5.29", "iso27001-2022:A.5.9"]
    )
    assert ranked[:2] == ["iso27001-2022:A.5.9", "iso27001-2022:A.5.29"]
    assert ranked[-1] == "eu-ai-act:Art. 99"
    assert rank_suggestions("Art 98", ["iso27001-2022:A.8.9", "eu-ai-act:Art. 99"])[0] == (
        "eu-ai-act:Art. 99"
    )
