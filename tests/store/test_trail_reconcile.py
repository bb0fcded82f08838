"""A record changed in the database directly, behind the trail's back, is found: the trail
stays intact, but the stored row no longer matches the state the trail last recorded."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.demo.builder import DemoResult
from crosswalk.services.access.users import add_user, set_role
from crosswalk.services.controls.controls import (
    ControlInput,
    add_control,
    edit_control,
    tag_control,
)
from crosswalk.services.controls.retirement import delete_control, retire_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_stream_evidence, verify
from crosswalk.services.evidence.trail import ChainReport, verify_trail
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.store.auth_models import UserRow
from crosswalk.store.engine import session_scope
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow
from crosswalk.store.workspace import Workspace, open_workspace

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.tampers


@pytest.fixture
def busy(workspace: Workspace, library: Library) -> Workspace:
    """A workspace changed the ways users change one: added, edited, tagged, retired,
    deleted, evidence linked, an asset linked to controls, an account given a new role."""
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        for number in range(1, 5):
            add_control(session, ControlInput(f"AC-{number}", "Access review", owner="Dana"))
        tag_control(session, library, "AC-1", ["iso27001-2022:A.5.15"])
        edit_control(session, "AC-2", title="Quarterly access review", status="planned")
        session.commit()
        retire_control(session, "AC-3", "replaced by AC-1", on=date(2026, 3, 1))
        delete_control(session, "AC-4")
        add_stream_evidence(
            session,
            workspace.blobs,
            io.BytesIO(b"review export"),
            "review.csv",
            "text/csv",
            ["AC-1", "AC-2"],
            EvidenceInput("Q1 access review", performed_start=date(2026, 2, 1)),
            today=date(2026, 3, 31),
        )
        add_asset(session, AssetInput("APP-1", "Billing app", controls=["AC-1", "AC-2"]))
        add_user(session, "ana@example.com", "auditor", PASSWORD)
        session.commit()
        set_role(session, "ana@example.com", "editor")
        session.commit()
    return workspace


@contextmanager
def _behind_the_trail(workspace: Workspace) -> Iterator[Session]:
    """A change made in the database directly (SQL a forger would run), committed."""
    with session_scope(workspace.engine) as session:
        yield session
        session.commit()


def _report(workspace: Workspace) -> ChainReport:
    with session_scope(workspace.engine) as session:
        return verify_trail(session)


def _drift(workspace: Workspace) -> list[str]:
    return [f"{d.entity} {d.key}: {d.message}" for d in _report(workspace).drift]


def test_records_changed_only_through_crosswalk_match_the_trail(busy: Workspace) -> None:
    report = _report(busy)
    assert report.intact, report
    # 3 controls, 1 tag, 1 evidence, 2 links, 1 asset, 1 user, at least
    assert report.reconciled >= 9


def test_the_demo_workspace_matches_its_trail(demo: DemoResult) -> None:
    workspace = open_workspace(demo.folder)
    try:
        report = _report(workspace)
    finally:
        workspace.close()
    assert report.drift == [] and report.reconciled > 100


def test_a_status_edited_in_the_database_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(
            update(ControlRow).where(ControlRow.control_id == "AC-2").values(status="operating")
        )
    assert _drift(busy) == [
        "control AC-2: changed without a trail entry: status is 'operating' in the database"
        " but 'planned' in the trail"
    ]
    assert not _report(busy).intact


def test_a_control_deleted_or_added_in_the_database_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(delete(ControlRow).where(ControlRow.control_id == "AC-3"))
        session.execute(
            insert(ControlRow).values(
                control_id="AC-9", title="Made up", status="operating", evidence=""
            )
        )
    drift = _drift(busy)
    assert (
        "control AC-3: recorded in the trail but missing from the database: deleted behind its back"
        in drift
    )
    assert (
        "control AC-9: in the database but never recorded in the trail: added behind its back"
        in drift
    )


def test_a_deleted_control_put_back_in_the_database_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(
            insert(ControlRow).values(
                control_id="AC-4", title="Access review", status="operating", evidence=""
            )
        )
    assert _drift(busy) == ["control AC-4: in the database, but the trail last recorded it deleted"]


def test_a_back_dated_evidence_date_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(update(EvidenceRow).values(performed_start=date(2025, 12, 1)))
    assert _drift(busy) == [
        "evidence 1: changed without a trail entry: performed_start is '2025-12-01' in the"
        " database but '2026-02-01' in the trail"
    ]


def test_a_swapped_file_with_its_hash_updated_is_found(busy: Workspace) -> None:
    """The evidence check alone passes: the new file matches the new hash. The trail does not."""
    forged = busy.blobs.put(io.BytesIO(b"a better looking export"))
    with _behind_the_trail(busy) as session:
        session.execute(update(EvidenceRow).values(sha256=forged.sha256, size=forged.size))
    with session_scope(busy.engine) as session:
        assert not verify(session, busy.blobs).failed
    drift = _drift(busy)
    assert len(drift) == 1 and drift[0].startswith("evidence 1: changed without a trail entry:")
    assert "sha256 is" in drift[0] and "size is 23 in the database but 13 in the trail" in drift[0]


def test_a_link_or_an_asset_link_removed_in_the_database_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(
            delete(EvidenceLinkRow).where(
                EvidenceLinkRow.control_pk
                == select(ControlRow.id).where(ControlRow.control_id == "AC-1").scalar_subquery()
            )
        )
        session.execute(
            text(
                "DELETE FROM asset_control_links WHERE control_pk = "
                "(SELECT id FROM controls WHERE control_id = 'AC-2')"
            )
        )
    assert _drift(busy) == [
        "asset APP-1: changed without a trail entry: controls is ['AC-1'] in the database but"
        " ['AC-1', 'AC-2'] in the trail",
        "evidence_link evidence 1 -> AC-1: recorded in the trail but missing from the database:"
        " deleted behind its back",
    ]


def test_a_role_given_in_the_database_is_found(busy: Workspace) -> None:
    with _behind_the_trail(busy) as session:
        session.execute(
            update(UserRow).where(UserRow.email == "ana@example.com").values(role="admin")
        )
    assert _drift(busy) == [
        "user ana@example.com: changed without a trail entry: role is 'admin' in the database"
        " but 'editor' in the trail"
    ]
