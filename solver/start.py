"""The first plan: the best of a few fast passes, before any exact engine starts.

- first fit in deadline order and in smallest-first order (:mod:`solver.greedy`);
- on windows of up to a few hundred orders that first fit leaves short, minimum-slack bin
  filling (:mod:`solver.fill`) and bin completion (:mod:`solver.completion`), which find
  the tight plans first fit strands an order in.

The passes share a time budget; the lexicographically best plan (most urgent orders
first) is the start every engine improves on.
"""

from __future__ import annotations

import logging
import math

from solver.completion import Bin, complete
from solver.engine import Deadline
from solver.fill import fill_schedule
from solver.greedy import extend_schedule, greedy_schedule, new_ledger, place_order_at
from solver.greedy import smallest_first_order as smallest_first
from solver.objective_levels import lexicographic_key
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Windows up to this many orders get the bin passes when first fit leaves some out.
BIN_PASSES_MAX_ORDERS = 500
#: Bin completion looks for a plan with every order in; it runs only when first fit
#: misses a few (a fifth of the orders, at least 5) and each stage has the capacity for all
#: the work, and for at most this many seconds.
COMPLETION_MAX_S = 3.0


def _work_fits(instance: Instance) -> bool:
    """Each stage's free capacity holds all its work (needed for every order to fit)."""
    pick_s = sum(line.pick_s for line in instance.lines)
    pack_s = sum(order.pack_s for order in instance.orders)
    capacity = instance.free_capacity_s.clip(min=0)
    is_pick = list(instance.team_is_pick)
    pick_cap = sum(int(capacity[t].sum()) for t in range(instance.num_teams) if is_pick[t])
    pack_cap = sum(int(capacity[t].sum()) for t in range(instance.num_teams) if not is_pick[t])
    return pick_s <= pick_cap and pack_s <= pack_cap


def first_plan(instance: Instance, deadline: Deadline | None = None) -> Schedule:
    """The lexicographically best of the passes that fit in the deadline."""
    candidates = [greedy_schedule(instance), greedy_schedule(instance, smallest_first(instance))]
    best = max(candidates, key=lambda s: lexicographic_key(instance, s.planned))
    missed = len(instance.orders) - len(best.planned)
    if missed == 0 or len(instance.orders) > BIN_PASSES_MAX_ORDERS:
        return best
    passes = [fill_schedule(instance)]
    if missed <= max(5, len(instance.orders) // 5) and _work_fits(instance):
        budget = Deadline.after(COMPLETION_MAX_S)
        if deadline is not None and deadline.at < budget.at:
            budget = deadline
        passes.append(completion_schedule(instance, budget))
    for extra in passes:
        if extra is not None and lexicographic_key(instance, extra.planned) > lexicographic_key(
            instance, best.planned
        ):
            best = extra
    return best


def _pick_s(instance: Instance, order_idx: int) -> int:
    return sum(instance.lines[li].pick_s for li in instance.orders[order_idx].line_idxs)


def _one_pick_team(instance: Instance, order_idx: int, team_idx: int) -> bool:
    zones = instance.team_zone_idxs[team_idx]
    return all(set(instance.line_zones(li)) & zones for li in instance.orders[order_idx].line_idxs)


def completion_schedule(instance: Instance, deadline: Deadline | None = None) -> Schedule | None:
    """Every order's pick placed by bin completion, packs by first fit; None if not found."""
    if any(order.pinned for order in instance.orders):
        return None
    sizes = [_pick_s(instance, o) for o in range(len(instance.orders))]
    unit = math.gcd(*sizes) or 1
    bins = [
        Bin(t, k, int(instance.free_capacity_s[t, k]) // unit)
        for k in range(instance.num_slots)
        for t in range(instance.num_teams)
        if instance.team_is_pick[t] and instance.free_capacity_s[t, k] > 0
    ]

    allowed = [
        {
            (t, k)
            for t in range(instance.num_teams)
            if instance.team_is_pick[t] and _one_pick_team(instance, o, t)
            for k in instance.pick_slots(o, t)
        }
        for o in range(len(instance.orders))
    ]

    def eligible(order_idx: int, where: Bin) -> bool:
        return (where.team_idx, where.slot_idx) in allowed[order_idx]

    found = complete(bins, [s // unit for s in sizes], eligible, deadline)
    if found is None:
        return None
    return _materialise(instance, found)


def _materialise(instance: Instance, found: dict[int, Bin]) -> Schedule | None:
    ledger = new_ledger(instance, Schedule(planned=frozenset()))
    picks: list[PickTask] = []
    packs: list[PackTask] = []
    for order_idx, where in sorted(found.items(), key=lambda kv: (kv[1].slot_idx, kv[0])):
        placed = place_order_at(instance, ledger, order_idx, where.team_idx, where.slot_idx)
        if placed is None:
            logger.debug("bin completion: order %d does not fit as searched", order_idx)
            return None
        picks += placed[0]
        packs += [placed[1]] if placed[1] is not None else []
    base = Schedule(planned=frozenset(found), picks=tuple(picks), packs=tuple(packs))
    return extend_schedule(instance, base, [])
