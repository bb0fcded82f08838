"""The result type and the built-in registry: what every caller of a collector relies on."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from crosswalk.collectors import (
    CollectorError,
    CollectorResult,
    available_collectors,
    get_collector,
)
from crosswalk.collectors.base import safe_filename
from crosswalk.domain.errors import CrosswalkError

BUILT_INS = {"command", "file", "http-json", "github-branch-protection", "sql-query"}


def result(**changes: object) -> CollectorResult:
    values: dict[str, object] = {
        "passed": True,
        "summary": "ok",
        "content": b"hello\n",
        "media_type": "text/plain",
        "filename": "hello.txt",
    }
    values.update(changes)
    return CollectorResult(**values)  # type: ignore[arg-type]


def test_sha256_is_of_the_content() -> None:
    assert result().sha256 == hashlib.sha256(b"hello\n").hexdigest()


def test_collected_at_defaults_to_now_in_utc_and_is_normalised_to_utc() -> None:
    before = datetime.now(UTC)
    assert before <= result().collected_at <= datetime.now(UTC)
    paris = timezone(timedelta(hours=2))
    moved = result(collected_at=datetime(2026, 3, 1, 12, 0, tzinfo=paris))
    assert moved.collected_at.utcoffset() == timedelta(0)
    assert moved.collected_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_naive_times_and_unsafe_file_names_are_bugs() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        result(collected_at=datetime(2026, 3, 1, 12, 0))
    for bad in ("../etc/passwd", "a/b.json", ".hidden", ""):
        with pytest.raises(ValueError, match="unsafe"):
            result(filename=bad)


def test_summary_is_folded_to_one_short_line() -> None:
    folded = result(summary="two\nlines " + "x" * 400).summary
    assert "\n" not in folded
    assert folded.startswith("two lines x")
    assert len(folded) == 300


def test_describe_is_json_without_the_content() -> None:
    described = result(details={"exit_code": 0}).describe()
    assert json.loads(json.dumps(described))["sha256"] == result().sha256
    assert "content" not in described


def test_safe_filename_keeps_names_inside_one_folder() -> None:
    assert safe_filename("branch-protection", "release/1.0", suffix=".json") == (
        "branch-protection-release_1.0.json"
    )
    assert safe_filename("..", "/", suffix=".txt") == "evidence.txt"


def test_every_built_in_is_registered_under_its_own_name() -> None:
    found = available_collectors()
    assert set(found) >= BUILT_INS
    for name in BUILT_INS:
        assert found[name].name == name
        assert get_collector(name) is found[name]


@pytest.mark.parametrize("name", sorted(BUILT_INS))
def test_every_built_in_refuses_unknown_parameters(name: str) -> None:
    with pytest.raises(ValidationError, match="surprise"):
        get_collector(name).Params.model_validate({"surprise": 1})


def test_unknown_collector_names_close_matches() -> None:
    with pytest.raises(CollectorError, match=r"did you mean sql-query\?") as raised:
        get_collector("sql-qurey")
    assert isinstance(raised.value, CrosswalkError)
    with pytest.raises(CollectorError, match="known: command, file"):
        get_collector("zzzz")
