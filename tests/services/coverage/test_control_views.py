"""One control's page: its tags' confirmations read only the flags that concern it, and agree
with the whole-program confirmation status."""

from __future__ import annotations

from datetime import date

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.confirmations import State, confirm, confirmation_status
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.coverage.control_views import control_page
from crosswalk.services.mapping.flags import CONTROL, TAG, raise_flag, tag_subject
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

TODAY = date(2026, 11, 27)
A518 = "iso27001-2022:A.5.18"
A515 = "iso27001-2022:A.5.15"


def test_the_page_shows_its_own_flags_only_and_agrees_with_the_program(
    workspace: Workspace, library: Library
) -> None:
    with session_scope(workspace.engine) as session:
        for control_id in ("AC-1", "AC-2"):
            add_control(session, ControlInput(control_id, "Access review", owner="Dana"))
            tag_control(session, library, control_id, [A518, A515])
            confirm(session, library, control_id, by="Dana", on=TODAY)
        raise_flag(session, TAG, tag_subject("AC-1", A518), "owner left", "manual", TODAY)
        raise_flag(session, CONTROL, "AC-2", "re-organised", "manual", TODAY)
        session.commit()
        page = control_page(session, library, "AC-1", TODAY)
        states = {key: state.state for key, state in page.confirmations.items()}
        assert states == {A518: State.FLAGGED, A515: State.CONFIRMED}
        everything = {
            s.requirement: s
            for s in confirmation_status(session, library, TODAY, edges=False)
            if s.control_id == "AC-1"
        }
        assert page.confirmations == everything
        other = control_page(session, library, "AC-2", TODAY)
        assert {s.state for s in other.confirmations.values()} == {State.FLAGGED}
