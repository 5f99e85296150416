"""The live state the service keeps (SQLAlchemy 2 ORM, on the same ``Base`` as the jobs).

The warehouse set-up (window, labor standards, locations), the teams, the stock, the
orders with their status and event log, and the idempotency keys of replayable requests.
Documents the contract describes (teams, orders, window...) are stored as the JSON they were
given in; stock is stored per (SKU, location) so adjustments can be applied atomically.
The schema is created by migration ``0002``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base, UtcDateTime

ORDER_STATUSES = ("pending", "picked", "packed", "shipped", "cancelled")

#: The one row of :class:`WarehouseConfig` (a service plans one warehouse).
WAREHOUSE_ID = 1


class WarehouseConfig(Base):
    """The parts of a problem document that are set up, not streamed: window, labor, locations."""

    __tablename__ = "warehouse_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text, default=None)
    # Not "window": a reserved word in PostgreSQL, which raw SQL would have to quote.
    planning_window: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    labor: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    locations: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TeamRecord(Base):
    """A contract team as given; ``position`` keeps the order they were listed in."""

    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class StockRecord(Base):
    """Units of one SKU on hand at one location (never below zero)."""

    __tablename__ = "inventory"

    sku: Mapped[str] = mapped_column(Text, primary_key=True)
    location: Mapped[str] = mapped_column(Text, primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StockAdjustment(Base):
    """One applied stock adjustment, kept as an audit trail."""

    __tablename__ = "inventory_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(Text, index=True)
    location: Mapped[str] = mapped_column(Text)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderRecord(Base):
    """An order as given (the contract's order JSON) and where it is in the warehouse.

    ``received_at`` is the order's own ``received_at`` when it has one, else the time the
    service first stored it; it orders the listings (first in, first out)."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderEvent(Base):
    """What happened to an order: received, updated, picked, packed, shipped, cancelled."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(Text, ForeignKey("orders.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyRecord(Base):
    """The response given to a request sent with an ``Idempotency-Key``, for replays."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
