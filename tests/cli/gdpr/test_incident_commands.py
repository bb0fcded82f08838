"""``crosswalk incidents``: the breach clock from the command line, and its exit code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.conftest import Run, as_json


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def test_list_open_shows_the_clocks_and_exits_1_when_one_is_under_12_hours(
    workspace_dir: Path, run: Run
) -> None:
    far = run(
        "incidents",
        "add",
        "INC-1",
        "--title",
        "Laptop stolen",
        "--detected",
        _ago(2),
        "--aware",
        _ago(1),
        "--personal-data",
        "yes",
        "--risk",
        "risk",
        "--zone",
        "UTC",
    )
    assert far.exit_code == 0 and "(due in 2 d 2" in far.stdout
    calm = run("incidents", "list", "--open", "--json")
    assert calm.exit_code == 0
    [item] = as_json(calm)
    assert item["clock"] == "running" and item["aware_zone"] == "UTC"

    run(
        "incidents",
        "add",
        "INC-2",
        "--title",
        "Mailbox leak",
        "--detected",
        _ago(70),
        "--aware",
        _ago(65),
        "--personal-data",
        "yes",
        "--risk",
        "high",
    )
    urgent = run("incidents", "list", "--open", "--json")
    assert urgent.exit_code == 1  # a clock under 12 h: CI and cron notice
    ids = [i["incident_id"] for i in json.loads(urgent.stdout)]
    assert ids == ["INC-2", "INC-1"]  # the most urgent clock first
    text = run("incidents", "list", "--open", "--format", "tsv")
    assert text.exit_code == 1 and "! due in " in text.stdout

    notified = run("incidents", "edit", "INC-2", "--notified", _ago(0), "--authority", "BfDI")
    assert notified.exit_code == 0, notified.stderr
    assert run("incidents", "list", "--open").exit_code == 0
    log = as_json(run("incidents", "log", "--json"))
    assert [e["incident_id"] for e in log] == ["INC-2", "INC-1"]  # by awareness
    assert "notified to BfDI" in log[0]["notification"]


def test_times_are_kept_in_utc_with_the_zone_they_were_entered_in(
    workspace_dir: Path, run: Run
) -> None:
    added = as_json(
        run(
            "incidents",
            "add",
            "INC-1",
            "--title",
            "Backup tape lost",
            "--detected",
            "2027-03-28 01:00",
            "--aware",
            "2027-03-28 01:30",
            "--zone",
            "Europe/Berlin",
            "--personal-data",
            "yes",
            "--risk",
            "risk",
            "--json",
        )
    )
    assert added["aware_at"].startswith("2027-03-28T00:30:00")
    assert added["aware_zone"] == "Europe/Berlin"
    assert added["due_local"] == "2027-03-31 02:30 +02:00 (Europe/Berlin)"
    shown = run("incidents", "show", "INC-1")
    assert "aware_at: 2027-03-28 01:30 +01:00 (Europe/Berlin)" in shown.stdout


def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    workspace_dir: Path, run: Run
) -> None:
    twice = run(
        "incidents",
        "add",
        "INC-1",
        "--title",
        "x",
        "--detected",
        "2026-11-01 01:30",
        "--zone",
        "America/New_York",
    )
    assert twice.exit_code == 2 and "--detected: 2026-11-01 01:30 happens twice" in twice.stderr
    unknown = run(
        "incidents",
        "add",
        "INC-1",
        "--title",
        "x",
        "--detected",
        "2026-06-01 10:00",
        "--aware",
        "2026-06-01 11:00",
        "--personal-data",
        "yes",
        "--risk",
        "severe",
    )
    assert unknown.exit_code == 2 and "risk: 'severe'" in unknown.stderr
    assert as_json(run("incidents", "list", "--json")) == []
    run(
        "incidents",
        "add",
        "INC-1",
        "--title",
        "x",
        "--detected",
        "2026-06-01 10:00",
        "--aware",
        "2026-06-01 11:00",
        "--personal-data",
        "yes",
        "--risk",
        "risk",
    )
    early = run("incidents", "edit", "INC-1", "--notified", "2026-06-01 10:30")
    assert early.exit_code == 2
    assert "notified_at: 2026-06-01 10:30 +00:00 (UTC) is before you became aware" in " ".join(
        early.stderr.split()
    )
    late = run("incidents", "edit", "INC-1", "--notified", "2026-06-05 11:00")
    assert late.exit_code == 2 and "delay_reason" in late.stderr
    assert as_json(run("incidents", "show", "INC-1", "--json"))["notified_at"] is None
