"""Apply a variant's changes, in order, to a deep copy of the base problem document.

Each change kind is one small function that edits the copy it is given; the base document
is never touched (:func:`apply_changes` copies it first). Choices the contract leaves open:

- **volume** above 1 adds ``round((m - 1) * n)`` copies of base orders, in a seeded order
  (every order once before any twice), each with a new id ``<id>-V<copy>``, and the same
  release, due, priority, address and lines; below 1 drops ``n - round(m * n)`` seeded
  orders (never one with pinned work).
- **rush_orders** adds orders ``RUSH-0001``, ... with the lines and address of a seeded base
  order, received and due at the given minutes after the window start.
- **team**: ``absent`` sets the head count to 0 and drops the availability intervals (the
  team stays in the document, with no capacity); ``headcount`` sets the head count and
  scales every availability interval's head count in proportion, rounded half up (a team
  of 4 with 2 on a break, cut to 2, has 1 on a break); ``availability`` replaces the
  intervals (given with ``headcount``, the intervals are taken as given).
- **stock**: ``on_hand`` sets the record (creating it at a known location), ``delta`` adds
  to it (an error if it would go below 0). A **late truck** (``arriving_qty`` of the
  record's ``on_hand`` arriving at ``arrives_at``) cannot be said exactly in the contract,
  whose stock is one pool for the whole window; the conservative reading is used: when the
  truck arrives after the window start, its units are not there this window. The runner
  reports how many orders lost their place for want of them, and how many of those could
  still have been picked after the arrival (an upper bound on what exact timed stock
  would give back).
- **cutoff** changes only orders that have a ``due``: ``at`` moves every later due to it,
  ``earlier_by_min`` moves every due earlier. Orders without a due keep the window end.
- **window**: the end moves earlier by a whole number of slots.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import Any

from scenarios.whatif.spec import (
    Change,
    CutoffChange,
    RushOrdersChange,
    StockChange,
    TeamChange,
    VolumeChange,
    WindowChange,
)
from solver.domain import parse_timestamp
from solver.loading import DocumentError, FieldError
from solver.result import format_timestamp

__all__ = ["Applied", "LateStock", "apply_changes", "order_ids"]

Document = dict[str, Any]


@dataclass(frozen=True)
class LateStock:
    """Units on an inbound truck that arrives inside the window (not there this window)."""

    sku: str
    location: str
    qty: int
    arrives_at: str


@dataclass(frozen=True)
class Applied:
    """A variant's problem document and what the runner reports about it."""

    document: Document
    late_stock: tuple[LateStock, ...]


def _reject(field: str, message: str) -> DocumentError:
    return DocumentError([FieldError(field, message)])


def order_ids(orders: Iterable[Any]) -> list[str]:
    """The ids of the orders, in document order, each once (malformed entries skipped)."""
    seen: dict[str, None] = {}
    for raw in orders:
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
            seen.setdefault(str(raw["id"]), None)
    return list(seen)


def _templates(orders: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The first entry of every order id: what copies and rush orders are made from."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for raw in orders:
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
            by_id.setdefault(str(raw["id"]), raw)
    return list(by_id.values())


def _fresh_id(wanted: str, taken: set[str]) -> str:
    candidate, extra = wanted, 1
    while candidate in taken:
        extra += 1
        candidate = f"{wanted}-{extra}"
    taken.add(candidate)
    return candidate


# --- volume ------------------------------------------------------------------------------------


def scale_volume(document: Document, change: VolumeChange) -> None:
    """Copy (multiplier above 1) or drop (below 1) orders, chosen by the change's seed."""
    orders: list[Any] = list(document.get("orders") or [])
    templates = _templates(orders)
    rng = random.Random(change.seed)
    if change.multiplier >= 1:
        extra = round((change.multiplier - 1) * len(templates))
        document["orders"] = orders + _copies(templates, extra, rng, set(order_ids(orders)))
        return
    pinned = {pin.get("order") for pin in document.get("pinned") or [] if isinstance(pin, dict)}
    droppable = [str(t["id"]) for t in templates if str(t["id"]) not in pinned]
    num_drop = min(len(droppable), len(templates) - round(change.multiplier * len(templates)))
    dropped = set(rng.sample(droppable, num_drop))
    document["orders"] = [raw for raw in orders if not _is_one_of(raw, dropped)]


def _is_one_of(raw: Any, ids: set[str]) -> bool:
    return isinstance(raw, Mapping) and str(raw.get("id")) in ids


def _copies(
    templates: Sequence[Mapping[str, Any]], count: int, rng: random.Random, taken: set[str]
) -> list[Document]:
    """``count`` copies, cycling through the templates in a seeded order; new ids."""
    if not templates:
        return []
    permutation = rng.sample(range(len(templates)), len(templates))
    out = []
    for k in range(count):
        template = templates[permutation[k % len(templates)]]
        new_id = _fresh_id(f"{template['id']}-V{k // len(templates) + 1}", taken)
        out.append({**copy.deepcopy(dict(template)), "id": new_id})
    return out


# --- rush orders -------------------------------------------------------------------------------


def add_rush_orders(document: Document, change: RushOrdersChange) -> None:
    """New urgent orders, each with the lines and address of a seeded base order."""
    orders: list[Any] = list(document.get("orders") or [])
    templates = [t for t in _templates(orders) if t.get("lines")]
    if not templates:
        raise _reject("count", "the base has no order with lines to copy into rush orders")
    start = parse_timestamp(document["window"]["start"])
    received = format_timestamp(start + timedelta(minutes=change.received_offset_min))
    due = None
    if change.due_offset_min is not None:
        due = format_timestamp(start + timedelta(minutes=change.due_offset_min))
    rng, taken = random.Random(change.seed), set(order_ids(orders))
    for k in range(change.count):
        template = rng.choice(templates)
        rush: Document = {
            "id": _fresh_id(f"{change.id_prefix}-{k + 1:04d}", taken),
            "received_at": received,
            "priority": change.priority,
            "ship_to": copy.deepcopy(template.get("ship_to")),
            "lines": copy.deepcopy(template["lines"]),
        }
        if due is not None:
            rush["due"] = due
        orders.append(rush)
    document["orders"] = orders


# --- teams -------------------------------------------------------------------------------------


def change_team(document: Document, change: TeamChange) -> None:
    """Absent, a new head count (intervals shift by as many), or new availability."""
    team = _team(document, change.id)
    if change.absent:
        team["headcount"] = 0
        team.pop("availability", None)
        return
    if change.headcount is not None:
        old = int(team.get("headcount", 0))
        team["headcount"] = change.headcount
        for interval in team.get("availability") or []:
            interval["headcount"] = _scaled(int(interval["headcount"]), change.headcount, old)
    if change.availability is not None:
        team["availability"] = [
            {
                "start": format_timestamp(a.start),
                "end": format_timestamp(a.end),
                "headcount": a.headcount,
            }
            for a in change.availability
        ]


def _scaled(interval_headcount: int, new: int, old: int) -> int:
    """An interval's head count at the team's new strength, rounded half up."""
    if old == 0:
        return new
    return math.floor(Fraction(interval_headcount * new, old) + Fraction(1, 2))


def _team(document: Document, team_id: str) -> dict[str, Any]:
    teams = document.get("teams") or []
    for team in teams:
        if isinstance(team, dict) and team.get("id") == team_id:
            return team
    known = ", ".join(str(t.get("id")) for t in teams)
    raise _reject("id", f"no team {team_id!r} in the base problem (teams: {known})")


# --- stock -------------------------------------------------------------------------------------


def change_stock(document: Document, change: StockChange) -> None:
    """Set or move a record's on_hand; a late truck's units are not there this window."""
    record = _stock_record(document, change)
    on_hand = int(record["on_hand"])
    if change.on_hand is not None:
        record["on_hand"] = change.on_hand
    elif change.delta is not None:
        if on_hand + change.delta < 0:
            message = f"{change.sku} at {change.location} has {on_hand} on hand"
            raise _reject("delta", f"{message}; {-change.delta} cannot be removed")
        record["on_hand"] = on_hand + change.delta
    elif change.arriving_qty is not None and _late(document, change):
        if change.arriving_qty > on_hand:
            message = f"{change.sku} at {change.location} has {on_hand} on hand"
            raise _reject("arriving_qty", f"{message}; {change.arriving_qty} cannot be arriving")
        record["on_hand"] = on_hand - change.arriving_qty


def _late(document: Document, change: StockChange) -> bool:
    """The truck comes after the window has started."""
    start = parse_timestamp(document["window"]["start"])
    return change.arrives_at is not None and change.arrives_at > start


def late_stock(document: Document, change: Change) -> LateStock | None:
    """The late-truck note of a change, when it is one and the truck is late."""
    if not isinstance(change, StockChange) or change.arriving_qty is None:
        return None
    if change.arrives_at is None or not _late(document, change):
        return None
    return LateStock(
        change.sku, change.location, change.arriving_qty, format_timestamp(change.arrives_at)
    )


def _stock_record(document: Document, change: StockChange) -> dict[str, Any]:
    inventory: list[dict[str, Any]] = document.setdefault("inventory", [])
    for record in inventory:
        if record.get("sku") == change.sku and record.get("location") == change.location:
            return record
    if change.arriving_qty is not None:
        raise _reject("sku", f"no stock of {change.sku} at {change.location} in the base")
    if change.location not in {loc.get("id") for loc in document.get("locations") or []}:
        raise _reject("location", f"no location {change.location!r} in the base problem")
    record = {"sku": change.sku, "location": change.location, "on_hand": 0}
    inventory.append(record)
    return record


# --- carrier cutoff and window -----------------------------------------------------------------


def move_cutoff(document: Document, change: CutoffChange) -> None:
    """Earlier dues for the orders that have one (an unreadable due is left alone)."""
    for raw in document.get("orders") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("due"), str):
            continue
        try:
            due = parse_timestamp(raw["due"])
        except ValueError:
            continue  # the planner reports the order as INVALID_ORDER
        if change.at is not None and due > change.at:
            raw["due"] = format_timestamp(change.at)
        elif change.earlier_by_min is not None:
            raw["due"] = format_timestamp(due - timedelta(minutes=change.earlier_by_min))


def shorten_window(document: Document, change: WindowChange) -> None:
    """The window ends ``end_earlier_by_min`` earlier: a whole number of slots, not all."""
    window = document["window"]
    start, end = parse_timestamp(window["start"]), parse_timestamp(window["end"])
    slot_min = int(window["slot_minutes"])
    length_min = int((end - start).total_seconds() // 60)
    if change.end_earlier_by_min % slot_min:
        message = f"{change.end_earlier_by_min} min is not a whole number of {slot_min}-min slots"
        raise _reject("end_earlier_by_min", message)
    if change.end_earlier_by_min >= length_min:
        raise _reject("end_earlier_by_min", f"the window is only {length_min} min long")
    window["end"] = format_timestamp(end - timedelta(minutes=change.end_earlier_by_min))


# --- table of contents -------------------------------------------------------------------------


def _apply_one(document: Document, change: Change) -> None:
    match change:
        case VolumeChange():
            scale_volume(document, change)
        case RushOrdersChange():
            add_rush_orders(document, change)
        case TeamChange():
            change_team(document, change)
        case StockChange():
            change_stock(document, change)
        case CutoffChange():
            move_cutoff(document, change)
        case WindowChange():
            shorten_window(document, change)


def apply_changes(base: Mapping[str, Any], changes: Sequence[Change]) -> Applied:
    """A deep copy of ``base`` with every change applied in order; ``base`` is untouched.

    The base must be a valid problem document. An error names the change's field,
    ``changes[1].team.id``."""
    document: Document = copy.deepcopy(dict(base))
    notes: list[LateStock] = []
    for idx, change in enumerate(changes):
        try:
            _apply_one(document, change)
        except DocumentError as error:
            where = f"changes[{idx}].{change.kind}"
            raise DocumentError(
                FieldError(f"{where}.{e.field}" if e.field else where, e.message)
                for e in error.errors
            ) from None
        note = late_stock(document, change)
        if note is not None:
            notes.append(note)
    return Applied(document, tuple(notes))
