from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crosswalk.cli.app import app
from crosswalk.demo.builder import DemoResult

Run = Callable[..., Any]


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def workspace_dir(tmp_path: Path, run: Run) -> Iterator[Path]:
    """A fresh workspace made with `crosswalk init`, as the current folder."""
    folder = tmp_path / "acme"
    assert run("init", str(folder)).exit_code == 0
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


@pytest.fixture
def northwind(demo: DemoResult, tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the demo workspace, as the current folder."""
    folder = tmp_path / "northwind"
    shutil.copytree(demo.folder, folder)
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)
