"""Shared by the what-if tests: a tiny problem document, a small scenario on the demo
warehouse, and staffing hooks that stand in for ``solver.staffing`` (module-level, so that
they travel to worker processes and Ray tasks; deterministic, so runs can be compared)."""

from __future__ import annotations

import copy
from typing import Any

from scenarios.examples import demo_warehouse, example_path
from scenarios.whatif.spec import ScenarioSpec, parse_scenario

DEMO = example_path("demo-warehouse")


def _address() -> dict[str, str]:
    return {
        "name": "Ada Byron",
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "62701",
        "country": "US",
    }


def order(order_id: str, due: str | None = None) -> dict[str, Any]:
    """A one-line order (one unit of SKU-1), received before the window."""
    document: dict[str, Any] = {
        "id": order_id,
        "received_at": "2026-12-04T07:00:00Z",
        "priority": 3,
        "ship_to": _address(),
        "lines": [{"sku": "SKU-1", "qty": 1}],
    }
    if due is not None:
        document["due"] = due
    return document


def tiny_document() -> dict[str, Any]:
    """A one-hour window of four 15-minute slots, one pick team (4 people, 2 on a break
    08:30-08:45, 3 after) and one pack team, 40 units of SKU-1 and ten one-unit orders:
    SO-1 due 08:45, SO-2 due 08:30, the others at the window end; SO-10's pack is pinned."""
    return {
        "window": {
            "start": "2026-12-04T08:00:00Z",
            "end": "2026-12-04T09:00:00Z",
            "slot_minutes": 15,
        },
        "labor": {
            "pick_seconds_per_line": 30,
            "pick_seconds_per_unit": 6,
            "pack_seconds_per_order": 90,
            "pack_seconds_per_unit": 3,
        },
        "locations": [{"id": "A-01", "zone": "A"}, {"id": "A-02", "zone": "A"}],
        "inventory": [{"sku": "SKU-1", "location": "A-01", "on_hand": 40}],
        "teams": [
            {
                "id": "pick-A",
                "stage": "pick",
                "zones": ["A"],
                "headcount": 4,
                "availability": [
                    {
                        "start": "2026-12-04T08:00:00Z",
                        "end": "2026-12-04T08:30:00Z",
                        "headcount": 4,
                    },
                    {
                        "start": "2026-12-04T08:30:00Z",
                        "end": "2026-12-04T08:45:00Z",
                        "headcount": 2,
                    },
                    {
                        "start": "2026-12-04T08:45:00Z",
                        "end": "2026-12-04T09:00:00Z",
                        "headcount": 3,
                    },
                ],
            },
            {"id": "pack-1", "stage": "pack", "headcount": 2},
        ],
        "orders": [
            order("SO-1", due="2026-12-04T08:45:00Z"),
            order("SO-2", due="2026-12-04T08:30:00Z"),
            *(order(f"SO-{k}") for k in range(3, 11)),
        ],
        "pinned": [{"order": "SO-10", "stage": "pack", "team": "pack-1", "slot": 3}],
    }


def demo_scenario(**changes: Any) -> ScenarioSpec:
    """The demo warehouse (40 orders, zero backlog) with two variants: pick-A, the only
    team of zone A, out sick; and 40 % more orders (16 copies)."""
    data: dict[str, Any] = {
        "name": "demo-what-if",
        "description": "the demo warehouse: a team out, a busier day",
        "base": {"document": demo_warehouse()},
        "time_limit_s": 5,
        "variants": [
            {
                "name": "pick-A-out",
                "description": "pick-A is out",
                "changes": [{"kind": "team", "id": "pick-A", "absent": True}],
            },
            {
                "name": "plus-40",
                "description": "40 % more orders",
                "changes": [{"kind": "volume", "multiplier": 1.4, "seed": 2}],
            },
        ],
    }
    return parse_scenario(copy.deepcopy(data | changes))


def work_hours(document: dict[str, Any], time_limit_s: float) -> float:
    """Stands in for the least staffing: the orders' pick and pack work at efficiency 1."""
    del time_limit_s
    labor = document["labor"]
    work_s = 0.0
    for raw in document["orders"]:
        units = sum(line["qty"] for line in raw["lines"])
        work_s += labor["pick_seconds_per_line"] * len(raw["lines"])
        work_s += (labor["pick_seconds_per_unit"] + labor["pack_seconds_per_unit"]) * units
        work_s += labor["pack_seconds_per_order"]
    return round(work_s / 3600, 3)


def work_curve(document: dict[str, Any], time_limit_s: float) -> list[tuple[float, int]]:
    """Stands in for the staffing curve: half the work plans half the orders."""
    hours, num_orders = work_hours(document, time_limit_s), len(document["orders"])
    return [(hours / 2, num_orders // 2), (hours, num_orders)]
