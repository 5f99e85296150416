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
