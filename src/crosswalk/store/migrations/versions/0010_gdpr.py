"""GDPR layer: incidents with the Art. 33 breach clock, records of processing, requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = True) -> list[sa.Column[object]]:
    """A moment in UTC and the zone it was entered in."""
    return [
        sa.Column(f"{name}_at", sa.DateTime(timezone=True), nullable=nullable),
        sa.Column(f"{name}_zone", sa.String(length=64), nullable=nullable),
    ]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        *_moment("detected", nullable=False),
        *_moment("aware"),
        sa.Column("personal_data", sa.Boolean(), nullable=True),
        sa.Column("risk", sa.String(length=16), nullable=True),
        *_moment("assessed"),
        sa.Column("data_categories", sa.Text(), nullable=False),
        sa.Column("subjects_affected", sa.Integer(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        *_moment("notified"),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=False),
        sa.Column("subjects_decision", sa.String(length=32), nullable=True),
        sa.Column("subjects_exemption", sa.String(length=8), nullable=True),
        *_moment("subjects"),
        *_moment("closed"),
        sa.Column("annex_a", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incidents_incident_id")),
    )
    op.create_table(
        "processing_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("controller", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("subject_categories", sa.Text(), nullable=False),
        sa.Column("data_categories", sa.Text(), nullable=False),
        sa.Column("special_categories", sa.Text(), nullable=False),
        sa.Column("lawful_basis", sa.String(length=32), nullable=True),
        sa.Column("art9_condition", sa.String(length=16), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("processors", sa.Text(), nullable=False),
        sa.Column("processor_agreement", sa.Boolean(), nullable=False),
        sa.Column("transfers", sa.Text(), nullable=False),
        sa.Column("transfer_safeguard", sa.String(length=32), nullable=True),
        sa.Column("retention", sa.Text(), nullable=False),
        sa.Column("assets", sa.Text(), nullable=False),
        sa.Column("controls", sa.Text(), nullable=False),
        sa.Column("security_measures", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("dpia_criteria", sa.Text(), nullable=False),
        sa.Column("dpia_completed_on", sa.Date(), nullable=True),
        sa.Column("dpia_risks", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_activities")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_processing_activities_activity_id")),
    )
    op.create_table(
        "data_subject_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("identity_verified_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("activity_id", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_requests")),
        sa.UniqueConstraint("request_id", name=op.f("uq_data_subject_requests_request_id")),
    )


def downgrade() -> None:
    op.drop_table("data_subject_requests")
    op.drop_table("processing_activities")
    op.drop_table("incidents")
