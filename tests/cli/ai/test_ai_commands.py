"""`crosswalk ai`: add, classify from flags or a YAML file, obligations, deadlines, and bad
input refused naming the field with nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json

NOTICE = "does not replace, a legal assessment"


def _add_cv(run: Run) -> None:
    assert run("assets", "add", "ml-platform", "--name", "ML platform").exit_code == 0
    added = run(
        "ai", "add", "cv-screening", "--name", "CV screening", "--role", "provider",
        "--asset", "ml-platform", "--purpose", "Rank applications", "--established-outside-eu",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert NOTICE in added.stdout


def test_add_classify_from_flags_and_see_tier_reasons_and_flag(
    workspace_dir: Path, run: Run
) -> None:
    _add_cv(run)
    result = run(
        "ai", "classify", "cv-screening", "-a", "annex_iii_area=employment", "-a", "profiling=yes"
    )
    assert result.exit_code == 0, result.stderr
    assert "not classified -> high-risk" in result.stdout
    assert "profiling of natural persons: always high-risk" in result.stdout
    assert "without an authorised representative" in result.stdout
    assert NOTICE in result.stdout
    shown = as_json(run("ai", "show", "cv-screening", "--json"))
    assert shown["classification"]["tier"] == "high-risk"
    assert shown["answers"] == {"annex_iii_area": "employment", "profiling": True}


def test_classify_from_a_yaml_file_and_list_obligations_with_both_dates(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    _add_cv(run)
    answers = tmp_path / "cv.yaml"
    answers.write_text("answers:\n  annex_iii_area: employment\n  profiling: yes\n", "utf-8")
    assert run("ai", "classify", "cv-screening", "--answers", str(answers)).exit_code == 0
    views = as_json(run("ai", "obligations", "cv-screening", "--json"))
    art9 = next(o for o in views[0]["obligations"] if o["obligation"]["ref"] == "Art. 9")
    dates = art9["obligation"]["dates"]
    assert (dates["original"], dates["amended"], dates["effective"]) == (
        "2026-08-02",
        "2027-12-02",
        "2027-12-02",
    )
    assert "adopted" in dates["amendment_status"]
    table = run("ai", "obligations", "cv-screening", "--format", "tsv")
    assert "Art. 17\tQuality management system\t2026-08-02\t2027-12-02\t2027-12-02" in table.stdout


def test_deadlines_next_twelve_months_follow_the_date_setting(
    workspace_dir: Path, run: Run
) -> None:
    _add_cv(run)
    run("ai", "classify", "cv-screening", "-a", "annex_iii_area=employment")
    amended = as_json(run("ai", "deadlines", "--today", "2026-12-07", "--json"))
    assert {d["ref"] for d in amended["deadlines"]} >= {"Art. 9", "Art. 15"}
    assert run("ai", "dates", "original").exit_code == 0
    original = as_json(run("ai", "deadlines", "--today", "2026-12-07", "--json"))
    assert original["deadlines"] == []
    assert "original (workspace setting)" in run("ai", "dates").stdout


def test_follow_up_of_an_obligation(workspace_dir: Path, run: Run) -> None:
    _add_cv(run)
    run("ai", "classify", "cv-screening", "-a", "annex_iii_area=employment")
    done = run(
        "ai", "obligation", "cv-screening", "Art. 12", "--status", "in-progress",
        "--owner", "Ana", "--due", "2027-09-30",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "in progress, owner Ana, due 2027-09-30" in done.stdout


def test_unknown_role_is_refused_naming_the_field_and_nothing_is_written(
    workspace_dir: Path, run: Run
) -> None:
    result = run("ai", "add", "bot", "--name", "Bot", "--role", "vendor")
    assert result.exit_code == 2
    assert "roles: unknown role 'vendor'" in result.stderr
    assert as_json(run("ai", "list", "--json")) == []


def test_a_tier_forced_without_answers_is_refused_and_nothing_is_written(
    workspace_dir: Path, run: Run
) -> None:
    _add_cv(run)
    result = run("ai", "classify", "cv-screening", "--tier", "minimal", "--tier-reason", "counsel")
    assert result.exit_code == 2
    assert "tier: a tier cannot be set without answering" in result.stderr
    assert as_json(run("ai", "show", "cv-screening", "--json"))["classification"] is None


def test_a_bad_answer_in_a_file_is_refused_naming_the_question(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    _add_cv(run)
    answers = tmp_path / "bad.yaml"
    answers.write_text("profiling: maybe\n", "utf-8")
    result = run("ai", "classify", "cv-screening", "--answers", str(answers))
    assert result.exit_code == 2
    assert "answers.profiling: 'maybe' is not yes or no" in result.stderr
    assert as_json(run("ai", "show", "cv-screening", "--json"))["answers"] == {}


def test_the_questionnaire_lists_every_art5_practice(workspace_dir: Path, run: Run) -> None:
    rows = as_json(run("ai", "questions", "--json"))
    keys = {q["key"] for q in rows}
    assert {f"art5_{p}" for p in ("a", "b", "ba", "bb", "c", "d", "e", "f", "g", "h")} <= keys


def test_coverage_and_register(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    _add_cv(run)
    run("ai", "classify", "cv-screening", "-a", "annex_iii_area=employment")
    found = as_json(run("ai", "coverage", "cv-screening", "--json"))
    carried = {o["ref"]: o["carried"] for o in found["obligations"]}
    assert carried["Art. 10"] == "AI-specific work"
    assert carried["Art. 6(2)"] == "AI-specific work"
    workbook = tmp_path / "register.xlsx"
    result = run("ai", "register", "-o", str(workbook))
    assert result.exit_code == 0, result.stderr
    assert workbook.stat().st_size > 0
    refused = run("ai", "register", "-o", str(tmp_path / "register.md"))
    assert refused.exit_code == 2 and "--format" in refused.stderr
