"""A small program with something due for some owners and nothing for others, as of NOW."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.frequency import Frequency
from crosswalk.services.access.users import add_user
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence
from crosswalk.services.gdpr.incidents import IncidentInput, add_incident
from crosswalk.services.gdpr.requests import RequestInput, add_request
from crosswalk.services.isms.nonconformities import NonconformityInput, add_nonconformity

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
TODAY = NOW.date()
PASSWORD = "correct horse battery"
DANA = "dana@northwind.example"  # control owner "Dana Ortiz (IT Manager)"
SAM = "sam@northwind.example"  # editor "Sam Lee": a nonconformity and a request
PAT = "pat@northwind.example"  # owns nothing that is due
DAN = "dan@northwind.example"  # "Dan": must never receive Dana's items


def _evidence(session: Session, control_id: str, performed: date) -> None:
    add_url_evidence(
        session,
        f"https://evidence.example/{control_id}",
        [control_id],
        EvidenceInput(control_id + " run", "url", performed, performed),
        today=TODAY,
    )


def seed(session: Session, library: Library) -> None:
    add_user(session, DANA, "control_owner", PASSWORD, "Dana Ortiz", "Dana Ortiz (IT Manager)")
    add_user(session, SAM, "editor", PASSWORD, "Sam Lee")
    add_user(session, PAT, "editor", PASSWORD, "Pat Kim")
    add_user(session, DAN, "editor", PASSWORD, "Dan")
    monthly, quarterly, annual = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
    for control_id, title, owner, frequency in [
        ("IT-01", "Firewall rule review", "Dana Ortiz (IT Manager)", monthly),
        ("IT-02", "Backup restore test", "dana ortiz", quarterly),
        ("IT-03", "Patch report", "Dana Ortiz", monthly),
        ("IT-04", "Access recertification", "Dana Ortiz (IT Manager)", annual),
        ("HR-01", "Onboarding checklist", "Pat Kim", annual),
    ]:
        add_control(session, ControlInput(control_id, title, owner=owner, frequency=frequency))
    tag_control(session, library, "IT-04", ["iso27001-2022:A.5.18"])  # to confirm
    _evidence(session, "IT-01", TODAY - timedelta(days=45))  # monthly: stale
    _evidence(session, "IT-02", TODAY - timedelta(days=86))  # quarterly: due in 4 days
    # IT-03: never evidenced
    _evidence(session, "IT-04", TODAY - timedelta(days=10))  # annual: fresh
    _evidence(session, "HR-01", TODAY - timedelta(days=10))  # fresh: Pat has nothing due
    add_nonconformity(
        session,
        NonconformityInput(
            "NC-1",
            "audit",
            "Backups not encrypted",
            owner=SAM,
            raised_on=TODAY - timedelta(days=30),
            due_on=TODAY - timedelta(days=3),
        ),
        today=TODAY,
    )
    add_nonconformity(
        session,
        NonconformityInput(
            "NC-2",
            "audit",
            "Policy not signed",
            owner="Sam Lee",
            raised_on=TODAY - timedelta(days=3),
            due_on=TODAY + timedelta(days=20),
        ),
        today=TODAY,
    )
    aware = NOW - timedelta(hours=62)  # 10 hours left on the 72-hour clock
    add_incident(
        session,
        IncidentInput(
            "INC-1",
            "Laptop with HR files stolen",
            detected_at=aware - timedelta(hours=1),
            detected_zone="Europe/Berlin",
            aware_at=aware,
            aware_zone="Europe/Berlin",
            personal_data=True,
            risk="risk",
            owner=f"Dana Ortiz <{DANA}>",
        ),
        now=NOW,
    )
    add_request(
        session,
        RequestInput("DSR-1", "access", TODAY - timedelta(days=28), owner="Sam Lee"),
        today=TODAY,
    )
    add_request(
        session,
        RequestInput("DSR-2", "erasure", TODAY - timedelta(days=2), owner="Sam Lee"),
        today=TODAY,
    )
    session.flush()
