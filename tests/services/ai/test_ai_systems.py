"""The AI system inventory and its obligations, on real databases: add, classify, re-classify,
follow up an obligation, the deadline view, and refusals that change nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.domain.ai_classification import AiActInputError, Role, Tier
from crosswalk.domain.ai_obligations import DateBasis
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.services.ai.obligations import (
    date_basis,
    deadlines,
    set_date_basis,
    system_obligations,
    update_obligation,
)
from crosswalk.services.ai.systems import (
    AiSystemInput,
    add_system,
    classify_system,
    edit_system,
    get_system,
    list_systems,
)
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.evidence.trail import list_entries
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.store.ai_models import AiObligationRow, AiSystemRow
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 12, 7)
CV = AiSystemInput(
    "cv-screening",
    "CV screening model",
    roles=["provider"],
    purpose="Rank job applications",
    users="Recruiters",
    source="own",
    assets=["ml-platform"],
)
CV_ANSWERS = {"annex_iii_area": "employment", "profiling": "yes"}


def _seed(session: object) -> None:
    add_asset(session, AssetInput("ml-platform", "ML platform", owner="Sam"))  # type: ignore[arg-type]


def _count(session: object, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))  # type: ignore[attr-defined]


def test_add_classify_and_see_the_high_risk_obligations_with_dates(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        added = add_system(session, CV)
        assert added.tier == "not classified" and added.assets == ("ml-platform",)
        result = classify_system(session, "cv-screening", CV_ANSWERS, today=TODAY)
        session.commit()
        assert result.before is None and result.changed
        system = result.system
        assert system.classification is not None
        assert system.classification.tier is Tier.HIGH_RISK
        assert "Art. 6(2)" in system.classification.article
        assert "does not replace" in system.notice
        view = system_obligations(session, library, "cv-screening")
        art9 = next(o for o in view.obligations if o.ref == "Art. 9")
        assert art9.status == "not started"
        assert (art9.obligation.dates.original, art9.obligation.dates.amended) == (
            date(2026, 8, 2),
            date(2027, 12, 2),
        )
        assert "default" in view.basis


def test_a_changed_answer_reclassifies_and_the_trail_keeps_both(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        classify_system(session, "cv-screening", {"annex_iii_area": "employment"}, today=TODAY)
        session.commit()
        again = classify_system(
            session, "cv-screening", {"derogation_preparatory": True}, today=TODAY
        )
        session.commit()
        assert again.before == "high-risk" and again.system.tier == "minimal"
        assert again.system.answers == {
            "annex_iii_area": "employment",
            "derogation_preparatory": True,
        }
        same = classify_system(session, "cv-screening", {"derogation_preparatory": True})
        assert not same.changed
        entries = list_entries(session, entity="ai_system", key="cv-screening")
        tiers = [json.loads(e.after)["tier"] for e in entries if e.after]
        assert tiers == [None, "high-risk", "minimal"]


def test_unknown_role_is_refused_naming_the_field_and_nothing_is_written(
    workspace: Workspace,
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        session.commit()
        with pytest.raises(AiActInputError) as err:
            add_system(session, AiSystemInput("x", "X", roles=["vendor"]))
        assert err.value.field == "roles"
        session.rollback()
        assert _count(session, AiSystemRow) == 0


def test_unknown_asset_and_source_are_refused(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        with pytest.raises(UnknownReferenceError, match="asset"):
            add_system(session, AiSystemInput("x", "X", roles=["deployer"], assets=["nope"]))
        with pytest.raises(AiActInputError, match=r"^source:"):
            add_system(session, AiSystemInput("x", "X", roles=["deployer"], source="cloud"))
        session.rollback()
        assert _count(session, AiSystemRow) == 0


def test_a_tier_forced_without_answers_is_refused_and_nothing_changes(
    workspace: Workspace,
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        session.commit()
        with pytest.raises(AiActInputError) as err:
            classify_system(session, "cv-screening", {}, tier="minimal", tier_reason="counsel")
        assert err.value.field == "tier"
        with pytest.raises(AiActInputError) as bad:
            classify_system(session, "cv-screening", {"profiling": "perhaps"})
        assert bad.value.field == "answers.profiling"
        session.rollback()
        assert get_system(session, "cv-screening").tier == "not classified"


def test_non_eu_provider_of_high_risk_is_flagged_until_a_representative_is_named(
    workspace: Workspace,
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(
            session,
            AiSystemInput("cv", "CV", roles=["provider"], established_in_eu=False),
        )
        flagged = classify_system(session, "cv", CV_ANSWERS, today=TODAY).system
        assert any("authorised representative" in f for f in flagged.flags)
        edit_system(session, "cv", authorised_representative="EU Rep GmbH, Berlin")
        session.commit()
        assert not any("authorised representative" in f for f in get_system(session, "cv").flags)


def test_obligation_follow_up_with_owner_due_and_evidence(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        classify_system(session, "cv-screening", CV_ANSWERS, today=TODAY)
        add_control(session, ControlInput("RM-1", "AI risk management", owner="Ana"))
        evidence = add_url_evidence(
            session, "https://wiki.example/risk-file", ["RM-1"], EvidenceInput(title="AI risk file")
        )
        got = update_obligation(
            session,
            library,
            "cv-screening",
            "Art. 9",
            status="in-progress",
            owner="Ana",
            due=date(2027, 6, 30),
            evidence=[evidence.id],
        )
        session.commit()
        assert (got.status, got.owner, got.due, got.evidence) == (
            "in progress",
            "Ana",
            date(2027, 6, 30),
            (evidence.id,),
        )
        entries = list_entries(session, entity="ai_obligation")
        assert entries[-1].entity_key == "cv-screening provider Art. 9"
        assert json.loads(entries[-1].after or "{}")["evidence"] == [f"evidence {evidence.id}"]
        system = list_entries(session, entity="ai_system", key="cv-screening")
        assert json.loads(system[0].after or "{}")["assets"] == ["ml-platform"]


def test_follow_up_of_an_obligation_the_system_does_not_hold_is_refused(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        classify_system(session, "cv-screening", CV_ANSWERS, today=TODAY)
        session.commit()
        with pytest.raises(AiActInputError) as err:
            update_obligation(session, library, "cv-screening", "Art. 26", status="met")
        assert err.value.field == "ref"
        with pytest.raises(AiActInputError) as bad:
            update_obligation(session, library, "cv-screening", "Art. 9", status="done")
        assert bad.value.field == "status"
        session.rollback()
        assert _count(session, AiObligationRow) == 0


def test_deadline_view_follows_the_workspace_date_setting(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        classify_system(session, "cv-screening", CV_ANSWERS, today=TODAY)
        session.commit()
        assert date_basis(session) is None
        amended = deadlines(session, library, today=TODAY)
        refs = {d.ref for d in amended.deadlines}
        # Annex III high-risk duties move to 2027-12-02: inside the next 12 months from 2026-12-07
        assert {"Art. 9", "Art. 17", "Art. 6(2)"} <= refs
        assert all(d.applies_on == date(2027, 12, 2) for d in amended.deadlines)
        assert set_date_basis(session, "original") is DateBasis.ORIGINAL
        session.commit()
        original = deadlines(session, library, today=TODAY)
        # under the 2024 text they applied from 2026-08-02: past, so not in the window
        assert original.deadlines == ()
        assert "original" in original.basis
        set_date_basis(session, "default")
        session.commit()
        assert date_basis(session) is None
        with pytest.raises(AiActInputError, match=r"^ai_act_dates"):
            set_date_basis(session, "newest")


def test_list_by_tier_and_roles(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        _seed(session)
        add_system(session, CV)
        add_system(
            session, AiSystemInput("bot", "Support bot", roles=["deployer"], source="vendor")
        )
        classify_system(session, "cv-screening", CV_ANSWERS, today=TODAY)
        classify_system(session, "bot", {"interacts_with_people": True}, today=TODAY)
        session.commit()
        assert [s.system_id for s in list_systems(session, "high-risk")] == ["cv-screening"]
        bot = get_system(session, "bot")
        assert bot.roles == (Role.DEPLOYER,) and bot.tier == "transparency"
