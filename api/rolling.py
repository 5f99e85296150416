"""The problem a window plan solves: the stored state, the window rolled with the clock,
work under way pinned, and the previous plan offered to be kept.

Pure functions over contract documents (dicts), so they are tested without a service.

- **Rolling.** With ``rolling_window`` on, the window keeps its stored length and slot
  size and is planned from the slot holding *now* (the *current* slot). Once the clock
  is past the stored first slot, the document's window also holds the slot before the
  current one, the *done* slot: no team works in it (availability starts at the current
  slot), it only holds the picks already done, so that their orders' packs can still be
  planned in the current slot.
- **Under way.** What the previous plan put in the current slot is being worked: the
  picks of orders still pending are pinned there, and so are the packs of orders
  reported ``picked``.
- **Picked.** An order reported ``picked`` keeps its previous plan's picks, pinned in the
  done slot (in slot 0 before the window has rolled; where the plan had them in a window
  that does not roll). Its stock has left the shelf (the stock records say so), so the
  pinned quantities are added back to the document's inventory, which pinned work then
  takes again. A picked order no previous plan had picks for is left out and logged.
- **Kept.** The previous plan's other assignments from the current slot on go to
  ``previous_assignments``: the planner keeps each order where it was unless moving work
  plans more orders by priority (see ``solver.solve.keep_previous``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from solver.loading import DocumentError, load_problem

logger = logging.getLogger(__name__)

_PINNED_FIELD = re.compile(r"^pinned\[(\d+)\]")


@dataclass(frozen=True)
class Previous:
    """The previous window plan and the orders' statuses now."""

    plan: Mapping[str, Any] | None
    picked_orders: Sequence[Mapping[str, Any]] = ()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class _Clock:
    """The window to plan and where *now* is in it."""

    window: dict[str, Any]
    current: int  # the slot holding now (0 before the window has rolled)

    @property
    def done(self) -> int:
        """Where done picks are pinned: the slot before the current one, or slot 0."""
        return max(0, self.current - 1)


def rolled_window(window: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The window moved forward so that its first slot holds ``now`` (length kept)."""
    start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
    slot = timedelta(minutes=window["slot_minutes"])
    if now <= start:
        return dict(window)
    shift = ((now - start) // slot) * slot
    return {**window, "start": _iso(start + shift), "end": _iso(end + shift)}


def _clock(window: Mapping[str, Any], now: datetime, rolling: bool) -> _Clock:
    if not rolling:
        return _Clock(dict(window), 0)
    rolled = rolled_window(window, now)
    if rolled["start"] == window["start"]:
        return _Clock(rolled, 0)
    slot = timedelta(minutes=window["slot_minutes"])
    return _Clock({**rolled, "start": _iso(datetime.fromisoformat(rolled["start"]) - slot)}, 1)


def _slot_in(window: Mapping[str, Any], assignment: Mapping[str, Any]) -> int | None:
    """The assignment's slot in ``window`` (by its ``slot_start``), None outside it."""
    try:
        at = datetime.fromisoformat(str(assignment["slot_start"]))
    except (KeyError, ValueError):
        return None
    start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
    slot = timedelta(minutes=window["slot_minutes"])
    if at < start or at >= end or (at - start) % slot:
        return None
    return (at - start) // slot


def _as_pin(assignment: Mapping[str, Any], slot: int) -> dict[str, Any]:
    pin = {key: assignment[key] for key in ("order", "stage", "team", "zone") if key in assignment}
    if assignment.get("lines"):
        pin["lines"] = [dict(line) for line in assignment["lines"]]
    return {**pin, "slot": slot}


def window_problem(
    stored: Mapping[str, Any], previous: Previous, now: datetime, rolling: bool
) -> dict[str, Any]:
    """The document to plan: ``stored`` (pending orders) with the window rolled, the work
    under way pinned and the previous plan offered as ``previous_assignments``."""
    clock = _clock(stored["window"], now, rolling)
    problem = {**stored, "window": clock.window}
    if clock.current > 0:
        problem["teams"] = [_from(team, clock) for team in stored["teams"]]
    if previous.plan is None:
        return problem
    assignments = list(previous.plan.get("assignments", ()))
    pending = {str(o["id"]) for o in stored.get("orders", ()) if isinstance(o, Mapping)}
    picked, picked_pins = _picked(clock, assignments, previous.picked_orders, rolling)
    picked_ids = {str(o.get("id")) for o in picked}
    pins = _under_way(clock, assignments, pending, picked_ids) if rolling else []
    problem["orders"] = [*problem.get("orders", ()), *picked]
    problem["inventory"] = _with_taken_back(problem.get("inventory", ()), picked_pins)
    problem["pinned"] = [*problem.get("pinned", ()), *picked_pins, *pins]
    under_way = {(p["order"], p["stage"]) for p in pins}
    problem["previous_assignments"] = _kept(clock, assignments, pending | picked_ids, under_way)
    return _without_bad_pins(problem)


def _from(team: Mapping[str, Any], clock: _Clock) -> dict[str, Any]:
    """The team with no availability before the current slot."""
    window = clock.window
    slot = timedelta(minutes=window["slot_minutes"])
    current = datetime.fromisoformat(window["start"]) + clock.current * slot
    intervals = team.get("availability") or [
        {"start": window["start"], "end": window["end"], "headcount": team["headcount"]}
    ]
    clipped = [
        {**interval, "start": _iso(max(datetime.fromisoformat(interval["start"]), current))}
        for interval in intervals
        if datetime.fromisoformat(interval["end"]) > current
    ]
    return {**team, "availability": clipped}


def _under_way(
    clock: _Clock,
    assignments: Iterable[Mapping[str, Any]],
    pending: set[str],
    picked: set[str],
) -> list[dict[str, Any]]:
    """What the previous plan put in the current slot: picks of pending orders, and packs
    of picked orders once their picks can sit in an earlier slot."""
    pins = []
    for a in assignments:
        if _slot_in(clock.window, a) != clock.current:
            continue
        pick_under_way = a.get("stage") == "pick" and a.get("order") in pending
        pack_under_way = a.get("stage") == "pack" and a.get("order") in picked
        if pick_under_way or (pack_under_way and clock.current > 0):
            pins.append(_as_pin(a, clock.current))
    return pins


def _picked(
    clock: _Clock,
    assignments: Iterable[Mapping[str, Any]],
    picked_orders: Sequence[Mapping[str, Any]],
    rolling: bool,
) -> tuple[list[Mapping[str, Any]], list[dict[str, Any]]]:
    """Picked orders with previous picks, and those picks pinned (in the done slot, or,
    in a window that does not roll, where the plan had them)."""
    picks: dict[str, list[Mapping[str, Any]]] = {}
    for a in assignments:
        if a.get("stage") == "pick":
            picks.setdefault(str(a.get("order")), []).append(a)
    orders, pins = [], []
    for order in picked_orders:
        order_picks = picks.get(str(order.get("id")))
        if not order_picks:
            logger.warning("picked order %s has no planned picks: left out", order.get("id"))
            continue
        orders.append(order)
        for a in order_picks:
            slot = clock.done if rolling else _slot_in(clock.window, a) or 0
            pins.append(_as_pin(a, slot))
    return orders, pins


def _with_taken_back(
    inventory: Iterable[Mapping[str, Any]], pins: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The inventory with what picked orders took from the shelf added back."""
    on_hand = {(r["sku"], r["location"]): int(r["on_hand"]) for r in inventory}
    for pin in pins:
        for line in pin.get("lines", ()):
            key = (line["sku"], line["location"])
            on_hand[key] = on_hand.get(key, 0) + int(line["qty"])
    return [{"sku": s, "location": loc, "on_hand": qty} for (s, loc), qty in on_hand.items()]


def _kept(
    clock: _Clock,
    assignments: Iterable[Mapping[str, Any]],
    held: set[str],
    under_way: set[tuple[str, str]],
) -> list[dict[str, Any]]:
    """The previous plan's assignments from the current slot on, re-indexed, for orders
    still held (work pinned as under way or done is left to the pins)."""
    kept = []
    for a in assignments:
        slot = _slot_in(clock.window, a)
        if slot is None or slot < clock.current or a.get("pinned") is True:
            continue
        if a.get("order") not in held or (a.get("order"), a.get("stage")) in under_way:
            continue
        kept.append({**a, "slot": slot})
    return kept


def _without_bad_pins(problem: dict[str, Any]) -> dict[str, Any]:
    """Pins the stored state no longer allows (a team replaced, a location gone) dropped:
    that work is planned again rather than the whole window refused."""
    pins = problem.get("pinned", [])
    for _attempt in range(3):
        try:
            load_problem(problem)
            return problem
        except DocumentError as error:
            bad = {
                int(match.group(1))
                for field_error in error.errors
                if (match := _PINNED_FIELD.match(field_error.field))
            }
            if not bad:
                raise
            logger.warning("%d pinned entries no longer hold: planned again", len(bad))
            pins = [pin for idx, pin in enumerate(pins) if idx not in bad]
            problem["pinned"] = pins
    return problem
