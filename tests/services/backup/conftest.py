"""What the backup tests share: a workspace with something in every place a backup reads,
a normalised view of every table, and a way to rewrite an archive as an attacker would."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from crosswalk.services.backup.archive import MANIFEST, parse_manifest
from crosswalk.services.controls.controls import ControlInput, add_control, control_row
from crosswalk.services.evidence.evidence import EvidenceInput, add_stream_evidence
from crosswalk.store.engine import session_scope
from crosswalk.store.models import Base, TagRow
from crosswalk.store.trail_seal import KEY_FILE, SEAL_FOLDER
from crosswalk.store.workspace import Workspace

POLICY = "---\nid: POL-1\ntitle: Access policy\n---\nWho gets access.\n"


def fill(workspace: Workspace, controls: int = 3, prefix: str = "AC") -> None:
    """Controls with tags and an evidence file each, and the workspace's own files."""
    with session_scope(workspace.engine, actor="dana@example.com") as session:
        for number in range(controls):
            control_id = f"{prefix}-{number}"
            add_control(session, ControlInput(control_id, f"Control {number}", owner="Dana"))
            row = control_row(session, control_id)
            row.tags.append(TagRow(framework="soc2-tsc-2017", ref="CC6.1", coverage="full"))
            add_stream_evidence(
                session,
                workspace.blobs,
                io.BytesIO(f"review {prefix} {number}\n".encode()),
                f"review-{number}.csv",
                "text/csv",
                [control_id],
                EvidenceInput(title=f"Review {number}"),
            )
            session.commit()
    root = workspace.root
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies" / "POL-1.md").write_text(POLICY, encoding="utf-8")
    (root / "catalogs" / "frameworks").mkdir(parents=True, exist_ok=True)
    (root / "catalogs" / "frameworks" / "acme.yaml").write_text("format: x\n", encoding="utf-8")
    (root / "collectors.yaml").write_text("format: crosswalk/collectors@1\n", encoding="utf-8")


def key_file(workspace: Workspace) -> Path:
    return workspace.root / SEAL_FOLDER / KEY_FILE


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows through the column types (so SQLite and PostgreSQL compare)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            found[table.name] = [tuple(_plain(value) for value in row) for row in rows]
        found["alembic_version"] = [
            tuple(row)
            for row in connection.execute(text("SELECT version_num FROM alembic_version"))
        ]
    return found


def members(archive: Path) -> dict[str, bytes]:
    """Every member's bytes, in the archive's order."""
    with tarfile.open(archive, "r:*") as tar:
        found: dict[str, bytes] = {}
        for member in tar:
            handle = tar.extractfile(member)
            found[member.name] = handle.read() if handle is not None else b""
        return found


def write_members(archive: Path, content: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(archive, mode) as tar:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def reseal(content: dict[str, bytes], key: bytes) -> dict[str, bytes]:
    """The manifest recomputed for the members as they now are, sealed with ``key``: what
    someone holding the key could do."""
    import hashlib

    manifest = parse_manifest(Path("x"), content[MANIFEST])
    manifest.members = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in content.items()
        if name != MANIFEST
    }
    manifest.seal = manifest.sealed_with(key)
    rest = {name: data for name, data in content.items() if name != MANIFEST}
    return {**rest, MANIFEST: manifest.to_bytes()}


def edit_manifest(content: dict[str, bytes], change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(content[MANIFEST])
    change(data)
    content[MANIFEST] = json.dumps(data, indent=2).encode()


@pytest.fixture
def filled(sqlite_workspace: Workspace) -> Iterator[Workspace]:
    fill(sqlite_workspace)
    yield sqlite_workspace
