"""The ``crosswalk/collectors@1`` file: typed declarations, and errors that point at the line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crosswalk.collectors import (
    Declaration,
    DeclarationError,
    load_declarations,
    run_declaration,
)
from crosswalk.collectors.command import CommandParams
from crosswalk.collectors.sql_query import SqlQueryParams
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency

GOOD = """\
format: crosswalk/collectors@1
collectors:
  - name: admin-users            # unique
    collector: sql-query
    params: {url: "sqlite:///hr.db", query: "select email from users where is_admin",
             expect_max_rows: 5}
    controls: [NW-AC-05]
    schedule: quarterly
    title: Quarterly admin user list
  - name: python-version
    collector: command
    params:
      argv: [PYTHON, -c, "print('evidence')"]
    controls: [NW-CM-01, NW-CM-02]
    schedule: monthly
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "collectors.yaml"
    path.write_text(text.replace("PYTHON", sys.executable), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(DeclarationError) as raised:
        load_declarations(path)
    assert isinstance(raised.value, CrosswalkError)
    assert all(p.startswith(str(path)) for p in raised.value.problems)
    return raised.value.problems


def test_a_good_file_gives_typed_declarations(tmp_path: Path) -> None:
    first, second = load_declarations(write(tmp_path, GOOD))
    assert isinstance(first, Declaration)
    assert first.name == "admin-users"
    assert first.collector == "sql-query"
    assert isinstance(first.params, SqlQueryParams)
    assert first.params.expect_max_rows == 5
    assert first.controls == ("NW-AC-05",)
    assert first.schedule is Frequency.QUARTERLY
    assert first.title == "Quarterly admin user list"
    assert isinstance(second.params, CommandParams)
    assert second.controls == ("NW-CM-01", "NW-CM-02")
    assert second.title is None


def test_run_declaration_runs_the_declared_collector(tmp_path: Path) -> None:
    declaration = load_declarations(write(tmp_path, GOOD))[1]
    result = run_declaration(declaration)
    assert result.passed is True
    assert result.content == b"evidence\n"


def test_a_bad_parameter_names_file_line_entry_and_field(tmp_path: Path) -> None:
    text = GOOD.replace("expect_max_rows: 5", "expect_max_rows: many")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'collectors.yaml'}:6: collectors[0] (admin-users): "
        "params.expect_max_rows: Input should be a valid integer, unable to parse string "
        "as an integer"
    ]


def test_an_unknown_parameter_and_a_refused_query_are_both_reported(tmp_path: Path) -> None:
    text = GOOD.replace("select email from users where is_admin", "delete from users").replace(
        "      argv:", "      argv_typo: []\n      argv:"
    )
    found = problems(tmp_path, text)
    assert len(found) == 2
    assert "collectors[0] (admin-users): params.query: must be a read-only SELECT" in found[0]
    assert ":13: collectors[1] (python-version): params.argv_typo: Extra inputs" in found[1]


def test_nested_parameter_errors_name_the_full_path(tmp_path: Path) -> None:
    text = """\
format: crosswalk/collectors@1
collectors:
  - name: health
    collector: http-json
    params:
      url: https://status.example.test/health
      assertions:
        - {path: $.ok, equals: true}
        - {path: $.mfa}
    controls: [NW-AC-01]
    schedule: daily
"""
    (found,) = problems(tmp_path, text)
    assert found.endswith(
        ":9: collectors[0] (health): params.assertions[1]: "
        "say what to check: equals, exists, or min and/or max"
    )


def test_unknown_collector_suggests_the_close_one(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, GOOD.replace("collector: sql-query", "collector: sql-qeury"))
    assert ":4: collectors[0] (admin-users): collector: unknown collector 'sql-qeury'" in found
    assert "did you mean sql-query?" in found


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, GOOD.replace("name: python-version", "name: admin-users"))
    assert found.endswith(
        ":10: collectors[1] (admin-users): name: 'admin-users' is already used by collectors[0]"
    )


def test_entry_fields_are_checked(tmp_path: Path) -> None:
    text = (
        GOOD.replace("schedule: quarterly", "schedule: per change")
        .replace("controls: [NW-CM-01, NW-CM-02]", "controls: []")
        .replace("name: python-version", "name: python version")
    )
    found = problems(tmp_path, text)
    assert len(found) == 3
    assert ":8: collectors[0] (admin-users): schedule: a collector runs on a clock" in found[0]
    assert "collectors[1] (python version): name: String should match pattern" in found[1]
    assert ":14: collectors[1] (python version): controls: List should have at least 1" in found[2]


def test_missing_fields_point_at_the_entry(tmp_path: Path) -> None:
    text = "format: crosswalk/collectors@1\ncollectors:\n  - name: lonely\n    collector: file\n"
    text += "  - just a string\n"
    found = problems(tmp_path, text)
    assert [p.split(":", 2)[2] for p in found] == [
        " collectors[0] (lonely): controls: Field required",
        " collectors[0] (lonely): schedule: Field required",
        " collectors[1]: expected a mapping with name, collector, params, controls and schedule",
    ]
    assert [p.split(":")[1] for p in found] == ["3", "3", "5"]


def test_file_level_problems(tmp_path: Path) -> None:
    (wrong_format,) = problems(tmp_path, GOOD.replace("@1", "@2"))
    assert wrong_format.endswith(":1: format: Input should be 'crosswalk/collectors@1'")
    (extra,) = problems(tmp_path, GOOD + "owner: it\n")
    assert extra.endswith(":16: owner: Extra inputs are not permitted")
    (not_mapping,) = problems(tmp_path, "- just\n- a list\n")
    assert "expected a mapping starting with 'format: crosswalk/collectors@1'" in not_mapping
    (bad_yaml,) = problems(tmp_path, GOOD.replace("schedule: monthly", "schedule: [monthly"))
    assert bad_yaml.endswith("not valid YAML")
    with pytest.raises(DeclarationError, match="no such file"):
        load_declarations(tmp_path / "absent.yaml")


def test_an_empty_list_is_a_valid_file(tmp_path: Path) -> None:
    assert (
        load_declarations(write(tmp_path, "format: crosswalk/collectors@1\ncollectors: []\n")) == []
    )
