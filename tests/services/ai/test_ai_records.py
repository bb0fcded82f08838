"""AI systems round-trip through `export program` / `apply`: answers, the tier set by hand
and the follow-up of obligations come back; a second apply changes nothing; a bad file is
refused naming it and writes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.domain.ai_obligations import DateBasis
from crosswalk.io.program_files import ProgramError
from crosswalk.services.ai.obligations import (
    date_basis,
    set_date_basis,
    system_obligations,
    update_obligation,
)
from crosswalk.services.ai.systems import AiSystemInput, add_system, classify_system, get_system
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.ai_models import AiSystemRow
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, init_workspace


def _seed(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        add_asset(session, AssetInput("ml", "ML platform"))
        add_system(
            session,
            AiSystemInput(
                "cv", "CV screening", roles=["provider"], assets=["ml"], established_in_eu=False
            ),
        )
        classify_system(session, "cv", {"annex_iii_area": "employment", "profiling": True})
        update_obligation(
            session, library, "cv", "Art. 9", status="in progress", owner="Ana",
            due=date(2027, 6, 30),
        )  # fmt: skip
        add_system(
            session, AiSystemInput("bot", "Support bot", roles=["deployer"], source="vendor")
        )
        classify_system(
            session,
            "bot",
            {"interacts_with_people": True},
            tier="minimal",
            tier_reason="counsel: disclosure is obvious",
        )
        set_date_basis(session, "original")
        session.commit()


def test_export_and_apply_into_a_new_workspace(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    _seed(sqlite_workspace, library)
    folder = tmp_path / "program"
    with session_scope(sqlite_workspace.engine) as session:
        export_program(session, folder)
    written = (folder / "ai-systems" / "cv.yaml").read_text("utf-8")
    assert "basis: original" in (folder / "ai-act" / "ai-act-dates.yaml").read_text("utf-8")
    assert "format: crosswalk/ai-system@1" in written and "profiling: true" in written
    target, _ = init_workspace(tmp_path / "other")
    try:
        with session_scope(target.engine) as session:
            report = apply_program(session, library, folder)
            session.commit()
            kinds = {k.folder: k for k in report.records}
            assert sorted(kinds["ai-systems"].created) == ["bot", "cv"]
            cv = get_system(session, "cv")
            assert cv.tier == "high-risk" and cv.assets == ("ml",)
            bot = get_system(session, "bot")
            assert bot.classification is not None and bot.classification.forced
            assert date_basis(session) is DateBasis.ORIGINAL  # the workspace's date choice too
            art9 = next(
                o
                for o in system_obligations(session, library, "cv").obligations
                if o.ref == "Art. 9"
            )
            assert (art9.status, art9.owner, art9.due) == ("in progress", "Ana", date(2027, 6, 30))
            again = apply_program(session, library, folder)
            session.commit()
            kinds = {k.folder: k for k in again.records}
            assert kinds["ai-systems"].created == kinds["ai-systems"].updated == []
    finally:
        target.close()


def test_a_bad_file_is_refused_naming_it_and_nothing_is_written(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "program" / "ai-systems"
    folder.mkdir(parents=True)
    (tmp_path / "program" / "controls").mkdir()
    (folder / "good.yaml").write_text(
        "format: crosswalk/ai-system@1\nsystem_id: good\nname: Good\nroles: [deployer]\n", "utf-8"
    )
    (folder / "zz-bad.yaml").write_text(
        "format: crosswalk/ai-system@1\nsystem_id: bad\nname: Bad\nroles: [vendor]\n", "utf-8"
    )
    with session_scope(sqlite_workspace.engine) as session:
        with pytest.raises(ProgramError, match=r"zz-bad\.yaml: roles: unknown role 'vendor'"):
            apply_program(session, library, tmp_path / "program")
        session.rollback()
        assert session.scalar(select(func.count()).select_from(AiSystemRow)) == 0
