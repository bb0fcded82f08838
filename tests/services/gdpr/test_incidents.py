"""The incident register and the 72-hour breach clock (GDPR Art. 33/34, ISO A.5.24-A.5.28)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.domain.breach_clock import (
    DUE_SOON,
    LATE,
    ON_TIME,
    PAST_DUE,
    RUNNING,
    breach_clock,
    shown_in,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.gdpr.incidents import (
    IncidentInput,
    add_incident,
    alerting,
    breach_log,
    edit_incident,
    get_incident,
    list_incidents,
    moment,
)
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.gdpr_models import IncidentRow
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace, init_workspace

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def _breach(incident_id: str, aware: datetime, zone: str = BERLIN, **more: object) -> IncidentInput:
    values: dict[str, object] = {
        "title": f"{incident_id}: laptop stolen",
        "detected_at": aware - timedelta(hours=1),
        "detected_zone": zone,
        "aware_at": aware,
        "aware_zone": zone,
        "personal_data": True,
        "risk": "risk",
        **more,
    }
    return IncidentInput(incident_id, **values)  # type: ignore[arg-type]


def _trail(session: object, key: str) -> list[str]:
    rows = session.scalars(  # type: ignore[attr-defined]
        select(AuditRow.action).where(AuditRow.entity == "incident", AuditRow.entity_key == key)
    )
    return list(rows)


def test_awareness_at_0130_on_the_night_clocks_go_forward_is_due_72_real_hours_later(
    workspace: Workspace,
) -> None:
    aware = moment("2027-03-28 01:30", BERLIN, "aware_at")  # CET, the clocks jump at 02:00
    assert aware == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        added = add_incident(session, _breach("INC-1", aware), now=aware)
        session.commit()
        item = get_incident(session, "INC-1", now=aware + timedelta(hours=61))
    # 72 h later it is 02:30 in Berlin (summer time), not 01:30: the clock counts real hours.
    assert item.clock.due_at == datetime(2027, 3, 31, 0, 30, tzinfo=UTC)
    assert added.clock.state == RUNNING and added.clock_text == "due in 3 d 0 h 0 min"
    assert item.clock.state == DUE_SOON and item.clock_text == "due in 11 h 0 min"
    assert item.aware_at == aware and item.aware_zone == BERLIN  # stored UTC, zone kept


def test_awareness_at_0130_on_the_night_clocks_go_back_is_due_an_hour_earlier_on_the_wall() -> None:
    aware = moment("2026-10-25 01:30", BERLIN, "aware_at")  # still summer time (+02:00)
    clock = breach_clock(aware, True, None, aware)
    assert clock.due_at == datetime(2026, 10, 27, 23, 30, tzinfo=UTC)
    assert shown_in(clock.due_at, BERLIN) == "2026-10-28 00:30 +01:00 (Europe/Berlin)"


def test_a_reading_the_clock_change_repeats_or_skips_is_refused_naming_the_field(
    workspace: Workspace,
) -> None:
    # New York, 1 November 2026: 01:30 happens twice (EDT, then EST).
    with pytest.raises(CrosswalkError, match=r"aware_at: 2026-11-01 01:30 happens twice.*-04:00"):
        moment("2026-11-01 01:30", NEW_YORK, "aware_at")
    first = moment("2026-11-01 01:30-04:00", NEW_YORK, "aware_at")
    second = moment("2026-11-01 01:30-05:00", NEW_YORK, "aware_at")
    assert second - first == timedelta(hours=1)
    with pytest.raises(CrosswalkError, match=r"aware_at: .* has offset \+01:00, but"):
        moment("2026-11-01 01:30+01:00", NEW_YORK, "aware_at")
    with pytest.raises(CrosswalkError, match=r"notified_at: 2027-03-14 02:30 does not exist"):
        moment("2027-03-14 02:30", NEW_YORK, "notified_at")
    with pytest.raises(CrosswalkError, match=r"aware_at zone: unknown time zone 'Mars/Base'"):
        moment("2027-03-14 02:30", "Mars/Base", "aware_at")
    with session_scope(workspace.engine) as session:
        item = add_incident(session, _breach("INC-2", second, NEW_YORK), now=second)
        session.commit()
    assert item.clock.due_at == datetime(2026, 11, 4, 6, 30, tzinfo=UTC)


def test_clock_states_from_running_to_past_due(workspace: Workspace) -> None:
    aware = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        add_incident(session, _breach("INC-1", aware), now=aware)
        add_incident(
            session,
            IncidentInput("INC-2", "Phishing, no personal data", aware, "UTC", personal_data=False),
        )
        session.commit()
        states = {
            hours: get_incident(session, "INC-1", now=aware + timedelta(hours=hours)).clock
            for hours in (1, 61, 75)
        }
        assert alerting(session, now=aware + timedelta(hours=1)) == []
        assert [i.incident_id for i in alerting(session, now=aware + timedelta(hours=75))] == [
            "INC-1"
        ]
        assert get_incident(session, "INC-2").clock_text == "no clock"
    assert states[1].state == RUNNING
    assert states[61].state == DUE_SOON and states[61].alerting
    assert states[75].state == PAST_DUE
    assert states[75].text() == "past due by 3 h 0 min"


def test_notified_at_70_hours_is_on_time_and_at_80_needs_the_reasons_for_delay(
    workspace: Workspace,
) -> None:
    aware = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        add_incident(session, _breach("INC-1", aware))
        add_incident(session, _breach("INC-2", aware))
        session.commit()
        edit_incident(
            session, "INC-1", notified_at=aware + timedelta(hours=70), notified_zone=BERLIN
        )
        session.commit()
        entries = len(_trail(session, "INC-2"))
        with pytest.raises(CrosswalkError, match=r"incident INC-2: delay_reason: notified 80.0 h"):
            edit_incident(
                session, "INC-2", notified_at=aware + timedelta(hours=80), notified_zone=BERLIN
            )
        session.rollback()
        assert get_incident(session, "INC-2").notified_at is None  # nothing written
        assert len(_trail(session, "INC-2")) == entries
        changed = edit_incident(
            session,
            "INC-2",
            notified_at=aware + timedelta(hours=80),
            notified_zone=BERLIN,
            delay_reason="The processor told us on day 3",
        )
        session.commit()
        assert changed == ["notified_at", "notified_zone", "delay_reason"]
        on_time = get_incident(session, "INC-1")
        late = get_incident(session, "INC-2")
        assert _trail(session, "INC-2") == ["create", "update"]
    assert on_time.clock.state == ON_TIME and not on_time.to_do
    assert late.clock.state == LATE and late.clock_text == "notified late by 8 h 0 min"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"risk": "moderate"}, "risk"),
        ({"notified_zone": BERLIN, "notified_at": "before"}, "notified_at"),
        ({"subjects_decision": "exempt", "subjects_exemption": "z"}, "subjects_exemption"),
        ({"risk": "high", "subjects_decision": "not required"}, "subjects_decision"),
        ({"closed_at": "later", "closed_zone": BERLIN, "risk": "high"}, "closed_at"),
        ({"aware_at": None}, "aware_at"),
        ({"notified_at": "later", "notified_zone": "Europe/Nowhere"}, "notified_zone"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    sqlite_workspace: Workspace, changes: dict[str, object], field: str
) -> None:
    aware = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    when = {"before": aware - timedelta(minutes=5), "later": aware + timedelta(hours=2)}
    values = {name: when.get(v, v) if isinstance(v, str) else v for name, v in changes.items()}
    with session_scope(sqlite_workspace.engine) as session:
        add_incident(session, _breach("INC-1", aware, detected_at=aware - timedelta(hours=2)))
        session.commit()
        with pytest.raises(CrosswalkError, match=rf"incident INC-1: {field}"):
            edit_incident(session, "INC-1", **values)
        session.rollback()
        assert _trail(session, "INC-1") == ["create"]
        with pytest.raises(CrosswalkError, match=rf"incident INC-9: {field}"):
            add_incident(
                session, _breach("INC-9", aware, detected_at=aware - timedelta(hours=2), **values)
            )
        session.rollback()
        assert session.scalar(select(func.count()).select_from(IncidentRow)) == 1


def test_the_breach_log_lists_every_personal_data_breach_notified_or_not(
    workspace: Workspace,
) -> None:
    aware = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        add_incident(session, _breach("INC-1", aware, risk="unlikely", measures="Wiped remotely"))
        add_incident(
            session,
            _breach(
                "INC-2",
                aware + timedelta(days=1),
                risk="high",
                notified_at=aware + timedelta(days=2),
                notified_zone=BERLIN,
                authority="BfDI",
                subjects_decision="exempt",
                subjects_exemption="a",
            ),
        )
        add_incident(session, IncidentInput("INC-3", "DDoS", aware, "UTC", personal_data=False))
        session.commit()
        log = breach_log(session, now=aware + timedelta(days=5))
        open_ones = list_incidents(session, open_only=True, now=aware + timedelta(days=5))
    assert [e.incident_id for e in log] == ["INC-1", "INC-2"]
    assert log[0].notification.startswith("not notified: unlikely to result in a risk")
    assert log[0].remedial_action == "Wiped remotely"
    assert log[1].notification.startswith("notified to BfDI 2026-06-03 10:00 +02:00")
    assert "notified on time" in log[1].notification
    assert log[1].subjects.startswith("not told: Art. 34(3)(a)")
    assert {i.incident_id for i in open_ones} == {"INC-1", "INC-2", "INC-3"}


def test_incidents_go_through_export_program_and_apply(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    aware = moment("2027-03-28 01:30", BERLIN, "aware_at")
    with session_scope(workspace.engine) as session:
        add_incident(
            session,
            _breach(
                "INC-1",
                aware,
                notified_at=aware + timedelta(hours=80),
                notified_zone="Europe/Paris",
                delay_reason="Forensics took three days",
            ),
        )
        session.commit()
        export_program(session, tmp_path / "program")
    text = (tmp_path / "program" / "incidents" / "INC-1.yaml").read_text(encoding="utf-8")
    assert "format: crosswalk/incident@1" in text and "aware_at: '2027-03-28T00:30:00Z'" in text
    assert "notified_zone: Europe/Paris" in text
    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            report = apply_program(session, library, tmp_path / "program")
            session.commit()
            [incidents] = [r for r in report.records if r.folder == "incidents"]
            assert incidents.created == ["INC-1"]
            again = apply_program(session, library, tmp_path / "program")
            [incidents] = [r for r in again.records if r.folder == "incidents"]
            assert incidents.unchanged == ["INC-1"]
            copy = get_incident(session, "INC-1")
            assert _trail(session, "INC-1") == ["create"]
    finally:
        fresh.close()
    assert copy.aware_at == aware and copy.clock.state == LATE
    bad = text.replace("delay_reason: Forensics took three days", "delay_reason: ''")
    (tmp_path / "program" / "incidents" / "INC-1.yaml").write_text(bad, encoding="utf-8")
    with (
        session_scope(workspace.engine) as session,
        pytest.raises(CrosswalkError, match=r"INC-1.yaml: .*delay_reason"),
    ):
        apply_program(session, library, tmp_path / "program")
