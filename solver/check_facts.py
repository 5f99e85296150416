"""The plan checker's own arithmetic: what it knows from the problem document alone.

:class:`Facts` recomputes everything the checker's rules need: slot times, each team's
capacity per slot, work content in whole seconds, each order's release slot and last
usable pack slot. It shares no code with the planner's model builder on purpose: the
checker is the specification, so a mistake in the model cannot hide behind the same
mistake here. Arithmetic is exact: floats from the document go through
``Decimal(str(value))``, times through whole microseconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from solver.domain import InventoryRecord, Order, Problem, Team
from solver.validation import ValidatedOrders, validate_orders

_ONE_US: Final = timedelta(microseconds=1)
_US_PER_S: Final = 1_000_000

StockKey = tuple[str, str]
"""(location id, sku)."""


@dataclass(frozen=True)
class Facts:
    """What the checker knows from the problem document, computed independently."""

    problem: Problem
    validated: ValidatedOrders
    orders: Mapping[str, Order]
    teams: Mapping[str, Team]
    zone_of: Mapping[str, str]
    on_hand: Mapping[StockKey, int]
    records_of: Mapping[str, tuple[InventoryRecord, ...]]
    capacity_s: Mapping[str, tuple[int, ...]]

    @property
    def num_slots(self) -> int:
        return self.problem.window.num_slots

    def slot_start(self, slot: int) -> datetime:
        return self.problem.window.slot_start(slot)

    def capacity(self, team_id: str, slot: int) -> int:
        """The team's capacity in seconds in the slot; 0 for an unknown team or slot."""
        per_slot = self.capacity_s.get(team_id, ())
        return per_slot[slot] if 0 <= slot < len(per_slot) else 0

    def release_slot(self, order: Order) -> int:
        """The first slot starting at or after ``received_at`` (may be past the window)."""
        if order.received_at is None:
            return 0
        offset_us = _offset_us(self.problem.window.start, order.received_at)
        return max(0, -(-offset_us // (self.problem.window.slot_s * _US_PER_S)))

    def deadline(self, order: Order) -> datetime:
        """``min(due, window.end)``; ``window.end`` without a due time."""
        end = self.problem.window.end
        return end if order.due is None else min(end, order.due)

    def last_pack_slot(self, order: Order) -> int:
        """The last slot ending by the deadline; below 0 when none does."""
        offset_us = _offset_us(self.problem.window.start, self.deadline(order))
        return offset_us // (self.problem.window.slot_s * _US_PER_S) - 1

    def line_pick_s(self, qty: int) -> int:
        labor = self.problem.labor
        per_unit = _exact(labor.pick_seconds_per_unit)
        return math.ceil(_exact(labor.pick_seconds_per_line) + qty * per_unit)

    def pack_s(self, order: Order) -> int:
        labor = self.problem.labor
        units = sum(line.qty for line in order.lines)
        return math.ceil(
            _exact(labor.pack_seconds_per_order) + units * _exact(labor.pack_seconds_per_unit)
        )

    def stocked_zones(self, sku: str) -> set[str]:
        """Zones of the locations holding the SKU with ``on_hand > 0``."""
        return {self.zone_of[r.location] for r in self.records_of.get(sku, ()) if r.on_hand > 0}


def build_facts(problem: Problem) -> Facts:
    """Recompute the checker's facts from a loaded problem."""
    validated = validate_orders(problem.orders)
    records_of: defaultdict[str, list[InventoryRecord]] = defaultdict(list)
    for record in problem.inventory:
        records_of[record.sku].append(record)
    return Facts(
        problem=problem,
        validated=validated,
        orders={order.id: order for order in validated.orders},
        teams={team.id: team for team in problem.teams},
        zone_of={loc.id: loc.zone for loc in problem.locations},
        on_hand={(r.location, r.sku): r.on_hand for r in problem.inventory},
        records_of={sku: tuple(records) for sku, records in records_of.items()},
        capacity_s={team.id: _capacity_per_slot(team, problem) for team in problem.teams},
    )


def _exact(value: float) -> Decimal:
    return Decimal(str(value))


def _offset_us(start: datetime, moment: datetime) -> int:
    return (moment - start) // _ONE_US


def _capacity_per_slot(team: Team, problem: Problem) -> tuple[int, ...]:
    """floor(efficiency * sum over intervals of overlap seconds * headcount), per slot.

    An explicit empty ``availability`` list means the team never works (decision: only
    an absent list defaults to the whole window).
    """
    window = problem.window
    intervals = [(window.start, window.end, team.headcount)]
    if team.availability is not None:
        intervals = [(a.start, a.end, a.headcount) for a in team.availability]
    efficiency = _exact(team.efficiency)
    return tuple(
        math.floor(efficiency * _person_seconds(intervals, window.slot_start(k), window.slot_s))
        for k in range(window.num_slots)
    )


def _person_seconds(
    intervals: Iterable[tuple[datetime, datetime, int]], slot_start: datetime, slot_s: int
) -> Decimal:
    slot_end = slot_start + timedelta(seconds=slot_s)
    person_us = 0
    for start, end, headcount in intervals:
        overlap_us = (min(end, slot_end) - max(start, slot_start)) // _ONE_US
        person_us += max(0, overlap_us) * headcount
    return Decimal(person_us) / _US_PER_S
