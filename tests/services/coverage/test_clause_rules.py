"""The clause rule table is data, and the doc that states it cannot drift from it."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from crosswalk.catalogs.loader import Library
from crosswalk.catalogs.schema import IsmsRecord
from crosswalk.services.coverage.clauses import HOW_TO_MAKE

REPO = Path(__file__).resolve().parents[3]


def test_the_doc_states_the_rule_table_of_the_shipped_guidance(library: Library) -> None:
    data = {
        key.partition(":")[2]: ", ".join(g.records)
        for key, g in library.guidance.items()
        if g.records
    }
    text = (REPO / "docs" / "gap-analysis.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| (\d[\d.]*) \| ([a-z_, ]+) \|$", text, flags=re.M))
    assert documented == data
    assert {"4.3", "6.1.2", "6.1.3", "9.2.1", "9.3.2", "10.2"} <= set(data)


def test_every_record_a_rule_may_name_is_one_readiness_keeps(
    library: Library, tmp_path: Path
) -> None:
    from datetime import date

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from crosswalk.services.isms.readiness import readiness
    from crosswalk.store.models import Base

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        found = readiness(session, library, date(2026, 11, 27), policies_root=tmp_path)
        kept = {a.key for a in found.artifacts}
    allowed = set(typing.get_args(IsmsRecord))
    assert allowed == kept == set(HOW_TO_MAKE)


def test_a_malformed_policy_file_marks_the_library_unreadable_not_the_gap_broken(
    library: Library, tmp_path: Path
) -> None:
    from datetime import date

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from crosswalk.services.coverage.gap import run_gap
    from crosswalk.store.models import Base

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "POL-X.md").write_text("---\nid: POL-X\n---\nno title\n")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        report = run_gap(session, library, today=date(2026, 11, 27), workspace_root=tmp_path)
    view = report.find("5.2")
    assert view.verdict == "gap"
    assert any(
        "cannot be read" in reason and "POL-X.md" in reason for reason in view.why_not_higher
    )
