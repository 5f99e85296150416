"""Request and response bodies of the live-state API (teams, stock, orders, imports).

Request bodies reuse the contract's models (:mod:`solver.domain`) wherever the contract
has one, so a team or a stock record is checked here exactly as in a problem document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from solver.domain import Id, InventoryRecord, Labor, Location, Window
from solver.result import IsoTimestamp, PlanException

OrderStatus = Literal["pending", "picked", "packed", "shipped", "cancelled"]
OrderEventName = Literal["picked", "packed", "shipped", "cancelled"]
#: The most units one stock record holds (and the largest adjustment): far above any real
#: stock, and safely inside the 32-bit integer column on every backend.
MAX_UNITS = 1_000_000_000

ImportResult = Literal[
    "created", "updated", "unchanged", "cancelled", "rejected", "conflict", "skipped"
]


class In(BaseModel):
    """Base of the request bodies: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class WarehouseIn(In):
    """PUT /v1/warehouse: what a problem needs besides teams, stock and orders."""

    name: str | None = Field(default=None, description="Optional name of the warehouse.")
    window: Window = Field(description="The planning window, as in a problem document.")
    labor: Labor = Field(description="Labor standards, as in a problem document.")


class InventoryIn(In):
    """PUT /v1/inventory: a stock snapshot; it replaces every stored record."""

    locations: tuple[Location, ...] | None = Field(
        default=None, description="Replaces the stored locations when given."
    )
    inventory: tuple[InventoryRecord, ...] = Field(description="Every stock record there is.")


class Adjustment(In):
    """One stock adjustment: ``delta`` units at a location (negative takes stock away)."""

    sku: Id
    location: Id
    delta: int = Field(
        strict=True,
        ge=-MAX_UNITS,
        le=MAX_UNITS,
        description="Units added (positive) or removed (negative).",
    )
    reason: Annotated[str, Field(min_length=1)] = Field(description="Why, for the audit trail.")


class EventIn(In):
    """POST /v1/orders/{id}/events: what happened to the order."""

    event: OrderEventName


class WarehouseOut(BaseModel):
    name: str | None
    window: dict[str, Any] | None
    labor: dict[str, Any] | None
    locations: list[dict[str, Any]]
    updated_at: IsoTimestamp | None


class StockOut(BaseModel):
    sku: str
    location: str
    on_hand: int


class InventoryOut(BaseModel):
    """The stored locations and stock records (SKU, then location)."""

    locations: list[dict[str, Any]]
    inventory: list[StockOut]


class OrderOut(BaseModel):
    """A stored order: the order as given, its status and times."""

    id: str
    status: str = Field(description="pending, picked, packed, shipped or cancelled.")
    received_at: IsoTimestamp = Field(
        description="The order's received_at, or when the service first stored it."
    )
    updated_at: IsoTimestamp
    order: dict[str, Any] = Field(description="The contract order, as it was given.")


class OrderEventOut(BaseModel):
    event: str
    from_status: str | None
    to_status: str
    at: IsoTimestamp


class OrderDetail(OrderOut):
    """A stored order with its event log, oldest first."""

    events: list[OrderEventOut]


class OrderList(BaseModel):
    orders: list[OrderOut]


class ImportEntry(BaseModel):
    """What became of one order of an import."""

    id: str = Field(description="The order id (orders[i] when it has no usable id).")
    result: ImportResult = Field(
        description="created, updated, unchanged, cancelled (stored, then cancelled), "
        "rejected (invalid: see exception), conflict (no longer pending: see message) "
        "or skipped (nothing to store: see message)."
    )
    exception: PlanException | None = Field(
        default=None, description="INVALID_ORDER or INVALID_ADDRESS, as a plan would show it."
    )
    message: str | None = None


class ImportReport(BaseModel):
    """The per-order report of an order import."""

    received: int = Field(description="Distinct orders in the request.")
    counts: dict[str, int] = Field(description="Orders per result.")
    orders: list[ImportEntry]
