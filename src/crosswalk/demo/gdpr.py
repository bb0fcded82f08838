"""Northwind's GDPR layer beside its ISMS: records of processing on its assets (one with
health data and a DPIA whose risk joins the register, one transfer to a US processor),
three incidents (a breach notified at 70 h, one notified late at 80 h with its reasons),
and four data-subject requests (one overdue)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from crosswalk.services.gdpr.activities import ActivityInput, add_activity, list_activities
from crosswalk.services.gdpr.dpia import record_dpia
from crosswalk.services.gdpr.incidents import IncidentInput, add_incident, moment
from crosswalk.services.gdpr.requests import RequestInput, add_request, extend_request
from crosswalk.services.isms.risks import RiskInput
from crosswalk.services.mapping.library import Library

DATA = Path(__file__).parent / "northwind_gdpr.yaml"


def gdpr_data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def _at(today: date, when: list[Any] | None, zone: str, field: str) -> datetime | None:
    if not when:
        return None
    day = today + timedelta(days=int(when[0]))
    return moment(f"{day} {when[1]}", zone, field)


def _activity(item: dict[str, Any]) -> ActivityInput:
    return ActivityInput(
        item["id"],
        item["name"],
        role=item.get("role", "controller"),
        controller=item.get("controller", ""),
        purpose=item.get("purpose", ""),
        subject_categories=item.get("subjects", ""),
        data_categories=item.get("data", ""),
        special_categories=item.get("special", []),
        lawful_basis=item.get("basis"),
        art9_condition=item.get("art9"),
        recipients=item.get("recipients", ""),
        processors=item.get("processors", []),
        processor_agreement=item.get("agreement", False),
        transfers=item.get("transfers", []),
        transfer_safeguard=item.get("safeguard"),
        retention=item.get("retention", ""),
        assets=item.get("assets", []),
        controls=item.get("controls", []),
        security_measures=item.get("measures", ""),
        dpia_criteria=item.get("dpia", []),
    )


def _incident(item: dict[str, Any], today: date) -> IncidentInput:
    zone = item["zone"]
    aware = _at(today, item.get("aware"), zone, "aware_at")
    hours = item.get("notified_after_hours")
    notified = aware + timedelta(hours=hours) if aware and hours else None
    detected = _at(today, item["detected"], zone, "detected_at")
    assert detected is not None
    decision = item.get("subjects_decision")
    return IncidentInput(
        item["id"],
        item["title"],
        detected,
        zone,
        description=item.get("description", ""),
        aware_at=aware,
        aware_zone=zone if aware else None,
        personal_data=item.get("personal_data"),
        risk=item.get("risk"),
        assessed_at=aware,
        assessed_zone=zone if aware else None,
        data_categories=item.get("categories", ""),
        subjects_affected=item.get("subjects_affected"),
        consequences=item.get("consequences", ""),
        measures=item.get("measures", ""),
        notified_at=notified,
        notified_zone=zone if notified else None,
        authority=item.get("authority", ""),
        delay_reason=item.get("delay_reason", ""),
        subjects_decision=decision,
        subjects_exemption=item.get("exemption"),
        closed_at=_at(today, item.get("closed"), zone, "closed_at"),
        closed_zone=zone if item.get("closed") else None,
        annex_a="A.5.24, A.5.25, A.5.26",
    )


def add_demo_gdpr(session: Session, library: Library, today: date) -> bool:
    """Create the demo's GDPR records once; a workspace that has activities is left alone."""
    if list_activities(session):
        return False
    data = gdpr_data()
    for item in data["activities"]:
        add_activity(session, _activity(item))
        if "dpia_done" in item:
            risk = item["dpia_risk"]
            record_dpia(
                session,
                library,
                item["id"],
                today + timedelta(days=item["dpia_done"]),
                [
                    RiskInput(
                        risk["id"],
                        risk["title"],
                        risk["likelihood"],
                        risk["impact"],
                        owner=risk["owner"],
                        annex_a=tuple(risk["annex_a"]),
                        plan=risk["plan"],
                        due=today + timedelta(days=risk["due"]),
                    )
                ],
            )
    now = datetime.combine(today, time(12, 0))
    for item in data["incidents"]:
        add_incident(session, _incident(item, today), now=now)
    for item in data["requests"]:
        day = today + timedelta(days=item["received"])
        shift = {k: today + timedelta(days=item[k]) for k in ("verified", "done") if k in item}
        add_request(
            session,
            RequestInput(
                item["id"],
                item["kind"],
                day,
                shift.get("verified"),
                done_on=shift.get("done"),
            ),
            today,
        )
        if "extension" in item:
            extend_request(session, item["id"], item["extension"], day + timedelta(days=5))
    session.flush()
    return True
