"""Warm-started re-plan: new orders go into what the previous plan leaves free."""

from __future__ import annotations

import copy
from typing import Any

from planning import order, plan_dict, tiny_problem

from scenarios.generator import GeneratorSpec, generate_problem
from solver.check import assert_plan_valid
from solver.replan import add_orders
from solver.solve import PlannedWindow, plan_window


def _base(num_orders: int = 60, load: float = 0.6) -> dict[str, Any]:
    return generate_problem(GeneratorSpec(seed=4, num_orders=num_orders, load_factor=load))


def _new_orders(count: int, seed: int = 9) -> list[dict[str, Any]]:
    extra = generate_problem(GeneratorSpec(seed=seed, num_orders=count))["orders"]
    for k, raw in enumerate(extra):
        raw["id"] = f"NEW-{k}"
    return extra


def _merged_doc(doc: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    merged = copy.deepcopy(doc)
    merged["orders"] = [*doc["orders"], *extra]
    return merged


def _replanned(doc: dict[str, Any], extra: list[dict[str, Any]]) -> tuple[PlannedWindow, Any]:
    window = plan_window(doc)
    assert_plan_valid(doc, plan_dict(window.plan))
    after = add_orders(window, extra)
    assert_plan_valid(_merged_doc(doc, extra), plan_dict(after.plan))
    return window, after


def test_replan_keeps_every_previous_assignment() -> None:
    """Warm start: the previous plan's tasks stay exactly where they were."""
    doc, extra = _base(), _new_orders(10)
    window, after = _replanned(doc, extra)
    assert set(window.plan.assignments) <= set(after.plan.assignments)


def test_replan_accounts_for_every_order_once() -> None:
    """Nothing lost: every old and new order is planned or an exception, exactly once."""
    doc, extra = _base(), _new_orders(25)
    _, after = _replanned(doc, extra)
    planned = {a.order for a in after.plan.assignments if a.stage == "pack"}
    excepted = [e.order for e in after.plan.exceptions]
    assert len(excepted) == len(set(excepted))
    assert planned.isdisjoint(excepted)
    assert planned | set(excepted) == {o["id"] for o in doc["orders"]} | {o["id"] for o in extra}
    assert after.plan.kpis.orders == len(doc["orders"]) + len(extra)


def test_replan_places_new_orders_when_there_is_room() -> None:
    """At 60% load, ten new calm orders all fit in the capacity left free."""
    doc, extra = _base(), _new_orders(10)
    window, after = _replanned(doc, extra)
    assert after.plan.kpis.planned == window.plan.kpis.planned + 10


def test_replan_ignores_repeated_deliveries() -> None:
    """An order id the window already holds is a repeat delivery: nothing changes."""
    doc = _base()
    window = plan_window(doc)
    after = add_orders(window, [copy.deepcopy(doc["orders"][0])])
    assert after.plan.kpis.orders == window.plan.kpis.orders
    assert after.plan.assignments == window.plan.assignments


def test_replan_bad_new_order_does_not_block_the_others() -> None:
    """One malformed new order becomes INVALID_ORDER; the good one is planned."""
    doc = tiny_problem()
    good = order("NEW-OK", ("SKU-1", 1))
    bad = order("NEW-BAD", ("SKU-1", 0))
    _, after = _replanned(doc, [good, bad])
    codes = {e.order: e.code for e in after.plan.exceptions}
    assert codes.get("NEW-BAD") == "INVALID_ORDER"
    assert "NEW-OK" not in codes


def test_replan_new_order_without_room_gets_capacity() -> None:
    """A full window: new orders that do not fit are CAPACITY exceptions naming a bottleneck."""
    doc, extra = _base(num_orders=60, load=1.3), _new_orders(15)
    _, after = _replanned(doc, extra)
    new_codes = [e for e in after.plan.exceptions if e.order.startswith("NEW-")]
    assert new_codes
    assert all(
        e.code in {"CAPACITY", "STOCKOUT", "NO_ELIGIBLE_TEAM", "PAST_DUE"} for e in new_codes
    )
    assert any(e.code == "CAPACITY" and e.bottlenecks for e in new_codes)
