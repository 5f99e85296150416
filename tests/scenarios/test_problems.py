"""The hand-made scenario problems plan, pass the checker and tell the story they were made for.

Every plan here goes through the independent checker. ``capacity-crunch`` is planned under a
10 s cap (it is proven optimal in about a second; the cap only bounds a slow machine): its
priority-1 and priority-2 levels close first, so its story holds even if it stops early.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from scenarios.examples import PROBLEMS_DIR, example_problem
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan

FILES = sorted(PROBLEMS_DIR.glob("*.json"))
PARAMS = {"capacity-crunch": PlanParams(time_limit_s=10)}


@functools.cache
def _plan(name: str) -> dict[str, Any]:
    """The checked plan of a scenario (planned once per test session)."""
    document = example_problem(name)
    result: dict[str, Any] = plan(document, PARAMS.get(name)).model_dump(
        mode="json", exclude_none=True
    )
    assert_plan_valid(document, result)
    return result


def _exceptions(name: str) -> dict[str, dict[str, Any]]:
    return {e["order"]: e for e in _plan(name)["exceptions"]}


def _planned_ids(name: str) -> set[str]:
    return {a["order"] for a in _plan(name)["assignments"] if a["stage"] == "pack"}


def test_problems_folder_holds_the_four_scenarios() -> None:
    """The README's commands name these four files; the package data must ship them all."""
    assert [f.stem for f in FILES] == [
        "capacity-crunch",
        "demo-warehouse",
        "messy-feed",
        "stockout",
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_problems_every_file_plans_and_passes_the_checker(path: Path) -> None:
    """Each file loads as a document, and its plan keeps every rule of the contract."""
    load_problem(example_problem(path.stem))
    result = _plan(path.stem)
    assert result["kpis"]["orders"] == result["kpis"]["planned"] + result["kpis"]["backlog"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_problems_use_fixed_dates_on_the_demo_day(path: Path) -> None:
    """Scenarios are deterministic: one fixed two-hour window on 2026-12-04."""
    window = example_problem(path.stem)["window"]
    assert window == {
        "start": "2026-12-04T08:00:00Z",
        "end": "2026-12-04T10:00:00Z",
        "slot_minutes": 15,
    }


def test_demo_warehouse_has_zero_backlog() -> None:
    """A calm shift: 40 orders, teams far from full, so every order is planned, provably."""
    result = _plan("demo-warehouse")
    assert result["status"] == "zero_backlog"
    assert result["kpis"]["planned"] == 40
    assert result["exceptions"] == []
    assert result["solver"]["status"] == "OPTIMAL"


def test_capacity_crunch_reports_capacity_exceptions_at_pick_a() -> None:
    """pick-A is one temp (efficiency 0.75) picking 08:00-08:30 and 09:15-09:45: 2,700 s for
    about 3,450 s of zone A work, so orders fall out as CAPACITY (15 at the optimum), each
    naming pick-A as a bottleneck and the seconds missing."""
    exceptions = _exceptions("capacity-crunch")
    assert exceptions, "the crunch must leave some orders out"
    assert {e["code"] for e in exceptions.values()} == {"CAPACITY"}
    for exception in exceptions.values():
        assert exception["missing_seconds"] > 0
        assert "pick-A" in {b["team"] for b in exception["bottlenecks"]}


def test_capacity_crunch_plans_every_priority_1_order() -> None:
    """Priorities are lexicographic: all 9 priority-1 orders fit, so all 9 are planned."""
    document = example_problem("capacity-crunch")
    urgent = {o["id"] for o in document["orders"] if o.get("priority") == 1}
    assert len(urgent) == 9
    assert urgent <= _planned_ids("capacity-crunch")


def test_capacity_crunch_leaves_out_only_priority_3_orders() -> None:
    """All 28 priority-2 orders fit as well; the shortage is absorbed by priority 3."""
    assert {e["priority"] for e in _exceptions("capacity-crunch").values()} == {3}


def test_stockout_names_the_short_skus() -> None:
    """HOODIE-L has 4 units for 8 wanted, CANDLE-FIG 1 for 2, POSTER-A2 no inventory record:
    the urgent orders take the stock (p1 hoodie 2 + p2 hoodie 1, p2 candle 1), leaving exactly
    these five orders short, each STOCKOUT naming its SKU and the units missing."""
    exceptions = _exceptions("stockout")
    short = {order: (e["code"], e["sku"], e["short_qty"]) for order, e in exceptions.items()}
    assert short == {
        "SO-3007": ("STOCKOUT", "SKU-HOODIE-L", 1),
        "SO-3034": ("STOCKOUT", "SKU-POSTER-A2", 2),
        "SO-3035": ("STOCKOUT", "SKU-CANDLE-FIG", 1),
        "SO-3038": ("STOCKOUT", "SKU-POSTER-A2", 1),
        "SO-3041": ("STOCKOUT", "SKU-HOODIE-L", 2),
    }


def test_stockout_poster_is_missing_from_inventory() -> None:
    """The story needs one SKU with no inventory record at all: SKU-POSTER-A2."""
    inventory = {r["sku"] for r in example_problem("stockout")["inventory"]}
    ordered = {ln["sku"] for o in example_problem("stockout")["orders"] for ln in o["lines"]}
    assert ordered - inventory == {"SKU-POSTER-A2"}


def test_stockout_plans_every_other_order() -> None:
    """42 orders, 5 short: the 37 others (all 6 priority-1 among them) are planned."""
    result = _plan("stockout")
    assert result["kpis"]["planned"] == 37
    assert result["kpis"]["planned_by_priority"]["1"] == 6


MESSY_DEFECTS = {
    "SO-4101": ("INVALID_ADDRESS", "ship_to.city"),  # blank city
    "SO-4102": ("INVALID_ADDRESS", "ship_to.country"),  # country "XX"
    "SO-4103": ("INVALID_ADDRESS", "ship_to.postal_code"),  # US zip "ABCDE"
    "SO-4104": ("INVALID_ADDRESS", "ship_to.postal_code"),  # GB postcode "CB2 1T"
    "SO-4106": ("INVALID_ORDER", "id"),  # re-sent with a different quantity
    "SO-4107": ("INVALID_ORDER", "lines[0].qty"),  # quantity 0
    "SO-4108": ("INVALID_ORDER", "lines[0].qty"),  # quantity 1.5
    "SO-4109": ("INVALID_ORDER", "received_at"),  # "yesterday 5pm"
    "SO-4110": ("INVALID_ORDER", "lines"),  # no lines
}


def test_messy_feed_flags_exactly_the_designed_defects() -> None:
    """Each of the nine defects gets its code and names its field; nothing else is flagged."""
    exceptions = _exceptions("messy-feed")
    found = {order: (e["code"], e["field"]) for order, e in exceptions.items()}
    assert found == MESSY_DEFECTS


def test_messy_feed_counts_an_exact_repeat_once() -> None:
    """SO-4105 arrives twice with identical contents (a re-sent webhook): one order, planned."""
    document = example_problem("messy-feed")
    assert sum(1 for o in document["orders"] if o.get("id") == "SO-4105") == 2
    packs = [a for a in _plan("messy-feed")["assignments"] if a["order"] == "SO-4105"]
    assert [a["stage"] for a in packs].count("pack") == 1


def test_messy_feed_plans_every_good_order() -> None:
    """28 raw entries, 26 distinct ids: 9 defective, so the other 17 are all planned."""
    result = _plan("messy-feed")
    assert len(example_problem("messy-feed")["orders"]) == 28
    assert result["kpis"]["orders"] == 26
    assert result["kpis"]["planned"] == 17
