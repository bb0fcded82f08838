"""``github-branch-protection`` against a local server serving recorded GitHub answers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from crosswalk.collectors import CollectorError
from crosswalk.collectors.github_branch_protection import (
    GitHubBranchProtectionCollector,
    GitHubBranchProtectionParams,
)
from tests.collectors.conftest import LocalServer

TOKEN = "ghp_test0123456789abcdefghijklmnopqrstuv"
PATH = "/repos/northwind/platform/branches/main/protection"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NORTHWIND_GH_TOKEN", TOKEN)


def run(server: LocalServer, **params: object):  # type: ignore[no-untyped-def]
    values = {
        "owner": "northwind",
        "repo": "platform",
        "api_url": server.base_url,
        "token_env": "NORTHWIND_GH_TOKEN",
        **params,
    }
    model = GitHubBranchProtectionParams.model_validate(values)
    return GitHubBranchProtectionCollector().collect(model)


def assert_no_token(result: object) -> None:
    assert TOKEN not in repr(result)
    assert TOKEN not in json.dumps(result.describe())  # type: ignore[attr-defined]
    assert TOKEN.encode() not in result.content  # type: ignore[attr-defined]


def test_protected_branch_meeting_the_declaration_passes(server: LocalServer) -> None:
    body = server.recorded("github-branch-protection-protected.json")
    server.route(PATH, body, content_type="application/json; charset=utf-8")
    result = run(
        server,
        min_approving_reviews=2,
        required_status_checks=["ci/test", "codeql"],
        require_code_owner_reviews=True,
    )
    assert result.passed is True, result.summary
    assert result.content == body.encode()
    assert result.media_type == "application/json"
    assert result.filename == "branch-protection-northwind-platform-main.json"
    assert result.details["observed"]["required_approving_review_count"] == 2  # type: ignore[index]
    assert result.details["observed"]["required_status_checks"] == [  # type: ignore[index]
        "ci/build",
        "ci/test",
        "codeql",
    ]
    assert len(result.details["assertions"]) == 4  # type: ignore[arg-type]
    request = server.requests[0]
    assert request.path == PATH
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert_no_token(result)


def test_weaker_protection_than_declared_fails_naming_each_gap(server: LocalServer) -> None:
    server.route(PATH, server.recorded("github-branch-protection-protected.json"))
    result = run(
        server,
        min_approving_reviews=3,
        required_status_checks=["ci/test", "security/scan"],
        enforce_admins=True,
    )
    assert result.passed is False
    failed = [o["check"] for o in result.details["assertions"] if not o["passed"]]  # type: ignore[attr-defined]
    assert failed == [
        "required_approving_review_count",
        "required status check security/scan",
        "enforce_admins",
    ]
    assert "3 of 4 checks failed" in result.summary
    assert 'expected ">= 3", found 2' in result.summary
    assert_no_token(result)


def test_unprotected_branch_fails(server: LocalServer) -> None:
    body = server.recorded("github-branch-protection-not-protected.json")
    server.route(PATH, body, status=404)
    result = run(server)
    assert result.passed is False
    assert result.details["protected"] is False
    assert result.summary == "northwind/platform@main: not protected (GitHub: Branch not protected)"
    assert result.content == body.encode()
    assert_no_token(result)


def test_branch_names_are_encoded_into_one_path_segment(server: LocalServer) -> None:
    path = "/repos/northwind/platform/branches/release%2F2026/protection"
    server.route(path, server.recorded("github-branch-protection-protected.json"))
    result = run(server, branch="release/2026")
    assert server.requests[0].path == path
    assert result.passed is True
    assert result.filename == "branch-protection-northwind-platform-release_2026.json"


def test_refused_credentials_cannot_run(server: LocalServer) -> None:
    server.route(PATH, server.recorded("github-bad-credentials.json"), status=401)
    with pytest.raises(CollectorError, match="Bad credentials") as raised:
        run(server)
    assert TOKEN not in str(raised.value)
    assert "NORTHWIND_GH_TOKEN" in str(raised.value)


def test_missing_token_cannot_run_and_sends_nothing(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NORTHWIND_GH_TOKEN")
    with pytest.raises(CollectorError, match="NORTHWIND_GH_TOKEN"):
        run(server)
    assert server.requests == []


def test_without_token_env_no_authorization_is_sent(server: LocalServer) -> None:
    server.route(PATH, server.recorded("github-branch-protection-protected.json"))
    result = run(server, token_env=None, min_approving_reviews=2)
    assert result.passed is True
    assert "authorization" not in server.requests[0].headers
    assert result.details["authenticated"] is False


def test_token_is_not_sent_on_to_another_origin(
    serve: Callable[[], LocalServer],
) -> None:
    api, elsewhere = serve(), serve()
    target = elsewhere.route(PATH, elsewhere.recorded("github-branch-protection-protected.json"))
    api.route(PATH, "", status=302, content_type=None, headers={"Location": target})
    result = run(api, min_approving_reviews=2)
    assert result.passed is True
    assert api.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in elsewhere.requests[0].headers


def test_token_is_kept_on_a_redirect_within_the_api(server: LocalServer) -> None:
    moved = "/repositories/42/branches/main/protection"
    target = server.route(moved, server.recorded("github-branch-protection-protected.json"))
    server.route(PATH, "", status=301, content_type=None, headers={"Location": target})
    assert run(server, min_approving_reviews=2).passed is True
    assert server.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"token_env": TOKEN}, "looks like a token"),
        ({"token_env": "MY-TOKEN"}, "name of an environment variable"),
        ({"owner": "../admin"}, "owner"),
        ({"repo": ".."}, "repo"),
        ({"branch": "release/*"}, "wildcards"),
        ({"min_approving_reviews": 7}, "min_approving_reviews"),
        ({"api_url": "ftp://github.example"}, "http"),
    ],
)
def test_bad_parameters_are_refused(changes: dict[str, object], field: str) -> None:
    values = {"owner": "northwind", "repo": "platform", **changes}
    with pytest.raises(ValidationError, match=field) as raised:
        GitHubBranchProtectionParams.model_validate(values)
    if "token_env" in changes and changes["token_env"] == TOKEN:
        assert TOKEN not in str(raised.value)
