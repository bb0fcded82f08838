"""The daily digest, sent to a real SMTP server (aiosmtpd) and read back as received."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from crosswalk.catalogs.loader import Library
from crosswalk.services.access.users import set_active
from crosswalk.services.notify.digests import (
    ALREADY_SENT,
    NOTHING_DUE,
    UNSUBSCRIBED,
    DigestRun,
    plan_digests,
    preview_digest,
    send_due_digests,
    workspace_library,
)
from crosswalk.services.notify.mailer import MailDeliveryError
from crosswalk.services.notify.settings import MailSettings, MailSettingsError
from crosswalk.services.notify.subscriptions import (
    LinkRefused,
    check_token,
    set_subscription,
    unsubscribe_by_token,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.notify_models import DigestSentRow
from crosswalk.store.workspace import Workspace
from tests.plugins.smtp import SmtpServer
from tests.services.notify.seed import DAN, DANA, NOW, PAT, SAM, seed


@pytest.fixture
def seeded(workspace: Workspace, library: Library) -> Workspace:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.commit()
    return workspace


def _send(
    workspace: Workspace, library: Library, server: SmtpServer, days: int = 0, **env: str
) -> DigestRun:
    with session_scope(workspace.engine) as session:
        run = send_due_digests(
            session, library, NOW + timedelta(days=days), MailSettings.from_env(server.env(**env))
        )
        session.commit()
        return run


def _outcomes(run: DigestRun) -> dict[str, str]:
    return {o.email: o.reason or o.outcome for o in run.outcomes}


def _recorded(workspace: Workspace) -> list[tuple[str, str]]:
    with session_scope(workspace.engine) as session:
        rows = session.execute(
            select(DigestSentRow.email, DigestSentRow.day).order_by(
                DigestSentRow.day, DigestSentRow.email
            )
        )
        return [(email, str(day)) for email, day in rows]


def test_each_owner_receives_only_what_is_due_for_them_once_a_day(
    seeded: Workspace, library: Library, smtp_server: SmtpServer
) -> None:
    run = _send(seeded, library, smtp_server)

    assert _outcomes(run) == {DANA: "sent", SAM: "sent", PAT: NOTHING_DUE, DAN: NOTHING_DUE}
    assert sorted(r for m in smtp_server.received for r in m.recipients) == [DANA, SAM]
    (dana,) = smtp_server.to(DANA)
    text = dana.text
    # Owned as "Dana Ortiz (IT Manager)", "dana ortiz", "Dana Ortiz" and by her address:
    for expected in (
        "INC-1 Laptop with HR files stolen",
        "due in 10 h 0 min",
        "IT-01 Firewall rule review",
        "stale: due 2026-11-23",
        "IT-02 Backup restore test",
        "due 2026-12-13",
        "IT-03 Patch report",
        "no evidence yet",
        "IT-04 Access recertification",
        "to confirm",
    ):
        assert expected in text, expected
    assert "IT-04 Access recertification\n  no evidence" not in text  # fresh evidence
    for elsewhere in ("HR-01", "NC-1 Backups", "DSR-1"):  # Pat's and Sam's
        assert elsewhere not in text
    assert text.index("INC-1") < text.index("IT-01")  # the breach clock first
    assert "https://crosswalk.northwind.example/controls/IT-01" in text
    assert '<a href="https://crosswalk.northwind.example/incidents/INC-1">' in dana.html
    assert dana.message["From"] == "Crosswalk <compliance@northwind.example>"
    assert dana.message["Subject"] == (
        "Crosswalk: 5 items due for you, 3 past due or urgent (2026-12-07)"
    )
    assert dana.message["List-Unsubscribe"].startswith(
        "<https://crosswalk.northwind.example/unsubscribe?token="
    )
    (sam,) = smtp_server.to(SAM)
    assert "NC-1 Backups not encrypted" in sam.text and "3 days past due" in sam.text
    assert "DSR-1 access request" in sam.text and "due 2026-12-09 (in 2 days)" in sam.text
    assert "NC-2" not in sam.text  # not due yet
    assert "DSR-2" not in sam.text  # due in four weeks

    again = _send(seeded, library, smtp_server)  # the worker runs twice, or a person does
    assert _outcomes(again)[DANA] == ALREADY_SENT and _outcomes(again)[SAM] == ALREADY_SENT
    assert len(smtp_server.received) == 2
    assert _recorded(seeded) == [(DANA, "2026-12-07"), (SAM, "2026-12-07")]

    next_day = _send(seeded, library, smtp_server, days=1)
    assert _outcomes(next_day)[DANA] == "sent"
    latest = smtp_server.to(DANA)[-1]
    # A day on, the breach clock has run out: a changed item, marked new; the rest is not.
    assert "past due" in latest.text.split("INC-1")[1].split("\n")[1]
    assert "INC-1 Laptop with HR files stolen [new]" in latest.text
    assert "IT-01 Firewall rule review [new]" not in latest.text


def test_an_unsubscribed_owner_receives_nothing_until_subscribed_again(
    seeded: Workspace, library: Library, smtp_server: SmtpServer
) -> None:
    _send(seeded, library, smtp_server)
    link = smtp_server.to(DANA)[0].message["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]
    with session_scope(seeded.engine) as session:
        assert check_token(session, token) == DANA
        with pytest.raises(LinkRefused, match="not valid"):
            check_token(session, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        with pytest.raises(LinkRefused):
            check_token(session, "2." + token.partition(".")[2])  # Sam's id, Dana's signature
        first = unsubscribe_by_token(session, token, NOW)
        second = unsubscribe_by_token(session, token, NOW)
        session.commit()
    assert (first.subscribed, first.changed, second.changed) == (False, True, False)

    run = _send(seeded, library, smtp_server, days=1)
    assert _outcomes(run)[DANA] == UNSUBSCRIBED
    assert [m.recipients for m in smtp_server.received[2:]] == [[SAM]]

    with session_scope(seeded.engine) as session:
        assert set_subscription(session, DANA, True, NOW).changed
        session.commit()
    assert _outcomes(_send(seeded, library, smtp_server, days=1))[DANA] == "sent"


def test_a_refused_message_is_not_recorded_and_goes_on_the_next_run(
    seeded: Workspace, library: Library, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse = {DANA}
    run = _send(seeded, library, smtp_server)
    assert [o.email for o in run.failed] == [DANA]
    assert "550 5.1.1 no such mailbox" in run.failed[0].reason
    assert [m.recipients for m in smtp_server.received] == [[SAM]]
    assert _recorded(seeded) == [(SAM, "2026-12-07")]

    smtp_server.refuse = set()
    retried = _send(seeded, library, smtp_server)
    assert _outcomes(retried)[DANA] == "sent" and _outcomes(retried)[SAM] == ALREADY_SENT


def test_two_workers_at_once_send_each_owner_one_message(
    seeded: Workspace, smtp_server: SmtpServer
) -> None:
    """As the job worker calls it: a workspace, its library, the moment, the settings."""
    with session_scope(seeded.engine) as session:
        library = workspace_library(session, seeded.root)
    runs: list[DigestRun] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            runs.append(_send(seeded, library, smtp_server))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r for m in smtp_server.received for r in m.recipients) == [DANA, SAM]
    assert sum(len(run.sent) for run in runs) == 2


def test_preview_and_plan_send_and_record_nothing(seeded: Workspace, library: Library) -> None:
    with session_scope(seeded.engine) as session:
        digest = preview_digest(session, library, NOW, "DANA@northwind.example")
        plan = plan_digests(session, library, NOW)
        session.commit()
    assert digest.would_send and len(digest.items) == 5
    assert "crosswalk notify --unsubscribe dana@northwind.example" in digest.text  # no base URL
    assert _outcomes(plan) == {
        DANA: "would send",
        SAM: "would send",
        PAT: NOTHING_DUE,
        DAN: NOTHING_DUE,
    }
    assert _recorded(seeded) == []


def test_a_server_that_cannot_be_reached_is_named_and_nothing_is_recorded(
    seeded: Workspace, library: Library, smtp_server: SmtpServer
) -> None:
    with pytest.raises(MailDeliveryError, match="CROSSWALK_SMTP_HOST and CROSSWALK_SMTP_PORT"):
        _send(seeded, library, smtp_server, CROSSWALK_SMTP_PORT="1")
    with pytest.raises(
        MailDeliveryError, match=r"does not offer STARTTLS.*CROSSWALK_SMTP_STARTTLS"
    ):
        _send(seeded, library, smtp_server, CROSSWALK_SMTP_STARTTLS="1")
    assert _recorded(seeded) == []
    assert smtp_server.received == []


def test_a_wrong_password_is_named_and_the_right_one_sends(
    seeded: Workspace, library: Library, smtp_server_with_login: SmtpServer
) -> None:
    server = smtp_server_with_login
    with pytest.raises(MailDeliveryError, match="CROSSWALK_SMTP_USER and CROSSWALK_SMTP_PASSWORD"):
        _send(seeded, library, server, CROSSWALK_SMTP_PASSWORD="wrong password")
    assert _recorded(seeded) == []
    run = _send(seeded, library, server)
    assert len(run.sent) == 2 and len(server.received) == 2


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CROSSWALK_SMTP_HOST": ""}, "CROSSWALK_SMTP_HOST is not set"),
        ({"CROSSWALK_SMTP_HOST": "smtp example"}, "CROSSWALK_SMTP_HOST: 'smtp example'"),
        ({"CROSSWALK_SMTP_PORT": "twenty-five"}, "CROSSWALK_SMTP_PORT: 'twenty-five' is not"),
        ({"CROSSWALK_SMTP_PORT": "70000"}, "CROSSWALK_SMTP_PORT: '70000' is not a port"),
        ({"CROSSWALK_SMTP_STARTTLS": "maybe"}, "CROSSWALK_SMTP_STARTTLS: 'maybe'"),
        ({"CROSSWALK_SMTP_FROM": ""}, "CROSSWALK_SMTP_FROM is not set"),
        ({"CROSSWALK_SMTP_FROM": "compliance"}, "CROSSWALK_SMTP_FROM: 'compliance' is not"),
        ({"CROSSWALK_SMTP_USER": "digest"}, "CROSSWALK_SMTP_PASSWORD is not set"),
        ({"CROSSWALK_SMTP_PASSWORD": "secret"}, "CROSSWALK_SMTP_USER is not set"),
        ({"CROSSWALK_SMTP_TIMEOUT": "soon"}, "CROSSWALK_SMTP_TIMEOUT: 'soon'"),
        ({"CROSSWALK_BASE_URL": "crosswalk.example"}, "CROSSWALK_BASE_URL: 'crosswalk.example'"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    base = {
        "CROSSWALK_SMTP_HOST": "smtp.example.com",
        "CROSSWALK_SMTP_FROM": "compliance@example.com",
    }
    with pytest.raises(MailSettingsError) as refused:
        MailSettings.from_env(base | env)
    assert named in str(refused.value)


def test_settings_default_to_starttls_on_the_submission_port() -> None:
    settings = MailSettings.from_env(
        {"CROSSWALK_SMTP_HOST": "smtp.example.com", "CROSSWALK_SMTP_FROM": "a@example.com"}
    )
    assert (settings.port, settings.starttls, settings.user, settings.base_url) == (
        587,
        True,
        None,
        None,
    )


def test_a_disabled_account_receives_no_digest(
    seeded: Workspace, library: Library, smtp_server: SmtpServer
) -> None:
    with session_scope(seeded.engine) as session:
        set_active(session, SAM, False)
        session.commit()
    run = _send(seeded, library, smtp_server)
    assert SAM not in _outcomes(run)
    assert [m.recipients for m in smtp_server.received] == [[DANA]]


def test_starttls_is_used_by_default_and_an_untrusted_certificate_is_named(
    seeded: Workspace,
    library: Library,
    smtp_server_with_tls: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server_with_tls
    # STARTTLS off (the fixture's setting): the server refuses mail; the error says so.
    with pytest.raises(MailDeliveryError, match="requires STARTTLS: set CROSSWALK_SMTP_STARTTLS=1"):
        _send(seeded, library, server)
    with pytest.raises(MailDeliveryError, match=r"failed \(CROSSWALK_SMTP_STARTTLS\).*CERTIFICATE"):
        _send(seeded, library, server, CROSSWALK_SMTP_STARTTLS="1")  # self-signed: not trusted
    assert _recorded(seeded) == [] and server.received == []

    assert server.certificate is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # the operator trusts it
    run = _send(seeded, library, server, CROSSWALK_SMTP_STARTTLS="")  # unset: on by default
    assert len(run.sent) == 2 and len(server.received) == 2
