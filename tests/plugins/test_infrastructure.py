"""Proof that the real-PostgreSQL and real-Chromium fixtures work end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.plugins.postgres import libpq_dsn

# ----------------------------------------------------------------------------- PostgreSQL


def _connect(url: str) -> Any:
    psycopg = pytest.importorskip("psycopg")
    return psycopg.connect(libpq_dsn(url), autocommit=True)


def test_postgres_url_is_an_empty_psycopg_database(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    with _connect(postgres_url) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert name == urlsplit(postgres_url).path.lstrip("/")
    assert tables == 0


def test_sqlalchemy_roundtrip_with_psycopg3(postgres_database_url: str) -> None:
    sa = pytest.importorskip("sqlalchemy", reason="sqlalchemy not installed")
    psycopg = pytest.importorskip("psycopg")
    assert sa.__version__.startswith("2.")
    assert psycopg.__version__.startswith("3.")

    metadata = sa.MetaData()
    controls = sa.Table(
        "controls",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("framework", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
    )
    engine = sa.create_engine(postgres_database_url)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(controls),
                [
                    {"framework": "ISO/IEC 27001:2022", "ref": "A.5.15"},
                    {"framework": "SOC 2", "ref": "CC6.1"},
                ],
            )
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(controls.c.framework, controls.c.ref).order_by(controls.c.id)
            ).all()
            server_version = conn.execute(sa.text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("ISO/IEC 27001:2022", "A.5.15"),
        ("SOC 2", "CC6.1"),
    ]
    assert server_version


_SEEN_DATABASES: list[str] = []


@pytest.fixture
def close_later() -> Iterator[list[Any]]:
    """Connections to close after every other fixture of the test has torn down.

    Requested before ``postgres_database_url``, so it is set up first and torn down last.
    """
    connections: list[Any] = []
    yield connections
    for conn in connections:
        conn.close()


@pytest.mark.parametrize("use", [1, 2])
def test_postgres_database_url_is_fresh_per_test(
    close_later: list[Any], postgres_database_url: str, use: int
) -> None:
    """Each use gets its own empty database; earlier ones are gone.

    Both runs create the same table: had they shared a database, the second
    CREATE TABLE would fail. The connection stays open through teardown, which
    checks that the database is dropped even when a test leaves a connection open.
    """
    name = urlsplit(postgres_database_url).path.lstrip("/")
    assert name not in _SEEN_DATABASES
    conn = _connect(postgres_database_url)
    close_later.append(conn)  # still open when the database is dropped
    conn.execute("CREATE TABLE marker (use integer NOT NULL)")
    conn.execute("INSERT INTO marker VALUES (%s)", (use,))
    assert conn.execute("SELECT use FROM marker").fetchall() == [(use,)]
    existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database").fetchall()}
    assert name in existing
    assert not existing.intersection(_SEEN_DATABASES), "earlier test databases were not dropped"
    _SEEN_DATABASES.append(name)


# ----------------------------------------------------------------------------- Chromium


def test_page_renders_inline_script_from_file(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "hello.html"
    html.write_text(
        """<!doctype html>
<html><head><meta charset="utf-8"><title>crosswalk</title></head>
<body><p id="out">not yet</p>
<script>document.getElementById("out").textContent = "rendered " + (6 * 7);</script>
</body></html>
""",
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    assert page.title() == "crosswalk"
    assert page.text_content("#out") == "rendered 42"
    assert page.console_errors == []


def test_page_collects_console_and_page_errors(page: Any, tmp_path: Path) -> None:
    html = tmp_path / "broken.html"
    html.write_text(
        """<!doctype html>
<html><body><p>broken on purpose</p>
<script>console.log("fine"); console.error("deliberate console error");</script>
<script>throw new Error("deliberate page error");</script>
</body></html>
""",
        encoding="utf-8",
    )
    page.goto(html.as_uri())
    page.evaluate("1")  # a round trip, so every event before it has been delivered
    assert len(page.console_errors) == 2, page.console_errors
    console, thrown = sorted(page.console_errors)
    assert console.startswith("console.error: deliberate console error")
    assert thrown.startswith("pageerror:")
    assert "deliberate page error" in thrown
