"""Controls and their tags to requirements.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "controls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("frequency", sa.String(length=32), nullable=True),
        sa.Column("frequency_text", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controls")),
        sa.UniqueConstraint("control_id", name=op.f("uq_controls_control_id")),
    )
    op.create_table(
        "control_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_pk", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=100), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("coverage", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["control_pk"],
            ["controls.id"],
            name=op.f("fk_control_tags_control_pk_controls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_tags")),
        sa.UniqueConstraint(
            "control_pk", "framework", "ref", name=op.f("uq_control_tags_control_pk")
        ),
    )
    op.create_index(
        op.f("ix_control_tags_control_pk"), "control_tags", ["control_pk"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_control_tags_control_pk"), table_name="control_tags")
    op.drop_table("control_tags")
    op.drop_table("controls")
