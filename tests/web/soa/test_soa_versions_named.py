"""A SoA version named with digits that are not ASCII (``¹``, which ``str.isdigit`` accepts
but ``int`` refuses) is refused with the reason, never a 500 (found by the API fuzz test)."""

from __future__ import annotations

import pytest

from tests.web.conftest import WebWorkspace


@pytest.mark.parametrize(
    "url", ["/api/soa?version=%C2%B9", "/api/soa/diff?from=%C2%B9&to=1", "/soa?version=%C2%B9"]
)
def test_a_version_of_non_ascii_digits_is_refused_naming_it(web: WebWorkspace, url: str) -> None:
    auditor = web.client("auditor")
    answer = auditor.http.get(url)
    assert answer.status_code == 400, answer.text
    assert "SoA version" in answer.text
