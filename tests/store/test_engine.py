"""The PostgreSQL pool: no ping round trip for a connection in steady use, and a connection
the server dropped while it sat idle is replaced before a request gets it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crosswalk.store import engine as engines


def test_a_connection_dropped_while_idle_is_replaced_not_handed_out(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engines.make_engine(postgres_database_url)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("select pg_backend_pid()")).scalar_one()
        with engine.connect() as connection:  # used again at once: the same, unpinged
            assert connection.execute(text("select pg_backend_pid()")).scalar_one() == first
        dropped = engine.connect()
        assert dropped.execute(text("select pg_backend_pid()")).scalar_one() == first
        other = engine.connect()
        dropped.close()  # back in the pool, first in line
        other.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
        other.commit()
        other.close()
        monkeypatch.setattr(engines, "IDLE_PING_AFTER_S", 0.0)  # everything has sat idle
        with engine.connect() as connection:
            again = connection.execute(text("select pg_backend_pid()")).scalar_one()
        assert again != first
    finally:
        engine.dispose()
