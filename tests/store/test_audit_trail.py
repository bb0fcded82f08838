"""Every change is in the hash-chained trail, and tampering with it is detected."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.controls import (
    ControlInput,
    add_control,
    edit_control,
    tag_control,
)
from crosswalk.services.evidence.trail import list_entries, verify_trail
from crosswalk.store.engine import session_scope
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace


def changes(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
        session.commit()
        tag_control(session, library, "AC-1", ["cc6.2"])
        edit_control(session, "AC-1", owner="Priya")
        session.commit()


def test_every_change_is_recorded_with_who_and_before_after(
    workspace: Workspace, library: Library
) -> None:
    changes(workspace, library)
    with session_scope(workspace.engine) as session:
        entries = list_entries(session)
        report = verify_trail(session)
    assert [(e.action, e.entity) for e in entries] == [
        ("create", "control"),
        ("create", "control_tag"),
        ("update", "control"),
    ]
    update = entries[-1]
    assert update.actor == "dana@example.com"
    assert json.loads(update.before or "{}")["owner"] == "Dana"
    assert json.loads(update.after or "{}")["owner"] == "Priya"
    assert report.intact and report.checked == 3


def test_an_edited_entry_breaks_the_chain(workspace: Workspace, library: Library) -> None:
    changes(workspace, library)
    with session_scope(workspace.engine) as session:
        first = session.scalar(select(AuditRow.id).order_by(AuditRow.id))
        session.execute(
            text("UPDATE audit_log SET actor = 'mallory' WHERE id = :id"), {"id": first}
        )
        session.commit()
        report = verify_trail(session)
    assert not report.intact
    assert [p.entry_id for p in report.problems] == [first]
    assert "edited" in report.problems[0].message


@pytest.mark.tampers
def test_a_deleted_or_inserted_entry_breaks_the_chain(
    workspace: Workspace, library: Library
) -> None:
    changes(workspace, library)
    with session_scope(workspace.engine) as session:
        ids = list(session.scalars(select(AuditRow.id).order_by(AuditRow.id)))
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
        session.commit()
        report = verify_trail(session)
    assert not report.intact
    assert any(p.entry_id == ids[2] and "inserted or removed" in p.message for p in report.problems)


def test_linking_controls_to_an_asset_is_in_the_trail(
    workspace: Workspace, library: Library
) -> None:
    from crosswalk.store.isms_models import AssetRow

    changes(workspace, library)
    with session_scope(workspace.engine, actor="sam") as session:
        from crosswalk.services.controls.controls import control_row

        asset = AssetRow(asset_id="DB-1", name="Database", in_isms_scope=True)
        session.add(asset)
        session.commit()
        asset.controls.append(control_row(session, "AC-1"))
        session.commit()
        entries = list_entries(session, entity="asset")
        report = verify_trail(session)
    assert [(e.action, e.entity_key) for e in entries] == [("create", "DB-1"), ("update", "DB-1")]
    assert json.loads(entries[-1].before or "{}")["controls"] == []
    assert json.loads(entries[-1].after or "{}")["controls"] == ["AC-1"]
    assert report.intact


def test_a_tag_dropped_from_a_controls_list_is_recorded_as_deleted(workspace: Workspace) -> None:
    """Replacing a control's tags (what an import does when criteria change) deletes the
    dropped tag inside the flush; the trail used to miss it."""
    from crosswalk.services.controls.controls import control_row, set_tags

    with session_scope(workspace.engine, actor="dana@example.com") as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        set_tags(
            control_row(session, "AC-1"),
            [("soc2-tsc-2017:CC6.2", "full"), ("soc2-tsc-2017:CC6.3", "full")],
        )
        session.commit()
        set_tags(control_row(session, "AC-1"), [("soc2-tsc-2017:CC6.2", "full")], "soc2-tsc-2017")
        session.commit()
        entries = list_entries(session)
    assert [(e.action, e.entity_key) for e in entries if e.entity == "control_tag"] == [
        ("create", "AC-1 -> soc2-tsc-2017:CC6.2"),
        ("create", "AC-1 -> soc2-tsc-2017:CC6.3"),
        ("delete", "AC-1 -> soc2-tsc-2017:CC6.3"),
    ]
