"""Slots, capacities and work content in whole seconds, computed exactly.

Every float from a document goes through ``Decimal(str(value))`` so that 0.85 x 1200 s
is 1020 s, not 1019.9999 s. This module (with :mod:`solver.tasks`) is where units are
converted; the plan checker does its own arithmetic on purpose.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from solver.domain import Labor, Team, Window
from solver.result import format_timestamp


def exact(value: float) -> Decimal:
    """The decimal a person wrote, not the nearest binary float."""
    return Decimal(str(value))


def line_pick_s(labor: Labor, qty: int) -> int:
    """ceil(pick_seconds_per_line + qty * pick_seconds_per_unit)."""
    return math.ceil(exact(labor.pick_seconds_per_line) + qty * exact(labor.pick_seconds_per_unit))


def pack_s(labor: Labor, total_units: int) -> int:
    """ceil(pack_seconds_per_order + total_units * pack_seconds_per_unit)."""
    return math.ceil(
        exact(labor.pack_seconds_per_order) + total_units * exact(labor.pack_seconds_per_unit)
    )


def _overlap_s(start: datetime, end: datetime, slot_start: datetime, slot_end: datetime) -> int:
    return max(0, int((min(end, slot_end) - max(start, slot_start)).total_seconds()))


def team_capacity_s(window: Window, team: Team) -> npt.NDArray[np.int64]:
    """Capacity per slot: floor(efficiency * sum of overlap_s * headcount)."""
    intervals = team.availability
    if intervals is None:
        spans = [(window.start, window.end, team.headcount)]
    else:
        spans = [(a.start, a.end, a.headcount) for a in intervals]
    efficiency = exact(team.efficiency)
    capacity = np.zeros(window.num_slots, dtype=np.int64)
    for slot_idx in range(window.num_slots):
        slot_start = window.slot_start(slot_idx)
        slot_end = window.slot_start(slot_idx + 1)
        person_s = sum(_overlap_s(s, e, slot_start, slot_end) * h for s, e, h in spans)
        capacity[slot_idx] = math.floor(efficiency * person_s)
    return capacity


def release_slot(window: Window, received_at: datetime | None) -> int:
    """First slot whose start is at or after ``received_at`` (may be num_slots: none)."""
    if received_at is None or received_at <= window.start:
        return 0
    return math.ceil((received_at - window.start).total_seconds() / window.slot_s)


def last_pack_slot(window: Window, due: datetime | None) -> int:
    """Last slot that ends by min(due, window.end); -1 when none does."""
    deadline = window.end if due is None else min(due, window.end)
    whole = math.floor((deadline - window.start).total_seconds() / window.slot_s)
    return min(whole, window.num_slots) - 1


def slot_start_stamps(window: Window) -> tuple[str, ...]:
    """Each slot's start, as the documents write it (``2026-12-04T08:15:00Z``)."""
    return tuple(format_timestamp(window.slot_start(k)) for k in range(window.num_slots))
