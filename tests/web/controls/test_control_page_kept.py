"""A control's page is kept per state of the control (``LiveState.per_control``): read again
after any change to the control, its tags, its evidence, its confirmations or the review
flags on it, whoever made it and through whatever process, and not after a change to
another control. What it shows is always what a fresh read of the database shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.reports.serialize import to_jsonable
from crosswalk.services.controls.confirmations import confirm
from crosswalk.services.controls.controls import edit_control
from crosswalk.services.coverage.control_views import control_page
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.mapping.adjustments import adjusted_library
from crosswalk.services.mapping.flags import CONTROL, TAG, clear_flag, raise_flag, tag_subject
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from crosswalk.web import state as state_module
from crosswalk.web.routes.controls import controls as routes
from tests.conftest import DEMO_TODAY
from tests.web.conftest import WebWorkspace

DANAS = "NW-AC-04"  # the control whose page is read
SVENS = "NW-AC-07"  # another one
SOMEONE = "cli-user@example.com"  # changes made outside the app, as the CLI makes them


@contextmanager
def _outside(web: WebWorkspace) -> Iterator[Session]:
    """A change as another process makes it (the CLI, another worker), committed on exit."""
    opened = open_workspace(web.folder)
    try:
        with session_scope(opened.engine, actor=SOMEONE) as session:
            yield session
            session.commit()
    finally:
        opened.close()


def test_a_control_page_is_read_again_after_its_own_changes_only(
    web: WebWorkspace, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_read = routes.read_control

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args[2])
        return real_read(*args, **kwargs)

    monkeypatch.setattr(routes, "read_control", counted)
    editor = web.client("editor")

    def shown() -> Any:
        """The page once the worker's program has caught up with every change (any page
        that shows verdicts brings it up to date when it is older than the lag allowed)."""
        monkeypatch.setattr("crosswalk.web.state.LIVE_LAG_SECONDS", 0.0)
        assert editor.http.get("/api/dashboard").status_code == 200
        monkeypatch.setattr("crosswalk.web.state.LIVE_LAG_SECONDS", 3600.0)
        answer = editor.http.get(f"/api/controls/{DANAS}")
        assert answer.status_code == 200, answer.text
        return answer.json()["control"]

    def fresh() -> Any:
        with web.session() as session:
            adjusted = adjusted_library(session, library)
            return to_jsonable(control_page(session, adjusted, DANAS, DEMO_TODAY))

    def after(change: Callable[[Session], object], read_again: bool) -> Any:
        before = len(reads)
        with _outside(web) as session:
            change(session)
        page = shown()
        assert page == fresh()
        assert len(reads) == before + (1 if read_again else 0), reads
        return page

    first = shown()
    assert first == fresh() and reads == [DANAS]
    assert shown() == first and reads == [DANAS], "an unchanged control is not read again"

    after(lambda s: edit_control(s, SVENS, description="Another control changed"), False)

    requirement = first["detail"]["tags"][0]["requirement"]
    subject = tag_subject(DANAS, requirement)
    raised: list[int] = []

    def flagged(session: Session) -> object:
        raised.append(raise_flag(session, TAG, subject, "Checked?", "test", DEMO_TODAY).id)
        return raised

    page = after(flagged, True)
    assert page["confirmations"][requirement]["flags"], "the flag on its tag shows"
    page = after(lambda s: clear_flag(s, raised[0], SOMEONE, DEMO_TODAY), True)
    assert not page["confirmations"][requirement]["flags"]
    after(lambda s: raise_flag(s, CONTROL, DANAS, "Re-read it", "test", DEMO_TODAY), True)

    def linked(session: Session) -> object:
        data = EvidenceInput("Password policy screenshot", kind="url")
        return add_url_evidence(session, "https://example.com/p", [DANAS], data, DEMO_TODAY)

    page = after(linked, True)
    assert page["evidence"][0]["title"] == "Password policy screenshot"

    def confirmed(session: Session) -> object:
        return confirm(session, library, DANAS, requirement, by=SOMEONE, on=DEMO_TODAY)

    page = after(confirmed, True)
    assert page["confirmations"][requirement]["confirmed_by"] == SOMEONE
    after(lambda s: edit_control(s, DANAS, description="Changed outside the app"), True)
    assert shown()["detail"]["description"] == "Changed outside the app"


def test_its_author_sees_an_edit_at_once_without_the_program_catching_up_first(
    web: WebWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer to an edit, and its author's next look, read the control afresh while the
    worker's program is behind them: no one waits for the program to catch up for a page
    that one control's rows make."""
    monkeypatch.setattr("crosswalk.web.state.LIVE_LAG_SECONDS", 3600.0)
    editor = web.client("editor")
    assert editor.http.get("/api/dashboard").status_code == 200  # the program is built
    caught_up: list[int] = []
    real_advance = state_module.advance

    def counted(*args: Any) -> Any:
        caught_up.append(1)
        return real_advance(*args)

    monkeypatch.setattr(state_module, "advance", counted)
    answer = editor.http.patch(
        f"/api/controls/{DANAS}", json={"description": "Edited"}, headers=editor.headers()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["control"]["detail"]["description"] == "Edited"
    again = editor.http.get(f"/api/controls/{DANAS}").json()["control"]
    assert again["detail"]["description"] == "Edited"
    assert caught_up == [], "the control's page did not wait for the program"
    assert editor.http.get("/api/dashboard").status_code == 200
    assert caught_up == [1], "a page of verdicts brings it up to date for its author"
