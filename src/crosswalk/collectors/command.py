"""``command``: run a program and keep what it printed (a config dump, a scanner report).

No shell: ``argv`` is run as given, so a declaration cannot smuggle in pipes or globbing.
stderr is merged into stdout so the evidence reads in the order the program wrote it. The
program runs in its own process group, and a timeout kills the whole group, so a child it
started cannot keep the run hanging.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field, StringConstraints

from crosswalk.collectors.base import (
    Collector,
    CollectorError,
    CollectorParams,
    CollectorResult,
    safe_filename,
)

Arg = Annotated[str, StringConstraints(min_length=1)]


class CommandParams(CollectorParams):
    argv: list[Arg] = Field(min_length=1)
    timeout_seconds: float = Field(default=60, gt=0)
    cwd: Path | None = None
    expect_exit_code: int = 0


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError):  # it already ended
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - no process groups to kill on Windows
        process.kill()


def run_captured(argv: list[str], cwd: Path | None, timeout: float) -> tuple[int, bytes, float]:
    """Exit code, combined output and seconds taken; ``CollectorError`` if it cannot run."""
    command = shlex.join(argv)
    if cwd is not None and not cwd.is_dir():
        raise CollectorError(f"{command}: working directory {cwd} does not exist")
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError as error:
        raise CollectorError(f"{command}: executable {argv[0]!r} not found") from error
    except PermissionError as error:
        raise CollectorError(f"{command}: {argv[0]!r} is not executable") from error
    except OSError as error:
        raise CollectorError(f"{command}: could not start ({error})") from error
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        _kill_group(process)
        process.communicate()
        raise CollectorError(f"{command}: still running after {timeout:g} s, stopped") from error
    except BaseException:  # Ctrl-C: do not leave the program running behind us
        _kill_group(process)
        process.wait()
        raise
    return process.returncode, output, time.monotonic() - started


class CommandCollector(Collector[CommandParams]):
    """Run a command without a shell; passed when it exits with the expected code."""

    name: ClassVar[str] = "command"
    Params: ClassVar[type[BaseModel]] = CommandParams

    def collect(self, params: CommandParams) -> CollectorResult:
        code, output, seconds = run_captured(params.argv, params.cwd, params.timeout_seconds)
        command = shlex.join(params.argv)
        passed = code == params.expect_exit_code
        verdict = "as expected" if passed else f"expected {params.expect_exit_code}"
        return CollectorResult(
            passed=passed,
            summary=f"{command} exited {code} ({verdict})",
            content=output,
            media_type="text/plain",
            filename=safe_filename("command", Path(params.argv[0]).name, suffix=".txt"),
            details={
                "argv": list(params.argv),
                "cwd": str(params.cwd) if params.cwd is not None else None,
                "exit_code": code,
                "expect_exit_code": params.expect_exit_code,
                "duration_seconds": round(seconds, 3),
                "output_bytes": len(output),
            },
        )
