"""``crosswalk risks``: the register, its method, its checks and the treatment plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.conftest import Run, as_json

LAPTOP = (
    "risks",
    "add",
    "R-01",
    "--title",
    "Laptop theft",
    "--owner",
    "IT lead",
    "--category",
    "information asset",
    "--asset",
    "LAPTOPS",
    "--likelihood",
    "4",
    "--impact",
    "4",
    "--treatment",
    "mitigate",
    "--control",
    "EP-1",
    "--annex-a",
    "8.1",
    "--residual-likelihood",
    "2",
    "--residual-impact",
    "3",
    "--plan",
    "Encrypt every laptop",
    "--due",
    "2099-06-30",
)


def said(result: Any) -> str:
    """stderr without the line breaks Rich puts in at the terminal width."""
    return " ".join(result.stderr.split())


def seed(run: Run) -> None:
    assert run("controls", "add", "EP-1", "--title", "Disk encryption").exit_code == 0
    assert run(*LAPTOP).exit_code == 0
    outage = (
        "risks",
        "add",
        "R-02",
        "--title",
        "Region outage",
        "--category",
        "service",
        "--likelihood",
        "3",
        "--impact",
        "5",
        "--treatment",
        "retain",
    )
    assert run(*outage).exit_code == 0


def test_add_show_list_and_edit(workspace_dir: Path, run: Run) -> None:
    seed(run)
    shown = as_json(run("risks", "show", "R-01", "--json"))
    assert shown["inherent"] == {"likelihood": 4, "impact": 4, "score": 16, "rating": "critical"}
    assert shown["residual"]["score"] == 6 and shown["treatment"] == "modify"
    assert shown["controls"] == ["EP-1"] and shown["annex_a"] == ["A.8.1"]
    assert shown["assets"] == ["LAPTOPS"] and shown["due"] == "2099-06-30"
    text = run("risks", "show", "R-01")
    assert text.exit_code == 0 and "Annex A A.8.1 User end point devices" in text.stdout
    listed = as_json(run("risks", "list", "--json"))
    assert [r["risk_id"] for r in listed] == ["R-01", "R-02"]
    assert listed[1]["category"] == "service commitment"
    assert [r["risk_id"] for r in as_json(run("risks", "list", "--above-threshold", "--json"))] == [
        "R-02"
    ]
    assert [
        r["risk_id"] for r in as_json(run("risks", "list", "--treatment", "retain", "--json"))
    ] == ["R-02"]
    table = run("risks", "list", "--csv")
    assert table.exit_code == 0 and table.stdout.startswith("id,title,owner,inherent,")
    assert "R-02,Region outage,,15 high (L3 x I5),retain,not assessed" in table.stdout
    assert table.stdout.rstrip().endswith("no-owner unaccepted")
    edited = as_json(
        run("risks", "edit", "R-02", "--owner", "CTO", "--annex-a", "5.30", "--due", "", "--json")
    )
    assert edited["changed"] == ["owner", "+A.5.30"]
    assert edited["risk"]["owner"] == "CTO" and edited["risk"]["annex_a"] == ["A.5.30"]
    removed = as_json(run("risks", "edit", "R-01", "--remove-annex-a", "A.8.1", "--json"))
    assert removed["changed"] == ["-A.8.1"]
    unchanged = run("risks", "edit", "R-01", "--title", "Laptop theft")
    assert unchanged.exit_code == 0 and "R-01: nothing changed" in unchanged.stdout


def test_bad_input_exits_2_and_changes_nothing(workspace_dir: Path, run: Run) -> None:
    seed(run)
    result = run("risks", "add", "R-03", "--title", "X", "--likelihood", "2", "--impact", "2",
                 "--annex-a", "6.1.2")  # fmt: skip
    assert result.exit_code == 2 and "a clause, not an Annex A control" in said(result)
    result = run("risks", "edit", "R-01", "--owner", "Someone", "--control", "EP-9")
    assert result.exit_code == 2 and "unknown control 'EP-9'" in said(result)
    assert "EP-1" in said(result)  # the close match is suggested
    result = run("risks", "edit", "R-01", "--likelihood", "9")
    assert result.exit_code == 2 and "not on the scale 1..5" in said(result)
    result = run("risks", "show", "R-1")
    assert result.exit_code == 2 and "did you mean" in said(result)
    result = run("risks", "add", "R-04", "--title", "X", "--likelihood", "2", "--impact", "2",
                 "--treatment", "ignore")  # fmt: skip
    assert result.exit_code == 2 and "--treatment 'ignore'" in said(result)
    shown = as_json(run("risks", "show", "R-01", "--json"))
    assert shown["owner"] == "IT lead" and shown["controls"] == ["EP-1"]
    assert [r["risk_id"] for r in as_json(run("risks", "list", "--json"))] == ["R-01", "R-02"]


def test_check_fails_until_the_owner_accepts(workspace_dir: Path, run: Run) -> None:
    seed(run)
    result = run("risks", "check", "--json")
    assert result.exit_code == 1
    found = {(f["risk_id"], f["code"]) for f in json.loads(result.stdout)}
    assert found == {("R-02", "no-owner"), ("R-02", "unaccepted")}
    text = run("risks", "check")
    assert text.exit_code == 1 and "R-02" in text.stdout and "Findings (2)" in text.stderr
    assert run("risks", "edit", "R-02", "--owner", "CTO").exit_code == 0
    accepted = as_json(
        run("risks", "accept", "R-02", "--by", "CTO", "--on", "2026-03-01", "--json")
    )
    assert accepted["risk"]["accepted_by"] == "CTO"
    assert accepted["risk"]["accepted_on"] == "2026-03-01"
    clean = run("risks", "check")
    assert clean.exit_code == 0 and "no findings" in clean.stdout
    assert as_json(run("risks", "check", "--json")) == []


def test_method_show_and_replace(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    shown = as_json(run("risks", "method", "--json"))
    assert shown["stored"] is False and shown["acceptance_threshold"] == 9
    assert shown["likelihood"][0]["label"] == "Rare"
    text = run("risks", "method")
    assert text.exit_code == 0 and "(the default: not yet set)" in text.stdout
    three = tmp_path / "method.yaml"
    three.write_text(
        "format: crosswalk/risk-method@1\n"
        "likelihood: [{level: 1, label: Low}, {level: 2, label: Medium}, {level: 3, label: High}]\n"
        "impact: [{level: 1, label: Low}, {level: 2, label: Medium}, {level: 3, label: High}]\n"
        "bands: [{name: low, min_score: 1}, {name: high, min_score: 4}]\n"
        "acceptance_threshold: 3\n",
        encoding="utf-8",
    )
    replaced = as_json(run("risks", "method", "--set-file", str(three), "--json"))
    assert replaced["stored"] is True and replaced["changed"] is True
    assert "likelihood (1-3) x impact (1-3)" in replaced["description"]
    result = run("risks", "add", "R-01", "--title", "X", "--likelihood", "4", "--impact", "1")
    assert result.exit_code == 2 and "not on the scale 1..3" in said(result)
    assert run("risks", "add", "R-01", "--title", "X", "--likelihood", "3", "--impact", "3",
               "--treatment", "avoid").exit_code == 0  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text(three.read_text().replace("min_score: 1}", "min_score: 2}"), encoding="utf-8")
    result = run("risks", "method", "--set-file", str(bad))
    assert result.exit_code == 2 and "bad.yaml: risk method: the first band" in said(result)
    five = tmp_path / "two.yaml"
    five.write_text(three.read_text().replace(", {level: 3, label: High}", ""), encoding="utf-8")
    result = run("risks", "method", "--set-file", str(five))
    assert result.exit_code == 2 and "do not fit these risks" in said(result)
    assert "R-01" in said(result)
    assert as_json(run("risks", "method", "--json"))["acceptance_threshold"] == 3


def test_treatment_plan_files(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    seed(run)
    for suffix in ("xlsx", "html", "md"):
        path = tmp_path / f"plan.{suffix}"
        result = run("risks", "treatment-plan", "--format", suffix, "-o", str(path))
        assert result.exit_code == 0 and path.stat().st_size > 0, result.stderr
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "R-01" in html and "Region outage" in html and "<svg" in html
    from_suffix = tmp_path / "inferred.md"
    assert run("risks", "treatment-plan", "-o", str(from_suffix)).exit_code == 0
    assert from_suffix.read_text(encoding="utf-8").startswith("# Risk treatment plan")
    data = as_json(run("risks", "treatment-plan", "--json"))
    assert data["summary"]["risks"] == 2 and data["method"]["acceptance_threshold"] == 9
    summary = run("risks", "treatment-plan")
    assert summary.exit_code == 0 and "2 risks" in summary.stdout
    piped = run(
        "risks", "treatment-plan", "--format", "xlsx"
    )  # no -o and not a terminal: the workbook on stdout
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"PK")
    assert run("risks", "treatment-plan", "-o", str(tmp_path / "plan.pdf")).exit_code == 2
