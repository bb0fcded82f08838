"""``http-json`` against a real local HTTP server: assertions, bad answers, no answer."""

from __future__ import annotations

import json
import socket

import pytest
from pydantic import ValidationError

from crosswalk.collectors import CollectorError
from crosswalk.collectors.http_json import HttpJsonCollector, HttpJsonParams
from crosswalk.collectors.jsonpath import MISSING, parse_path, resolve
from tests.collectors.conftest import LocalServer

HEALTH = {
    "status": "ok",
    "mfa": {"enforced": True, "exempt_users": 0},
    "backups": [{"name": "nightly", "age_hours": 7.5}, {"name": "weekly", "age_hours": 50}],
    "config.version": "2026.1",
    "ratio": 1,
}


def run(**params: object):  # type: ignore[no-untyped-def]
    return HttpJsonCollector().collect(HttpJsonParams.model_validate(params))


def test_assertions_that_hold_pass_and_keep_the_body(server: LocalServer) -> None:
    body = json.dumps(HEALTH)
    url = server.route("/health", body)
    result = run(
        url=url,
        assertions=[
            {"path": "$.status", "equals": "ok"},
            {"path": "$.mfa.enforced", "equals": True},
            {"path": "$.mfa.exempt_users", "max": 0},
            {"path": "$.backups[0].age_hours", "min": 0, "max": 24},
            {"path": "$.backups[-1].name", "equals": "weekly"},
            {"path": '$["config.version"]', "exists": True},
            {"path": "$.legacy_login", "exists": False},
        ],
    )
    assert result.passed is True, result.details
    assert result.content == body.encode()
    assert result.media_type == "application/json"
    assert result.filename == "http-127.0.0.1.json"
    assert result.details["status"] == 200
    assert all(o["passed"] for o in result.details["assertions"])  # type: ignore[attr-defined]
    assert "7 checks hold" in result.summary
    assert server.requests[0].headers["accept"] == "application/json"


def test_assertions_that_fail_say_which_and_what_was_found(server: LocalServer) -> None:
    url = server.route("/health", json.dumps(HEALTH))
    result = run(
        url=url,
        assertions=[
            {"path": "$.status", "equals": "ok"},
            {"path": "$.backups[1].age_hours", "max": 24},
            {"path": "$.ratio", "equals": True},  # JSON 1 is not true
            {"path": "$.backups[5]", "exists": True},
            {"path": "$.status", "min": 1},
        ],
    )
    assert result.passed is False
    outcomes = result.details["assertions"]
    assert [o["passed"] for o in outcomes] == [True, False, False, False, False]  # type: ignore[union-attr]
    assert outcomes[1]["actual"] == 50  # type: ignore[index]
    assert outcomes[4]["reason"] == "not a number"  # type: ignore[index]
    assert "4 of 5 checks failed: $.backups[1].age_hours <= 24 (found 50)" in result.summary
    json.dumps(result.details)  # storable as is


def test_server_error_is_a_failed_check_with_the_reason(server: LocalServer) -> None:
    url = server.route("/health", '{"error": "database down"}', status=500)
    result = run(url=url, assertions=[{"path": "$.error", "exists": False}])
    assert result.passed is False
    assert result.details["status"] == 500
    assert result.details["error"] == "HTTP 500 Internal Server Error"
    assert result.content == b'{"error": "database down"}'
    assert "HTTP 500" in result.summary


def test_a_body_that_is_not_json_is_a_failed_check(server: LocalServer) -> None:
    url = server.route("/health", "<html>login</html>", content_type="text/html")
    result = run(url=url)
    assert result.passed is False
    assert "not JSON" in str(result.details["error"])
    assert result.media_type == "text/html"
    assert result.filename.endswith(".html")
    assert result.content == b"<html>login</html>"


def test_no_answer_cannot_run() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CollectorError, match="no answer"):
        run(url=f"http://127.0.0.1:{port}/health", timeout_seconds=5)


def test_secret_headers_come_from_the_environment_and_stay_out_of_the_result(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTH_TOKEN", "Bearer s3cret-value")
    url = server.route("/health", json.dumps(HEALTH))
    result = run(url=url, header_env={"Authorization": "HEALTH_TOKEN"}, headers={"X-Team": "it"})
    assert server.requests[0].headers["authorization"] == "Bearer s3cret-value"
    assert server.requests[0].headers["x-team"] == "it"
    assert "s3cret" not in json.dumps(result.describe())
    assert result.details["headers_sent"] == ["Accept", "Authorization", "X-Team"]


def test_missing_secret_cannot_run(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEALTH_TOKEN", raising=False)
    url = server.route("/health", "{}")
    with pytest.raises(CollectorError, match="HEALTH_TOKEN"):
        run(url=url, header_env={"Authorization": "HEALTH_TOKEN"})
    assert server.requests == []


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"url": "file:///etc/passwd"}, "http:// or https://"),
        ({"url": "http://x", "headers": {"Authorization": "Bearer abc"}}, "header_env"),
        ({"url": "http://x", "header_env": {"Authorization": "Bearer abc"}}, "environment"),
        ({"url": "http://x", "assertions": [{"path": "$.a"}]}, "say what to check"),
        ({"url": "http://x", "assertions": [{"path": "$.a", "equals": 1, "exists": True}]}, "not"),
        ({"url": "http://x", "assertions": [{"path": "$.a", "min": 5, "max": 1}]}, "above max"),
        ({"url": "http://x", "assertions": [{"path": "a.b", "exists": True}]}, "starts with"),
        ({"url": "http://x", "assertions": [{"path": "$.a[x]", "exists": True}]}, "position 3"),
    ],
)
def test_bad_parameters_are_refused(params: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        HttpJsonParams.model_validate(params)


def test_json_path_reads_keys_indexes_and_quoted_keys() -> None:
    assert parse_path("$") == ()
    assert parse_path("$.a.b[0]['x.y'][-1]") == ("a", "b", 0, "x.y", -1)
    document = {"a": {"b": [{"x.y": [1, 2]}]}}
    assert resolve(document, parse_path("$.a.b[0]['x.y'][-1]")) == 2
    assert resolve(document, parse_path("$.a.b[1]")) is MISSING
    assert resolve(document, parse_path("$.a[0]")) is MISSING
    assert resolve(document, parse_path("$.a.b.c")) is MISSING
    assert resolve({"a": None}, parse_path("$.a")) is None
