"""The warehouse side of the live state: set-up, teams and stock; the problem document.

Small functions over a SQLAlchemy ``Session``; the caller owns the transaction (one per
request) and nothing here commits. Snapshots (teams, inventory) replace what is stored,
checked as a problem document would be. Stock adjustments apply all or none, each a
conditional ``UPDATE``, so stock never goes below zero even with requests racing.
Orders are in :mod:`api.order_state`.

:func:`current_problem` assembles a contract problem document from the stored state with
the orders still pending: what a rolling window plans.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.order_state import list_orders
from api.state_models import (
    WAREHOUSE_ID,
    StockAdjustment,
    StockRecord,
    TeamRecord,
    WarehouseConfig,
)
from api.state_schemas import MAX_UNITS, Adjustment, InventoryIn, WarehouseIn
from solver.domain import InventoryRecord, Team
from solver.loading import DocumentError, FieldError

logger = logging.getLogger(__name__)


class IncompleteStateError(Exception):
    """A problem document cannot be built yet: no window or labor stored (HTTP 409)."""


def _now() -> datetime:
    return datetime.now(UTC)


# --- warehouse set-up ---------------------------------------------------------------------


def get_warehouse(session: Session) -> WarehouseConfig | None:
    return session.get(WarehouseConfig, WAREHOUSE_ID)


def _warehouse_row(session: Session) -> WarehouseConfig:
    config = get_warehouse(session)
    if config is None:
        config = WarehouseConfig(id=WAREHOUSE_ID, locations=[], updated_at=_now())
        session.add(config)
    return config


def set_warehouse(session: Session, setup: WarehouseIn) -> WarehouseConfig:
    """Store the window and labor standards (and the name), replacing the ones stored."""
    config = _warehouse_row(session)
    config.name = setup.name
    config.planning_window = setup.window.model_dump(mode="json")
    config.labor = setup.labor.model_dump(mode="json")
    config.updated_at = _now()
    return config


# --- teams --------------------------------------------------------------------------------


def list_teams(session: Session) -> list[dict[str, Any]]:
    records = session.scalars(select(TeamRecord).order_by(TeamRecord.position))
    return [record.document for record in records]


def replace_teams(session: Session, teams: Sequence[Team]) -> list[dict[str, Any]]:
    """Replace every stored team; duplicate ids and overlapping availability are refused."""
    errors = _team_errors(teams)
    if errors:
        raise DocumentError(errors)
    session.execute(delete(TeamRecord))
    documents = [team.model_dump(mode="json", exclude_none=True) for team in teams]
    session.add_all(
        TeamRecord(id=team.id, position=position, document=document)
        for position, (team, document) in enumerate(zip(teams, documents, strict=True))
    )
    logger.info("teams replaced: %d", len(teams))
    return documents


def _team_errors(teams: Sequence[Team]) -> list[FieldError]:
    errors = _duplicate_errors("teams", [team.id for team in teams])
    for idx, team in enumerate(teams):
        intervals = sorted(team.availability or (), key=lambda interval: interval.start)
        if any(later.start < earlier.end for earlier, later in itertools.pairwise(intervals)):
            message = "intervals overlap (give one interval per period with its total headcount)"
            errors.append(FieldError(f"teams[{idx}].availability", message))
    return errors


def _duplicate_errors(field_name: str, ids: Sequence[str]) -> list[FieldError]:
    first_seen: dict[str, int] = {}
    errors = []
    for idx, value in enumerate(ids):
        if value in first_seen:
            errors.append(FieldError(f"{field_name}[{idx}].id", f"duplicate id {value!r}"))
        first_seen.setdefault(value, idx)
    return errors


# --- stock --------------------------------------------------------------------------------


def list_locations(session: Session) -> list[dict[str, Any]]:
    config = get_warehouse(session)
    return list(config.locations or []) if config is not None else []


def list_stock(session: Session) -> list[StockRecord]:
    order = (StockRecord.sku, StockRecord.location)
    return list(session.scalars(select(StockRecord).order_by(*order)))


def replace_inventory(session: Session, snapshot: InventoryIn) -> None:
    """Replace every stock record (and the locations, when the snapshot has them)."""
    if snapshot.locations is not None:
        locations = [location.model_dump(mode="json") for location in snapshot.locations]
    else:
        locations = list_locations(session)
    errors = _duplicate_errors("locations", [location["id"] for location in locations])
    errors += _stock_errors({location["id"] for location in locations}, snapshot.inventory)
    if errors:
        raise DocumentError(errors)
    config = _warehouse_row(session)
    config.locations = locations
    config.updated_at = now = _now()
    session.execute(delete(StockRecord))
    session.add_all(
        StockRecord(sku=r.sku, location=r.location, on_hand=r.on_hand, updated_at=now)
        for r in snapshot.inventory
    )
    logger.info("stock snapshot: %d records, %d locations", len(snapshot.inventory), len(locations))


def _stock_errors(location_ids: set[str], records: Sequence[InventoryRecord]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for idx, record in enumerate(records):
        if record.location not in location_ids:
            message = f"unknown location {record.location!r}"
            errors.append(FieldError(f"inventory[{idx}].location", message))
        if record.on_hand > MAX_UNITS:
            errors.append(FieldError(f"inventory[{idx}].on_hand", f"more than {MAX_UNITS:,} units"))
        if (record.sku, record.location) in seen:
            message = f"second record for SKU {record.sku!r} at {record.location!r}"
            errors.append(FieldError(f"inventory[{idx}]", message))
        seen.add((record.sku, record.location))
    return errors


def adjust_stock(session: Session, adjustments: Sequence[Adjustment]) -> list[StockRecord]:
    """Apply the adjustments in order, all or none; stock never goes below zero (422)."""
    location_ids = {location["id"] for location in list_locations(session)}
    touched: dict[tuple[str, str], None] = {}
    for idx, adjustment in enumerate(adjustments):
        where = f"adjustments[{idx}]"
        if adjustment.location not in location_ids:
            message = f"unknown location {adjustment.location!r}"
            raise DocumentError([FieldError(f"{where}.location", message)])
        on_hand = _apply_delta(session, adjustment, where)
        session.add(StockAdjustment(**adjustment.model_dump(), on_hand_after=on_hand, at=_now()))
        touched[(adjustment.sku, adjustment.location)] = None
    return [record for record in list_stock(session) if (record.sku, record.location) in touched]


def _apply_delta(session: Session, adjustment: Adjustment, where: str) -> int:
    """The new on-hand count, changed in one conditional UPDATE (or a new record)."""
    record_is = (StockRecord.sku == adjustment.sku, StockRecord.location == adjustment.location)
    on_hand = session.execute(
        update(StockRecord)
        .where(*record_is, (StockRecord.on_hand + adjustment.delta).between(0, MAX_UNITS))
        .values(on_hand=StockRecord.on_hand + adjustment.delta, updated_at=_now())
        .returning(StockRecord.on_hand)
    ).scalar_one_or_none()
    if on_hand is not None:
        return int(on_hand)
    held = session.scalar(select(StockRecord.on_hand).where(*record_is))
    if held is None and adjustment.delta >= 0:
        session.add(
            StockRecord(**_record_key(adjustment), on_hand=adjustment.delta, updated_at=_now())
        )
        session.flush()
        return adjustment.delta
    after = (held or 0) + adjustment.delta
    limit = "never goes below 0" if after < 0 else f"holds at most {MAX_UNITS:,} units"
    message = (
        f"{adjustment.sku} at {adjustment.location}: {held or 0} on hand, a delta of "
        f"{adjustment.delta} would leave {after} (a stock record {limit})"
    )
    raise DocumentError([FieldError(f"{where}.delta", message)])


def _record_key(adjustment: Adjustment) -> dict[str, str]:
    return {"sku": adjustment.sku, "location": adjustment.location}


# --- the problem document -----------------------------------------------------------------


def current_problem(session: Session) -> dict[str, Any]:
    """A contract problem document: the stored set-up, teams and stock, and every order
    still pending, oldest first. Raises :class:`IncompleteStateError` without a window
    and labor standards."""
    config = get_warehouse(session)
    if config is None or config.planning_window is None or config.labor is None:
        raise IncompleteStateError("no window and labor standards yet: PUT /v1/warehouse first")
    problem: dict[str, Any] = {"name": config.name} if config.name else {}
    problem |= {
        "window": config.planning_window,
        "labor": config.labor,
        "locations": list(config.locations or []),
        "inventory": list(_stock_documents(session)),
        "teams": list_teams(session),
        "orders": [record.document for record in list_orders(session, "pending")],
    }
    return problem


def _stock_documents(session: Session) -> Iterator[dict[str, Any]]:
    for record in list_stock(session):
        yield {"sku": record.sku, "location": record.location, "on_hand": record.on_hand}
