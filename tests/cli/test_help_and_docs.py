"""Every command explains itself, and the README shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import typer.main

from crosswalk.cli.app import app

REPO = Path(__file__).resolve().parents[2]


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", root)
    return found


def test_every_command_has_help_and_appears_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = _commands()
    assert len(commands) >= 6
    for name, command in commands:
        assert (command.help or "").strip(), f"{name} has no help"
        assert f"crosswalk {name}" in readme, f"README does not show `crosswalk {name}`"


def test_every_listing_command_offers_json() -> None:
    for name, command in _commands():
        if name in {
            "matrix",
            "export program",
            "frameworks export",
            "frameworks template",
            "mappings export",
            "serve",
            "worker",
        }:  # write files (or serve, or run jobs) instead of listing
            continue
        assert any("--json" in p.opts for p in command.params), name


def test_every_module_imports_in_a_fresh_process() -> None:
    modules = sorted(
        ".".join(path.relative_to(REPO / "src").with_suffix("").parts)
        for path in (REPO / "src" / "crosswalk").rglob("*.py")
        if path.name != "__main__.py" and "migrations" not in path.parts
    )
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_help_does_not_import_the_heavy_parts() -> None:
    code = (
        "import sys\nfrom crosswalk.cli.app import app\n"
        "heavy = [m for m in ('pydantic', 'yaml', 'openpyxl', "
        "'crosswalk.services.mapping.queries') "
        "if m in sys.modules]\nprint(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
