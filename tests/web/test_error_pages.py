"""A URL no route answers gives a page with the navigation (issue 17), JSON only under
/api/; someone not signed in gets a page that says how to get in."""

from __future__ import annotations

from tests.web.conftest import WebWorkspace


def test_an_unknown_page_is_an_html_page_with_the_navigation(web: WebWorkspace) -> None:
    editor = web.client("editor")
    for path in ("/policies-that-do-not-exist", "/no/such/page"):
        answer = editor.http.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert f"there is no page at {path}" in answer.text
        assert 'aria-label="Main"' in answer.text and 'href="/controls"' in answer.text
        assert "Sign out" in answer.text  # the page frame of a signed-in user
    api = editor.http.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.json() == {"detail": "there is no page at /api/no-such-thing"}


def test_a_method_a_page_does_not_take_is_a_page_too(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.http.put("/controls", headers=editor.headers())
    assert answer.status_code == 405
    assert "PUT is not accepted at /controls" in answer.text
    assert "allow" in {name.lower() for name in answer.headers}


def test_signed_out_the_error_page_says_how_to_get_in(web: WebWorkspace) -> None:
    answer = web.client().http.get("/nowhere")
    assert answer.status_code == 404
    assert "there is no page at /nowhere" in answer.text
    assert 'href="/login"' in answer.text and "an admin adds users" in answer.text
    assert 'aria-label="Main"' not in answer.text  # no navigation to pages it cannot open


def test_a_wrong_requirement_url_names_it_on_a_page_with_the_navigation(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.http.get("/explorer/iso27001-2022:A.99.99")
    assert answer.status_code == 400 and "Nothing by that name" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "A.99.99" in answer.text and "Cannot do that" not in answer.text
    assert 'aria-label="Main"' in answer.text and 'href="/controls"' in answer.text
    api = editor.http.get("/api/requirements/iso27001-2022:A.99.99")
    assert api.status_code == 400 and "did you mean" in api.json()["detail"]
