"""Taking a control out of the program: retired with a reason (out of coverage, history and
evidence kept, still tested in a Type 2 window up to that day), or deleted when nothing
refers to it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import OperatingStatus
from crosswalk.domain.frequency import Frequency
from crosswalk.services.controls.controls import (
    ControlError,
    ControlInput,
    add_control,
    all_facts,
    get_control,
    list_controls,
    tag_control,
)
from crosswalk.services.controls.retirement import (
    control_links,
    delete_control,
    restore_control,
    retire_control,
)
from crosswalk.services.coverage.explorer import assess_framework
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.evidence.window import run_window
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.models import AuditRow, ControlRow, EvidenceLinkRow
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 11, 27)
ISO = "iso27001-2022"


def _access_review(session: Session, library: Library, control_id: str = "AC-1") -> None:
    add_control(
        session,
        ControlInput(
            control_id, "Quarterly access review", owner="Dana", frequency=Frequency.QUARTERLY
        ),
    )
    tag_control(session, library, control_id, [f"{ISO}:A.5.18"])


def _verdict(session: Session, library: Library) -> str:
    assessments = assess_framework(session, library, ISO, TODAY)
    return assessments[f"{ISO}:A.5.18"].verdict.value


def test_a_retired_control_drops_out_of_coverage_and_comes_back_when_restored(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        _access_review(session, library)
        session.commit()
        reached = _verdict(session, library)
        assert reached != "gap"

        done = retire_control(session, "ac-1", "replaced by SSO reviews", date(2026, 11, 1))
        session.commit()
        assert (done.control_id, done.retired_on, done.retired_by) == (
            "AC-1",
            date(2026, 11, 1),
            "dana@example.com",
        )
        assert _verdict(session, library) == "gap"
        assert all_facts(session) == []
        assert list_controls(session) == []
        [retired] = list_controls(session, retired=True)
        assert (retired.retired_on, retired.retired_reason) == (
            date(2026, 11, 1),
            "replaced by SSO reviews",
        )
        # Still there to read, with its tags.
        assert [t.key for t in get_control(session, "AC-1").tags] == [f"{ISO}:A.5.18"]

        restore_control(session, "AC-1")
        session.commit()
        assert _verdict(session, library) == reached
        assert [c.control_id for c in list_controls(session)] == ["AC-1"]


def test_retiring_needs_a_reason_happens_once_and_is_never_dated_ahead(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _access_review(session, library)
        with pytest.raises(ControlError, match="needs a reason"):
            retire_control(session, "AC-1", "   ")
        with pytest.raises(ControlError, match="in the future"):
            retire_control(session, "AC-1", "gone", date(2999, 1, 1))
        retire_control(session, "AC-1", "gone")
        with pytest.raises(ControlError, match=r"already retired.*controls restore AC-1"):
            retire_control(session, "AC-1", "gone again")
        restore_control(session, "AC-1")
        with pytest.raises(ControlError, match="is not retired"):
            restore_control(session, "AC-1")


def test_retiring_keeps_evidence_and_records_who_why_and_when_in_the_trail(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        _access_review(session, library)
        add_url_evidence(
            session, "https://tickets.example.com/AR-1", ["AC-1"], EvidenceInput("Q3 review"), TODAY
        )
        session.commit()
        retire_control(session, "AC-1", "merged into AC-9")
        session.commit()
        links = session.scalars(select(EvidenceLinkRow)).all()
        assert len(links) == 1
        entry = session.scalars(
            select(AuditRow)
            .where(AuditRow.entity == "control", AuditRow.action == "update")
            .order_by(AuditRow.id.desc())
        ).first()
        assert entry is not None and entry.actor == "dana@example.com"
        after = json.loads(entry.after or "{}")
        assert after["retired_reason"] == "merged into AC-9"
        assert after["retired_by"] == "dana@example.com"


def test_delete_is_only_for_a_control_nothing_refers_to(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        _access_review(session, library, "AC-1")
        _access_review(session, library, "AC-2")
        add_url_evidence(
            session, "https://tickets.example.com/AR-1", ["AC-1"], EvidenceInput("Q3 review"), TODAY
        )
        session.commit()
        assert control_links(session, "AC-1").describe() == "1 piece of evidence"
        with pytest.raises(ControlError, match=r"referred to by 1 piece of evidence\..*--reason"):
            delete_control(session, "AC-1")
        assert delete_control(session, "ac-2") == "AC-2"
        session.commit()
        assert session.scalars(select(ControlRow.control_id)).all() == ["AC-1"]
        deleted = session.scalars(
            select(AuditRow.entity_key).where(AuditRow.action == "delete")
        ).all()
        assert "AC-2" in deleted
        assert f"AC-2 -> {ISO}:A.5.18" in deleted


def test_a_control_retired_in_the_window_is_tested_up_to_that_day(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        for control_id in ("AC-1", "AC-2", "AC-3"):
            _access_review(session, library, control_id)
        for quarter_end in (date(2026, 3, 31), date(2026, 6, 30)):
            data = EvidenceInput("review", performed_start=quarter_end, performed_end=quarter_end)
            add_url_evidence(session, f"https://t.example.com/{quarter_end}", ["AC-2"], data, TODAY)
        retire_control(session, "AC-2", "moved to the IdP", date(2026, 7, 15))
        retire_control(session, "AC-3", "retired before the window", date(2025, 6, 1))
        session.commit()
        report = run_window(session, library, date(2026, 1, 1), date(2026, 12, 31))
    by_id = {c.control_id: c for c in report.controls}
    assert sorted(by_id) == ["AC-1", "AC-2"]  # AC-3 was gone before the window opened
    ac2 = by_id["AC-2"]
    assert ac2.retired_on == date(2026, 7, 15)
    assert ac2.missing == []  # Q1 and Q2 have evidence; Q3 was cut short by the retirement
    assert len(by_id["AC-1"].missing) == 4


def test_a_retirement_survives_export_and_apply(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        _access_review(session, library)
        retire_control(session, "AC-1", "replaced", date(2026, 11, 1))
        session.commit()
        export_program(session, tmp_path / "program")
    text = (tmp_path / "program" / "controls" / "AC-1.yaml").read_text(encoding="utf-8")
    assert "retired:\n  date: '2026-11-01'\n  reason: replaced\n  by: dana@example.com\n" in text
    with session_scope(workspace.engine) as session:
        restore_control(session, "AC-1")
        session.commit()
        report = apply_program(session, library, tmp_path / "program")
        assert report.changes["AC-1"] == ["retired_on", "retired_reason", "retired_by"]
        session.commit()
        assert get_control(session, "AC-1").retired_on == date(2026, 11, 1)
        assert all_facts(session) == []


def test_status_is_not_retirement(workspace: Workspace, library: Library) -> None:
    """On paper still counts as a (weak) control in the program; retired does not count."""
    with session_scope(workspace.engine) as session:
        _access_review(session, library)
        session.execute(ControlRow.__table__.update().values(status=OperatingStatus.ON_PAPER.value))
        assert [f.control_id for f in all_facts(session)] == ["AC-1"]
