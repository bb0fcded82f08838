"""The worker's daily digest sends the notify service's e-mails, to a real SMTP server
(aiosmtpd), once a day; without SMTP settings it says so and sends nothing."""

from __future__ import annotations

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.services.jobs.digest import DIGEST_JOB, register_daily_digest
from crosswalk.services.jobs.local import run_due
from crosswalk.services.jobs.runs import list_runs
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from tests.plugins.smtp import SmtpServer
from tests.services.notify.seed import seed


@pytest.fixture
def seeded(workspace: Workspace, library: Library) -> Workspace:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.commit()
    register_daily_digest(hour=0)
    return workspace


def _runs(workspace: Workspace) -> list[tuple[str, str | None]]:
    with session_scope(workspace.engine) as session:
        return [(r.status, r.summary) for r in list_runs(session, job=DIGEST_JOB)]


def test_the_worker_sends_each_owner_their_digest_once_a_day(
    seeded: Workspace, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in smtp_server.env().items():
        monkeypatch.setenv(name, value)
    run_due(seeded, "test-worker", "tester", lambda _job, _status: None)
    run_due(
        seeded, "test-worker", "tester", lambda _job, _status: None
    )  # the same day again: nothing more
    received = len(smtp_server.received)
    assert received >= 1
    assert _runs(seeded) == [
        ("succeeded", f"{received} digests sent, 0 refused by the mail server")
    ]


def test_without_smtp_settings_the_run_says_so_and_sends_nothing(
    seeded: Workspace, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CROSSWALK_SMTP_HOST", raising=False)
    run_due(seeded, "test-worker", "tester", lambda _job, _status: None)
    assert smtp_server.received == []
    assert _runs(seeded) == [
        ("succeeded", "no e-mail configured (CROSSWALK_SMTP_HOST is not set): no digests sent")
    ]
