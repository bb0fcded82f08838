"""confirmations, mapping reviews and review flags

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:24:49.091461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "mapping_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping_set", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_reviews")),
    )
    with op.batch_alter_table("mapping_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mapping_reviews_mapping_set"), ["mapping_set"], unique=False
        )

    op.create_table(
        "review_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("cleared_by", sa.String(length=200), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_flags")),
    )
    with op.batch_alter_table("review_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_flags_subject"), ["subject"], unique=False)

    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_pk", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.String(length=200), nullable=False),
        sa.Column("edge", sa.String(length=400), nullable=False),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["control_pk"],
            ["controls.id"],
            name=op.f("fk_confirmations_control_pk_controls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmations")),
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_confirmations_control_pk"), ["control_pk"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmations_control_pk"))

    op.drop_table("confirmations")
    with op.batch_alter_table("review_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_flags_subject"))

    op.drop_table("review_flags")
    with op.batch_alter_table("mapping_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mapping_reviews_mapping_set"))

    op.drop_table("mapping_reviews")
