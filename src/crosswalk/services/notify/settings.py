"""How digests are sent: the SMTP server and the address the web app is reached at, from
the environment (a worker and ``crosswalk notify`` read the same variables).

Every setting is checked when read, and every error names the variable to fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from crosswalk.domain.errors import CrosswalkError

HOST = "CROSSWALK_SMTP_HOST"
PORT = "CROSSWALK_SMTP_PORT"
USER = "CROSSWALK_SMTP_USER"
PASSWORD = "CROSSWALK_SMTP_PASSWORD"
SENDER = "CROSSWALK_SMTP_FROM"
STARTTLS = "CROSSWALK_SMTP_STARTTLS"
TIMEOUT = "CROSSWALK_SMTP_TIMEOUT"
BASE_URL = "CROSSWALK_BASE_URL"
SETTINGS = (HOST, PORT, USER, PASSWORD, SENDER, STARTTLS, TIMEOUT, BASE_URL)

DEFAULT_PORT_STARTTLS = 587  # submission
DEFAULT_PORT_PLAIN = 25
DEFAULT_TIMEOUT = 30.0
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAMED = re.compile(r"^(?P<name>[^<>]*)<(?P<address>[^<>]+)>$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class MailSettingsError(CrosswalkError):
    """A setting is missing or malformed; the message names the environment variable."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send. ``base_url`` (the web app's address as people reach it) makes
    the links in a message; without it a message has no links and says how to unsubscribe
    with the CLI instead."""

    host: str
    port: int = DEFAULT_PORT_STARTTLS
    sender: str = ""
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = DEFAULT_TIMEOUT
    base_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings:
        """The settings from ``CROSSWALK_SMTP_*`` and ``CROSSWALK_BASE_URL``."""
        given = os.environ if env is None else env

        def value(name: str) -> str:
            return (given.get(name) or "").strip()

        host = value(HOST)
        if not host:
            raise MailSettingsError(
                f"{HOST} is not set: give the SMTP server's host name, e.g. smtp.example.com"
            )
        if any(c.isspace() for c in host) or "/" in host:
            raise MailSettingsError(f"{HOST}: {host!r} is not a host name")
        starttls = flag(value(STARTTLS), STARTTLS, default=True)
        port = port_number(value(PORT), starttls)
        sender = sender_address(value(SENDER))
        user, password = value(USER) or None, given.get(PASSWORD) or None
        if (user is None) != (password is None):
            missing = PASSWORD if password is None else USER
            raise MailSettingsError(
                f"{missing} is not set: give both {USER} and {PASSWORD}, or neither "
                "(a server that needs no sign-in)"
            )
        return cls(
            host=host,
            port=port,
            sender=sender,
            user=user,
            password=password,
            starttls=starttls,
            timeout=seconds(value(TIMEOUT)),
            base_url=link_base(value(BASE_URL)),
        )


def flag(text: str, name: str, default: bool) -> bool:
    if not text:
        return default
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise MailSettingsError(f"{name}: {text!r} is not a yes/no value; use 1 or 0")


def port_number(text: str, starttls: bool) -> int:
    if not text:
        return DEFAULT_PORT_STARTTLS if starttls else DEFAULT_PORT_PLAIN
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise MailSettingsError(f"{PORT}: {text!r} is not a port number (1-65535)")
    return int(text)


def sender_address(text: str) -> str:
    """``digest@example.com`` or ``Crosswalk <digest@example.com>``."""
    if not text:
        raise MailSettingsError(
            f"{SENDER} is not set: give the address digests come from, "
            "e.g. Crosswalk <compliance@example.com>"
        )
    named = _NAMED.match(text)
    address = named.group("address").strip() if named else text
    if not _ADDRESS.match(address) or "\n" in text or "\r" in text:
        raise MailSettingsError(f"{SENDER}: {text!r} is not an e-mail address")
    return text


def seconds(text: str) -> float:
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise MailSettingsError(f"{TIMEOUT}: {text!r} is not a number of seconds (0-600)")
    return value


def link_base(text: str) -> str | None:
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MailSettingsError(
            f"{BASE_URL}: {text!r} is not an http(s) address, e.g. https://crosswalk.example.com"
        )
    return text.rstrip("/")


def base_url_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """Only ``CROSSWALK_BASE_URL``: a preview needs links, not an SMTP server."""
    given = os.environ if env is None else env
    return link_base((given.get(BASE_URL) or "").strip())
