"""The live program (what the web app keeps between requests) equals a full recompute after
every kind of edit, and follows each edit piece by piece where it can."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.demo.builder import DemoResult
from crosswalk.domain.controls import Coverage, OperatingStatus
from crosswalk.domain.frequency import Frequency
from crosswalk.services.controls.confirmations import confirm
from crosswalk.services.controls.controls import (
    ControlInput,
    add_control,
    control_row,
    edit_control,
    tag_control,
    untag_control,
)
from crosswalk.services.controls.retirement import restore_control, retire_control
from crosswalk.services.coverage import live
from crosswalk.services.coverage.gap import set_likely_strength
from crosswalk.services.coverage.live import LiveProgram, advance, build_program
from crosswalk.services.evidence.evidence import (
    EvidenceInput,
    add_url_evidence,
    evidence_row,
    link,
    unlink,
)
from crosswalk.services.isms.audits import edit_audit
from crosswalk.services.isms.nonconformities import NonconformityInput, add_nonconformity
from crosswalk.services.isms.scope import set_scope_statement
from crosswalk.services.soa.soa import approve as approve_soa
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, open_workspace
from tests.conftest import DEMO_TODAY
from tests.services.coverage.live_checks import differences

Edit = Callable[[Session, Library, Path], object]


@pytest.fixture
def northwind(demo: DemoResult, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of the demo workspace that the test may change."""
    folder = tmp_path / "northwind"
    shutil.copytree(demo.folder, folder)
    opened = open_workspace(folder)
    yield opened
    opened.close()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the times the live program is built from scratch."""
    counted: list[int] = []
    original = live.build_program

    def counting(
        session: Session, library: Library, today: date, root: Path | None = None
    ) -> LiveProgram:
        counted.append(1)
        return original(session, library, today, root)

    monkeypatch.setattr(live, "build_program", counting)
    return counted


def _new_control(session: Session, library: Library, _root: Path) -> None:
    add_control(
        session, ControlInput("ZZ-NEW-1", "Access review", status=OperatingStatus.OPERATING)
    )
    tag_control(session, library, "ZZ-NEW-1", ["soc2-tsc-2017:CC6.1"])


def _new_evidence(session: Session, _library: Library, _root: Path) -> None:
    data = EvidenceInput(
        title="Board minutes", performed_start=DEMO_TODAY, performed_end=DEMO_TODAY
    )
    add_url_evidence(session, "https://wiki.example.com/minutes", ["NW-AC-06"], data, DEMO_TODAY)


def _full_confirmation(session: Session, library: Library, _root: Path) -> None:
    key = "iso27001-2022:A.5.4"
    confirm(session, library, "NW-GOV-03", key, by="Priya", on=DEMO_TODAY, meets=Coverage.FULL)


def _partial_confirmation(note: str) -> Edit:
    def edit(session: Session, library: Library, _root: Path) -> None:
        key = "iso27001-2022:A.5.14"
        confirm(
            session, library, "NW-GOV-08", key, by="Priya", on=DEMO_TODAY, note=note,
            meets=Coverage.PARTIAL,
        )  # fmt: skip

    return edit


def _overdue_nonconformity(session: Session, _library: Library, _root: Path) -> None:
    data = NonconformityInput(
        "NC-2026-09", "audit", "Late access reviews", owner="Dana",
        raised_on=date(2026, 10, 1), due_on=date(2026, 11, 1),
    )  # fmt: skip
    add_nonconformity(session, data, DEMO_TODAY)


def _policy_drafted(_session: Session, _library: Library, root: Path) -> None:
    path = root / "policies" / "POL-IS.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: in force", "status: draft", 1), encoding="utf-8")


ON_PAPER, MONTHLY = OperatingStatus.ON_PAPER, Frequency.MONTHLY
ISO_A51 = ["iso27001-2022:A.5.1"]

# (what the edit is, the edit, whether the live program follows it without a rebuild)
EDITS: list[tuple[str, Edit, bool]] = [
    ("a status change", lambda s, _l, _r: edit_control(s, "NW-GOV-02", status=ON_PAPER), True),
    ("a title", lambda s, _l, _r: edit_control(s, "NW-GOV-03", title="Board oversight"), True),
    ("an owner", lambda s, _l, _r: edit_control(s, "NW-GOV-03", owner="Dana Ortiz"), True),
    ("a frequency", lambda s, _l, _r: edit_control(s, "NW-GOV-04", frequency=MONTHLY), True),
    ("a description", lambda s, _l, _r: edit_control(s, "NW-GOV-05", description="New."), True),
    ("a tag added", lambda s, lib, _r: tag_control(s, lib, "NW-GOV-01", ISO_A51), True),
    (
        "a tag made partial",
        lambda s, lib, _r: tag_control(s, lib, "NW-GOV-01", ISO_A51, Coverage.PARTIAL),
        True,
    ),
    ("a tag removed", lambda s, lib, _r: untag_control(s, lib, "NW-GOV-01", ISO_A51), True),
    (
        "a tag to a clause",
        lambda s, lib, _r: tag_control(s, lib, "NW-GOV-06", ["iso27001-2022:9.2.1"]),
        True,
    ),
    ("a new control", _new_control, True),
    ("a control deleted", lambda s, _l, _r: s.delete(control_row(s, "NW-GOV-07")), True),
    ("evidence linked", lambda s, _l, _r: link(s, 1, ["NW-AC-05"]), True),  # its first
    ("evidence unlinked", lambda s, _l, _r: unlink(s, 1, ["NW-AC-05"]), True),
    ("evidence added", _new_evidence, True),
    (
        "evidence redated",
        # NW-GOV-01's newest: its evidence is now from 2025-12-21
        lambda s, _l, _r: setattr(evidence_row(s, 121), "performed_end", date(2024, 1, 1)),
        True,
    ),
    ("a full confirmation", _full_confirmation, True),
    ("a partial confirmation", _partial_confirmation("no written transfer rules"), True),
    ("only what is missing", _partial_confirmation("no rules for couriers"), True),
    ("the SoA approved (exclusions)", lambda s, _l, _r: approve_soa(s, "Elena", DEMO_TODAY), True),
    (
        "an audit performed",
        lambda s, lib, _r: edit_audit(s, lib, "IA-2027-01", performed_on=DEMO_TODAY),
        True,
    ),
    ("an overdue nonconformity", _overdue_nonconformity, True),
    ("a new scope draft", lambda s, _l, _r: set_scope_statement(s, "Northwind SaaS", [], []), True),
    ("a policy file edited", _policy_drafted, True),
    (
        "a control retired",
        lambda s, _l, _r: retire_control(s, "NW-GOV-04", "merged into NW-GOV-03", DEMO_TODAY),
        True,
    ),
    ("a control restored", lambda s, _l, _r: restore_control(s, "NW-GOV-04"), True),
    ("the likely bar", lambda s, _l, _r: set_likely_strength(s, 8), False),
]


def test_the_live_program_equals_a_full_recompute_after_each_edit(
    northwind: Workspace, library: Library, builds: list[int]
) -> None:
    root = northwind.root
    with session_scope(northwind.engine) as session:
        program = live.build_program(session, library, DEMO_TODAY, root)
        assert differences(program, session, library, DEMO_TODAY, root) == []
    for what, edit, incremental in EDITS:
        with session_scope(northwind.engine, actor="editor@northwind.example") as session:
            edit(session, library, root)
            session.commit()
        before = len(builds)
        with session_scope(northwind.engine) as session:
            following = advance(program, session)
            assert following.version > program.version or what.startswith("a policy")
            assert (len(builds) == before) is incremental, what
            assert differences(following, session, library, DEMO_TODAY, root) == [], what
        program = following


def test_an_edit_that_changes_no_verdict_judges_nothing_again(
    northwind: Workspace, library: Library
) -> None:
    with session_scope(northwind.engine) as session:
        program = build_program(session, library, DEMO_TODAY, northwind.root)
    with session_scope(northwind.engine, actor="editor@northwind.example") as session:
        edit_control(session, "NW-GOV-05", description="Reworded, nothing else.")
        session.commit()
    with session_scope(northwind.engine) as session:
        following = advance(program, session)
    assert following.assessments == program.assessments
    for framework_id, assessments in program.assessments.items():
        assert all(
            following.assessments[framework_id][key] is assessment
            for key, assessment in assessments.items()
        )
    assert following.controls["NW-GOV-05"].item.description == "Reworded, nothing else."
    with session_scope(northwind.engine) as session:
        assert advance(following, session) is following  # nothing new: the same state


def test_the_first_evidence_and_a_bulk_change_build_everything_again(
    sqlite_workspace: Workspace, library: Library, builds: list[int]
) -> None:
    today = date(2026, 11, 27)
    with session_scope(sqlite_workspace.engine, actor="a@example.com") as session:
        for number in range(3):
            add_control(session, ControlInput(f"AC-{number}", "Access review"))
            tag_control(session, library, f"AC-{number}", ["soc2-tsc-2017:CC6.1"])
        session.commit()
    with session_scope(sqlite_workspace.engine) as session:
        program = live.build_program(session, library, today)
    with session_scope(sqlite_workspace.engine, actor="a@example.com") as session:
        add_url_evidence(
            session, "https://example.com/r", ["AC-1"], EvidenceInput(title="Review"), today
        )
        session.commit()
    with session_scope(sqlite_workspace.engine) as session:
        program = advance(program, session)
        assert len(builds) == 2  # covered now needs fresh evidence: every verdict may move
        assert program.tracked
        assert differences(program, session, library, today, None) == []
    with session_scope(sqlite_workspace.engine, actor="a@example.com") as session:
        for number in range(3, 3 + live.CONTROL_LIMIT + 1):
            add_control(session, ControlInput(f"AC-{number}", "Access review"))
        session.commit()
    with session_scope(sqlite_workspace.engine) as session:
        program = advance(program, session)
        assert len(builds) == 3
        assert differences(program, session, library, today, None) == []


def test_controls_come_in_python_order_on_every_database(
    workspace: Workspace, library: Library
) -> None:
    """Mixed case and punctuation sort differently under PostgreSQL's collations; the live
    program inserts a new control where a full recompute puts it."""
    today = date(2026, 11, 27)
    with session_scope(workspace.engine, actor="a@example.com") as session:
        for control_id in ["ac-2", "AC-1", "Ab_3", "a.4"]:
            add_control(session, ControlInput(control_id, "Access review"))
            tag_control(session, library, control_id, ["soc2-tsc-2017:CC6.1"])
        session.commit()
    with session_scope(workspace.engine) as session:
        program = build_program(session, library, today)
    with session_scope(workspace.engine, actor="a@example.com") as session:
        add_control(session, ControlInput("AB-0", "Access review", status=OperatingStatus.ON_PAPER))
        tag_control(session, library, "AB-0", ["soc2-tsc-2017:CC6.1"])
        edit_control(session, "ac-2", status=OperatingStatus.IMPLEMENTED)
        session.commit()
    with session_scope(workspace.engine) as session:
        program = advance(program, session)
        assert list(program.order) == sorted(program.order)
        assert differences(program, session, library, today, None) == []
