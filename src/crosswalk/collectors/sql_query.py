"""``sql-query``: run one read-only SELECT (who is an admin, which backups ran) and keep the rows.

Read-only is enforced three times, because a declaration file is easy to get wrong: the
text must be a single SELECT (or WITH ... SELECT) with no writing keyword outside quotes;
SQLite and PostgreSQL connections are switched to read-only; and the transaction is always
rolled back. The URL's password is never shown: it is masked in every message, and may be
kept out of the declaration file altogether with ``password_env``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from crosswalk.collectors.base import (
    Collector,
    CollectorError,
    CollectorParams,
    CollectorResult,
    safe_filename,
)
from crosswalk.collectors.fetch import check_env_name, read_secret
from crosswalk.domain.spreadsheet import csv_safe

# Statement words that write (INTO also catches SELECT ... INTO new_table); as unquoted
# words they cannot be column names, so refusing them costs a real query nothing.
WRITING_WORDS = (
    "insert|update|delete|merge|upsert|drop|alter|create|truncate|attach"
    "|detach|pragma|vacuum|reindex|grant|revoke|into"
)
_WRITING = re.compile(rf"\b({WRITING_WORDS})\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")


def mask_sql(sql: str, backslash_escapes: bool = False) -> str:
    """``sql`` with comments, string literals and quoted names blanked, lengths kept.

    ``backslash_escapes`` reads ``\\'`` as a quote inside a string (MySQL, PostgreSQL
    ``E''``); standard SQL only doubles quotes. The check reads both ways, so a literal
    cannot be written to look closed to us and open to the database, or the reverse.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        two = sql[i : i + 2]
        if two == "--":
            end = sql.find("\n", i)
            end = n if end == -1 else end
        elif two == "/*" and sql[i + 2 : i + 3] != "!":  # MySQL runs /*! ... */: read it
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
        elif sql[i] in "'\"`":
            end = _literal_end(sql, i, backslash_escapes)
        else:
            out.append(sql[i])
            i += 1
            continue
        out.append(" " * (end - i))
        i = end
    return "".join(out)


def _literal_end(sql: str, start: int, backslash_escapes: bool) -> int:
    quote, end, n = sql[start], start + 1, len(sql)
    while end < n:
        if (backslash_escapes and sql[end] == "\\") or (
            sql[end] == quote and sql[end + 1 : end + 2] == quote
        ):
            end += 2
        elif sql[end] == quote:
            return end + 1
        else:
            end += 1
    return n


def _check_masked(masked: str) -> None:
    masked = masked.strip()
    if masked.endswith(";"):
        masked = masked[:-1]
    if ";" in masked:
        raise ValueError("must be a single statement (a ';' may only end it)")
    first = _FIRST_WORD.match(masked)
    if first is None or first[1].lower() not in ("select", "with"):
        found = first[1].upper() if first else "nothing"
        raise ValueError(f"must be a read-only SELECT (or WITH ... SELECT), not {found}")
    writing = _WRITING.search(masked)
    if writing is not None:
        raise ValueError(f"must only read: {writing[1].upper()} is not allowed")


def check_read_only(sql: str) -> str:
    """Refuse anything but one SELECT; the reason names what was found."""
    _check_masked(mask_sql(sql))
    _check_masked(mask_sql(sql, backslash_escapes=True))
    return sql


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    # Text a database returned is made inert for spreadsheets (see domain.spreadsheet).
    writer.writerows(
        [csv_safe(_cell(v)) if isinstance(v, str) else _cell(v) for v in row] for row in rows
    )
    return buffer.getvalue().encode("utf-8")


class SqlQueryParams(CollectorParams):
    url: str
    query: str
    password_env: str | None = None
    expect_min_rows: int | None = Field(default=None, ge=0)
    expect_max_rows: int | None = Field(default=None, ge=0)

    @field_validator("url")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            make_url(value)
        except (ArgumentError, ValueError) as error:
            # Not the URL itself in the message: it may hold a password.
            raise ValueError("not a database URL (e.g. sqlite:///hr.db)") from error
        return value

    @field_validator("query")
    @classmethod
    def _read_only(cls, value: str) -> str:
        return check_read_only(value)

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return None if value is None else check_env_name(value)

    @model_validator(mode="after")
    def _bounds(self) -> SqlQueryParams:
        low, high = self.expect_min_rows, self.expect_max_rows
        if low is not None and high is not None and low > high:
            raise ValueError(f"expect_min_rows ({low}) is above expect_max_rows ({high})")
        return self


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _scrub(text: str, url: URL) -> str:
    return text.replace(url.password, "***") if url.password else text


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def _make_read_only(connection: Connection) -> Connection:
    backend = connection.dialect.name
    if backend == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")
    elif backend == "postgresql":
        connection = connection.execution_options(postgresql_readonly=True)
    return connection


def run_query(url: URL, query: str) -> tuple[list[str], list[Sequence[Any]]]:
    """Column names and rows; ``CollectorError`` (password masked) when it cannot run."""
    database = _sqlite_file(url)
    if database is not None and not database.is_file():
        # SQLite would quietly create an empty database and report zero rows.
        raise CollectorError(f"{_shown(url)}: no such SQLite database file {database}")
    try:
        engine = create_engine(url, poolclass=NullPool)
    except (SQLAlchemyError, ImportError) as error:
        reason = _scrub(str(error).splitlines()[0], url)
        raise CollectorError(f"{_shown(url)}: {reason}") from error
    try:
        with engine.connect() as connection:
            try:
                result = _make_read_only(connection).exec_driver_sql(query)
                columns: list[str] = list(result.keys())
                rows: list[Sequence[Any]] = [tuple(row) for row in result]
            finally:
                connection.rollback()
    except SQLAlchemyError as error:
        cause = error.orig if hasattr(error, "orig") and error.orig is not None else error
        message = _scrub(f"{type(cause).__name__}: {cause}".splitlines()[0], url)
        raise CollectorError(f"{_shown(url)}: the query failed: {message}") from error
    except ImportError as error:  # a DB driver imported lazily on first connect
        raise CollectorError(f"{_shown(url)}: a database driver is missing: {error}") from error
    finally:
        engine.dispose()
    return columns, rows


class SqlQueryCollector(Collector[SqlQueryParams]):
    """Run one SELECT and keep the result as CSV; passed when the row count is in bounds."""

    name: ClassVar[str] = "sql-query"
    Params: ClassVar[type[BaseModel]] = SqlQueryParams

    def collect(self, params: SqlQueryParams) -> CollectorResult:
        url = make_url(params.url)
        if params.password_env is not None:
            url = url.set(password=read_secret(params.password_env, "the database password"))
        columns, rows = run_query(url, params.query)
        count = len(rows)
        low, high = params.expect_min_rows, params.expect_max_rows
        passed = (low is None or count >= low) and (high is None or count <= high)
        bounds = []
        if low is not None:
            bounds.append(f">= {low}")
        if high is not None:
            bounds.append(f"<= {high}")
        expected = f" (expected {' and '.join(bounds)})" if bounds else ""
        name = Path(url.database or url.get_backend_name()).stem
        return CollectorResult(
            passed=passed,
            summary=f"{count} rows from {_shown(url)}{expected}",
            content=to_csv(columns, rows),
            media_type="text/csv",
            filename=safe_filename("sql-query", name, suffix=".csv"),
            details={
                "url": _shown(url),
                "dialect": url.get_backend_name(),
                "query": params.query,
                "columns": columns,
                "row_count": count,
                "expect_min_rows": low,
                "expect_max_rows": high,
            },
        )
