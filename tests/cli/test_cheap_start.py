"""Everyday commands start cheaply: `--help`, `show` and `map` load none of the heavy modules
other commands need (spreadsheets, templates, the web app, migrations), and on a SQLite
workspace not even the database layer, while still seeing the team's adjustments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run

HEAVY = ("openpyxl", "jinja2", "fastapi", "alembic", "sqlalchemy")
PROBE = """
import json, sys
sys.argv = ["crosswalk", *json.loads(sys.argv[1])]
from crosswalk.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = {heavy!r}
print("LOADED=" + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _loaded(args: list[str], folder: Path) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(args)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED=")]
    assert line, done.stderr
    return json.loads(line[-1].removeprefix("LOADED=")), done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["show", "iso27001-2022:A.7.2", "--json"],
        ["map", "soc2-tsc-2017:CC6.4", "--to", "iso27001-2022", "--explain"],
    ],
)
def test_everyday_commands_load_no_heavy_module(
    workspace_dir: Path, run: Run, args: list[str]
) -> None:
    adjusted = run(
        "mappings",
        "adjust",
        "soc2-tsc-2017:CC6.4",
        "iso27001-2022:A.7.2",
        "--strength",
        "6",
        "--because",
        "Loading bay outside the badge system",
    )
    assert adjusted.exit_code == 0, adjusted.stdout
    loaded, out = _loaded(args, workspace_dir)
    assert loaded == [], f"{' '.join(args)} loaded {loaded}"
    if args[0] != "--help":
        assert "Loading bay outside the badge system" in " ".join(out.split())


def test_the_command_line_names_the_one_command_to_build() -> None:
    from crosswalk.cli.app import invoked_command, only

    assert invoked_command(["--workspace", "ws", "show", "A.5.15"]) == "show"
    assert invoked_command(["--catalog-path", "x.yaml", "-w", "ws", "controls", "list"]) == (
        "controls"
    )
    assert invoked_command(["--version"]) is None
    slim = only("controls")
    assert slim is not None and [g.name for g in slim.registered_groups] == ["controls"]
    assert slim.registered_commands == []
    assert only("no-such-command") is None
