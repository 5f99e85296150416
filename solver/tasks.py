"""Derive the planning instance: dense indices, integer seconds, candidate choices.

This is the only place where ids become indices. The result, :class:`Instance`, is what
the greedy planner and both exact backends read; it holds flat tuples and numpy arrays.

Orders that cannot be planned whatever the plan does (past due, a line with no reachable
stock, no pack team in reach) are kept out of the instance as ``unplannable`` with a
reason; :mod:`solver.diagnose` gives them their final code once the plan is known.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.domain import Order, PinnedAssignment, Problem
from solver.timegrid import last_pack_slot, line_pick_s, pack_s, release_slot, team_capacity_s

IntArray = npt.NDArray[np.int64]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StockRecord:
    """Stock of one SKU at one location, less what pinned work takes."""

    sku: str
    location_id: str
    zone_idx: int
    free_qty: int


@dataclass(frozen=True)
class Line:
    """An order line still to pick, with the stock records it may be sourced from."""

    order_idx: int
    sku: str
    qty: int
    pick_s: int
    stock_idxs: tuple[int, ...]


@dataclass(frozen=True)
class PinnedPick:
    """A pinned pick of a plannable order (already counted in capacity and stock)."""

    zone_idx: int
    team_idx: int
    slot_idx: int


@dataclass(frozen=True)
class OrderTask:
    """A plannable order: its lines, time window and pack work, by dense index."""

    order_id: str
    priority: int
    fifo_rank: int
    release_slot: int
    last_pack_slot: int
    pack_s: int
    line_idxs: tuple[int, ...]
    pinned_picks: tuple[PinnedPick, ...] = ()
    pinned_pack: tuple[int, int] | None = None

    @property
    def pinned(self) -> bool:
        return bool(self.pinned_picks) or self.pinned_pack is not None

    @property
    def first_pack_slot(self) -> int:
        latest_pinned = max((p.slot_idx for p in self.pinned_picks), default=-1)
        return max(self.release_slot + 1, latest_pinned + 1)


@dataclass(frozen=True)
class Unplannable:
    """An order no plan can include, and why (refined by the diagnosis)."""

    order: Order
    reason: str
    past_due: bool = False


@dataclass(frozen=True)
class Instance:
    """Everything the planners need, with dense indices."""

    problem: Problem
    team_ids: tuple[str, ...]
    team_is_pick: tuple[bool, ...]
    team_zone_idxs: tuple[frozenset[int], ...]
    capacity_s: IntArray
    free_capacity_s: IntArray
    zone_ids: tuple[str, ...]
    stock: tuple[StockRecord, ...]
    lines: tuple[Line, ...]
    orders: tuple[OrderTask, ...]
    unplannable: tuple[Unplannable, ...]
    valid_orders: tuple[Order, ...]
    pinned_s: tuple[int, ...] = ()  # work content of each entry of problem.pinned

    @property
    def num_slots(self) -> int:
        return self.problem.window.num_slots

    @property
    def num_teams(self) -> int:
        return len(self.team_ids)

    @functools.cached_property
    def _pick_teams_by_zone(self) -> tuple[tuple[int, ...], ...]:
        return tuple(
            tuple(
                t
                for t, zones in enumerate(self.team_zone_idxs)
                if self.team_is_pick[t] and zone_idx in zones
            )
            for zone_idx in range(len(self.zone_ids))
        )

    @functools.cached_property
    def _pack_teams(self) -> tuple[int, ...]:
        return tuple(t for t in range(self.num_teams) if not self.team_is_pick[t])

    @functools.cached_property
    def _open(self) -> list[list[bool]]:
        """Per team and slot: does the team have any capacity there (plain lists: fast)."""
        return [[bool(c > 0) for c in row] for row in self.capacity_s.tolist()]

    @functools.cached_property
    def _open_slots(self) -> dict[tuple[int, int, int], tuple[int, ...]]:
        return {}

    def open_slots(self, team_idx: int, first_slot: int, last_slot: int) -> tuple[int, ...]:
        """Slots in [first_slot, last_slot] where the team has capacity (memoised)."""
        key = (team_idx, first_slot, last_slot)
        slots = self._open_slots.get(key)
        if slots is None:
            is_open = self._open[team_idx]
            slots = tuple(k for k in range(first_slot, last_slot + 1) if is_open[k])
            self._open_slots[key] = slots
        return slots

    def pick_teams(self, zone_idx: int) -> tuple[int, ...]:
        return self._pick_teams_by_zone[zone_idx]

    def pack_teams(self) -> tuple[int, ...]:
        return self._pack_teams

    def line_zones(self, line_idx: int) -> tuple[int, ...]:
        return tuple(sorted({self.stock[s].zone_idx for s in self.lines[line_idx].stock_idxs}))

    def order_zones(self, order_idx: int) -> tuple[int, ...]:
        zones = {z for li in self.orders[order_idx].line_idxs for z in self.line_zones(li)}
        return tuple(sorted(zones))

    def pick_slots(self, order_idx: int, team_idx: int) -> tuple[int, ...]:
        """Slots where this team can do one of the order's picks."""
        order = self.orders[order_idx]
        last = order.last_pack_slot - 1
        if order.pinned_pack is not None:
            last = min(last, order.pinned_pack[1] - 1)
        return self.open_slots(team_idx, order.release_slot, last)

    def pack_slots(self, order_idx: int, team_idx: int) -> tuple[int, ...]:
        """Slots where this team can pack the order."""
        order = self.orders[order_idx]
        return self.open_slots(team_idx, order.first_pack_slot, order.last_pack_slot)

    def pack_team_allowed(self, order_idx: int, team_idx: int) -> bool:
        """A pack team with zones packs only orders that can be picked inside them."""
        zones = self.team_zone_idxs[team_idx]
        if not zones:
            return True
        order = self.orders[order_idx]
        pinned_ok = all(p.zone_idx in zones for p in order.pinned_picks)
        return pinned_ok and all(
            any(z in zones for z in self.line_zones(li)) for li in order.line_idxs
        )


class _Builder:
    """Collects the instance; one method per derivation step."""

    def __init__(self, problem: Problem, valid_orders: Sequence[Order]) -> None:
        self.problem = problem
        self.window = problem.window
        self.valid_orders = tuple(valid_orders)
        self.zone_ids = self._zone_ids()
        self.zone_idx = {z: i for i, z in enumerate(self.zone_ids)}
        self.team_idx = {t.id: i for i, t in enumerate(problem.teams)}
        self.capacity_s = np.array(
            [team_capacity_s(self.window, t) for t in problem.teams], dtype=np.int64
        ).reshape(len(problem.teams), self.window.num_slots)
        self.free_capacity_s = self.capacity_s.copy()
        self.location_zone = {loc.id: self.zone_idx[loc.zone] for loc in problem.locations}
        self.free_stock = {(r.sku, r.location): r.on_hand for r in problem.inventory}
        self.lines: list[Line] = []
        self.orders: list[OrderTask] = []
        self.unplannable: list[Unplannable] = []
        self.orders_by_id = {o.id: o for o in self.valid_orders}
        self.pinned_s: list[int] = []

    def _zone_ids(self) -> tuple[str, ...]:
        zones = {loc.zone for loc in self.problem.locations}
        zones |= {z for team in self.problem.teams for z in team.zones or ()}
        return tuple(sorted(zones))

    def pinned_by_order(self) -> dict[str, list[PinnedAssignment]]:
        by_order: dict[str, list[PinnedAssignment]] = defaultdict(list)
        for pin in self.problem.pinned:
            by_order[pin.order].append(pin)
            self._charge_pinned(pin)
        return by_order

    def _charge_pinned(self, pin: PinnedAssignment) -> None:
        for line in pin.lines or ():
            key = (line.sku, line.location)
            self.free_stock[key] = self.free_stock.get(key, 0) - line.qty
        seconds = self._pinned_s(pin)
        self.pinned_s.append(seconds)
        self.free_capacity_s[self.team_idx[pin.team], pin.slot] -= seconds

    def _pinned_s(self, pin: PinnedAssignment) -> int:
        """Work content of a pinned task: its lines' picks, or its order's pack."""
        if pin.stage == "pick":
            return sum(line_pick_s(self.problem.labor, ln.qty) for ln in pin.lines or ())
        order = self.orders_by_id.get(pin.order)
        return pack_s(self.problem.labor, sum(ln.qty for ln in order.lines) if order else 0)

    def stock_records(self) -> tuple[StockRecord, ...]:
        return tuple(
            StockRecord(
                r.sku,
                r.location,
                self.location_zone[r.location],
                self.free_stock[(r.sku, r.location)],
            )
            for r in self.problem.inventory
        )

    @functools.cached_property
    def _open_before(self) -> list[list[int]]:
        """Per team, how many slots before slot k have capacity (k = 0 .. num_slots)."""
        counts = np.zeros((len(self.problem.teams), self.window.num_slots + 1), dtype=np.int64)
        counts[:, 1:] = np.cumsum(self.capacity_s > 0, axis=1)
        return [[int(c) for c in row] for row in counts]

    def _works_in(self, team_idx: int, first_slot: int, last_slot: int) -> bool:
        before = self._open_before[team_idx]
        return before[last_slot + 1] > before[first_slot]

    def reachable_zones(self, first_slot: int, last_slot: int) -> frozenset[int]:
        """Zones with a pick team that has capacity in [first_slot, last_slot]."""
        zones: set[int] = set()
        for t, team in enumerate(self.problem.teams):
            if team.stage == "pick" and self._works_in(t, first_slot, last_slot):
                zones |= {self.zone_idx[z] for z in team.zones or ()}
        return frozenset(zones)

    def pack_reachable(self, first_slot: int, last_slot: int) -> bool:
        return any(
            team.stage == "pack" and self._works_in(t, first_slot, last_slot)
            for t, team in enumerate(self.problem.teams)
        )


def _fifo_ranks(orders: Sequence[Order]) -> dict[str, int]:
    """Rank of each order among those of its priority: 0 for the oldest."""
    ranks: dict[str, int] = {}
    counters: Counter[int] = Counter()

    def age_key(order: Order) -> tuple[int, float, str]:
        received_s = order.received_at.timestamp() if order.received_at else float("-inf")
        return order.priority, received_s, order.id

    for order in sorted(orders, key=age_key):
        ranks[order.id] = counters[order.priority]
        counters[order.priority] += 1
    return ranks


def _split_pinned_lines(
    order: Order, pins: Sequence[PinnedAssignment]
) -> tuple[list[int], str | None]:
    """Positions of the order's lines not covered by pinned picks, or a mismatch reason."""
    remaining = list(range(len(order.lines)))
    for pin in pins:
        for pinned_line in pin.lines or ():
            match = next(
                (
                    i
                    for i in remaining
                    if (order.lines[i].sku, order.lines[i].qty)
                    == (pinned_line.sku, pinned_line.qty)
                ),
                None,
            )
            if match is None:
                return (
                    [],
                    f"pinned line {pinned_line.sku} x{pinned_line.qty} is not a line of the order",
                )
            remaining.remove(match)
    return remaining, None


def build_instance(problem: Problem, valid_orders: Sequence[Order]) -> Instance:
    """Derive the dense planning instance from a problem and its valid orders."""
    builder = _Builder(problem, valid_orders)
    pins_by_order = builder.pinned_by_order()
    stock = builder.stock_records()
    stock_by_sku: dict[str, list[int]] = defaultdict(list)
    for s_idx, record in enumerate(stock):
        stock_by_sku[record.sku].append(s_idx)
    ranks = _fifo_ranks(builder.valid_orders)
    for order in builder.valid_orders:
        _add_order(
            builder, order, pins_by_order.get(order.id, []), stock, stock_by_sku, ranks[order.id]
        )
    for left_out in builder.unplannable:
        logger.debug("order %s cannot be planned: %s", left_out.order.id, left_out.reason)
    return Instance(
        problem=problem,
        team_ids=tuple(t.id for t in problem.teams),
        team_is_pick=tuple(t.stage == "pick" for t in problem.teams),
        team_zone_idxs=tuple(
            frozenset(builder.zone_idx[z] for z in t.zones or ()) for t in problem.teams
        ),
        capacity_s=builder.capacity_s,
        free_capacity_s=builder.free_capacity_s,
        zone_ids=builder.zone_ids,
        stock=stock,
        lines=tuple(builder.lines),
        orders=tuple(builder.orders),
        unplannable=tuple(builder.unplannable),
        valid_orders=builder.valid_orders,
        pinned_s=tuple(builder.pinned_s),
    )


class OrderDeriver:
    """Derives more orders against an instance's teams and stock without deriving those
    again: one would-be order in well under a millisecond (:mod:`solver.promise`)."""

    def __init__(self, instance: Instance) -> None:
        self.base = instance
        self._lock = threading.Lock()  # the builder's lists are filled per call
        self._builder = _Builder(instance.problem, ())
        self._builder.pinned_by_order()  # pinned work charged, as in the base instance
        self._stock_by_sku: dict[str, list[int]] = defaultdict(list)
        for s_idx, record in enumerate(instance.stock):
            self._stock_by_sku[record.sku].append(s_idx)

    def derive(self, orders: Sequence[Order]) -> Instance:
        """An instance of just these orders (teams, zones and stock indexed as the base);
        their first-in-first-out ranks count from 0 (see ``solver.replan.merged_instance``)."""
        builder = self._builder
        ranks = _fifo_ranks(orders)
        with self._lock:
            builder.lines, builder.orders, builder.unplannable = [], [], []
            for order in orders:
                stock, by_sku = self.base.stock, self._stock_by_sku
                _add_order(builder, order, (), stock, by_sku, ranks[order.id])
            lines, tasks, unplannable = builder.lines, builder.orders, builder.unplannable
        return dataclasses.replace(
            self.base,
            lines=tuple(lines),
            orders=tuple(tasks),
            unplannable=tuple(unplannable),
            valid_orders=tuple(orders),
        )


def _add_order(
    builder: _Builder,
    order: Order,
    pins: Sequence[PinnedAssignment],
    stock: Sequence[StockRecord],
    stock_by_sku: dict[str, list[int]],
    fifo_rank: int,
) -> None:
    window = builder.window
    first = release_slot(window, order.received_at)
    last = last_pack_slot(window, order.due)
    if last < first + 1:
        builder.unplannable.append(
            Unplannable(order, "no pick slot and later pack slot fit", past_due=True)
        )
        return
    free_positions, mismatch = _split_pinned_lines(order, pins)
    if mismatch:
        builder.unplannable.append(Unplannable(order, mismatch))
        return
    pinned_picks = tuple(
        PinnedPick(builder.zone_idx[p.zone or ""], builder.team_idx[p.team], p.slot)
        for p in pins
        if p.stage == "pick"
    )
    pinned_zones = {p.zone_idx for p in pinned_picks}
    reachable = builder.reachable_zones(first, last - 1) - pinned_zones
    candidates = []
    for pos in free_positions:
        line = order.lines[pos]
        stock_idxs = tuple(
            s
            for s in stock_by_sku.get(line.sku, ())
            if stock[s].free_qty >= line.qty and stock[s].zone_idx in reachable
        )
        if not stock_idxs:
            builder.unplannable.append(
                Unplannable(order, f"no reachable location holds {line.qty} x {line.sku}")
            )
            return
        candidates.append((line, stock_idxs))
    if not builder.pack_reachable(first + 1, last):
        builder.unplannable.append(
            Unplannable(order, "no pack team works in a slot the pack could use")
        )
        return
    order_idx = len(builder.orders)
    line_idxs = []
    for line, stock_idxs in candidates:
        line_idxs.append(len(builder.lines))
        builder.lines.append(
            Line(
                order_idx,
                line.sku,
                line.qty,
                line_pick_s(builder.problem.labor, line.qty),
                stock_idxs,
            )
        )
    pinned_pack = next(
        ((builder.team_idx[p.team], p.slot) for p in pins if p.stage == "pack"), None
    )
    builder.orders.append(
        OrderTask(
            order_id=order.id,
            priority=order.priority,
            fifo_rank=fifo_rank,
            release_slot=first,
            last_pack_slot=last,
            pack_s=pack_s(builder.problem.labor, sum(ln.qty for ln in order.lines)),
            line_idxs=tuple(line_idxs),
            pinned_picks=pinned_picks,
            pinned_pack=pinned_pack,
        )
    )
