"""One HTTP GET for the collectors, with the safety rules they share.

- Only ``http`` and ``https`` URLs (urllib would also read ``file:`` and ``ftp:``).
- A non-2xx answer is an answer (returned), not an error; only "no answer" raises.
- Credentials never follow a redirect to another origin (urllib copies every header).
- Bodies are capped, so a misconfigured URL cannot fill the evidence store.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urlsplit

from crosswalk.collectors.base import CollectorError

MAX_BODY_BYTES = 20 * 1024 * 1024
USER_AGENT = "crosswalk-collector"
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_http_url(url: str) -> str:
    """Validator for URL parameters: http(s) with a host, nothing else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return url


def check_env_name(name: str) -> str:
    """Validator for ``*_env`` parameters: the name of a variable, never the secret itself."""
    if not _ENV_NAME.match(name):
        raise ValueError("must be the name of an environment variable (letters, digits, _)")
    if name.lower().startswith(("ghp_", "gho_", "ghs_", "ghu_", "github_pat_")):
        raise ValueError(
            "looks like a token, not a variable name: put the token in an environment "
            "variable and name that variable here"
        )
    return name


def read_secret(env_name: str, purpose: str) -> str:
    """The value of a secret from the environment; its absence means the check cannot run."""
    value = os.environ.get(env_name, "").strip()
    if not value:
        raise CollectorError(f"environment variable {env_name} (holding {purpose}) is not set")
    return value


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    reason: str
    content_type: str  # media type only, lower-case, without parameters ("" if none)
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` (with a short reason) when it is not."""
        try:
            return json.loads(self.body)
        except UnicodeDecodeError as error:
            raise ValueError("the body is not UTF-8 text") from error
        except json.JSONDecodeError as error:
            raise ValueError(f"the body is not JSON ({error.msg} at {error.pos})") from error


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class _KeepSecretsAtHome(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but drop credentials when the redirect leaves the origin."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in list(new.headers):
                if name.lower() in SENSITIVE_HEADERS:
                    del new.headers[name]
        return new


def _media_type(headers: Message | None) -> str:
    value = headers.get("Content-Type", "") if headers is not None else ""
    return str(value).split(";", 1)[0].strip().lower()


def _read_capped(stream: IO[bytes], url: str) -> bytes:
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise CollectorError(f"{url}: the answer is larger than {MAX_BODY_BYTES} bytes")
    return body


def http_get(url: str, headers: Mapping[str, str], timeout_seconds: float) -> Response:
    """GET ``url``; raises ``CollectorError`` only when no HTTP answer came back."""
    check_http_url(url)
    request = urllib.request.Request(url, method="GET")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(_KeepSecretsAtHome())
    try:
        with opener.open(request, timeout=timeout_seconds) as answer:
            body = _read_capped(answer, url)
            return Response(
                url=answer.geturl(),
                status=answer.status,
                reason=answer.reason or "",
                content_type=_media_type(answer.headers),
                body=body,
            )
    except urllib.error.HTTPError as error:
        try:
            body = _read_capped(error, url) if error.fp is not None else b""
        finally:
            error.close()
        return Response(
            error.geturl(), error.code, str(error.reason), _media_type(error.headers), body
        )
    except urllib.error.URLError as error:
        raise CollectorError(f"{url}: no answer ({error.reason})") from error
    except TimeoutError as error:
        raise CollectorError(f"{url}: no answer within {timeout_seconds:g} s") from error
    except OSError as error:  # connection reset mid-body, TLS failures, ...
        raise CollectorError(f"{url}: connection failed ({error})") from error
