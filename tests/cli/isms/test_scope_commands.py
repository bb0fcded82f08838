"""``crosswalk scope`` and ``crosswalk assets`` from the command line: exit codes and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run, as_json


def seed(run: Run) -> None:
    for control in ("AC-1", "OPS-1"):
        assert run("controls", "add", control, "--title", control, "--owner", "Dana").exit_code == 0
    assert (
        run(
            "assets",
            "add",
            "aws-prod",
            "--name",
            "AWS production",
            "--owner",
            "Sam",
            "--soc2-boundary",
            "--isms-scope",
            "--control",
            "OPS-1",
        ).exit_code
        == 0
    )
    added = as_json(
        run(
            "assets",
            "add",
            "app",
            "--name",
            "SaaS platform",
            "--owner",
            "Dana",
            "--classification",
            "confidential",
            "--kind",
            "application",
            "--soc2-boundary",
            "--isms-scope",
            "--depends-on",
            "aws-prod",
            "-c",
            "AC-1",
            "--json",
        )
    )
    assert added["depends_on"] == ["aws-prod"] and added["controls"] == ["AC-1"]


def test_the_scope_journey(workspace_dir: Path, run: Run) -> None:
    seed(run)
    check = run("scope", "check", "--json")
    assert check.exit_code == 1
    assert [f["code"] for f in json.loads(check.stdout)["findings"]] == ["no-approved-statement"]

    draft = as_json(
        run("scope", "set", "The SaaS platform", "-i", "app", "-i", "aws-prod", "--json")
    )
    assert draft["version"] == "v1" and draft["approved_by"] is None
    approved = as_json(run("scope", "approve", "v1", "--by", "CEO", "--on", "2026-01-15", "--json"))
    assert (approved["approved_by"], approved["approved_on"]) == ("CEO", "2026-01-15")

    check = run("scope", "check", "--json")
    assert check.exit_code == 0, check.stdout
    result = json.loads(check.stdout)
    assert result["ok"] and result["findings"] == [] and result["statement_version"] == 1
    text = run("scope", "check")
    assert text.exit_code == 0 and "checked against statement v1: ok" in " ".join(
        text.stdout.split()
    )

    shown = as_json(run("scope", "show", "--json"))
    assert shown["in_force"]["version"] == "v1"
    assert [v["version"] for v in shown["versions"]] == ["v1"]
    assert "The SaaS platform" in run("scope", "show").stdout


def test_scope_check_finds_the_soc2_boundary_asset_outside_the_isms(
    workspace_dir: Path, run: Run
) -> None:
    seed(run)
    run("scope", "set", "The SaaS platform", "-i", "app", "-i", "aws-prod")
    run("scope", "approve", "1", "--by", "CEO")
    assert run("assets", "add", "billing", "--name", "Billing", "--soc2-boundary").exit_code == 0
    check = run("scope", "check", "--json")
    assert check.exit_code == 1
    findings = json.loads(check.stdout)["findings"]
    assert [(f["code"], f["item"]) for f in findings] == [("boundary-outside-scope", "billing")]
    text = run("scope", "check")
    assert text.exit_code == 1 and "boundary-outside-scope" in text.stdout
    listed = as_json(run("assets", "list", "--in-boundary", "--out-of-scope", "--json"))
    assert [a["asset_id"] for a in listed] == ["billing"]
    detail = as_json(run("assets", "show", "billing", "--json"))
    assert [f["code"] for f in detail["findings"]] == ["boundary-outside-scope"]


def test_assets_list_show_and_edit(workspace_dir: Path, run: Run) -> None:
    seed(run)
    everything = as_json(run("assets", "list", "--json"))
    assert [a["asset_id"] for a in everything] == ["app", "aws-prod"]
    assert as_json(run("assets", "list", "--owner", "sam", "--json"))[0]["asset_id"] == "aws-prod"
    assert as_json(run("assets", "list", "--out-of-scope", "--json")) == []
    assert run("assets", "list").exit_code == 0
    listed = run("assets", "list", "--csv").stdout.splitlines()
    assert listed[0].startswith("id,name,kind") and "aws-prod,AWS production" in listed[2]

    detail = as_json(run("assets", "show", "aws-prod", "--json"))
    assert detail["depended_on_by"] == ["app"]
    assert [c["control_id"] for c in detail["controls"]] == ["OPS-1"]
    assert "depended on by: app" in " ".join(run("assets", "show", "aws-prod").stdout.split())

    edited = as_json(
        run(
            "assets",
            "edit",
            "app",
            "--no-soc2-boundary",
            "--owner",
            "",
            "--drop-depends-on",
            "aws-prod",
            "-c",
            "OPS-1",
            "--unlink-control",
            "AC-1",
            "--json",
        )
    )
    assert edited["changed"] == [
        "owner",
        "in_soc2_boundary",
        "depends_on",
        "linked OPS-1",
        "unlinked AC-1",
    ]
    after = as_json(run("assets", "show", "app", "--json"))
    assert after["owner"] is None and after["depends_on"] == [] and not after["in_soc2_boundary"]
    assert [c["control_id"] for c in after["controls"]] == ["OPS-1"]
    assert "nothing changed" in run("assets", "edit", "app", "--kind", "application").stdout


def test_bad_input_exits_2_and_changes_nothing(workspace_dir: Path, run: Run) -> None:
    seed(run)
    for args, message in [
        (("assets", "add", "crm", "--name", "CRM", "-c", "AC-9"), "unknown control 'AC-9'"),
        (("assets", "add", "crm", "--name", "CRM", "--depends-on", "ap"), "did you mean app"),
        (("assets", "add", "app", "--name", "Again"), "already exists"),
        (("assets", "show", "ap"), "unknown asset 'ap'"),
        (("assets", "edit", "app", "--depends-on", "nope", "--owner", "X"), "unknown asset"),
        (("scope", "set", "Scope", "-x", "app"), "ID=reason"),
        (("scope", "set", "Scope", "-i", "ap"), "did you mean app"),
        (("scope", "approve", "3", "--by", "CEO"), "unknown scope statement version 'v3'"),
        (("scope", "approve", "three", "--by", "CEO"), "not a scope statement version"),
    ]:
        result = run(*args)
        assert result.exit_code == 2, (args, result.stdout)
        assert message in " ".join(result.stderr.split()), (args, result.stderr)
    run("scope", "set", "Scope", "-i", "app")
    bad_date = run("scope", "approve", "1", "--by", "CEO", "--on", "tomorrow")
    assert bad_date.exit_code == 2 and "not a date" in bad_date.stderr
    assert as_json(run("assets", "list", "--json"))[0]["owner"] == "Dana"
    assert [a["asset_id"] for a in as_json(run("assets", "list", "--json"))] == ["app", "aws-prod"]
    shown = as_json(run("scope", "show", "--json"))
    assert shown["in_force"] is None and [v["version"] for v in shown["versions"]] == ["v1"]
    approved_twice = run("scope", "approve", "1", "--by", "CEO")
    assert approved_twice.exit_code == 0
    again = run("scope", "approve", "1", "--by", "CEO")
    assert again.exit_code == 2 and "never changed" in " ".join(again.stderr.split())
