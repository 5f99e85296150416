"""Exception records of orders refused at import: not tied to a window plan.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exception_records") as batch:
        batch.alter_column("window_id", existing_type=sa.Integer, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM exception_records WHERE window_id IS NULL")
    with op.batch_alter_table("exception_records") as batch:
        batch.alter_column("window_id", existing_type=sa.Integer, nullable=False)
