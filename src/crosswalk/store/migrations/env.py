"""Alembic environment: runs on the connection Crosswalk hands it (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic import context

import crosswalk.store.isms_models  # noqa: F401  (registers the ISMS tables)
from crosswalk.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = config.attributes["engine"]
        with engine.begin() as fresh:
            _configure_and_run(fresh)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
