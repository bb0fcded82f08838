"""Evidence stored once, counted through the crosswalk, verified, and safe against crashes."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.evidence.evidence import (
    EvidenceError,
    EvidenceInput,
    add_file_evidence,
    add_url_evidence,
    link,
    unlink,
    verify,
)
from crosswalk.services.evidence.reaching import requirement_evidence
from crosswalk.store.blobs import LocalBlobStore
from crosswalk.store.engine import session_scope
from crosswalk.store.models import EvidenceRow
from crosswalk.store.workspace import Workspace, init_workspace


def seed(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Quarterly access review", owner="Dana"))
        tag_control(session, library, "AC-1", ["soc2-tsc-2017:CC6.2"])
        add_control(session, ControlInput("AC-2", "Privileged access review", owner="Dana"))
        session.commit()


def test_evidence_on_cc6_2_counts_for_iso_a_5_18(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    review = tmp_path / "access-review-q1.csv"
    review.write_text("user,decision\nana,keep\nbob,revoke\n")
    with session_scope(workspace.engine) as session:
        row = add_file_evidence(
            session,
            workspace.blobs,
            review,
            ["AC-1"],
            EvidenceInput("Q1 access review", performed_start=date(2026, 3, 31)),
        )
        session.commit()
        found = requirement_evidence(session, library, "iso27001-2022:A.5.18")
    assert [(p.evidence_id, p.control_id, p.tagged) for p in found] == [
        (row.id, "AC-1", "soc2-tsc-2017:CC6.2")
    ]
    assert found[0].relationship and "soc2-to-iso27001-2022" in found[0].path
    stored = Path(workspace.blobs.location(row.sha256 or ""))
    assert stored.read_bytes() == review.read_bytes()


def test_the_same_file_is_stored_once(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    path = tmp_path / "policy.pdf"
    path.write_bytes(b"%PDF-1.7 policy")
    with session_scope(workspace.engine) as session:
        first = add_file_evidence(session, workspace.blobs, path, ["AC-1"], EvidenceInput("a"))
        second = add_file_evidence(session, workspace.blobs, path, ["AC-2"], EvidenceInput("b"))
        session.commit()
    assert first.sha256 == second.sha256
    assert list(workspace.blobs.all_hashes()) == [first.sha256]


def test_link_unlink_and_bad_input_change_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    path = tmp_path / "e.txt"
    path.write_text("x")
    with session_scope(workspace.engine) as session:
        row = add_file_evidence(session, workspace.blobs, path, ["AC-1"], EvidenceInput("e"))
        assert link(session, row.id, ["AC-2", "AC-1"]) == ["AC-2"]
        assert unlink(session, row.id, ["AC-1"]) == ["AC-1"]
        with pytest.raises(EvidenceError, match="would support no control"):
            unlink(session, row.id, ["AC-2"])
        with pytest.raises(EvidenceError, match="neither a file nor an http"):
            add_url_evidence(session, "ftp://x", ["AC-1"], EvidenceInput("x"))
        with pytest.raises(EvidenceError, match=r"ends .* before it starts"):
            add_file_evidence(
                session,
                workspace.blobs,
                path,
                ["AC-1"],
                EvidenceInput(
                    "x", performed_start=date(2026, 2, 1), performed_end=date(2026, 1, 1)
                ),
            )
        session.commit()
    with session_scope(workspace.engine) as session:
        before = session.scalar(select(func.count()).select_from(EvidenceRow))
        with pytest.raises(Exception, match="NOPE"):
            add_file_evidence(session, workspace.blobs, path, ["NOPE"], EvidenceInput("x"))
        session.rollback()
        assert session.scalar(select(func.count()).select_from(EvidenceRow)) == before


def test_verify_catches_an_altered_and_a_missing_file(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    paths = []
    for name in ("a.txt", "b.txt"):
        path = tmp_path / name
        path.write_text(f"content of {name}")
        paths.append(path)
    with session_scope(workspace.engine) as session:
        a = add_file_evidence(session, workspace.blobs, paths[0], ["AC-1"], EvidenceInput("a"))
        b = add_file_evidence(session, workspace.blobs, paths[1], ["AC-1"], EvidenceInput("b"))
        session.commit()
        assert not verify(session, workspace.blobs).failed
        Path(workspace.blobs.location(a.sha256 or "")).write_text("tampered")
        Path(workspace.blobs.location(b.sha256 or "")).unlink()
        report = verify(session, workspace.blobs)
    assert report.failed
    assert [e["evidence"] for e in report.altered] == [a.id]
    assert [e["evidence"] for e in report.missing] == [b.id]


CRASH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crosswalk.services.evidence.evidence import EvidenceInput, add_file_evidence
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace

    workspace = open_workspace(Path(sys.argv[1]))
    with session_scope(workspace.engine) as session:
        path = Path(sys.argv[2])
        add_file_evidence(session, workspace.blobs, path, ["AC-1"], EvidenceInput("crash"))
        session.commit()
    print("committed")
    """
)


@pytest.mark.parametrize("fault", ["after-blob", "after-row"])
def test_a_process_killed_mid_add_leaves_the_store_consistent(
    tmp_path: Path, library: Library, fault: str
) -> None:
    workspace, _ = init_workspace(tmp_path / "ws")
    seed(workspace, library)
    evidence = tmp_path / "big.bin"
    evidence.write_bytes(os.urandom(3 * 1024 * 1024))
    environment = {**os.environ, "CROSSWALK_TEST_FAULT": fault}
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path / "ws"), str(evidence)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -9 and "committed" not in result.stdout  # really killed
    with session_scope(workspace.engine) as session:
        assert session.scalar(select(func.count()).select_from(EvidenceRow)) == 0  # no orphan row
        report = verify(session, workspace.blobs)
    assert not report.failed
    temporary = workspace.blobs.temporary
    assert not temporary.exists() or not any(temporary.iterdir())  # no half file
    # the complete file may remain, unreferenced and reported, never counted as evidence
    assert len(report.unreferenced) <= 1
    workspace.close()


def test_large_files_stream_with_flat_memory(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    path = tmp_path / "large.bin"
    with path.open("wb") as handle:
        for _ in range(40):
            handle.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    with session_scope(workspace.engine) as session:
        add_file_evidence(session, workspace.blobs, path, ["AC-1"], EvidenceInput("large"))
        session.commit()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # a 40 MB file never sits in memory


KILLED_MID_COPY = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from crosswalk.store.blobs import LocalBlobStore

    class Killing:
        sent = 0
        def read(self, size=-1):
            if self.sent:
                os.kill(os.getpid(), signal.SIGKILL)
            self.sent += 1
            return os.urandom(1024 * 1024)

    LocalBlobStore(Path(sys.argv[1])).put(Killing())
    """
)


def test_a_copy_killed_midway_leaves_no_temporary_file_past_the_next_write(
    tmp_path: Path,
) -> None:
    """The half-written file of a process that is gone is removed at once, not after an hour;
    a live writer's is never touched."""
    store = LocalBlobStore(tmp_path / "evidence")
    result = subprocess.run(
        [sys.executable, "-c", KILLED_MID_COPY, str(store.root)], check=False, capture_output=True
    )
    assert result.returncode == -9
    left = list(store.temporary.iterdir())
    assert len(left) == 1 and left[0].stat().st_size >= 1024 * 1024
    live = store.temporary / f"put-{socket.gethostname()}-{os.getpid()}-inflight"
    live.write_bytes(b"a write in progress")
    store.put(io.BytesIO(b"the next add"))
    assert list(store.temporary.iterdir()) == [live]


def test_repair_removes_files_no_evidence_refers_to_once_past_the_grace_period(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    store = workspace.blobs
    path = tmp_path / "kept.txt"
    path.write_text("referenced")
    with session_scope(workspace.engine) as session:
        kept = add_file_evidence(session, store, path, ["AC-1"], EvidenceInput("kept"))
        session.commit()
    old = store.put(io.BytesIO(b"left by a killed add")).sha256
    recent = store.put(io.BytesIO(b"an add still committing")).sha256
    two_hours_ago = time.time() - 7200
    for sha256 in (old, kept.sha256):
        os.utime(store.path(sha256), (two_hours_ago, two_hours_ago))
    with session_scope(workspace.engine) as session:
        assert sorted(verify(session, store).unreferenced) == sorted([old, recent])
        report = verify(session, store, repair=True)
    assert report.removed == [old] and report.unreferenced == [recent]
    assert not store.exists(old) and store.exists(recent) and store.exists(kept.sha256)
    assert not report.failed


def test_an_add_that_reuses_an_old_orphan_keeps_it_from_the_sweep(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Identical content stored again refreshes the file, so a repair running alongside an
    add of that same content never deletes what the add is about to refer to."""
    seed(workspace, library)
    store = workspace.blobs
    orphan = store.put(io.BytesIO(b"same content")).sha256
    os.utime(store.path(orphan), (time.time() - 7200, time.time() - 7200))
    assert store.put(io.BytesIO(b"same content")).created is False
    assert store.remove_unreferenced(orphan) is False and store.exists(orphan)
