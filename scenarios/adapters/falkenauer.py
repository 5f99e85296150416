"""Falkenauer bin packing instances as problem documents: zero backlog <=> the items fit.

``falkenauer_problem(path, num_bins)`` turns an instance (``n``, the bin capacity ``C``, then
``n`` item sizes) into a problem document whose orders can all be planned exactly when the
items fit into ``num_bins`` bins (default :func:`default_num_bins`, ``ceil(sum / C)``, the
trivial lower bound). The mapping, with every time in whole seconds so that no rounding
can turn a fit into a misfit or back:

- **Items are orders.** Item ``k`` (file order, zero-based) is order ``ITEM-00k`` with one
  line of ``size`` units of the one SKU ``ITEM``. Labor: 0 s a line and 60 s a unit to pick,
  so the order's single pick task takes exactly ``60 * size`` seconds; packing takes 0 s.
  All orders are priority 1, with no ``received_at`` (the window start) and no cutoff;
  the SKU's one location holds ``sum(sizes)`` units, so stock never binds.
- **Bins are (team, slot) pairs.** The window has two slots of ``C`` minutes. There are
  ``num_bins`` pick teams ``pick-001``, ... of one person at efficiency 1.0 that work the
  single zone ``A`` in slot 0 only (an availability interval of exactly that slot), so each
  has a capacity of exactly ``60 * C`` seconds in exactly one slot: one bin. Every pick must
  be in slot 0 anyway, since a pack follows in a later slot and slot 1 is the last.
- **Packing never binds.** One pack team of one person, available in slot 1 only: its
  capacity ``60 * C`` is above zero there (the contract lets a task go only where capacity
  is above zero) and every pack takes 0 s.

So a plan with zero backlog is an assignment of items to bins with every bin's sizes
summing to at most ``C``, and back. With fewer bins than needed the planner's lexicographic
objective maximises the number of items packed. ``C`` is at most 1,440 (a slot is at most a
day); every Falkenauer class (``C`` = 150 or 1,000) fits.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from scenarios.generator import START, _iso

__all__ = [
    "SECONDS_PER_SIZE_UNIT",
    "BinPackingInstance",
    "bin_packing_problem",
    "default_num_bins",
    "falkenauer_problem",
    "read_falkenauer",
]

logger = logging.getLogger(__name__)

SECONDS_PER_SIZE_UNIT: Final = 60  # pick seconds per unit of item size; a slot is C minutes
MAX_CAPACITY: Final = 24 * 60  # the contract's longest slot, in minutes
ZONE: Final = "A"
LOCATION: Final = "A-01"
SKU: Final = "ITEM"
SHIP_TO: Final = {
    "name": "Emanuel Falkenauer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "US",
}


@dataclass(frozen=True)
class BinPackingInstance:
    """Item sizes and the bin capacity of one instance."""

    name: str
    capacity: int
    sizes: tuple[int, ...]

    @property
    def total_size(self) -> int:
        return sum(self.sizes)


def read_falkenauer(path: Path | str) -> BinPackingInstance:
    """Read ``n``, ``C`` and ``n`` sizes; raise ValueError if the file is not that."""
    path = Path(path)
    try:
        values = [int(token) for token in path.read_text(encoding="ascii").split()]
    except ValueError as exc:
        raise ValueError(f"{path}: not a list of whole numbers ({exc})") from None
    if len(values) < 2 or len(values) != 2 + values[0]:
        raise ValueError(f"{path}: expected n, C and n sizes")
    capacity, sizes = values[1], tuple(values[2:])
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValueError(f"{path}: capacity {capacity} not in 1..{MAX_CAPACITY}")
    if any(size < 1 for size in sizes):
        raise ValueError(f"{path}: item sizes must be at least 1")
    return BinPackingInstance(name=path.stem, capacity=capacity, sizes=sizes)


def default_num_bins(instance: BinPackingInstance) -> int:
    """ceil(sum of sizes / C): no packing uses fewer bins."""
    return max(1, math.ceil(instance.total_size / instance.capacity))


def _teams(num_bins: int, slot_min: int) -> list[dict[str, Any]]:
    """One pick team per bin, working slot 0 only; one pack team, working slot 1 only."""
    slot_0 = {"start": _iso(START), "end": _iso(START + timedelta(minutes=slot_min))}
    slot_1 = {"start": slot_0["end"], "end": _iso(START + timedelta(minutes=2 * slot_min))}
    width = max(3, len(str(num_bins)))
    teams: list[dict[str, Any]] = [
        {
            "id": f"pick-{k + 1:0{width}d}",
            "stage": "pick",
            "zones": [ZONE],
            "headcount": 1,
            "efficiency": 1.0,
            "availability": [{**slot_0, "headcount": 1}],
        }
        for k in range(num_bins)
    ]
    teams.append(
        {
            "id": "pack-1",
            "stage": "pack",
            "headcount": 1,
            "efficiency": 1.0,
            "availability": [{**slot_1, "headcount": 1}],
        }
    )
    return teams


def _orders(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    width = max(3, len(str(len(sizes) - 1)))
    return [
        {
            "id": f"ITEM-{k:0{width}d}",
            "priority": 1,
            "ship_to": dict(SHIP_TO),
            "lines": [{"sku": SKU, "qty": size}],
        }
        for k, size in enumerate(sizes)
    ]


def bin_packing_problem(
    instance: BinPackingInstance, num_bins: int | None = None
) -> dict[str, Any]:
    """The problem document of a bin packing instance with ``num_bins`` bins."""
    bins = default_num_bins(instance) if num_bins is None else num_bins
    if bins < 1:
        raise ValueError(f"num_bins must be at least 1, got {bins}")
    slot_min = instance.capacity
    end = START + timedelta(minutes=2 * slot_min)
    logger.info("converted %s: %d items, %d bins", instance.name, len(instance.sizes), bins)
    return {
        "name": f"Falkenauer {instance.name}, {bins} bins",
        "window": {"start": _iso(START), "end": _iso(end), "slot_minutes": slot_min},
        "labor": {
            "pick_seconds_per_line": 0,
            "pick_seconds_per_unit": SECONDS_PER_SIZE_UNIT,
            "pack_seconds_per_order": 0,
            "pack_seconds_per_unit": 0,
        },
        "locations": [{"id": LOCATION, "zone": ZONE}],
        "inventory": [{"sku": SKU, "location": LOCATION, "on_hand": instance.total_size}],
        "teams": _teams(bins, slot_min),
        "orders": _orders(instance.sizes),
    }


def falkenauer_problem(path: Path | str, num_bins: int | None = None) -> dict[str, Any]:
    """The problem document of a Falkenauer instance file with ``num_bins`` bins (default
    :func:`default_num_bins`)."""
    return bin_packing_problem(read_falkenauer(path), num_bins)
