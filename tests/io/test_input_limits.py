"""The input limits every reader of a user's file applies before parsing: a regular file, a
size limit, a nesting limit measured on the raw text, numbers Python cannot read, and JSON
keys given twice. No real catalog or library comes near any limit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.limits import MAX_DEPTH, json_too_deep, yaml_too_deep
from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import (
    InputLimitError,
    check_yaml_nesting,
    parse_json,
    parsing,
    read_input,
)
from crosswalk.io.text_files import InputFileError
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures"


def test_only_a_regular_file_within_the_size_limit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "folder.json").mkdir()
    os.mkfifo(tmp_path / "pipe.json")
    for name, reason in (
        ("folder.json", "is a folder"),
        ("pipe.json", "not a regular file"),
        ("gone.json", "no such file"),
    ):
        with pytest.raises(InputLimitError, match=reason) as caught:
            read_input(tmp_path / name)
        assert caught.value.path == str(tmp_path / name)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 3000)
    assert read_input(big) == b" " * 3000
    monkeypatch.setenv("CROSSWALK_MAX_INPUT_BYTES", "2048")
    with pytest.raises(InputFileError, match=r"2\.9 KiB \(3,000 bytes\) is more than the 2 KiB"):
        read_input(big)  # an InputFileError too, for readers that catch that
    assert read_input(big, limit=4000) == b" " * 3000
    monkeypatch.setenv("CROSSWALK_MAX_INPUT_BYTES", "lots")
    with pytest.raises(CrosswalkError, match="CROSSWALK_MAX_INPUT_BYTES='lots'"):
        read_input(big)


def test_json_nesting_counts_brackets_outside_strings_only() -> None:
    deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    at_limit = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert json_too_deep(deep) and not json_too_deep(at_limit)
    in_strings = json.dumps({"text": "[" * 5000 + '\\" [[[', "k": ["{" * 300]}).encode()
    assert not json_too_deep(in_strings)
    hidden = b'["\\\\", ' + b"[" * 300 + b"]" * 300 + b"]"  # an escaped backslash ends "\\"
    assert json_too_deep(hidden)
    assert json_too_deep(b"[" * 150 + b"]" + b"{" * 60)
    assert json_too_deep(b"]" * 400 + b"[" * 201)  # closers that close nothing take nothing off


def test_yaml_nesting_by_brackets_by_dashes_and_by_indentation() -> None:
    flow = b"a: " + b"[" * 1000 + b"]" * 1000
    dashes = b"a:\n" + b"- " * 1000 + b"x\n"
    keys = b"".join(b" " * i + b"k:\n" for i in range(300)) + b" " * 300 + b"v\n"
    for text in (flow, dashes, keys):
        assert yaml_too_deep(text) is not None
    assert yaml_too_deep(flow) == 1
    assert yaml_too_deep(keys) == MAX_DEPTH + 1  # the line of the 201st mapping
    text = b"title: '[[[[[[ not nesting'\nnote: |\n" + b" " * 60 + b"- - - - an indented text\n"
    assert yaml_too_deep(text) is None  # the quick look is unsure; the exact count clears it
    with pytest.raises(InputLimitError, match=r"x.yaml at line 1: lists and mappings are nested"):
        check_yaml_nesting(flow, "x.yaml")


def test_json_is_parsed_with_the_limits(tmp_path: Path) -> None:
    assert parse_json(b'{"a": [1, {"b": "c:d"}], "e": NaN}', "x.json")["a"] == [1, {"b": "c:d"}]
    with pytest.raises(InputLimitError, match="nested more than 200"):
        parse_json(b"[" * 500 + b"]" * 500, "x.json")  # orjson reads 500, we do not
    with pytest.raises(InputLimitError, match="nested more than 200"):
        parse_json(b"[" * 5000 + b"]" * 5000, "x.json")  # orjson refuses; so do we, first
    with pytest.raises(InputLimitError, match="a number of more than 4,300 digits"):
        parse_json(b'{"n": ' + b"7" * 5000 + b"}", "x.json")
    with pytest.raises(ConversionError, match=r"line 2: byte 0xe9 at offset 15 is not UTF-8"):
        parse_json(b'{"a": 1,\n"b": "\xe9"}', "x.json")


def test_a_key_given_twice_is_refused_with_its_path() -> None:
    text = b'{"catalog": {"groups": [{"id": "g"}, {"id": "a", "title": "x", "id": "b"}]}}'
    with pytest.raises(ConversionError) as caught:
        parse_json(text, "x.json")
    assert caught.value.where == "catalog.groups[1]"
    assert "the key 'id' is given more than once" in caught.value.message
    with pytest.raises(ConversionError, match="top-level object"):
        parse_json(b'{"a": 1, "a": 1}', "x.json")
    escaped = b'{"a": 1, "a": 2, "x": "\\u003a"}'  # an escaped colon cannot hide it
    with pytest.raises(ConversionError, match="'a' is given more than once"):
        parse_json(escaped, "x.json")
    assert parse_json(b'{"a": "\\u003a", "b": {"a": ":"}}', "x.json") == {
        "a": ":",
        "b": {"a": ":"},
    }


def test_parsing_turns_recursion_and_long_numbers_into_refusals() -> None:
    with pytest.raises(InputLimitError, match="nested"), parsing("x.json"):
        raise RecursionError
    with pytest.raises(InputLimitError, match="4,300 digits"), parsing("x.yaml"):
        int("9" * 5000)
    with pytest.raises(ValueError, match="other"), parsing("x.yaml"):
        raise ValueError("other")


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"fixtures not found at {FIXTURES}")
def test_no_real_catalog_or_library_comes_near_the_nesting_limit() -> None:
    """The quick bound alone clears every OSCAL and CISO Assistant file we have."""
    from crosswalk.domain.limits import yaml_depth_bound

    yaml_files = sorted((FIXTURES / "ciso-assistant").rglob("*.yaml"))
    json_files = sorted((FIXTURES / "oscal").rglob("*.json"))
    assert len(yaml_files) > 250 and len(json_files) > 10
    for path in yaml_files:
        bound = yaml_depth_bound(path.read_bytes(), MAX_DEPTH)
        assert bound is not None and bound <= MAX_DEPTH // 2, path
    for path in json_files:
        assert not json_too_deep(path.read_bytes(), 30), path
