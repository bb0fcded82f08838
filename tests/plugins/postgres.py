"""Real PostgreSQL for tests: a throwaway server, and a throwaway database per test.

Fixtures:

- ``postgres_url`` (session): SQLAlchemy URL ``postgresql+psycopg://...`` of an empty
  database created for this test session and dropped at its end.
- ``postgres_database_url`` (function): a fresh, uniquely named database for one test,
  dropped (with any connections still open to it) after the test.

Where the server comes from, first match wins:

1. ``CROSSWALK_TEST_POSTGRES_URL``: an existing server's URL (``postgresql://`` or
   ``postgresql+psycopg://``; its database, default ``postgres``, is used only to run
   CREATE/DROP DATABASE, so the role needs CREATEDB).
2. PostgreSQL server binaries (``/usr/lib/postgresql/*/bin`` on Debian, else ``initdb``
   and ``pg_ctl`` on PATH): a private cluster in a temp dir, trust auth, listening on
   127.0.0.1 on a free port and on a unix socket inside that dir only. As root (initdb
   refuses root) the dir belongs to the ``postgres`` user and the binaries run through
   ``runuser -u postgres --``. Stopped and removed at session end.
3. Otherwise every test that asks for PostgreSQL is skipped.

Only psycopg (3) is needed here; optional imports are lazy so that registering this
plugin never breaks collection of the rest of the suite.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_URL = "CROSSWALK_TEST_POSTGRES_URL"
SKIP_REASON = (
    "PostgreSQL server binaries not installed (apt-get install postgresql); .ci/run installs them"
)
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
READY_TIMEOUT_S = 60
DB_PREFIX = "crosswalk_test_"


# --------------------------------------------------------------------------- URLs


def sqlalchemy_url(url: str) -> str:
    """The same server/database as a ``postgresql+psycopg://`` SQLAlchemy URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgresql", "postgres", "postgresql+psycopg"}:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r}): {url}")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def libpq_dsn(url: str) -> str:
    """The same URL as libpq/psycopg accepts it (no ``+driver`` in the scheme)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- binaries


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name)) or (0,)


def _find_postgres_bindir() -> Path | None:
    """The newest directory holding both ``initdb`` and ``pg_ctl``, or None."""
    candidates = [
        d
        for d in Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/"))
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file()
    ]
    if candidates:
        return max(candidates, key=_version_key)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no server log at {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


class _Cluster:
    """A private PostgreSQL cluster in a temp dir, owned by the right OS user."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.owner: pwd.struct_passwd | None = None
        if self.as_root:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, but there is no 'postgres' user to own a throwaway "
                    "cluster (initdb refuses root); install Debian's postgresql package"
                ) from None
        # As root use /tmp (world-traversable, short enough for the socket path).
        base = "/tmp" if self.as_root else None
        self.root = Path(tempfile.mkdtemp(prefix="crosswalk-pg-", dir=base))
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.started = False

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.owner is not None:
            runuser = shutil.which("runuser")
            if runuser:
                cmd = [runuser, "-u", self.owner.pw_name, "--", *cmd]
            else:
                cmd = ["su", self.owner.pw_name, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for var in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"):
            env.pop(var, None)
        return subprocess.run(
            cmd,
            cwd=self.root,  # the postgres user may not be able to enter the caller's cwd
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _fail(self, what: str, proc: subprocess.CompletedProcess[str] | None = None) -> NoReturn:
        detail = ""
        if proc is not None:
            detail = f"\n--- exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        raise RuntimeError(
            f"throwaway PostgreSQL ({self.bindir}): {what}{detail}\n"
            f"--- server log {self.log}:\n{_tail(self.log)}"
        )

    def init(self) -> None:
        proc = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            timeout=180,
        )
        if proc.returncode != 0:
            self._fail("initdb failed", proc)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "100",
            # Throwaway data: durability is pointless and slows every test.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "off",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# crosswalk test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            self.port = _free_port()
            proc = self._run(
                "pg_ctl",
                "start",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                str(READY_TIMEOUT_S),
                "-o",
                f"-p {self.port}",
                timeout=READY_TIMEOUT_S + 30,
            )
            if proc.returncode == 0:
                self.started = True
                return
            port_taken = "could not bind" in _tail(self.log) or "in use" in _tail(self.log)
            if attempt == attempts or not port_taken:
                self._fail(f"pg_ctl start failed (port {self.port})", proc)

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


# --------------------------------------------------------------------------- server


def _import_psycopg() -> Any:
    return pytest.importorskip(
        "psycopg", reason="psycopg not installed (bash scripts/setup.sh --dev installs it)"
    )


@dataclass(frozen=True)
class PostgresServer:
    """A server the tests may create and drop databases on."""

    admin_url: str  # SQLAlchemy URL of the maintenance database
    origin: str  # where it came from, for messages

    def connect_admin(self) -> Any:
        psycopg = _import_psycopg()
        return psycopg.connect(libpq_dsn(self.admin_url), autocommit=True, connect_timeout=10)

    def create_database(self, label: str = "") -> str:
        from psycopg import sql

        name = f"{DB_PREFIX}{label}{os.getpid()}_{uuid.uuid4().hex[:12]}"
        with self.connect_admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        from psycopg import sql

        name = urlsplit(url).path.lstrip("/")
        with self.connect_admin() as conn:
            # FORCE (PostgreSQL 13+) ends connections a test left open.
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _wait_until_accepting(server: PostgresServer, on_fail: Callable[[str], NoReturn]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with server.connect_admin() as conn:
                conn.execute("SELECT 1")
            return
        except Exception as exc:  # any failure here means "not ready yet"
            last = exc
            time.sleep(0.2)
    on_fail(f"not accepting connections after {READY_TIMEOUT_S}s: {last}")


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[PostgresServer]:
    env_url = os.environ.get(ENV_URL, "").strip()
    if env_url:
        admin = sqlalchemy_url(env_url)
        if not urlsplit(admin).path.strip("/"):
            admin = with_database(admin, "postgres")
        server = PostgresServer(admin_url=admin, origin=f"${ENV_URL}")
        _import_psycopg()

        def fail(message: str) -> NoReturn:
            raise RuntimeError(f"{ENV_URL}={_redact(env_url)}: {message}")

        _wait_until_accepting(server, fail)
        yield server
        return

    bindir = _find_postgres_bindir()
    if bindir is None:
        pytest.skip(SKIP_REASON)
    _import_psycopg()
    cluster = _Cluster(bindir)
    try:
        cluster.init()
        cluster.start()
        server = PostgresServer(admin_url=cluster.url, origin=f"throwaway cluster {cluster.root}")

        def fail_cluster(message: str) -> NoReturn:
            cluster._fail(message)

        _wait_until_accepting(server, fail_cluster)
        yield server
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(_postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of an empty database that lives for the whole test session."""
    url = _postgres_server.create_database("session_")
    try:
        yield url
    finally:
        _postgres_server.drop_database(url)


@pytest.fixture
def postgres_database_url(_postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of a fresh database for this test alone; dropped afterwards."""
    url = _postgres_server.create_database()
    try:
        yield url
    finally:
        _postgres_server.drop_database(url)
