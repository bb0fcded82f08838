"""mapping adjustments: the team's own judgment on crosswalk edges

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mapping_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("relationship", sa.String(length=32), nullable=True),
        sa.Column("strength", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("adjusted_by", sa.String(length=200), nullable=False),
        sa.Column("adjusted_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_adjustments")),
        sa.UniqueConstraint("source", "target", name="uq_mapping_adjustments_edge"),
    )


def downgrade() -> None:
    op.drop_table("mapping_adjustments")
