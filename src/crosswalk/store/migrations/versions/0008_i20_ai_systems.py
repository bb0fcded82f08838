"""AI Act inventory: AI systems with their answers and tier, the assets they run on, and the
follow-up of each obligation (status, owner, due date, evidence)

Revision ID: 0008_i20_ai_systems
Revises: 0007
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i20_ai_systems"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_systems",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("system_id", sa.String(length=100), nullable=False, unique=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("intended_use", sa.Text(), nullable=False),
        sa.Column("users", sa.Text(), nullable=False),
        sa.Column("roles", sa.String(length=300), nullable=False),
        sa.Column("output_in_eu", sa.Boolean(), nullable=False),
        sa.Column("established_in_eu", sa.Boolean(), nullable=False),
        sa.Column("authorised_representative", sa.String(length=300), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("vendor", sa.String(length=300), nullable=True),
        sa.Column("gpai_model", sa.String(length=300), nullable=True),
        sa.Column("placed_before_2026_08_02", sa.Boolean(), nullable=False),
        sa.Column("processing_activities", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("tier_article", sa.String(length=300), nullable=True),
        sa.Column("forced_tier", sa.String(length=40), nullable=True),
        sa.Column("forced_reason", sa.Text(), nullable=True),
        sa.Column("classified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ai_system_assets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "system_pk",
            sa.Integer(),
            sa.ForeignKey("ai_systems.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "asset_pk", sa.Integer(), sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("system_pk", "asset_pk"),
    )
    op.create_index("ix_ai_system_assets_system_pk", "ai_system_assets", ["system_pk"])
    op.create_table(
        "ai_obligations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "system_pk",
            sa.Integer(),
            sa.ForeignKey("ai_systems.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("system_pk", "role", "ref"),
    )
    op.create_index("ix_ai_obligations_system_pk", "ai_obligations", ["system_pk"])
    op.create_table(
        "ai_obligation_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "obligation_pk",
            sa.Integer(),
            sa.ForeignKey("ai_obligations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "evidence_id",
            sa.Integer(),
            sa.ForeignKey("evidence.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.UniqueConstraint("obligation_pk", "evidence_id"),
    )
    op.create_index(
        "ix_ai_obligation_evidence_obligation_pk", "ai_obligation_evidence", ["obligation_pk"]
    )


def downgrade() -> None:
    op.drop_index("ix_ai_obligation_evidence_obligation_pk", table_name="ai_obligation_evidence")
    op.drop_table("ai_obligation_evidence")
    op.drop_index("ix_ai_obligations_system_pk", table_name="ai_obligations")
    op.drop_table("ai_obligations")
    op.drop_index("ix_ai_system_assets_system_pk", table_name="ai_system_assets")
    op.drop_table("ai_system_assets")
    op.drop_table("ai_systems")
