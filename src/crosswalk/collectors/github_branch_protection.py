"""``github-branch-protection``: show that changes to a branch need review and passing checks.

Reads GitHub's REST "Get branch protection" answer and compares it with what the control
promises (approvals, code owners, required checks, admins included). The token is read
from the environment variable named in ``token_env``; it is sent only to ``api_url``'s
origin and never written to the result. A 404 is GitHub's way of saying "not protected"
(or "no such branch"), which is a failed check; 401/403 mean we could not look at all.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel, Field, StringConstraints, field_validator

from crosswalk.collectors.base import (
    Collector,
    CollectorError,
    CollectorParams,
    CollectorResult,
    safe_filename,
)
from crosswalk.collectors.fetch import (
    Response,
    check_env_name,
    check_http_url,
    http_get,
    read_secret,
)

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")]
Check = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ACCEPT = "application/vnd.github+json"


class GitHubBranchProtectionParams(CollectorParams):
    owner: Name
    repo: Name
    branch: str = Field(default="main", min_length=1)
    api_url: str = "https://api.github.com"
    token_env: str | None = "GITHUB_TOKEN"
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    min_approving_reviews: int = Field(default=1, ge=0, le=6)
    required_status_checks: list[Check] = Field(default_factory=list)
    require_code_owner_reviews: bool = False
    enforce_admins: bool = False

    @field_validator("owner", "repo")
    @classmethod
    def _not_dots(cls, value: str) -> str:
        if value in (".", ".."):
            raise ValueError("a GitHub account or repository name")
        return value

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_http_url(value).rstrip("/")

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return None if value is None else check_env_name(value)

    @field_validator("branch")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if any(c in value for c in "*?[") or value.strip() != value:
            raise ValueError("a branch name, without wildcards or surrounding spaces")
        return value


def _section(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _enabled(document: dict[str, Any], key: str) -> bool | None:
    value = _section(document, key).get("enabled")
    return value if isinstance(value, bool) else None


def observed_settings(document: dict[str, Any]) -> dict[str, object]:
    """The settings that matter for change control, read from the REST answer."""
    reviews = _section(document, "required_pull_request_reviews")
    checks = _section(document, "required_status_checks")
    contexts = {c for c in checks.get("contexts") or [] if isinstance(c, str)}
    contexts |= {
        c["context"]
        for c in checks.get("checks") or []
        if isinstance(c, dict) and isinstance(c.get("context"), str)
    }
    count = reviews.get("required_approving_review_count") if reviews else None
    return {
        "pull_request_reviews_required": bool(reviews),
        "required_approving_review_count": count if isinstance(count, int) else 0,
        "require_code_owner_reviews": reviews.get("require_code_owner_reviews") is True,
        "dismiss_stale_reviews": reviews.get("dismiss_stale_reviews") is True,
        "required_status_checks": sorted(contexts),
        "strict_status_checks": checks.get("strict") is True,
        "enforce_admins": _enabled(document, "enforce_admins") is True,
        "allow_force_pushes": _enabled(document, "allow_force_pushes"),
        "allow_deletions": _enabled(document, "allow_deletions"),
        "required_linear_history": _enabled(document, "required_linear_history"),
    }


def _outcome(check: str, expect: object, actual: object, passed: bool) -> dict[str, object]:
    return {"check": check, "expect": expect, "actual": actual, "passed": passed}


def evaluate(
    params: GitHubBranchProtectionParams, seen: dict[str, object]
) -> list[dict[str, object]]:
    """One outcome per promise the declaration makes; promises it does not make are skipped."""
    outcomes = []
    count = seen["required_approving_review_count"]
    if params.min_approving_reviews > 0:
        outcomes.append(
            _outcome(
                "required_approving_review_count",
                f">= {params.min_approving_reviews}",
                count,
                isinstance(count, int) and count >= params.min_approving_reviews,
            )
        )
    if params.require_code_owner_reviews:
        actual = seen["require_code_owner_reviews"]
        outcomes.append(_outcome("require_code_owner_reviews", True, actual, actual is True))
    present = seen["required_status_checks"]
    for context in params.required_status_checks:
        found = isinstance(present, list) and context in present
        outcomes.append(_outcome(f"required status check {context}", "required", found, found))
    if params.enforce_admins:
        actual = seen["enforce_admins"]
        outcomes.append(_outcome("enforce_admins", True, actual, actual is True))
    return outcomes


def _message(response: Response) -> str:
    try:
        document = response.json()
    except ValueError:
        return response.reason
    message = document.get("message") if isinstance(document, dict) else None
    return message if isinstance(message, str) else response.reason


class GitHubBranchProtectionCollector(Collector[GitHubBranchProtectionParams]):
    """Read a branch's protection rules from GitHub; passed when they meet the declaration."""

    name: ClassVar[str] = "github-branch-protection"
    Params: ClassVar[type[BaseModel]] = GitHubBranchProtectionParams

    def collect(self, params: GitHubBranchProtectionParams) -> CollectorResult:
        target = f"{params.owner}/{params.repo}@{params.branch}"
        url = (
            f"{params.api_url}/repos/{quote(params.owner)}/{quote(params.repo)}"
            f"/branches/{quote(params.branch, safe='')}/protection"
        )
        headers = {"Accept": ACCEPT}
        if params.token_env is not None:
            token = read_secret(params.token_env, "a GitHub token")
            headers["Authorization"] = f"Bearer {token}"
        response = http_get(url, headers, params.timeout_seconds)
        details: dict[str, object] = {
            "repository": f"{params.owner}/{params.repo}",
            "branch": params.branch,
            "url": url,
            "status": response.status,
            "authenticated": params.token_env is not None,
            "token_env": params.token_env,
        }

        def result(passed: bool, summary: str) -> CollectorResult:
            return CollectorResult(
                passed=passed,
                summary=f"{target}: {summary}",
                content=response.body,
                media_type="application/json",
                filename=safe_filename(
                    "branch-protection", params.owner, params.repo, params.branch, suffix=".json"
                ),
                details=details,
            )

        if response.status == 404:
            message = _message(response)
            details["protected"] = False
            details["message"] = message
            return result(False, f"not protected (GitHub: {message})")
        if response.status in (401, 403):
            hint = (
                f"check the token in {params.token_env} (it needs read access to the "
                "repository's administration settings)"
                if params.token_env
                else "set token_env to the variable holding a GitHub token"
            )
            raise CollectorError(
                f"{target}: GitHub refused ({response.status}: {_message(response)}); {hint}"
            )
        if response.status != 200:
            raise CollectorError(
                f"{target}: GitHub answered {response.status} {_message(response)}"
            )
        try:
            document = response.json()
        except ValueError as error:
            raise CollectorError(f"{target}: GitHub's answer is unreadable: {error}") from error
        if not isinstance(document, dict):
            raise CollectorError(f"{target}: GitHub's answer is not a protection object")
        seen = observed_settings(document)
        outcomes = evaluate(params, seen)
        details["protected"] = True
        details["observed"] = seen
        details["assertions"] = outcomes
        failed = [o for o in outcomes if not o["passed"]]
        if failed:
            listed = "; ".join(
                f"{o['check']} expected {json.dumps(o['expect'])}, found {json.dumps(o['actual'])}"
                for o in failed
            )
            return result(False, f"{len(failed)} of {len(outcomes)} checks failed: {listed}")
        return result(True, f"protected, {len(outcomes)} checks hold")
