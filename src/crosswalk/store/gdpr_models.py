"""Tables of the GDPR layer beside the ISMS: the incident register with its breach clock,
the records of processing (Art. 30) with their DPIA screening, and data-subject requests.

Moments are stored in UTC; the zone each was entered in is kept beside it, so they are shown
back as the person entering them read their clock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crosswalk.store.models import Base, utcnow


class IncidentRow(Base):
    """One security incident (ISO A.5.24-A.5.28) and, when it is a personal-data breach,
    its Art. 33 notification, Art. 34 communication and Art. 33(5) breach-log entry."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_zone: Mapped[str] = mapped_column(String(64))
    aware_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    aware_zone: Mapped[str | None] = mapped_column(String(64))
    personal_data: Mapped[bool | None] = mapped_column(Boolean)  # None: not yet assessed
    risk: Mapped[str | None] = mapped_column(String(16))  # unlikely, risk, high
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessed_zone: Mapped[str | None] = mapped_column(String(64))
    data_categories: Mapped[str] = mapped_column(Text, default="")
    subjects_affected: Mapped[int | None] = mapped_column(Integer)
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_zone: Mapped[str | None] = mapped_column(String(64))
    authority: Mapped[str] = mapped_column(String(200), default="")
    delay_reason: Mapped[str] = mapped_column(Text, default="")
    subjects_decision: Mapped[str | None] = mapped_column(String(32))  # communicated, exempt...
    subjects_exemption: Mapped[str | None] = mapped_column(String(8))  # Art. 34(3) a, b or c
    subjects_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subjects_zone: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_zone: Mapped[str | None] = mapped_column(String(64))
    annex_a: Mapped[str] = mapped_column(Text, default="")  # comma-separated Annex A refs
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class ProcessingActivityRow(Base):
    """One entry of the record of processing activities (Art. 30(1) as controller, 30(2) as
    processor), on the systems of the asset inventory that hold its data."""

    __tablename__ = "processing_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(32), default="controller")
    controller: Mapped[str] = mapped_column(String(300), default="")  # for whom, as processor
    purpose: Mapped[str] = mapped_column(Text, default="")
    subject_categories: Mapped[str] = mapped_column(Text, default="")
    data_categories: Mapped[str] = mapped_column(Text, default="")
    special_categories: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    lawful_basis: Mapped[str | None] = mapped_column(String(32))
    art9_condition: Mapped[str | None] = mapped_column(String(16))
    recipients: Mapped[str] = mapped_column(Text, default="")
    processors: Mapped[str] = mapped_column(Text, default="")  # comma-separated names
    processor_agreement: Mapped[bool] = mapped_column(Boolean, default=False)  # Art. 28
    transfers: Mapped[str] = mapped_column(Text, default="")  # third countries, comma-separated
    transfer_safeguard: Mapped[str | None] = mapped_column(String(32))
    retention: Mapped[str] = mapped_column(Text, default="")
    assets: Mapped[str] = mapped_column(Text, default="")  # comma-separated asset ids
    controls: Mapped[str] = mapped_column(Text, default="")  # comma-separated control ids
    security_measures: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    dpia_criteria: Mapped[str] = mapped_column(Text, default="")  # screening answers met
    dpia_completed_on: Mapped[date | None] = mapped_column(Date)
    dpia_risks: Mapped[str] = mapped_column(Text, default="")  # comma-separated risk ids
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class DataSubjectRequestRow(Base):
    """A request under Art. 15-22, answered within a month of receipt (Art. 12(3))."""

    __tablename__ = "data_subject_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    identity_verified_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")  # extended when given
    done_on: Mapped[date | None] = mapped_column(Date)
    activity_id: Mapped[str] = mapped_column(String(100), default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
