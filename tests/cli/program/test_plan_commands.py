"""``crosswalk plan`` on a copy of the demo: every format, and a plan that follows the work."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.conftest import Run, as_json


def test_the_plan_in_every_format_tells_the_same_story(northwind: Path, run: Run) -> None:
    data = as_json(run("plan", "--target-date", "2027-06-30", "--today", "2026-11-27", "--json"))
    counts = [len(p["items"]) for p in data["phases"]]
    assert counts[0] > 0 and data["phases"][0]["items"][0]["ref"] in {"6.1.3", "10.2"}
    for fmt in ("md", "html", "xlsx", "json"):
        out = northwind / f"plan.{fmt}"
        result = run(
            "plan",
            "--target-date",
            "2027-06-30",
            "--today",
            "2026-11-27",
            "--format",
            fmt,
            "-o",
            str(out),
        )
        assert result.exit_code == 0 and out.stat().st_size > 2000
    html = (northwind / "plan.html").read_text()
    assert "<svg" in html and "Stage 2 audit 2027-06-30" in html and 'src="http' not in html
    book = load_workbook(northwind / "plan.xlsx", read_only=True)
    assert book.sheetnames == [
        "Overview",
        "Stage 1 blockers",
        "Annex A gaps",
        "Partial",
        "Confirmation rounds",
    ]
    sheet_rows = [sum(1 for _ in book[name].iter_rows()) - 1 for name in book.sheetnames[1:]]
    assert sheet_rows == counts  # one row per item, as in the JSON
    written = json.loads((northwind / "plan.json").read_text())
    assert [len(p["items"]) for p in written["phases"]] == counts
    assert "## Stage 1 blockers" in (northwind / "plan.md").read_text()


def test_approving_the_soa_takes_it_off_the_plan_without_any_other_step(
    northwind: Path, run: Run
) -> None:
    def refs() -> set[str]:
        data = as_json(run("plan", "--target-date", "2027-06-30", "--json"))
        return {i["ref"] for i in data["phases"][0]["items"]}

    assert "6.1.3" in refs()
    assert run("soa", "approve", "--by", "Elena Varga (CEO)").exit_code == 0
    assert "6.1.3" not in refs()


def test_a_bad_target_date_is_refused_with_the_option_named(northwind: Path, run: Run) -> None:
    result = run("plan", "--target-date", "next summer")
    assert result.exit_code == 2 and "--target-date" in result.stdout + result.stderr
