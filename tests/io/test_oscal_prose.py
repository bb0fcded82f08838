"""What a catalog read from OSCAL keeps is written the same however fast: prose in one form
(``oscal_kept.prose``: each rule runs only where the text can match it, and must give
what applying every rule to every text gives), and the kept JSON as the standard library
writes it."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk.io import oscal_kept
from crosswalk.io.oscal_kept import prose


def every_rule(text: str) -> str:
    """The rules as written down once, each run over the whole text."""
    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", text.strip())
    text = re.sub(r"^[ \t]+(?![-*+][ \t]|\d+[.)][ \t])", "", text, flags=re.MULTILINE)
    text = re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    text = re.sub(r"^([ \t]*)[*+][ \t]+", r"\1- ", text, flags=re.MULTILINE)
    return re.sub(r"\n[ \t]*(?:\n[ \t]*){2,}", "\n\n", text)


# The characters the rules look at, and a few they do not.
PIECES = st.text(alphabet=" \t\n\r*+-1.)ab", max_size=40)


@settings(max_examples=3000, deadline=None)
@given(PIECES)
def test_prose_is_what_every_rule_gives(text: str) -> None:
    assert prose(text) == every_rule(text)


def test_examples_from_sp_800_53() -> None:
    text = "Organizations  can:\n\n\n  * a. establish;\n   b.  review \n\t\n+ c. update"
    assert prose(text) == every_rule(text)
    assert prose(text) == "Organizations can:\n\n- a. establish;\nb. review\n\n- c. update"
    assert prose("  One plain line.  ") == "One plain line."


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=1000, deadline=None)
@given(JSON_VALUES)
def test_kept_json_is_what_the_standard_library_writes(value: object) -> None:
    """Kept parameters and links are written with orjson where it can (integers past 64
    bits and lone surrogates it refuses): the same text either way."""
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert oscal_kept._json(value) == expected


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    value = {"lone": "\ud800", "big": 2**70}
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert oscal_kept._json(value) == expected
