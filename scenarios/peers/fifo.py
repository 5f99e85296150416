"""First-in-first-out dispatch, as a waveless WMS releases orders.

Orders go in the order they were received (``received_at``; none counts as the oldest;
ties by order id), regardless of priority. Orders with pinned work come first: that work
is already under way on the floor, and a WMS finishes it before it releases new orders.
Each order is placed whole at the earliest slots that fit, or left unplanned; nothing is
ever moved once placed and there is no look-ahead.

The placement is the planner's own greedy pass, :func:`solver.greedy.greedy_schedule`,
given this sequence: for each order it chooses a stock record per line (records in a
zone the order already uses first, then the fullest, inside the zones of a pack team that
may pack the order), puts each zone's pick in the earliest slot where an eligible team
has room (ties to the team with the most room left), and the pack in the earliest slot
after the last pick; if any of it does not fit, the order is skipped and what it took
is given back.
"""

from __future__ import annotations

from datetime import datetime

from solver.engine import Deadline, EngineResult
from solver.greedy import greedy_schedule
from solver.schedule import Schedule
from solver.tasks import Instance

__all__ = ["fifo_sequence", "run"]


def fifo_sequence(instance: Instance) -> list[int]:
    """Order indices: pinned work first, then by received_at, then by order id."""
    received: dict[str, datetime | None] = {o.id: o.received_at for o in instance.valid_orders}

    def key(order_idx: int) -> tuple[bool, bool, float, str]:
        order = instance.orders[order_idx]
        moment = received.get(order.order_id)
        return (
            not order.pinned,
            moment is not None,
            moment.timestamp() if moment is not None else 0.0,
            order.order_id,
        )

    return sorted(range(len(instance.orders)), key=key)


def run(instance: Instance, start: Schedule, deadline: Deadline) -> EngineResult:
    """Dispatch every order first in, first out; ``start`` and ``deadline`` are not needed
    (one pass takes milliseconds)."""
    del start, deadline
    schedule = greedy_schedule(instance, fifo_sequence(instance))
    reason = (
        f"FIFO dispatch: {len(schedule.planned)} of {len(instance.orders)} orders placed "
        "in arrival order, earliest slot that fits"
    )
    return EngineResult(schedule, "FEASIBLE", reason, ())
