"""``sql-query`` against real databases: rows as CSV, bounds, and read-only in every way."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text

from crosswalk.collectors import CollectorError
from crosswalk.collectors.sql_query import SqlQueryCollector, SqlQueryParams, check_read_only

ADMINS = "select email, is_admin from users where is_admin = 1 order by email"


def seed(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("create table users (email varchar(100), is_admin integer)"))
        connection.execute(
            text(
                "insert into users values ('ana@nw.test', 1), ('bo@nw.test', 1), ('cy@nw.test', 0)"
            )
        )
    engine.dispose()
    return url


def user_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("select count(*) from users")).scalar_one()
    engine.dispose()
    return int(count)


def run(**params: object):  # type: ignore[no-untyped-def]
    return SqlQueryCollector().collect(SqlQueryParams.model_validate(params))


@pytest.fixture
def hr_db(tmp_path: Path) -> str:
    return seed(f"sqlite:///{tmp_path / 'hr.db'}")


def test_rows_are_kept_as_csv_with_a_header(database_url: str) -> None:
    url = seed(database_url)
    result = run(url=url, query=ADMINS, expect_max_rows=5)
    assert result.passed is True
    assert result.media_type == "text/csv"
    rows = list(csv.reader(io.StringIO(result.content.decode())))
    assert rows == [["email", "is_admin"], ["ana@nw.test", "1"], ["bo@nw.test", "1"]]
    assert result.details["row_count"] == 2
    assert result.details["columns"] == ["email", "is_admin"]
    assert result.summary.startswith("2 rows from ")
    assert result.filename.startswith("sql-query-") and result.filename.endswith(".csv")


def test_row_bounds_decide_the_verdict(hr_db: str) -> None:
    assert run(url=hr_db, query=ADMINS, expect_max_rows=1).passed is False
    assert run(url=hr_db, query=ADMINS, expect_min_rows=3).passed is False
    assert run(url=hr_db, query=ADMINS, expect_min_rows=2, expect_max_rows=2).passed is True
    failed = run(url=hr_db, query=ADMINS, expect_max_rows=1)
    assert "(expected <= 1)" in failed.summary


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("DELETE FROM users", "not DELETE"),
        ("delete from users where 1 = 1;", "not DELETE"),
        ("UPDATE users SET is_admin = 1", "not UPDATE"),
        ("WITH gone AS (SELECT 1) DELETE FROM users", "DELETE is not allowed"),
        ("SELECT 1; DELETE FROM users", "single statement"),
        ("SELECT * INTO backup FROM users", "INTO is not allowed"),
        ("SELECT * FROM users /*! INTO OUTFILE '/tmp/x' */", "INTO is not allowed"),
        ("SELECT 'a\\''; DELETE FROM users; -- '", "single statement"),
        ("PRAGMA query_only = OFF", "not PRAGMA"),
        ("-- only a comment", "not nothing"),
    ],
)
def test_anything_but_one_select_is_refused(query: str, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        SqlQueryParams.model_validate({"url": "sqlite:///x.db", "query": query})


@pytest.mark.parametrize(
    "query",
    [
        "select 1;",
        "-- admins\n/* quarterly */ WITH a AS (SELECT 1 AS x) SELECT x FROM a",
        "select * from audit_log where action = 'delete' and note like '%;%'",
        'select "update" from changes',
        "select created, last_update from users",
    ],
)
def test_reading_queries_are_accepted(query: str) -> None:
    assert check_read_only(query) == query


def test_the_database_itself_refuses_writes(database_url: str) -> None:
    url = seed(database_url)
    # Skip the text check on purpose: the connection must refuse on its own.
    query = "DELETE FROM users RETURNING email"
    params = SqlQueryParams.model_construct(url=url, query=query)
    with pytest.raises(CollectorError, match=r"the query failed: .*read-?only") as raised:
        SqlQueryCollector().collect(params)
    assert "RETURNING" not in str(raised.value)  # one line, the database's own words
    assert user_count(url) == 3


def test_a_missing_sqlite_file_cannot_run_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(CollectorError, match="no such SQLite database file"):
        run(url=f"sqlite:///{missing}", query="select 1")
    assert not missing.exists()


def test_a_bad_query_cannot_run(hr_db: str) -> None:
    with pytest.raises(CollectorError, match="no such table: staff"):
        run(url=hr_db, query="select * from staff")


def test_the_password_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("HR_DB_PASSWORD", "hunter2-secret")
    url = "postgresql+psycopg://auditor:in-url-secret@127.0.0.1:1/hr"
    for params in ({"url": url}, {"url": url, "password_env": "HR_DB_PASSWORD"}):
        with pytest.raises(CollectorError) as raised:
            run(query="select 1", **params)
        message = str(raised.value)
        assert "auditor:***@127.0.0.1:1/hr" in message
        assert "secret" not in message


def test_the_password_can_come_from_the_environment(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = seed(postgres_database_url)  # the test server trusts 127.0.0.1: any password works
    monkeypatch.setenv("HR_DB_PASSWORD", "hunter2-secret")
    result = run(url=url, query=ADMINS, password_env="HR_DB_PASSWORD")
    assert result.passed is True
    assert ":***@" in str(result.details["url"])
    assert "hunter2" not in repr(result)


def test_url_errors_do_not_repeat_the_url() -> None:
    with pytest.raises(ValidationError) as raised:
        SqlQueryParams.model_validate({"url": "not a url :secret@", "query": "select 1"})
    assert "secret" not in raised.value.errors()[0]["msg"]
