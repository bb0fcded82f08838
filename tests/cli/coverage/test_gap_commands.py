"""``crosswalk gap`` and ``crosswalk confirm`` on a copy of the demo: the journeys of a
compliance lead who reads the headline, asks why, and has owners confirm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.conftest import Run, as_json


def explain(run: Run, ref: str) -> Any:
    return as_json(run("gap", "--explain", ref, "--json"))


def test_the_headline_gives_likely_and_the_head_start_with_its_definition(
    northwind: Path, run: Run
) -> None:
    report = as_json(run("gap", "--json"))
    summary, start = report["annex_a_summary"], report["head_start"]
    by = summary["by_verdict"]
    assert set(by) == {"covered", "likely", "partial", "planned", "gap", "not applicable"}
    assert by["likely"] > 0 and sum(by.values()) == summary["total"] == 93
    assert start["covered"] == by["covered"] and start["likely"] == by["likely"]
    assert start["applicable"] == 93 - by["not applicable"]
    assert start["percent"] == round(100 * (by["covered"] + by["likely"]) / start["applicable"], 1)
    text = run("gap").stdout
    assert f"SOC 2 head start: {start['percent']:g}%" in text
    assert "(covered + likely covered) / applicable Annex A" in text  # the definition
    assert f"{by['likely']} likely covered, to confirm" in text


def test_clauses_are_judged_from_the_records_and_approving_the_soa_moves_6_1_3(
    northwind: Path, run: Run
) -> None:
    scope = explain(run, "4.3")
    assert scope["verdict"] == "covered"
    assert any(b.startswith("ISMS scope (complete: v1, approved") for b in scope["basis"])
    for ref in ("9.2.1", "9.2.2"):
        assert explain(run, ref)["verdict"] == "covered"
    review = explain(run, "9.3.2")
    assert review["verdict"] == "partial"
    assert any("misses 9.3.2 inputs" in r for r in review["why_not_higher"])
    log = explain(run, "10.2")
    assert log["verdict"] == "partial" and any("NC-2026-02" in r for r in log["why_not_higher"])
    before = explain(run, "6.1.3")
    assert before["verdict"] == "partial"
    assert any("Statement of Applicability is not approved" in r for r in before["why_not_higher"])
    plan_before = {b["ref"] for b in as_json(run("gap", "--json"))["backlog"]}
    assert "6.1.3" in plan_before

    assert run("soa", "approve", "--by", "Elena Varga (CEO)").exit_code == 0

    after = explain(run, "6.1.3")
    assert after["verdict"] == "covered"
    assert any("Statement of Applicability (complete" in b for b in after["basis"])
    assert "6.1.3" not in {b["ref"] for b in as_json(run("gap", "--json"))["backlog"]}


def test_confirming_a_likely_item_fully_makes_it_covered(northwind: Path, run: Run) -> None:
    before = explain(run, "A.8.32")
    assert before["verdict"] == "likely"
    [reason] = [r for r in before["why_not_higher"] if r.startswith("likely covered")]
    assert "CC8.1 through superset_of" in reason and "strength 9" in reason
    assert "the edge says:" in reason and "crosswalk confirm CONTROL A.8.32 --full" in reason

    done = run("confirm", "NW-CHG-01", "A.8.32", "--full", "--by", "Tom Okafor", "--json")
    assert as_json(done)["meets"] == "full"

    after = explain(run, "A.8.32")
    assert after["verdict"] == "covered"
    assert after["basis"][0].startswith("NW-CHG-01 (tagged directly, full)")


def test_confirming_partly_keeps_it_partial_and_quotes_what_is_missing(
    northwind: Path, run: Run
) -> None:
    assert explain(run, "A.5.15")["verdict"] == "likely"
    missing = "physical access rules are not in the access-control policy"
    refused = run("confirm", "NW-AC-02", "A.5.15", "--partial", "", "--by", "Dana Ortiz")
    assert refused.exit_code == 2 and "what is missing" in refused.stdout + refused.stderr

    result = run("confirm", "NW-AC-02", "A.5.15", "--partial", missing, "--by", "Dana Ortiz")
    assert result.exit_code == 0, result.stdout

    after = explain(run, "A.5.15")
    assert after["verdict"] == "partial"
    assert any(missing in r for r in after["why_not_higher"])
    assert any("stated to meet it only partly" in r for r in after["why_not_higher"])


def test_the_confirmation_round_lists_an_owners_likely_items_and_shrinks(
    northwind: Path, run: Run
) -> None:
    rounds = as_json(run("confirmations", "--likely", "--owner", "Dana Ortiz", "--json"))
    assert [r["owner"] for r in rounds] == ["Dana Ortiz (IT Manager)"]
    items = rounds[0]["items"]
    likely = {
        v["ref"] for v in as_json(run("gap", "--json"))["annex_a"] if v["verdict"] == "likely"
    }
    assert items and {i["ref"] for i in items} <= likely
    for item in items:
        assert item["candidates"] and all("Dana Ortiz" in c["owner"] for c in item["candidates"])
        assert item["command"].startswith(
            f"crosswalk confirm {item['candidates'][0]['control_id']}"
        )
    first = items[0]
    control = first["candidates"][0]["control_id"]
    assert run("confirm", control, first["ref"], "--full", "--by", "Dana Ortiz").exit_code == 0
    again = as_json(run("confirmations", "--likely", "--owner", "Dana Ortiz", "--json"))
    assert first["ref"] not in {i["ref"] for i in again[0]["items"]}
    assert explain(run, first["ref"])["verdict"] == "covered"


def test_any_framework_gets_a_report_shaped_for_it(northwind: Path, run: Run) -> None:
    report = as_json(run("gap", "--to", "nist-csf-2.0", "--json"))
    assert report["measured"] == "NIST Cybersecurity Framework subcategories"
    assert report["annex_a_summary"]["total"] == 106  # every CSF 2.0 subcategory
    assert {v["kind"] for v in report["annex_a"]} == {"subcategory"}
    assert set(report["annex_a_by_theme"]) == {
        "GV Govern",
        "ID Identify",
        "PR Protect",
        "DE Detect",
        "RS Respond",
        "RC Recover",
    }
    assert report["clauses"] == [] and report["soa_draft"] == []
    assert "subcategories" in report["head_start"]["definition"]
    text = run("gap", "--to", "nist-csf-2.0").stdout
    assert "NIST Cybersecurity Framework subcategories (106)" in text


def test_the_likely_bar_is_a_workspace_setting(northwind: Path, run: Run) -> None:
    assert as_json(run("settings", "show", "--json")) == {"likely-strength": 7}
    likely_at_7 = as_json(run("gap", "--json"))["annex_a_summary"]["by_verdict"]["likely"]
    assert run("settings", "set", "likely-strength", "9").exit_code == 0
    report = as_json(run("gap", "--json"))
    assert report["likely_strength"] == 9
    assert report["annex_a_summary"]["by_verdict"]["likely"] < likely_at_7
    assert "strength >= 9" in report["evidence_rule"]
    refused = run("settings", "set", "likely-strength", "11")
    assert refused.exit_code == 2 and "4-10" in refused.stdout + refused.stderr
    assert run("settings", "set", "colour", "blue").exit_code == 2
    assert as_json(run("settings", "show", "--json")) == {"likely-strength": 9}
