"""Consistent copies of a workspace database, for backups and restores.

A backup holds the database as one SQLite file, whatever the workspace runs on:

- On SQLite, SQLite's online backup API copies every page within one read transaction, so a
  writer carrying on meanwhile (WAL mode) neither blocks the copy nor tears it.
- On PostgreSQL, every table's rows are read within one REPEATABLE READ, READ ONLY
  transaction (one snapshot of the whole database) into a SQLite file whose schema the same
  migrations made. No ``pg_dump`` is involved, so there is no client-version coupling with
  the server, nothing to install beside Crosswalk, and one backup restores to SQLite or to
  PostgreSQL alike. (SERIALIZABLE READ ONLY DEFERRABLE would wait for a snapshot free of
  serialization anomalies; Crosswalk's writers do not rely on serializable isolation, so the
  plain snapshot is what they committed, and the backup never waits behind a busy writer.)

Rows are copied through the SQLAlchemy tables, so each value is converted by its column's
type both ways; moments are carried in UTC, which is how the audit trail hashes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, Table, create_engine, insert, select, text

from crosswalk.store.engine import alembic_config, stored_revision
from crosswalk.store.models import Base

BATCH = 1000


@contextmanager
def snapshot_engine(path: Path) -> Iterator[Engine]:
    """An engine on a snapshot file (no WAL: the file stays one self-contained file)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def known_revisions() -> list[str]:
    """Every schema revision this version of Crosswalk knows, oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the migrations on ``connection``, inside the caller's transaction."""
    from alembic import command

    config = alembic_config(connection.engine)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def write_snapshot(engine: Engine, target: Path) -> str:
    """Write a consistent copy of ``engine``'s database to the SQLite file ``target``; return
    its schema revision."""
    if engine.dialect.name == "sqlite":
        _sqlite_backup(engine, target)
    else:
        _copy_into_sqlite(engine, target)
    with snapshot_engine(target) as copy:
        revision = stored_revision(copy)
    if revision is None:
        raise RuntimeError(f"the database copied to {target} records no schema revision")
    return revision


def _sqlite_backup(engine: Engine, target: Path) -> None:
    destination = sqlite3.connect(target)
    try:
        with engine.connect() as connection:
            source = connection.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            # pages=-1: one step, hence one read transaction: a consistent copy, and
            # writers in WAL mode carry on meanwhile.
            source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def _copy_into_sqlite(engine: Engine, target: Path) -> None:
    with engine.connect() as source:
        snapshot = source.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with snapshot.begin():
            revision = snapshot.execute(text("SELECT version_num FROM alembic_version")).scalar()
            with snapshot_engine(target) as copy, copy.begin() as destination:
                upgrade(destination, str(revision))
                copy_tables(snapshot, destination)


def tables() -> list[Table]:
    """The workspace's tables, each after the tables it refers to."""
    return list(Base.metadata.sorted_tables)


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _batches(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    moments = {c.name for c in table.columns if isinstance(c.type, DateTime)}
    query = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(query)
    for rows in result.mappings().partitions(BATCH):
        yield [
            {name: (_utc(value) if name in moments else value) for name, value in row.items()}
            for row in rows
        ]


def copy_tables(
    source: Connection, destination: Connection, only: Iterable[Table] | None = None
) -> dict[str, int]:
    """Copy every row of every table (both at the same schema revision); rows per table."""
    counts: dict[str, int] = {}
    for table in only if only is not None else tables():
        counts[table.name] = 0
        for batch in _batches(source, table):
            destination.execute(insert(table), batch)
            counts[table.name] += len(batch)
    if destination.dialect.name == "postgresql":
        reset_sequences(destination)
    return counts


def reset_sequences(connection: Connection) -> None:
    """After rows were written with their ids, PostgreSQL's id sequences continue after the
    highest (else the next insert would collide with a restored row)."""
    for table in tables():
        if "id" not in table.columns or not table.columns["id"].primary_key:
            continue
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            ),
            {"table": table.name},
        )


def holds_tables(connection: Connection) -> list[str]:
    """The workspace tables (and Alembic's) that already exist in a database."""
    from sqlalchemy import inspect

    present = set(inspect(connection).get_table_names())
    return sorted(present & ({t.name for t in tables()} | {"alembic_version"}))
