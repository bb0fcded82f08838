"""Hostile files given to `frameworks import` and `mappings import`, run through the real entry
point in a subprocess. Each one must get a one-line refusal that names the file (exit 2). It
must never crash the process (exit 139, libyaml overflowing the C stack), print a traceback
or hang, and it must write nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DEEP = 100_000


def crosswalk(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crosswalk", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **env},
    )


def refused(done: subprocess.CompletedProcess[str], name: str, *words: str) -> str:
    output = done.stdout + done.stderr
    assert done.returncode == 2, (done.returncode, output[-3000:])
    assert "Traceback" not in output
    message = " ".join(done.stderr.split())
    assert name in message and all(w in message for w in words), message
    return message


def contents(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and ".crosswalk" not in p.parts
    }


def test_yaml_nested_100000_deep_is_refused_not_a_segfault(workspace_dir: Path) -> None:
    (workspace_dir / "brackets.yaml").write_text(
        "urn: x\nobjects: " + "[" * DEEP + "]" * DEEP + "\n", encoding="utf-8"
    )
    (workspace_dir / "dashes.yaml").write_text(
        "urn: x\nobjects:\n" + "- " * DEEP + "x\n", encoding="utf-8"
    )
    before = contents(workspace_dir)
    for name in ("brackets.yaml", "dashes.yaml"):
        for command in (["frameworks", "import", name], ["mappings", "import", name]):
            refused(crosswalk(workspace_dir, *command), name, "nested more than 200 levels")
    assert contents(workspace_dir) == before


def test_a_deep_catalog_on_the_catalog_path_is_refused_not_a_segfault(
    workspace_dir: Path,
) -> None:
    (workspace_dir / "extra.yaml").write_text(
        "format: crosswalk-catalog/1\nrequirements: " + "[" * DEEP + "]" * DEEP + "\n",
        encoding="utf-8",
    )
    done = crosswalk(workspace_dir, "--catalog-path", "extra.yaml", "show", "iso27001-2022:A.5.1")
    refused(done, "extra.yaml", "nested more than 200 levels")


def test_deep_json_and_a_100000_digit_number_are_refused_by_name(workspace_dir: Path) -> None:
    (workspace_dir / "deep.json").write_text(
        '{"catalog": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8"
    )
    metadata = '{"title": "Big", "version": ' + "9" * DEEP + "}"
    (workspace_dir / "number.json").write_text(
        '{"catalog": {"metadata": ' + metadata + ', "controls": []}}', encoding="utf-8"
    )
    (workspace_dir / "mapping.json").write_text(
        '{"mapping-collection": {"metadata": ' + metadata + "}}", encoding="utf-8"
    )
    before = contents(workspace_dir)
    refused(crosswalk(workspace_dir, "frameworks", "import", "deep.json"), "deep.json", "nested")
    for name, command in (("number.json", "frameworks"), ("mapping.json", "mappings")):
        done = crosswalk(workspace_dir, command, "import", name)
        refused(done, name, "a number of more than 4,300 digits")
    refused(crosswalk(workspace_dir, "frameworks", "resolve", "deep.json"), "deep.json", "nested")
    assert contents(workspace_dir) == before


def test_a_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(
    workspace_dir: Path,
) -> None:
    catalog = {
        "catalog": {
            "metadata": {"title": "Padded", "version": "1", "remarks": "x" * 5000},
            "controls": [{"id": "c-1", "title": "One"}],
        }
    }
    (workspace_dir / "padded.json").write_text(json.dumps(catalog), encoding="utf-8")
    size = (workspace_dir / "padded.json").stat().st_size
    done = crosswalk(
        workspace_dir, "frameworks", "import", "padded.json", CROSSWALK_MAX_INPUT_BYTES="4096"
    )
    refused(done, "padded.json", f"({size:,} bytes)", "the 4 KiB", "CROSSWALK_MAX_INPUT_BYTES")
    assert crosswalk(workspace_dir, "frameworks", "import", "padded.json").returncode == 0
