"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, for one test.

Fixtures:

- ``smtp_server``: accepts every message and keeps it (``.received``: the envelope's
  recipients and the parsed message); ``.refuse`` holds addresses it answers 550 for;
  ``.env()`` gives the ``CROSSWALK_SMTP_*`` settings that reach it.
- ``smtp_server_with_login``: the same, but it offers a sign-in (AUTH LOGIN/PLAIN) and
  accepts only ``digest`` / ``right password`` (over plain text: a test on localhost).
- ``smtp_server_with_tls``: the same, on ``localhost``, requiring STARTTLS with a
  self-signed certificate made by ``openssl`` for the test (``.certificate``: its file,
  for ``SSL_CERT_FILE``); skipped where ``openssl`` is missing.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

LOGIN = "digest"
PASSWORD = "right password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    login: bool = False
    certificate: Path | None = None

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "CROSSWALK_SMTP_HOST": self.host,
            "CROSSWALK_SMTP_PORT": str(self.port),
            "CROSSWALK_SMTP_FROM": "Crosswalk <compliance@northwind.example>",
            "CROSSWALK_SMTP_STARTTLS": "0",
            "CROSSWALK_SMTP_TIMEOUT": "5",
            "CROSSWALK_BASE_URL": "https://crosswalk.northwind.example",
        }
        if self.login:
            values |= {"CROSSWALK_SMTP_USER": LOGIN, "CROSSWALK_SMTP_PASSWORD": PASSWORD}
        return values | extra

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.server.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(data, LoginPassword)
        and data.login == LOGIN.encode()
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the STARTTLS test server")
    certificate, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def _serve(login: bool, tls_folder: Path | None = None) -> Iterator[SmtpServer]:
    controller_module = pytest.importorskip(
        "aiosmtpd.controller", reason="aiosmtpd is not installed (bash scripts/setup.sh --dev)"
    )
    server = SmtpServer("127.0.0.1", _free_port(), login=login)
    options: dict[str, Any] = {}
    if tls_folder is not None:
        certificate, key = _self_signed(tls_folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        server.host, server.certificate = "localhost", certificate
        options = {"tls_context": context, "require_starttls": True}
    if login:
        options = {
            "authenticator": _authenticate,
            "auth_required": False,  # offered and checked; required needs TLS to be quiet
            "auth_require_tls": False,
        }
    with warnings.catch_warnings():  # AUTH without TLS: on purpose, on localhost
        warnings.simplefilter("ignore", UserWarning)
        controller = controller_module.Controller(
            _Handler(server), hostname="127.0.0.1", port=server.port, **options
        )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from _serve(login=False)


@pytest.fixture
def smtp_server_with_login() -> Iterator[SmtpServer]:
    yield from _serve(login=True)


@pytest.fixture
def smtp_server_with_tls(tmp_path: Path) -> Iterator[SmtpServer]:
    yield from _serve(login=False, tls_folder=tmp_path)
