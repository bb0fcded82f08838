"""A backup restores to the same workspace, on SQLite and PostgreSQL, even one taken while
someone keeps writing; the audit key stays out of it unless asked."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from crosswalk.services.backup.archive import KEY, MANIFEST, BackupError, parse_manifest
from crosswalk.services.backup.backup import take_backup
from crosswalk.services.backup.restore import restore_backup
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_stream_evidence, verify
from crosswalk.services.evidence.trail import verify_trail
from crosswalk.store.audit import GENESIS, canonical, entry_hash
from crosswalk.store.engine import SCHEMA_HEAD, make_engine, migrate, session_scope
from crosswalk.store.models import AuditRow, ControlRow, EvidenceRow
from crosswalk.store.trail_seal import KEY_ENV, seal_engine, seal_of
from crosswalk.store.workspace import Workspace, open_workspace
from tests.services.backup.conftest import contents, fill, key_file, members


def _intact(workspace: Workspace) -> None:
    """The trail verifies with the workspace's key, and every evidence file is whole."""
    with session_scope(workspace.engine) as session:
        report = verify_trail(session)
        assert report.intact, report.problems
        files = verify(session, workspace.blobs)
        assert not files.failed and files.checked == files.ok


@pytest.fixture
def empty_postgres(request: pytest.FixtureRequest) -> Iterator[str]:
    """A second, empty PostgreSQL database to restore into (skips without PostgreSQL)."""
    server = request.getfixturevalue("_postgres_server")
    url: str = server.create_database("restore_")
    yield url
    server.drop_database(url)


def test_a_backup_restores_to_the_same_workspace(workspace: Workspace, tmp_path: Path) -> None:
    fill(workspace)
    archive = tmp_path / "acme.tar.gz"
    result = take_backup(workspace, archive)
    assert result.evidence_files == 3 and result.trail_problems == []
    assert result.source == workspace.engine.dialect.name

    restored = restore_backup(archive, tmp_path / "restored", key_file=key_file(workspace))
    assert restored.evidence_files == 3 and restored.trail_entries == result.trail_entries
    opened = open_workspace(tmp_path / "restored")
    try:
        assert opened.engine.dialect.name == "sqlite"  # a SQLite workspace, whatever the source
        assert contents(opened.engine) == contents(workspace.engine)
        _intact(opened)
        for name in ("policies/POL-1.md", "catalogs/frameworks/acme.yaml", "collectors.yaml"):
            assert (opened.root / name).read_bytes() == (workspace.root / name).read_bytes()
        with session_scope(opened.engine, actor="sam") as session:  # and it carries on
            add_control(session, ControlInput("AC-NEW", "After the restore"))
            session.commit()
        _intact(opened)
    finally:
        opened.close()


def test_a_backup_restores_into_an_empty_postgresql_database(
    workspace: Workspace, tmp_path: Path, empty_postgres: str
) -> None:
    fill(workspace)
    archive = tmp_path / "acme.tar"  # uncompressed, by its name
    take_backup(workspace, archive)
    restored = restore_backup(
        archive, tmp_path / "restored", database_url=empty_postgres, key_file=key_file(workspace)
    )
    assert restored.database.startswith("postgresql")
    opened = open_workspace(tmp_path / "restored")
    try:
        assert opened.engine.dialect.name == "postgresql"
        assert not (opened.root / "crosswalk.db").exists()
        assert contents(opened.engine) == contents(workspace.engine)
        with session_scope(opened.engine, actor="sam") as session:  # ids carry on after the rows
            add_control(session, ControlInput("AC-NEW", "After the restore"))
            session.commit()
        _intact(opened)
    finally:
        opened.close()


def test_a_non_empty_postgresql_database_is_refused(
    filled: Workspace, tmp_path: Path, empty_postgres: str
) -> None:
    archive = tmp_path / "acme.tar.gz"
    take_backup(filled, archive)
    engine = make_engine(empty_postgres)
    migrate(engine)
    engine.dispose()
    with pytest.raises(BackupError, match="is not empty"):
        restore_backup(
            archive, tmp_path / "restored", database_url=empty_postgres, key_file=key_file(filled)
        )
    assert not (tmp_path / "restored").exists()


def test_a_backup_taken_while_another_writer_keeps_going_restores_whole(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Controls and evidence keep arriving from another thread (its own engine, as another
    process would) while backups are taken; each restores with a verified trail, every
    file, and each control with its evidence (one commit each: never half of one)."""
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        other = open_workspace(workspace.root)
        try:
            number = 0
            while not stop.is_set():
                with session_scope(other.engine, actor="writer") as session:
                    add_control(session, ControlInput(f"W-{number}", "Written meanwhile"))
                    add_stream_evidence(
                        session,
                        other.blobs,
                        io.BytesIO(f"evidence {number}\n".encode() * 200),
                        f"w-{number}.txt",
                        "text/plain",
                        [f"W-{number}"],
                        EvidenceInput(title=f"W {number}"),
                    )
                    session.commit()
                written.append(number)
                number += 1
        except BaseException as error:
            failures.append(error)
        finally:
            other.close()

    fill(workspace)
    thread = threading.Thread(target=writer)
    thread.start()
    archives: list[Path] = []
    overlapped = False
    try:
        deadline = time.monotonic() + 30
        while len(written) < 3 and time.monotonic() < deadline and not failures:
            time.sleep(0.01)
        for attempt in range(6):
            before = len(written)
            archive = tmp_path / f"during-{attempt}.tar.gz"
            take_backup(workspace, archive)
            archives.append(archive)
            overlapped |= len(written) > before
            if overlapped and len(archives) >= 2:
                break
    finally:
        stop.set()
        thread.join(timeout=60)
    assert failures == []
    assert overlapped, "the writer never wrote during a backup"
    for archive in archives:
        folder = tmp_path / archive.name.removesuffix(".tar.gz")
        restore_backup(archive, folder, key_file=key_file(workspace))
        opened = open_workspace(folder)
        try:
            _intact(opened)
            with session_scope(opened.engine) as session:
                controls = session.scalar(
                    select(func.count()).where(ControlRow.control_id.like("W-%"))
                )
                evidence = session.scalar(select(func.count()).where(EvidenceRow.title.like("W %")))
            assert controls == evidence
            assert len(list(opened.blobs.all_hashes())) == 3 + evidence
        finally:
            opened.close()


def test_the_audit_key_is_left_out_unless_asked(filled: Workspace, tmp_path: Path) -> None:
    secret = key_file(filled).read_bytes().strip()
    plain = tmp_path / "plain.tar"
    result = take_backup(filled, plain)
    assert not result.key_included and "NOT in the archive" in result.key_note
    assert secret not in plain.read_bytes() and KEY not in members(plain)
    with pytest.raises(BackupError, match="audit key is not in the archive"):
        restore_backup(plain, tmp_path / "without-key")
    assert not (tmp_path / "without-key").exists()

    keyed = tmp_path / "keyed.tar.gz"
    result = take_backup(filled, keyed, include_key=True)
    assert result.key_included and "IS in this archive" in result.key_note
    assert parse_manifest(keyed, members(keyed)[MANIFEST]).key_included
    restored = restore_backup(keyed, tmp_path / "with-key")  # no --key-file needed
    assert "archive" in restored.key_from
    assert key_file(open_workspace(tmp_path / "with-key")).read_bytes().strip() == secret


def test_a_server_key_from_the_environment_verifies_and_must_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "server-held-key")
    from crosswalk.store.workspace import init_workspace

    workspace, _ = init_workspace(tmp_path / "ws")
    try:
        fill(workspace)
        archive = tmp_path / "server.tar.gz"
        assert f"${KEY_ENV}" in take_backup(workspace, archive).key_note
    finally:
        workspace.close()
    restored = restore_backup(archive, tmp_path / "restored")
    assert restored.key_from == f"${KEY_ENV}" and any(KEY_ENV in n for n in restored.notes)
    (tmp_path / "other.key").write_text("another key\n", encoding="utf-8")
    with pytest.raises(BackupError, match=f"{KEY_ENV} is set to another key"):
        restore_backup(archive, tmp_path / "mismatch", key_file=tmp_path / "other.key")
    assert not (tmp_path / "mismatch").exists()


def test_an_older_schema_is_migrated_forward(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    (root / "crosswalk.toml").write_text('[workspace]\nname = "old"\n', encoding="utf-8")
    old = Workspace(root, "old", f"sqlite:///{root / 'crosswalk.db'}")
    migrate(old.engine, "0005")
    seal_engine(old.engine, root)
    after = canonical(
        {
            "control_id": "AC-1", "title": "Old", "description": "", "owner": None,
            "frequency": None, "frequency_text": None, "status": "operating", "evidence": "",
        }
    )  # fmt: skip
    at = datetime(2026, 1, 1, tzinfo=UTC)
    sealed = entry_hash(
        GENESIS, at, "old", "create", "control", "AC-1", None, after, seal_of(old.engine).key
    )
    with old.engine.begin() as connection:  # as a Crosswalk of schema 0005 wrote it
        connection.execute(
            text(
                "INSERT INTO controls (control_id, title, description, status, evidence,"
                " created_at, updated_at) VALUES ('AC-1', 'Old', '', 'operating', '',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            insert(AuditRow).values(
                at=at, actor="old", action="create", entity="control", entity_key="AC-1",
                before=None, after=after, prev_hash=GENESIS, hash=sealed,
            )
        )  # fmt: skip
    archive = tmp_path / "old.tar.gz"
    assert take_backup(old, archive).schema_revision == "0005"
    old.close()
    restored = restore_backup(archive, tmp_path / "restored", key_file=key_file(old))
    assert restored.migrated and restored.schema_revision == "0005"
    opened = open_workspace(tmp_path / "restored")
    try:
        assert contents(opened.engine)["alembic_version"] == [(SCHEMA_HEAD,)]  # the newest
        assert [row[1] for row in contents(opened.engine)["controls"]] == ["AC-1"]
        _intact(opened)
    finally:
        opened.close()


def test_a_missing_or_altered_evidence_file_stops_the_backup(
    filled: Workspace, tmp_path: Path
) -> None:
    sha256 = next(iter(filled.blobs.all_hashes()))
    path = filled.blobs.path(sha256)
    original = path.read_bytes()
    archive = tmp_path / "out" / "acme.tar.gz"
    archive.parent.mkdir()
    path.unlink()
    with pytest.raises(BackupError, match=r"1 evidence file\(s\) the database references"):
        take_backup(filled, archive)
    assert list(archive.parent.iterdir()) == []  # no archive, no temporary file left
    path.write_bytes(original.upper())
    with pytest.raises(BackupError, match="no longer matches its hash"):
        take_backup(filled, archive)
    assert list(archive.parent.iterdir()) == []


def test_an_existing_archive_is_replaced_only_when_asked(filled: Workspace, tmp_path: Path) -> None:
    archive = tmp_path / "acme.tar.gz"
    archive.write_bytes(b"last night's backup")
    with pytest.raises(BackupError, match="already exists"):
        take_backup(filled, archive)
    assert archive.read_bytes() == b"last night's backup"
    take_backup(filled, archive, replace=True)
    assert MANIFEST in members(archive)
