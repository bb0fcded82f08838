"""What /api/openapi.json promises is what the app answers (issue 18, found by the API
fuzz test): every error status an operation answers is documented for it, with the body
it really sends (``{"detail": "the reason"}``, 422 included), and downloads document the
file types they send, not JSON."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.web.conftest import WebWorkspace

# (role or None for signed out, method, url, the operation's path in the document, status)
ERRORS = [
    (None, "GET", "/api/controls", "/api/controls", 401),
    ("auditor", "PATCH", "/api/controls/NW-AC-01", "/api/controls/{control_id}", 403),
    ("auditor", "POST", "/api/soa/init", "/api/soa/init", 403),
    ("editor", "GET", "/api/controls/NO-SUCH", "/api/controls/{control_id}", 400),
    ("editor", "GET", "/api/controls?per_page=0", "/api/controls", 422),
    ("editor", "PATCH", "/api/risks/R-01", "/api/risks/{risk_id}", 422),
    ("editor", "GET", "/api/evidence/987654", "/api/evidence/{evidence_id}", 404),
    # A control id with a line break matches no route: Starlette's 404.
    ("editor", "PATCH", "/api/controls/A%0AB", "/api/controls/{control_id}", 404),
    ("editor", "GET", "/gap/report.xlsx?to=no-such-framework", "/gap/report.xlsx", 400),
]


def _documented(document: dict[str, Any], path: str, method: str, status: int) -> Any:
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} does not document {status}"
    return responses[str(status)]


def _check_body(document: dict[str, Any], response: Any, documented: Any) -> None:
    media = response.headers["content-type"].split(";")[0].strip()
    content = documented.get("content", {})
    assert media in content or "*/*" in content, (media, sorted(content))
    if media == "application/json":
        schema = {**content[media]["schema"], "components": document["components"]}
        jsonschema.validate(response.json(), schema)


@pytest.mark.parametrize(("role", "method", "url", "path", "status"), ERRORS)
def test_every_error_an_operation_answers_is_documented_with_its_body(
    web: WebWorkspace, role: str | None, method: str, url: str, path: str, status: int
) -> None:
    client = web.client(role)
    document = client.http.get("/api/openapi.json").json()
    body = {"title": None} if method == "PATCH" and "risks" in url else {"title": "x"}
    response = client.http.request(
        method, url, headers=client.headers(), json=body if method == "PATCH" else None
    )
    assert response.status_code == status, response.text
    _check_body(document, response, _documented(document, path, method, status))


def test_downloads_document_the_files_they_send(web: WebWorkspace) -> None:
    editor = web.client("editor")
    document = editor.http.get("/api/openapi.json").json()
    stored = next(e for e in editor.http.get("/api/evidence").json()["evidence"] if e["sha256"])
    downloads = {
        "/gap/report.xlsx": "/gap/report.xlsx",
        "/gap/report.html": "/gap/report.html",
        "/plan/report.html": "/plan/report.html",
        "/plan/report.xlsx": "/plan/report.xlsx",
        "/window/report.xlsx": "/window/report.xlsx",
        f"/evidence/{stored['id']}/download": "/evidence/{evidence_id}/download",
    }
    for url, path in downloads.items():
        response = editor.http.get(url)
        assert response.status_code == 200, (url, response.text)
        documented = _documented(document, path, "GET", 200)
        assert "application/json" not in documented["content"], path
        _check_body(document, response, documented)


def test_the_upload_documents_its_refusals(web: WebWorkspace) -> None:
    editor = web.client("editor")
    document = editor.http.get("/api/openapi.json").json()
    refused = editor.http.post(
        "/api/evidence",
        files={"file": ("payload.exe", b"MZ", "application/octet-stream")},
        data={"controls": "NW-AC-01"},
        headers=editor.headers(),
    )
    assert refused.status_code == 415, refused.text
    _check_body(document, refused, _documented(document, "/api/evidence", "POST", 415))
    _documented(document, "/api/evidence", "POST", 413)
