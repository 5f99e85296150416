"""Live state: warehouse set-up, teams, stock, orders with their events, idempotency keys.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "warehouse_config",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("planning_window", sa.JSON, nullable=True),
        sa.Column("labor", sa.JSON, nullable=True),
        sa.Column("locations", sa.JSON, nullable=True),
        _timestamp("updated_at"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "inventory",
        sa.Column("sku", sa.Text, primary_key=True),
        sa.Column("location", sa.Text, primary_key=True),
        sa.Column("on_hand", sa.Integer, nullable=False),
        _timestamp("updated_at"),
    )
    op.create_table(
        "inventory_adjustments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sku", sa.Text, nullable=False, index=True),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("delta", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("on_hand_after", sa.Integer, nullable=False),
        _timestamp("at"),
    )
    _create_order_tables()
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        _timestamp("created_at"),
    )


def _create_order_tables() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
        _timestamp("updated_at"),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Text, sa.ForeignKey("orders.id"), nullable=False, index=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        _timestamp("at"),
    )


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "order_events",
        "orders",
        "inventory_adjustments",
        "inventory",
        "teams",
        "warehouse_config",
    ):
        op.drop_table(table)
