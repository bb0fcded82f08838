"""`crosswalk notify`: sends the day's digests to a real SMTP server (aiosmtpd), previews
one without sending, and turns a user's digest off and on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.store.engine import session_scope
from crosswalk.store.notify_models import DigestSentRow
from crosswalk.store.workspace import open_workspace
from tests.cli.conftest import Run
from tests.plugins.smtp import SmtpServer
from tests.services.notify.seed import DANA, NOW, SAM, seed

AT = NOW.isoformat()


@pytest.fixture
def seeded(workspace_dir: Path, library: Library) -> Path:
    opened = open_workspace(workspace_dir)
    try:
        with session_scope(opened.engine) as session:
            seed(session, library)
            session.commit()
    finally:
        opened.close()
    return workspace_dir


@pytest.fixture
def mail(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    for name, value in smtp_server.env().items():
        monkeypatch.setenv(name, value)
    return smtp_server


def _recorded(folder: Path) -> int:
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            return int(session.scalar(select(func.count()).select_from(DigestSentRow)) or 0)
    finally:
        opened.close()


def test_dry_run_previews_one_users_message_and_sends_nothing(
    seeded: Path, mail: SmtpServer, run: Run
) -> None:
    result = run("notify", "--dry-run", "--to", DANA, "--now", AT)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"To: {DANA}\nSubject: Crosswalk: 5 items due for you")
    for item in ("INC-1 Laptop with HR files stolen", "IT-01 Firewall rule review", "IT-04"):
        assert item in result.stdout
    assert "https://crosswalk.northwind.example/unsubscribe?token=" in result.stdout
    assert "dry run: nothing sent or recorded" in result.stderr
    assert mail.received == [] and _recorded(seeded) == 0

    as_json = json.loads(run("notify", "--dry-run", "--to", SAM, "--now", AT, "--json").stdout)
    assert [i["title"] for i in as_json["items"]] == [
        "DSR-1 access request (Art. 15 access)",
        "NC-1 Backups not encrypted",
    ]
    plan = run("notify", "--dry-run", "--now", AT, "--json")
    outcomes = {d["email"]: d["outcome"] for d in json.loads(plan.stdout)["digests"]}
    assert outcomes[DANA] == outcomes[SAM] == "would send"
    assert mail.received == [] and _recorded(seeded) == 0


def test_notify_sends_the_days_digests_once(seeded: Path, mail: SmtpServer, run: Run) -> None:
    first = run("notify", "--now", AT)
    assert first.exit_code == 0, first.stderr
    assert "2 digest(s) sent" in first.stderr
    assert sorted(r for m in mail.received for r in m.recipients) == [DANA, SAM]
    again = run("notify", "--now", AT, "--json")
    outcomes = {d["email"]: d["reason"] for d in json.loads(again.stdout)["digests"]}
    assert outcomes[DANA] == outcomes[SAM] == "already sent today"
    assert len(mail.received) == 2 and _recorded(seeded) == 2


def test_an_unsubscribed_user_gets_nothing_until_subscribed(
    seeded: Path, mail: SmtpServer, run: Run
) -> None:
    off = run("notify", "--unsubscribe", DANA.upper(), "--now", AT)
    assert off.exit_code == 0 and f"digest off for {DANA}" in off.stdout
    assert "(it already was)" in run("notify", "--unsubscribe", DANA).stdout
    preview = run("notify", "--dry-run", "--to", DANA, "--now", AT)
    assert f"{DANA} has unsubscribed" in preview.stderr
    assert run("notify", "--now", AT).exit_code == 0
    assert [m.recipients for m in mail.received] == [[SAM]]
    assert run("notify", "--subscribe", DANA).exit_code == 0
    later = (NOW + timedelta(hours=1)).isoformat()
    assert run("notify", "--now", later, "--to", DANA).exit_code == 0
    assert [m.recipients for m in mail.received] == [[SAM], [DANA]]


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("CROSSWALK_SMTP_PORT", "abc", "CROSSWALK_SMTP_PORT: 'abc' is not a port number"),
        ("CROSSWALK_SMTP_HOST", "", "CROSSWALK_SMTP_HOST is not set"),
        ("CROSSWALK_SMTP_FROM", "nobody", "CROSSWALK_SMTP_FROM: 'nobody' is not an e-mail"),
        ("CROSSWALK_SMTP_PORT", "1", "check CROSSWALK_SMTP_HOST and CROSSWALK_SMTP_PORT"),
    ],
)
def test_bad_smtp_settings_name_the_setting_and_send_nothing(
    seeded: Path,
    mail: SmtpServer,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    said: str,
) -> None:
    monkeypatch.setenv(variable, value)
    result = run("notify", "--now", AT)
    assert result.exit_code == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert mail.received == [] and _recorded(seeded) == 0


def test_an_unknown_user_or_moment_is_refused(seeded: Path, mail: SmtpServer, run: Run) -> None:
    unknown = run("notify", "--dry-run", "--to", "nobody@northwind.example")
    assert unknown.exit_code == 2 and "no active user 'nobody@northwind.example'" in unknown.stderr
    bad = run("notify", "--dry-run", "--now", "tomorrow")
    assert bad.exit_code == 2 and "--now: 'tomorrow'" in bad.stderr


def test_two_notify_processes_at_once_on_postgresql_send_each_owner_one_message(
    tmp_path: Path,
    library: Library,
    smtp_server: SmtpServer,
    postgres_database_url: str,
) -> None:
    """Two serve nodes' workers (or a worker and a person) running the day's digests at the
    same moment, against one PostgreSQL database: each owner still gets one message."""
    from crosswalk.store.workspace import init_workspace

    folder = tmp_path / "team"
    opened, _ = init_workspace(folder, database_url=postgres_database_url)
    try:
        with session_scope(opened.engine) as session:
            seed(session, library)
            session.commit()
    finally:
        opened.close()
    command = [
        sys.executable,
        "-m",
        "crosswalk",
        "--workspace",
        str(folder),
        "--database-url",
        postgres_database_url,
        "notify",
        "--now",
        AT,
        "--json",
    ]
    env = os.environ | smtp_server.env()
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    answers = [process.communicate(timeout=120) for process in processes]
    for process, (_out, err) in zip(processes, answers, strict=True):
        assert process.returncode == 0, err.decode()
    sent = [
        d["email"]
        for out, _err in answers
        for d in json.loads(out)["digests"]
        if d["outcome"] == "sent"
    ]
    assert sorted(sent) == [DANA, SAM]
    assert sorted(r for m in smtp_server.received for r in m.recipients) == [DANA, SAM]
