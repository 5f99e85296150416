"""The lexicographic objective, engine-neutral: which levels, in which order, with which weights.

1. ``pinned``: as many orders with pinned work completed as possible (only when any).
2. ``priority-1``, ``priority-2``, ...: as many planned orders of that priority as possible,
   each level solved to its optimum and then fixed, so no weighting can trade one urgent
   order for many others.
3. ``finish``: minimise sum over orders of weight(o) x completion slot(o), where the
   completion slot is pack slot + 1 for a planned order and num_slots + 1 for an unplanned
   one, and weight(o) is given by :func:`finish_weights`.
4. ``balance``: minimise, summed over the two stages, the highest utilisation (per mille)
   of a team of that stage over the window.

Both engines build their model from these definitions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from solver.schedule import Schedule
from solver.tasks import Instance

BALANCE_SCALE = 1000


@dataclass(frozen=True)
class LevelSpec:
    """A level: its name, sense, and the orders it counts (for count levels)."""

    name: str
    sense: str  # "max" or "min"
    order_idxs: tuple[int, ...] = ()


def level_specs(instance: Instance) -> list[LevelSpec]:
    """The levels in solving order."""
    specs = []
    pinned = tuple(o for o, order in enumerate(instance.orders) if order.pinned)
    if pinned:
        specs.append(LevelSpec("pinned", "max", pinned))
    for priority in sorted({o.priority for o in instance.orders}):
        members = tuple(o for o, order in enumerate(instance.orders) if order.priority == priority)
        specs.append(LevelSpec(f"priority-{priority}", "max", members))
    specs.append(LevelSpec("finish", "min"))
    specs.append(LevelSpec("balance", "min"))
    return specs


def finish_weights(instance: Instance) -> list[int]:
    """Urgent orders weigh more; within a priority, older orders weigh more (1..10).

    weight = 10 x (P - priority) + fifo, with P the largest priority number present and
    fifo = 10 - floor(9 x rank / (n - 1)) for the order's first-in rank among the n orders
    of its priority (10 for the oldest, 1 for the newest; 10 for an order alone).
    """
    if not instance.orders:
        return []
    lowest = max(o.priority for o in instance.orders)
    peers = Counter(o.priority for o in instance.orders)
    return [
        10 * (lowest - o.priority) + 10 - (9 * o.fifo_rank) // max(1, peers[o.priority] - 1)
        for o in instance.orders
    ]


def lexicographic_key(instance: Instance, planned: frozenset[int]) -> tuple[int, ...]:
    """Planned counts in level order (pinned, then priority 1, 2, ...): larger is better."""
    return tuple(
        sum(1 for o in spec.order_idxs if o in planned)
        for spec in level_specs(instance)
        if spec.sense == "max"
    )


def trivially_optimal(spec: LevelSpec, planned: frozenset[int]) -> bool:
    """A count level already at its ceiling: every order it counts is planned."""
    return spec.sense == "max" and all(o in planned for o in spec.order_idxs)


def finish_value(instance: Instance, schedule: Schedule) -> int:
    """The finish level's objective for a schedule."""
    weights = finish_weights(instance)
    late = instance.num_slots + 1
    done = {p.order_idx: p.slot_idx + 1 for p in schedule.packs}
    for order_idx, order in enumerate(instance.orders):
        if order.pinned_pack is not None and order_idx in schedule.planned:
            done[order_idx] = order.pinned_pack[1] + 1
    return sum(w * done.get(o, late) for o, w in enumerate(weights))


def balance_peaks(instance: Instance, schedule: Schedule) -> tuple[int, int]:
    """(pick, pack): the highest team utilisation per mille, ceil(1000 x load / capacity)."""
    load = [0] * instance.num_teams
    for pick in schedule.picks:
        load[pick.team_idx] += sum(instance.lines[li].pick_s for li, _ in pick.line_stock)
    for pack in schedule.packs:
        load[pack.team_idx] += instance.orders[pack.order_idx].pack_s
    peaks = {True: 0, False: 0}
    for team_idx, seconds in enumerate(load):
        capacity = int(instance.free_capacity_s[team_idx].clip(min=0).sum())
        if seconds and capacity > 0:
            share = -(-BALANCE_SCALE * seconds // capacity)
            peaks[instance.team_is_pick[team_idx]] = max(
                peaks[instance.team_is_pick[team_idx]], share
            )
    return peaks[True], peaks[False]


def level_value(instance: Instance, spec: LevelSpec, schedule: Schedule) -> int:
    """A level's objective evaluated on a schedule."""
    if spec.name == "finish":
        return finish_value(instance, schedule)
    if spec.name == "balance":
        return sum(balance_peaks(instance, schedule))
    return schedule.planned_count(set(spec.order_idxs))
