"""E-mail digests: the messages sent, the key signing unsubscribe links, a user's opt-out

Revision ID: 0012_i21_digest
Revises: 0011_i21_jobs
Create Date: 2026-12-07 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_i21_digest"
down_revision = "0011_i21_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digests_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests_sent")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_digests_sent_user_id")),
    )
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digests_sent_day"), ["day"], unique=False)
    op.create_table(
        "signing_keys",
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_signing_keys")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_unsubscribed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("digest_unsubscribed_at")
    op.drop_table("signing_keys")
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_sent_day"))
    op.drop_table("digests_sent")
