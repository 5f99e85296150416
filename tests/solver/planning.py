"""Test helpers: plan a document and put the plan through the independent checker.

Every plan a test produces goes through :func:`plan_checked` (the house rule: the checker
is the specification). Test modules in this folder import it as ``from planning import
...``; pytest puts this folder on ``sys.path`` because ``tests/`` has no ``__init__.py``.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.result import Plan
from solver.solve import plan

DATA = Path(__file__).resolve().parent.parent / "data"

#: Seeded generator's SKUs.
SKUS = ("SKU-1", "SKU-2", "SKU-3", "SKU-4")
#: Three 15-minute slots: 08:00, 08:15, 08:30.
WINDOW = {"start": "2026-12-04T08:00:00Z", "end": "2026-12-04T08:45:00Z", "slot_minutes": 15}
#: A line of qty q takes 30 + 6q s to pick; an order of u units takes 90 + 3u s to pack.
LABOR = {
    "pick_seconds_per_line": 30,
    "pick_seconds_per_unit": 6,
    "pack_seconds_per_order": 90,
    "pack_seconds_per_unit": 3,
}
SHIP_TO = {
    "name": "Ada Byron",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "US",
}


def mip_available() -> bool:
    """Whether the MIP engine (``solver/mip/model.py``) exists yet."""
    return importlib.util.find_spec("solver.mip.model") is not None


def engine_params(*engines: str) -> list[Any]:
    """Engines as pytest params; ``mip`` is skipped while ``solver.mip.model`` is missing."""
    skip_mip = pytest.mark.skipif(not mip_available(), reason="solver.mip.model not there yet")
    return [pytest.param(e, marks=skip_mip) if e == "mip" else e for e in engines]


def plan_dict(result: Plan) -> dict[str, Any]:
    """The plan document as a client reads it (JSON, nulls left out)."""
    parsed: dict[str, Any] = json.loads(result.to_json())
    return parsed


def plan_checked(doc: Mapping[str, Any], **params: Any) -> Plan:
    """Plan ``doc`` with ``PlanParams(**params)``; fail the test if the checker objects."""
    result = plan(dict(doc), PlanParams(**params))
    assert_plan_valid(doc, plan_dict(result))
    return result


def order(order_id: str, *lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
    """A valid order (priority 3, US address) with the given (sku, qty) lines."""
    raw: dict[str, Any] = {
        "id": order_id,
        "priority": 3,
        "ship_to": dict(SHIP_TO),
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines or (("SKU-1", 2),)],
    }
    raw.update(fields)
    return raw


def tiny_problem(**overrides: Any) -> dict[str, Any]:
    """Three 15-min slots, zones A and B, pick-A (A) and pack-1 of one person each.

    SKU-1: 10 at A-01-01. One order, SO-1, of 2 x SKU-1 (pick 42 s, pack 96 s).
    Top-level keys in ``overrides`` replace the base document's.
    """
    doc: dict[str, Any] = {
        "window": dict(WINDOW),
        "labor": dict(LABOR),
        "locations": [{"id": "A-01-01", "zone": "A"}, {"id": "B-01-01", "zone": "B"}],
        "inventory": [{"sku": "SKU-1", "location": "A-01-01", "on_hand": 10}],
        "teams": [
            {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 1},
            {"id": "pack-1", "stage": "pack", "headcount": 1},
        ],
        "orders": [order("SO-1")],
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def exceptions_by_order(result: Plan) -> dict[str, dict[str, Any]]:
    """Each exception of the plan, as JSON, by order id."""
    return {e["order"]: e for e in plan_dict(result)["exceptions"]}


def codes(result: Plan) -> dict[str, str]:
    """Exception code by order id."""
    return {e.order: e.code for e in result.exceptions}


def planned_ids(result: Plan) -> set[str]:
    """Orders with work in the plan and no exception."""
    unplanned = {e.order for e in result.exceptions}
    return {a.order for a in result.assignments} - unplanned


def without_wall_time(result: Plan) -> dict[str, Any]:
    """The plan as JSON without ``solver.wall_seconds``, which differs run to run."""
    doc = plan_dict(result)
    del doc["solver"]["wall_seconds"]
    return doc


def at(minutes: float) -> str:
    """The ISO time ``minutes`` after the tiny problem's window start, 2026-12-04T08:00:00Z."""
    moment = datetime(2026, 12, 4, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def generated_problem(
    seed: int, num_orders: int = 40, num_slots: int = 6, max_on_hand: int = 60
) -> dict[str, Any]:
    """A seeded problem: 3 zones, 4 pick teams, 2 pack teams, 15-min slots, tight capacity.

    Each SKU is stocked at two random locations; an order has 1-3 lines of distinct SKUs.
    """
    rng = random.Random(seed)
    zones = ["A", "B", "C"]
    locations = [{"id": f"{z}-0{i}", "zone": z} for z in zones for i in (1, 2)]
    inventory = [
        {"sku": sku, "location": loc["id"], "on_hand": rng.randint(5, max_on_hand)}
        for sku in SKUS
        for loc in rng.sample(locations, 2)
    ]
    team_list: list[dict[str, Any]] = [
        {"id": f"pick-{z}", "stage": "pick", "zones": [z], "headcount": 1, "efficiency": 0.5}
        for z in zones
    ]
    team_list += [
        {"id": "pick-float", "stage": "pick", "zones": zones, "headcount": 1, "efficiency": 0.3},
        {"id": "pack-1", "stage": "pack", "headcount": 1, "efficiency": 0.6},
        {"id": "pack-2", "stage": "pack", "headcount": 1, "efficiency": 0.4},
    ]
    slot_min = 15
    return {
        "window": {"start": at(0), "end": at(slot_min * num_slots), "slot_minutes": slot_min},
        "labor": dict(LABOR),
        "locations": locations,
        "inventory": inventory,
        "teams": team_list,
        "orders": [
            {
                "id": f"SO-{idx:04d}",
                "priority": rng.randint(1, 3),
                "received_at": at(rng.randint(-60, slot_min * num_slots // 2)),
                "due": at(rng.randint(slot_min * 2, slot_min * num_slots + 30)),
                "ship_to": dict(SHIP_TO),
                "lines": [
                    {"sku": sku, "qty": rng.randint(1, 4)}
                    for sku in rng.sample(SKUS, rng.randint(1, 3))
                ],
            }
            for idx in range(num_orders)
        ],
    }


def pinned_pack_problem() -> dict[str, Any]:
    """SO-1 has its zone-A pick and its pack pinned; its zone-B line is still to pick."""
    return tiny_problem(
        inventory=[
            {"sku": "SKU-1", "location": "A-01-01", "on_hand": 10},
            {"sku": "SKU-2", "location": "B-01-01", "on_hand": 10},
        ],
        teams=[
            {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 1},
            {"id": "pick-B", "stage": "pick", "zones": ["B"], "headcount": 1},
            {"id": "pack-1", "stage": "pack", "headcount": 1},
        ],
        orders=[order("SO-1", ("SKU-1", 2), ("SKU-2", 1)), order("SO-2", ("SKU-2", 1))],
        pinned=[
            {
                "order": "SO-1",
                "stage": "pick",
                "team": "pick-A",
                "slot": 0,
                "zone": "A",
                "lines": [{"sku": "SKU-1", "qty": 2, "location": "A-01-01"}],
            },
            {"order": "SO-1", "stage": "pack", "team": "pack-1", "slot": 2},
        ],
    )
