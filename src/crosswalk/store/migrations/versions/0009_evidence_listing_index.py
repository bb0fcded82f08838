"""evidence listed newest first, a page at a time: an index in that order

Revision ID: 0009
Revises: 0008_i20_ai_systems
Create Date: 2026-12-07 08:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008_i20_ai_systems"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_evidence_performed_end_id", "evidence", ["performed_end", "id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_performed_end_id", table_name="evidence")
