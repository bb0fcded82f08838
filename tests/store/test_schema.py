"""The schema comes only from migrations, and they agree with the models on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from crosswalk.store.engine import current_revision, head_revision, make_engine, migrate
from crosswalk.store.models import Base, ControlRow, TagRow
from crosswalk.store.workspace import Workspace


def test_migrations_from_empty_reach_head_and_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []  # what `alembic check` does
        assert {"controls", "control_tags"} <= set(inspect(engine).get_table_names())
        migrate(engine)  # idempotent
    finally:
        engine.dispose()


def test_migrations_downgrade_to_empty_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate_down(engine)
        assert "controls" not in inspect(engine).get_table_names()
        migrate(engine)
        assert "controls" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def migrate_down(engine: object) -> None:
    from alembic import command

    from crosswalk.store.engine import alembic_config

    with engine.begin() as connection:  # type: ignore[attr-defined]
        config = alembic_config(engine)  # type: ignore[arg-type]
        config.attributes["connection"] = connection
        command.downgrade(config, "base")


def test_deleting_a_control_deletes_its_tags(workspace: Workspace) -> None:
    from crosswalk.store.engine import session_scope

    with session_scope(workspace.engine) as session:
        control = ControlRow(control_id="C-1", title="t", status="operating")
        control.tags = [TagRow(framework="soc2-tsc-2017", ref="CC6.1", coverage="full")]
        session.add(control)
        session.commit()
        session.delete(control)
        session.commit()
        assert session.query(TagRow).count() == 0


def test_duplicate_control_ids_are_refused_by_the_database(workspace: Workspace) -> None:
    from sqlalchemy.exc import IntegrityError

    from crosswalk.store.engine import session_scope

    with session_scope(workspace.engine) as session:
        session.add(ControlRow(control_id="C-1", title="a", status="operating"))
        session.add(ControlRow(control_id="C-1", title="b", status="operating"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_sqlite_settings_are_applied(sqlite_workspace: Workspace) -> None:
    with sqlite_workspace.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_the_fast_head_check_names_alembics_head(database_url: str) -> None:
    from crosswalk.store.engine import SCHEMA_HEAD, stored_revision

    assert head_revision() == SCHEMA_HEAD  # a new migration must move SCHEMA_HEAD too
    engine = make_engine(database_url)
    try:
        assert stored_revision(engine) is None  # an empty database: Alembic runs
        migrate(engine)
        assert stored_revision(engine) == SCHEMA_HEAD
        migrate(engine)  # at the head: answered from one query, nothing changes
        assert current_revision(engine) == SCHEMA_HEAD
    finally:
        engine.dispose()
