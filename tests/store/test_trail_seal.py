"""The audit trail cannot be quietly rewritten: entries are sealed with a key the database
does not hold, the newest entry is checkpointed outside the database, and an anchor line
kept elsewhere catches even someone holding both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from crosswalk.services.controls.controls import ControlInput, add_control, edit_control
from crosswalk.services.evidence.trail import trail_anchor, verify_trail
from crosswalk.store.audit import entry_hash
from crosswalk.store.engine import session_scope
from crosswalk.store.models import AuditRow
from crosswalk.store.trail_seal import KEY_FILE, SEAL_FOLDER, Head, seal_of, write_head
from crosswalk.store.workspace import Workspace, init_workspace


@pytest.fixture
def sealed(tmp_path: Path) -> Iterator[Workspace]:
    workspace, _created = init_workspace(tmp_path / "acme")
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        for number in range(1, 6):
            add_control(session, ControlInput(f"AC-{number}", "Access review"))
            session.commit()
        edit_control(session, "AC-1", title="Quarterly access review")
        session.commit()
    yield workspace
    workspace.close()


def _problems(workspace: Workspace, anchor: str | None = None) -> list[str]:
    with session_scope(workspace.engine) as session:
        return [f"#{p.entry_id} {p.message}" for p in verify_trail(session, anchor).problems]


def _rehash(session: Session, key: bytes | None, start: int) -> None:
    """Recompute every hash from entry ``start`` on, as a forger would."""
    rows = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
    previous = next((r.hash for r in rows if r.id == start - 1), "0" * 64)
    for row in rows:
        if row.id < start:
            continue
        row.prev_hash = previous
        row.hash = entry_hash(
            previous, row.at, row.actor, row.action, row.entity, row.entity_key,
            row.before, row.after, seal_key=key,
        )  # fmt: skip
        previous = row.hash
    session.flush()


def test_an_untouched_trail_verifies_and_its_key_is_private(sealed: Workspace) -> None:
    assert _problems(sealed) == []
    key = sealed.root / SEAL_FOLDER / KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600
    with session_scope(sealed.engine) as session:
        row = session.scalars(select(AuditRow).limit(1)).one()
        plain = entry_hash(
            row.prev_hash, row.at, row.actor, row.action, row.entity, row.entity_key,
            row.before, row.after,
        )  # fmt: skip
        assert row.hash != plain  # sealed: the product's hash alone cannot forge it


def test_deleting_the_newest_entries_or_all_of_them_is_found(sealed: Workspace) -> None:
    with session_scope(sealed.engine) as session:
        newest = session.scalar(select(AuditRow.id).order_by(AuditRow.id.desc()).limit(1))
        session.execute(delete(AuditRow).where(AuditRow.id == newest))
        session.commit()
    assert any("is missing" in p and "deleted" in p for p in _problems(sealed))
    with session_scope(sealed.engine) as session:
        session.execute(delete(AuditRow))
        session.commit()
        assert verify_trail(session).checked == 0
    assert any("entries were deleted" in p for p in _problems(sealed))


def test_an_edit_with_every_later_hash_recomputed_without_the_key_is_found(
    sealed: Workspace,
) -> None:
    with session_scope(sealed.engine) as session:
        session.execute(
            update(AuditRow).where(AuditRow.id == 2).values(actor="someone-else@example.com")
        )
        _rehash(session, None, 2)
        session.commit()
    found = _problems(sealed)
    assert any(p.startswith("#2 ") for p in found)
    assert any("the trail was rewritten" in p for p in found)


def test_a_forged_entry_appended_is_found(sealed: Workspace) -> None:
    with session_scope(sealed.engine) as session:
        last = session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).one()
        values = {
            "at": last.at, "actor": "forger", "action": "update", "entity": "control",
            "entity_key": "AC-2", "before": None, "after": '{"status":"operating"}',
            "prev_hash": last.hash,
        }  # fmt: skip
        digest = entry_hash(
            last.hash, last.at, "forger", "update", "control", "AC-2", None, str(values["after"])
        )
        session.execute(insert(AuditRow).values(**values, hash=digest))
        session.commit()
    assert any("not sealed with the workspace's key" in p for p in _problems(sealed))


def test_a_rewrite_by_someone_holding_the_key_is_caught_by_the_anchor(sealed: Workspace) -> None:
    with session_scope(sealed.engine) as session:
        anchor = trail_anchor(session)
        assert anchor is not None and anchor.startswith("crosswalk-trail-anchor:1:")
        session.execute(update(AuditRow).where(AuditRow.id == 3).values(actor="mallory"))
        seal = seal_of(sealed.engine)
        _rehash(session, seal.key, 3)
        session.commit()
        newest = session.execute(
            select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)
        ).one()
    assert seal.head is not None
    seal.head.unlink()  # the forger rewrites the checkpoint too
    write_head(seal, Head(newest[0], newest[1]))
    assert _problems(sealed) == []  # everything in the workspace agrees now...
    assert any("the anchor given" in p and "rewritten" in p for p in _problems(sealed, anchor))


def test_entries_written_before_sealing_still_verify(tmp_path: Path) -> None:
    workspace, _created = init_workspace(tmp_path / "old")
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        session.flush()
        _rehash(session, None, 1)  # as an older version wrote it: plain hashes
        session.commit()
        add_control(session, ControlInput("AC-2", "Leavers"))  # sealed from here on
        session.commit()
    assert _problems(workspace) == []
    workspace.close()


def test_commits_on_several_threads_move_the_checkpoint_without_failing(sealed: Workspace) -> None:
    """A web worker commits from many threads at once (eight evidence uploads): each moves the
    checkpoint; none may fail after its commit (a 500 for a stored upload) or move it back."""
    import threading

    seal = seal_of(sealed.engine)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def advance(offset: int) -> None:
        start.wait()
        try:
            for step in range(200):
                write_head(seal, Head(1000 + step * 8 + offset, "f" * 64))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=advance, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert seal.head is not None
    assert '"entry": 2599' in seal.head.read_text(encoding="utf-8")
    assert not list(seal.head.parent.glob("*.tmp"))
