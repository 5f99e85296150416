"""Bin filling: a greedy pass that packs each (team, slot) as full as it can be filled.

First-fit passes (:mod:`solver.greedy`) leave a little room in every slot; when work
sizes are lumpy, that room adds up to whole orders that no longer fit anywhere. This pass
takes the (team, slot) pairs one by one, earliest first, and fills each with the subset of
the orders still unplanned whose pick fits there that leaves the least idle time (a
subset-sum by dynamic programming, the largest candidate always in: Gupta and Ho's
minimum-bin-slack heuristic). It takes only orders picked whole by one team, of the most
urgent priority that still has any; the first-fit pass then places the rest.
"""

from __future__ import annotations

import logging
import math
import random

import numpy as np

from solver.greedy import extend_schedule, new_ledger, place_order_at, release_order
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Above this many orders, or slot capacities in units, the pass is skipped (it is quadratic).
MAX_ORDERS = 2_000
MAX_CAPACITY_UNITS = 200_000


def best_subset(sizes: list[int], capacity: int) -> list[int]:
    """Indices of a subset of ``sizes`` with the largest sum not above ``capacity``."""
    reach = np.zeros(capacity + 1, dtype=bool)
    reach[0] = True
    last = np.full(capacity + 1, -1, dtype=np.int64)
    for idx, size in enumerate(sizes):
        if size > capacity or size <= 0:
            continue
        new = reach[: capacity + 1 - size] & ~reach[size:]
        last[size:][new] = idx
        reach[size:] |= new
    total = int(np.flatnonzero(reach)[-1])
    chosen = []
    while total > 0:
        idx = int(last[total])
        chosen.append(idx)
        total -= sizes[idx]
    return chosen


def _pick_s(instance: Instance, order_idx: int) -> int:
    return sum(instance.lines[li].pick_s for li in instance.orders[order_idx].line_idxs)


def _candidates(
    instance: Instance, open_idxs: list[int], team_idx: int, slot_idx: int
) -> list[int]:
    zones = instance.team_zone_idxs[team_idx]
    return [
        o
        for o in open_idxs
        if slot_idx in instance.pick_slots(o, team_idx)
        and all(set(instance.line_zones(li)) & zones for li in instance.orders[o].line_idxs)
        and not instance.orders[o].pinned
    ]


def fill_schedule(instance: Instance, shuffle_seed: int | None = None) -> Schedule | None:
    """The bin-filling pass, then first fit for the rest; None when the pass does not apply.

    Among subsets that fill a slot equally well, which one the pass takes depends on the
    candidates' order; ``shuffle_seed`` shuffles it (seeded) to try another choice."""
    pick_teams = [t for t in range(instance.num_teams) if instance.team_is_pick[t]]
    if len(instance.orders) > MAX_ORDERS or not pick_teams:
        return None
    ledger = new_ledger(instance, Schedule(planned=frozenset()))
    planned: set[int] = set()
    picks: list[PickTask] = []
    packs: list[PackTask] = []
    sizes = [_pick_s(instance, o) for o in range(len(instance.orders))]
    unit = math.gcd(*sizes) or 1
    for slot_idx in range(instance.num_slots):
        for team_idx in pick_teams:
            open_idxs = [o for o in range(len(instance.orders)) if o not in planned]
            urgent = min((instance.orders[o].priority for o in open_idxs), default=None)
            if urgent is None:
                break
            pool = [o for o in open_idxs if instance.orders[o].priority == urgent]
            cands = _candidates(instance, pool, team_idx, slot_idx)
            room = ledger.capacity_s[team_idx][slot_idx] // unit
            if not cands or room <= 0 or room > MAX_CAPACITY_UNITS:
                continue
            cands.sort(key=lambda o: (-sizes[o], o))
            first, rest = cands[0], cands[1:]
            if shuffle_seed is not None:
                random.Random(shuffle_seed * 7919 + slot_idx * 131 + team_idx).shuffle(rest)
            if sizes[first] // unit > room:
                rest, first = cands, -1
            head = [first] if first >= 0 else []
            left = room - sum(sizes[o] // unit for o in head)
            chosen = head + [rest[i] for i in best_subset([sizes[o] // unit for o in rest], left)]
            for order_idx in sorted(chosen, key=lambda o: (-sizes[o], o)):
                placed = place_order_at(instance, ledger, order_idx, team_idx, slot_idx)
                if placed is not None:
                    planned.add(order_idx)
                    picks += placed[0]
                    packs += [placed[1]] if placed[1] is not None else []
    base = Schedule(planned=frozenset(planned), picks=tuple(picks), packs=tuple(packs))
    rest_idxs = [o for o in release_order(instance) if o not in planned]
    logger.debug("bin filling placed %d orders", len(planned))
    return extend_schedule(instance, base, rest_idxs)
