"""How far the ISMS carries each AI Act obligation: the ISO requirements it intersects with,
each with the gap analysis's own verdict for the workspace, and the AI-specific rest."""

from __future__ import annotations

from datetime import date

from crosswalk.catalogs.loader import Library
from crosswalk.services.ai.coverage import AI_SPECIFIC, CARRIED, NOT_YET, ai_coverage
from crosswalk.services.ai.systems import AiSystemInput, add_system, classify_system
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.coverage.gap import run_gap
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 12, 7)


def test_logging_carries_record_keeping_and_the_rest_is_ai_work(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("LOG-1", "Central logging", owner="Sam"))
        tag_control(session, library, "LOG-1", ["iso27001-2022:A.8.15"])
        add_system(session, AiSystemInput("cv", "CV screening", roles=["provider", "deployer"]))
        classify_system(
            session, "cv", {"annex_iii_area": "employment", "fria_public_service": True}
        )
        session.commit()
        coverage = ai_coverage(session, library, "cv", today=TODAY)
        by = {(o.role, o.ref): o for o in coverage.obligations}
        art12 = by[("provider", "Art. 12")]
        assert art12.carried == CARRIED
        logging = next(s for s in art12.supports if s.iso_ref == "A.8.15")
        gap = {v.ref: v for v in run_gap(session, library, today=TODAY).annex_a}
        # the same verdict and explanation as the gap analysis shows for A.8.15
        assert logging.verdict == gap["A.8.15"].verdict == "covered"
        assert logging.controls == tuple(gap["A.8.15"].controls) == ("LOG-1",)
        assert logging.explanation == (*gap["A.8.15"].basis, *gap["A.8.15"].why_not_higher)
        assert "logs across all systems is not addressed" in logging.note
        # a fundamental-rights impact assessment has no ISO counterpart: AI-specific, with why
        fria = by[("deployer", "Art. 27")]
        assert fria.carried == AI_SPECIFIC and "fundamental rights" in fria.explanation
        # data governance and human oversight reach ISO only tangentially
        assert by[("provider", "Art. 10")].carried == AI_SPECIFIC
        assert by[("provider", "Art. 14")].carried == AI_SPECIFIC
        assert all(s.weak for s in by[("provider", "Art. 14")].supports)
        # the quality management system builds on ISMS clauses not in place in this workspace
        qms = by[("provider", "Art. 17")]
        assert qms.carried == NOT_YET and "4.4" in qms.explanation
        assert {o.ref for o in coverage.ai_specific} >= {"Art. 27", "Art. 10", "Art. 6(2)"}


def test_no_systems_no_obligations(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        assert ai_coverage(session, library, today=TODAY).obligations == ()
