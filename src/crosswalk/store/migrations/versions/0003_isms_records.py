"""isms records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:29:31.573193
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("classification", sa.String(length=50), nullable=True),
        sa.Column("in_soc2_boundary", sa.Boolean(), nullable=False),
        sa.Column("in_isms_scope", sa.Boolean(), nullable=False),
        sa.Column("depends_on", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_assets_asset_id")),
    )
    op.create_table(
        "internal_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("auditor", sa.String(length=200), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_audits")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_internal_audits_audit_id")),
    )
    op.create_table(
        "management_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=True),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_reviews")),
        sa.UniqueConstraint("review_id", name=op.f("uq_management_reviews_review_id")),
    )
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nc_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("corrective_action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("effectiveness_check", sa.Text(), nullable=False),
        sa.Column("effectiveness_checked_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformities")),
        sa.UniqueConstraint("nc_id", name=op.f("uq_nonconformities_nc_id")),
    )
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
        sa.UniqueConstraint("objective_id", name=op.f("uq_objectives_objective_id")),
    )
    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("assets", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=False),
        sa.Column("inherent_impact", sa.Integer(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("treatment", sa.String(length=16), nullable=False),
        sa.Column("treatment_plan", sa.Text(), nullable=False),
        sa.Column("treatment_due", sa.Date(), nullable=True),
        sa.Column("annex_a", sa.Text(), nullable=False),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
        sa.UniqueConstraint("risk_id", name=op.f("uq_risks_risk_id")),
    )
    op.create_table(
        "scope_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("includes", sa.Text(), nullable=False),
        sa.Column("excludes", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_statements")),
        sa.UniqueConstraint("version", name=op.f("uq_scope_statements_version")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "soa_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_soa_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_soa_versions_version")),
    )
    op.create_table(
        "asset_control_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_pk", sa.Integer(), nullable=False),
        sa.Column("control_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_pk"],
            ["assets.id"],
            name=op.f("fk_asset_control_links_asset_pk_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["control_pk"],
            ["controls.id"],
            name=op.f("fk_asset_control_links_control_pk_controls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_control_links")),
        sa.UniqueConstraint("asset_pk", "control_pk", name=op.f("uq_asset_control_links_asset_pk")),
    )
    with op.batch_alter_table("asset_control_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_asset_control_links_asset_pk"), ["asset_pk"], unique=False
        )

    op.create_table(
        "risk_control_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_pk", sa.Integer(), nullable=False),
        sa.Column("control_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["control_pk"],
            ["controls.id"],
            name=op.f("fk_risk_control_links_control_pk_controls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["risk_pk"],
            ["risks.id"],
            name=op.f("fk_risk_control_links_risk_pk_risks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_control_links")),
        sa.UniqueConstraint("risk_pk", "control_pk", name=op.f("uq_risk_control_links_risk_pk")),
    )
    with op.batch_alter_table("risk_control_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_control_links_risk_pk"), ["risk_pk"], unique=False
        )

    op.create_table(
        "soa_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("justification_kinds", sa.String(length=200), nullable=False),
        sa.Column("exclusion_reason", sa.Text(), nullable=False),
        sa.Column("implementation_status", sa.String(length=50), nullable=False),
        sa.Column("last_reviewed", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["soa_versions.id"],
            name=op.f("fk_soa_entries_version_pk_soa_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_soa_entries")),
        sa.UniqueConstraint("version_pk", "ref", name=op.f("uq_soa_entries_version_pk")),
    )


def downgrade() -> None:

    op.drop_table("soa_entries")
    with op.batch_alter_table("risk_control_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_control_links_risk_pk"))

    op.drop_table("risk_control_links")
    with op.batch_alter_table("asset_control_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_control_links_asset_pk"))

    op.drop_table("asset_control_links")
    op.drop_table("soa_versions")
    op.drop_table("settings")
    op.drop_table("scope_statements")
    op.drop_table("risks")
    op.drop_table("objectives")
    op.drop_table("nonconformities")
    op.drop_table("management_reviews")
    op.drop_table("internal_audits")
    op.drop_table("assets")
