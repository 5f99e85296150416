"""A solution in index space, as every engine (greedy, CP-SAT, MIP) returns it.

Only the work the planner decides is here; pinned work comes from the problem. The plan
document is built from a schedule in :mod:`solver.plan_builder`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PickTask:
    """The pick of one order in one zone: team, slot, and the stock record of each line."""

    order_idx: int
    zone_idx: int
    team_idx: int
    slot_idx: int
    line_stock: tuple[tuple[int, int], ...]  # (line_idx, stock_idx)


@dataclass(frozen=True)
class PackTask:
    """The pack of one order: team and slot."""

    order_idx: int
    team_idx: int
    slot_idx: int


@dataclass(frozen=True)
class Schedule:
    """Planned orders' picks and packs (orders with a pack, or a pinned pack, are planned)."""

    planned: frozenset[int]
    picks: tuple[PickTask, ...] = ()
    packs: tuple[PackTask, ...] = ()

    def planned_count(self, order_idxs: frozenset[int] | set[int]) -> int:
        return len(self.planned & order_idxs)
