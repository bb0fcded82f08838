"""Whose record is it: a user's owner name, display name or address, never part of a name."""

from __future__ import annotations

import pytest

from crosswalk.services.notify.owners import Person, display_name

DANA = Person.of("Dana@Northwind.example", "Dana Ortiz", "Dana Ortiz (IT Manager)")


@pytest.mark.parametrize(
    "owner",
    [
        "Dana Ortiz (IT Manager)",
        "dana  ortiz (it manager)",
        "Dana Ortiz",
        "Dana Ortiz (Security lead)",
        "dana@northwind.example",
        "Dana Ortiz <DANA@northwind.example>",
        "IT team (dana@northwind.example)",
    ],
)
def test_the_spellings_of_one_person_are_theirs(owner: str) -> None:
    assert DANA.owns(owner)


@pytest.mark.parametrize(
    "owner",
    [
        None,
        "",
        "Dan",
        "Dana",
        "Ortiz",
        "Dana Ortiz-Smith",
        "IT Manager",
        "dana@northwind.com",
        "sam@northwind.example",
    ],
)
def test_others_and_parts_of_a_name_are_not(owner: str | None) -> None:
    assert not DANA.owns(owner)


def test_a_user_without_names_is_matched_by_address_only() -> None:
    bare = Person.of("ops@northwind.example")
    assert bare.owns("ops@northwind.example") and not bare.owns("")


def test_a_message_greets_by_name_else_by_owner_name_without_its_role() -> None:
    assert display_name("Dana  Ortiz", None, "d@x.example") == "Dana Ortiz"
    assert display_name("", "Dana Ortiz (IT Manager)", "d@x.example") == "Dana Ortiz"
    assert display_name("", None, "dana@x.example") == "dana"
