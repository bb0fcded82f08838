"""`mappings adjust` / `mappings adjustments`: the team's judgment on an edge changes the gap
verdict it touches, is written to the audit trail with its reason, and survives
`export program` / `apply` into another workspace. Shipped files never change."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from crosswalk.catalogs.loader import SHIPPED_DIR
from tests.cli.conftest import Run, as_json

CC64 = "soc2-tsc-2017:CC6.4"
A72 = "iso27001-2022:A.7.2"
EDGE = f"{CC64} -> {A72}"


def _seed(run: Run) -> None:
    added = run(
        "controls",
        "add",
        "PHY-1",
        "--title",
        "Badge access",
        "--description",
        "Badges control every door",
        "--owner",
        "Carla (Office)",
        "--status",
        "operating",
        "--tag",
        "CC6.4",
    )
    assert added.exit_code == 0, added.stdout + added.stderr


def _a72(run: Run) -> dict[str, object]:
    view: dict[str, object] = as_json(run("gap", "--explain", "A.7.2", "--json"))
    return view


def _shipped_digest() -> str:
    files = sorted((SHIPPED_DIR / "mappings").glob("*.yaml"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_an_adjustment_moves_the_verdict_is_trailed_and_can_be_undone(
    workspace_dir: Path, run: Run
) -> None:
    _seed(run)
    shipped = _shipped_digest()
    before = _a72(run)["verdict"]

    full = as_json(
        run(
            "mappings",
            "adjust",
            CC64,
            A72,
            "--relationship",
            "superset_of",
            "--strength",
            "9",
            "--because",
            "Our badge system also controls the loading bay",
            "--json",
        )
    )
    assert full["kind"] == "changed" and full["mapping_sets"] == ["soc2-to-iso27001-2022"]
    covered = _a72(run)
    assert covered["verdict"] == "covered"
    assert any("adjusted by the team" in line for line in covered["basis"])  # type: ignore[attr-defined]

    retired = as_json(
        run("mappings", "adjust", CC64, A72, "--retire", "--because", "Auditor disagrees", "--json")
    )
    assert retired["kind"] == "retired"
    assert _a72(run)["verdict"] == "gap"
    shown = run("show", A72)
    assert "retired by the team" in shown.stdout and "Auditor disagrees" in shown.stdout

    listed = as_json(run("mappings", "adjustments", "--json"))
    assert [(a["edge"], a["action"], a["reason"]) for a in listed] == [
        (EDGE, "retire", "Auditor disagrees")
    ]
    trail = as_json(run("audit-log", "--entity", "mapping_adjustment", "--json"))
    entries = trail["entries"] if isinstance(trail, dict) else trail
    reasons = [str(e.get("after") or "") for e in entries]
    assert any("Our badge system also controls the loading bay" in r for r in reasons)
    assert any("Auditor disagrees" in r for r in reasons)
    assert run("audit-log", "verify").exit_code == 0

    assert run("mappings", "adjust", CC64, A72, "--undo").exit_code == 0
    assert _a72(run)["verdict"] == before
    assert as_json(run("mappings", "adjustments", "--json")) == []
    assert _shipped_digest() == shipped  # shipped files never change


def test_an_added_edge_reaches_a_requirement_no_shipped_edge_does(
    workspace_dir: Path, run: Run
) -> None:
    _seed(run)
    view = as_json(run("gap", "--explain", "A.5.23", "--json"))
    assert view["verdict"] == "gap"  # CC6.4 (physical access) says nothing of cloud services
    added = as_json(
        run(
            "mappings",
            "adjust",
            CC64,
            "iso27001-2022:A.5.23",
            "--relationship",
            "intersects_with",
            "--strength",
            "5",
            "--because",
            "Our cloud DC access review",
            "--json",
        )
    )
    assert added["kind"] == "added" and added["shipped"] is None
    after = as_json(run("gap", "--explain", "A.5.23", "--json"))
    assert after["verdict"] == "partial"
    assert any("adjusted by the team" in line for line in after["basis"])


def test_bad_adjustments_are_refused_and_change_nothing(workspace_dir: Path, run: Run) -> None:
    refused = [
        run("mappings", "adjust", CC64, A72, "--strength", "5"),  # no reason
        run("mappings", "adjust", CC64, "iso27001-2022:A.99", "--because", "x"),  # unknown ref
        run("mappings", "adjust", CC64, "iso27001-2022:A.5.23", "--because", "x"),  # new, no rel
        run("mappings", "adjust", CC64, "iso27001-2022:A.5.23", "--retire", "--because", "x"),
        run("mappings", "adjust", CC64, A72, "--relationship", "overlaps", "--because", "x"),
        run("mappings", "adjust", CC64, A72, "--undo"),  # nothing to undo
    ]
    for result in refused:
        assert result.exit_code != 0, result.stdout
    assert as_json(run("mappings", "adjustments", "--json")) == []


def test_adjustments_survive_export_program_and_apply(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    _seed(run)
    assert (
        run(
            "mappings",
            "adjust",
            CC64,
            A72,
            "--relationship",
            "intersects_with",
            "--strength",
            "6",
            "--note",
            "Entry control, not delivery areas",
            "--because",
            "No loading bay in scope",
        ).exit_code
        == 0
    )
    verdict = _a72(run)["verdict"]
    csv_text = run("mappings", "export", "soc2-to-iso27001-2022", "--format", "csv").stdout
    [row] = [
        line for line in csv_text.splitlines() if line.startswith("CC6.4,") and ",A.7.2," in line
    ]
    assert "intersects with" in row and ",6," in row
    assert "[adjusted by the team: No loading bay in scope]" in row
    oscal = run("mappings", "export", "soc2-to-iso27001-2022", "--format", "oscal").stdout
    assert '"adjusted-by-team"' in oscal and "No loading bay in scope" in oscal
    folder = tmp_path / "program-files"
    assert run("export", "program", str(folder)).exit_code == 0
    files = list((folder / "mapping-adjustments").glob("*.yaml"))
    assert len(files) == 1 and "No loading bay in scope" in files[0].read_text()

    other = tmp_path / "other"
    assert run("init", str(other)).exit_code == 0
    os.chdir(other)
    assert run("apply", str(folder)).exit_code == 0
    listed = as_json(run("mappings", "adjustments", "--json"))
    assert [(a["edge"], a["strength"], a["note"], a["reason"]) for a in listed] == [
        (EDGE, 6, "Entry control, not delivery areas", "No loading bay in scope")
    ]
    assert _a72(run)["verdict"] == verdict
    again = as_json(run("apply", str(folder), "--json"))
    [kind] = [r for r in again["records"] if r["folder"] == "mapping-adjustments"]
    assert (kind["created"], kind["updated"], kind["unchanged"]) == ([], [], [EDGE])
