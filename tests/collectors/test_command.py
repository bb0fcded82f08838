"""``command`` against real subprocesses: output kept, exit codes judged, hangs stopped."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from crosswalk.collectors import CollectorError
from crosswalk.collectors.command import CommandCollector, CommandParams


def run(**params: object):  # type: ignore[no-untyped-def]
    return CommandCollector().collect(CommandParams.model_validate(params))


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_success_keeps_stdout_and_stderr_in_order_and_the_exit_code() -> None:
    code = "import sys; print('to out', flush=True); print('to err', file=sys.stderr)"
    result = run(argv=python(code))
    assert result.passed is True
    assert result.content == b"to out\nto err\n"
    assert result.media_type == "text/plain"
    assert result.details["exit_code"] == 0
    assert result.details["argv"] == python(code)
    assert "exited 0" in result.summary
    assert result.filename.startswith("command-python")


def test_non_zero_exit_is_a_failed_check_not_an_error() -> None:
    result = run(argv=python("import sys; print('denied'); sys.exit(3)"))
    assert result.passed is False
    assert result.details["exit_code"] == 3
    assert result.content == b"denied\n"
    assert "exited 3 (expected 0)" in result.summary


def test_expected_exit_code_can_be_non_zero() -> None:
    result = run(argv=python("raise SystemExit(3)"), expect_exit_code=3)
    assert result.passed is True


def test_no_shell_is_involved() -> None:
    result = run(argv=[*python("import sys; print(sys.argv[1:])"), "$HOME", "a;b", "*"])
    assert result.content == b"['$HOME', 'a;b', '*']\n"


def test_runs_in_the_given_directory(tmp_path: Path) -> None:
    result = run(argv=python("import os; print(os.getcwd())"), cwd=str(tmp_path))
    assert result.content.decode().strip() == str(tmp_path)


def test_a_missing_directory_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match="does not exist"):
        run(argv=python("pass"), cwd=str(tmp_path / "nowhere"))


def test_timeout_stops_the_program_and_cannot_run() -> None:
    started = time.monotonic()
    with pytest.raises(CollectorError, match=r"still running after 0.5 s"):
        run(argv=python("import time; time.sleep(30)"), timeout_seconds=0.5)
    assert time.monotonic() - started < 10


def test_timeout_also_stops_children_that_hold_the_output_open() -> None:
    code = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']);"
        "time.sleep(30)"
    )
    started = time.monotonic()
    with pytest.raises(CollectorError, match="still running"):
        run(argv=python(code), timeout_seconds=1)
    assert time.monotonic() - started < 10


def test_missing_executable_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match="not found"):
        run(argv=[str(tmp_path / "no-such-tool"), "--version"])


def test_argv_must_name_a_program() -> None:
    with pytest.raises(ValidationError, match="argv"):
        CommandParams.model_validate({"argv": []})
    with pytest.raises(ValidationError, match="timeout_seconds"):
        CommandParams.model_validate({"argv": ["true"], "timeout_seconds": 0})
