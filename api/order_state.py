"""Orders in the live state: upsert by id, status events, imports with a per-order report.

Functions over a SQLAlchemy ``Session``; the caller owns the transaction. An order's
contents change only while it is pending; its status moves
``pending -> picked -> packed -> shipped``, or to ``cancelled`` before it ships. Status
changes are conditional ``UPDATE``s, so two requests racing on one order cannot both win.
Each order of an import is checked on its own (:func:`solver.validation.validate_orders`):
a bad one is reported with its contract exception and the others are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.state_models import OrderEvent, OrderRecord
from api.state_schemas import ImportEntry, ImportReport
from solver.domain import Order
from solver.validation import usable_id, validate_orders

logger = logging.getLogger(__name__)

#: Event -> the statuses it may follow. The event's name is the status it leads to.
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "picked": ("pending",),
    "packed": ("picked",),
    "shipped": ("packed",),
    "cancelled": ("pending", "picked", "packed"),
}


class NotFoundError(LookupError):
    """No such order (HTTP 404)."""


class TransitionError(Exception):
    """The event cannot happen to the order in its status (HTTP 409)."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Incoming:
    """Orders arriving from a client or an integration, for :func:`import_orders`."""

    orders: Sequence[Any]
    """Contract orders to store (each checked on its own; the bad ones are reported)."""
    cancelled: Sequence[str] = ()
    """Ids the source reports cancelled: cancelled here when stored, else skipped."""
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Ids with nothing to store, and why."""


def import_orders(session: Session, incoming: Incoming) -> ImportReport:
    """Store the orders (upsert by id), apply the cancellations; one report entry each."""
    entries = upsert_orders(session, incoming.orders)
    entries += [_cancel_imported(session, order_id) for order_id in incoming.cancelled]
    entries += [
        ImportEntry(id=order_id, result="skipped", message=reason)
        for order_id, reason in incoming.skipped.items()
    ]
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.result] = counts.get(entry.result, 0) + 1
    logger.info("imported %d orders: %s", len(entries), counts)
    return ImportReport(received=len(entries), counts=counts, orders=entries)


def upsert_orders(session: Session, raw_orders: Sequence[Any]) -> list[ImportEntry]:
    """Check each order on its own; store the valid ones, report the others (in order)."""
    checked = validate_orders(raw_orders)
    valid = {order.id: order for order in checked.orders}
    invalid = {exception.order: exception for exception in checked.exceptions}
    first_copy = _first_copies(raw_orders)
    entries = []
    for order_id in checked.order_ids:
        if order_id in invalid:
            entries.append(ImportEntry(id=order_id, result="rejected", exception=invalid[order_id]))
        else:
            entries.append(_store_order(session, valid[order_id], first_copy[order_id]))
    return entries


def _first_copies(raw_orders: Sequence[Any]) -> dict[str, Any]:
    first: dict[str, Any] = {}
    for raw in raw_orders:
        order_id = usable_id(raw.get("id")) if isinstance(raw, dict) else None
        if order_id is not None:
            first.setdefault(order_id, raw)
    return first


def _store_order(session: Session, order: Order, raw: Any) -> ImportEntry:
    """Insert a new order, or change a pending one; an exact repeat changes nothing."""
    now = _now()
    received_at = _in_utc(order.received_at)
    record = session.get(OrderRecord, order.id)
    if record is None:
        session.add(
            OrderRecord(
                id=order.id,
                document=raw,
                status="pending",
                received_at=received_at or now,
                updated_at=now,
            )
        )
        session.flush()  # the order row before its event's (no ORM relationship orders them)
        _log_event(session, order.id, "received", None, "pending")
        return ImportEntry(id=order.id, result="created")
    if record.document == raw:
        return ImportEntry(id=order.id, result="unchanged")
    changed = session.execute(
        update(OrderRecord)
        .where(OrderRecord.id == order.id, OrderRecord.status == "pending")
        .values(document=raw, received_at=received_at or record.received_at, updated_at=now)
        .returning(OrderRecord.id)
    ).scalar_one_or_none()
    if changed is None:
        session.refresh(record)
        message = f"order {order.id} is {record.status}: its contents can no longer change"
        return ImportEntry(id=order.id, result="conflict", message=message)
    _log_event(session, order.id, "updated", "pending", "pending")
    return ImportEntry(id=order.id, result="updated")


def _cancel_imported(session: Session, order_id: str) -> ImportEntry:
    """Cancel an order the source cancelled; one never stored has nothing to cancel."""
    if session.get(OrderRecord, order_id) is None:
        message = "cancelled at the source before it was stored here: nothing to plan"
        return ImportEntry(id=order_id, result="skipped", message=message)
    try:
        _, changed = apply_event(session, order_id, "cancelled")
    except TransitionError as error:
        return ImportEntry(id=order_id, result="conflict", message=str(error))
    return ImportEntry(id=order_id, result="cancelled" if changed else "unchanged")


def _in_utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC; None when absent or beyond what a datetime holds (year 1 at +05:00)."""
    try:
        return moment.astimezone(UTC) if moment is not None else None
    except OverflowError:
        return None


def get_order(session: Session, order_id: str) -> OrderRecord:
    record = session.get(OrderRecord, order_id)
    if record is None:
        raise NotFoundError(f"no order {order_id}")
    return record


def list_orders(session: Session, status: str | None = None) -> list[OrderRecord]:
    """Stored orders, oldest first (received_at, then id); only those in ``status`` if given."""
    query = select(OrderRecord).order_by(OrderRecord.received_at, OrderRecord.id)
    if status is not None:
        query = query.where(OrderRecord.status == status)
    return list(session.scalars(query))


def order_events(session: Session, order_id: str) -> list[OrderEvent]:
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list(session.scalars(query))


def apply_event(session: Session, order_id: str, event: str) -> tuple[OrderRecord, bool]:
    """Move the order to the event's status; a repeat of its last event changes nothing.

    Returns the order and whether it changed; an impossible move raises
    :class:`TransitionError`, an unknown order :class:`NotFoundError`."""
    record = get_order(session, order_id)
    before = record.status
    if before == event:
        return record, False
    allowed = TRANSITIONS[event]
    moved = None
    if before in allowed:
        moved = session.execute(
            update(OrderRecord)
            .where(OrderRecord.id == order_id, OrderRecord.status == before)
            .values(status=event, updated_at=_now())
            .returning(OrderRecord.id)
        ).scalar_one_or_none()
    if moved is None:
        session.refresh(record)
        raise TransitionError(
            f"order {order_id} is {record.status}: it cannot be {event} "
            f"(only a {_either(allowed)} order can)"
        )
    _log_event(session, order_id, event, before, event)
    session.refresh(record)
    return record, True


def _log_event(
    session: Session, order_id: str, event: str, from_status: str | None, to_status: str
) -> None:
    session.add(
        OrderEvent(
            order_id=order_id, event=event, from_status=from_status, to_status=to_status, at=_now()
        )
    )


def _either(statuses: Sequence[str]) -> str:
    """``pending, picked or packed``."""
    return " or ".join(filter(None, (", ".join(statuses[:-1]), statuses[-1])))
