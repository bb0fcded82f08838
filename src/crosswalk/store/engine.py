"""Engines and sessions for SQLite (default) and PostgreSQL, and schema migration."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from crosswalk.domain.errors import CrosswalkError

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(CrosswalkError):
    """The database cannot be reached or used as configured."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The one place SQLite is tuned. Applied to every new connection:

    - journal_mode=WAL: readers do not block the writer (CLI and web at once);
    - foreign_keys=ON: SQLite ignores declared foreign keys unless told;
    - busy_timeout=5000: wait up to 5 s for a lock instead of failing at once;
    - synchronous=NORMAL: durable at each checkpoint with WAL, much faster than FULL.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SUPPORTED = ("sqlite", "postgresql")


def workspace_busy(error: BaseException) -> bool:
    """Another writer held the workspace past the wait (SQLite's "database is locked" once
    busy_timeout ran out, PostgreSQL's lock timeout on the bulk writers' lock): the client
    says so and asks for a retry, never a traceback."""
    if not isinstance(error, OperationalError):
        return False
    return "database is locked" in str(error.orig) or getattr(error.orig, "sqlstate", "") == (
        LOCK_NOT_AVAILABLE
    )


def write_conflict(error: BaseException) -> bool:
    """A write refused because another transaction stored the same record first (a unique
    key taken meanwhile): rolled back whole, so the client asks for a retry."""
    return isinstance(error, IntegrityError)


LOCK_NOT_AVAILABLE = "55P03"
BULK_WRITER_LOCK = 4242424243  # one bulk writer at a time (the trail has 4242424242)
BULK_WAIT = "60s"


def begin_writing(session: Session) -> None:
    """Take the workspace's write lock before reading what a bulk change (an import, an
    apply) will change: two imports of the same records at once then run one after the
    other, the second seeing the first's rows, instead of both inserting and one failing on
    a duplicate. SQLite: BEGIN IMMEDIATE, waiting up to busy_timeout; PostgreSQL: a
    transaction-scoped advisory lock, waiting up to a minute. Past the wait the workspace
    is busy (see ``workspace_busy``); nothing is changed."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{BULK_WAIT}'")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BULK_WRITER_LOCK})
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:  # else it already writes: it holds the lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")


IDLE_PING_AFTER_S = 10.0


def _stamp_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a pooled connection before use only when it sat idle (a server restart or a
    dropped link shows there); a busy pool skips the round trip, which under load is a
    good share of a request's time. A failed ping makes the pool connect again."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_AFTER_S:
        return
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(f"pooled connection lost while idle: {error}") from error


def make_engine(url: str) -> Engine:
    dialect = url.split(":", 1)[0].split("+", 1)[0].lower()
    if dialect not in SUPPORTED:
        raise DatabaseError(
            f"{dialect or url!r} databases are not supported: use SQLite (the default) or "
            "PostgreSQL (postgresql+psycopg://user@host/db)"
        )
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # A web worker serves many requests at once; 10 + 10 connections per process keeps
        # four workers under PostgreSQL's default max_connections (100).
        engine = create_engine(url, pool_size=10, max_overflow=10)
        event.listen(engine, "checkin", _stamp_checkin)
        event.listen(engine, "checkout", _ping_if_idle)
        return engine
    except ModuleNotFoundError as error:
        raise DatabaseError(
            f"the database driver for {url.split(':', 1)[0]} is not installed ({error.name}); "
            "for PostgreSQL, from the clone: .venv/bin/pip install -e '.[postgresql]'"
        ) from error
    except ArgumentError as error:
        raise DatabaseError(f"not a database URL: {error}") from error


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# The newest migration's revision; a test holds it to Alembic's head.
SCHEMA_HEAD = "0012_i21_digest"


def stored_revision(engine: Engine) -> str | None:
    """The schema revision the database records, read directly (no Alembic), or None."""
    try:
        with engine.connect() as connection:
            value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None
    return str(value) if value is not None else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; the only way tables are created. A database already
    at the head answers from one query: every command opens the workspace, and loading
    Alembic's scripts to learn there is nothing to do took most of a short command's time."""
    if revision == "head" and stored_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    try:
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseError(
            f"cannot use {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from crosswalk.store.engine import alembic_config as _config

    return ScriptDirectory.from_config(_config(create_engine("sqlite://"))).get_current_head()


_FACTORIES: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    """One factory per engine: each ``sessionmaker`` makes a Session class of its own, and
    SQLAlchemy sets up every new class's event dispatch again (a web request each time)."""
    factory = _FACTORIES.get(engine)
    if factory is None:
        factory = _FACTORIES[engine] = sessionmaker(engine, expire_on_commit=False)
    return factory


@contextmanager
def session_scope(engine: Engine, actor: str | None = None) -> Iterator[Session]:
    """A session whose caller decides to commit; rolled back on any error.

    Every change flushed through it lands in the audit trail under ``actor``.
    """
    import crosswalk.store.audit  # noqa: F401  (registers the change log on every session)
    from crosswalk.store import column_limits  # noqa: F401  (text past its column: refused)

    session = _session_factory(engine)()
    if actor:
        session.info["actor"] = actor
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
