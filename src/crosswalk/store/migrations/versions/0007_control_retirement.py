"""control retirement: a control leaves the program with a reason, its history kept

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("controls") as batch:
        batch.add_column(sa.Column("retired_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("controls") as batch:
        batch.drop_column("retired_by")
        batch.drop_column("retired_reason")
        batch.drop_column("retired_on")
