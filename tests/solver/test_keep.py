"""Stable re-plans: a previous plan's assignments kept where they still hold."""

from __future__ import annotations

import copy
from typing import Any

from planning import at, order, plan_dict, tiny_problem

from scenarios.generator import GeneratorSpec, generate_problem
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.keep import kept_schedule
from solver.solve import plan_window

PARAMS = PlanParams(time_limit_s=10)


def _doc(num_orders: int = 60, load: float = 0.7, seed: int = 4) -> dict[str, Any]:
    return generate_problem(GeneratorSpec(seed=seed, num_orders=num_orders, load_factor=load))


def _places(plan: dict[str, Any]) -> dict[str, set[tuple[str, str, int]]]:
    places: dict[str, set[tuple[str, str, int]]] = {}
    for a in plan["assignments"]:
        places.setdefault(a["order"], set()).add((a["stage"], a["team"], a["slot"]))
    return places


def test_a_plans_own_assignments_are_kept_whole() -> None:
    doc = _doc()
    window = plan_window(doc, PARAMS)
    kept = kept_schedule(window.instance, plan_dict(window.plan)["assignments"])
    assert kept.planned == window.result.schedule.planned
    assert sorted(kept.packs, key=lambda p: p.order_idx) == sorted(
        window.result.schedule.packs, key=lambda p: p.order_idx
    )


def test_assignments_that_no_longer_hold_are_not_kept() -> None:
    """A task moved to a team of another zone, a slot past the deadline, a line from a
    location that does not hold its SKU, and an order without its pack: each order is
    dropped whole; the others are kept."""
    doc = _doc()
    window = plan_window(doc, PARAMS)
    assignments = copy.deepcopy(plan_dict(window.plan)["assignments"])
    by_order: dict[str, list[dict[str, Any]]] = {}
    for a in assignments:
        by_order.setdefault(a["order"], []).append(a)
    orders = sorted(by_order)
    pick_teams = {t["id"]: t for t in doc["teams"] if t["stage"] == "pick"}
    spoiled = orders[:4]
    first_pick = next(a for a in by_order[spoiled[0]] if a["stage"] == "pick")
    first_pick["team"] = next(
        t for t, team in pick_teams.items() if first_pick["zone"] not in team["zones"]
    )
    next(a for a in by_order[spoiled[1]] if a["stage"] == "pack")["slot"] = 10_000
    next(a for a in by_order[spoiled[2]] if a["stage"] == "pick")["lines"][0]["location"] = (
        "nowhere"
    )
    assignments.remove(next(a for a in by_order[spoiled[3]] if a["stage"] == "pack"))
    kept = kept_schedule(window.instance, assignments)
    kept_ids = {window.instance.orders[o].order_id for o in kept.planned}
    assert kept_ids == set(orders) - set(spoiled)


def test_kept_orders_never_exceed_capacity() -> None:
    """The same plan offered against half the pick capacity: what is kept fits, urgent first."""
    doc = _doc(load=0.9)
    window = plan_window(doc, PARAMS)
    halved = copy.deepcopy(doc)
    for team in halved["teams"]:
        team["efficiency"] = team.get("efficiency", 1.0) / 2
    halved["previous_assignments"] = plan_dict(window.plan)["assignments"]
    replanned = plan_dict(plan_window(halved, PARAMS).plan)
    assert_plan_valid(halved, replanned)
    assert 0 < replanned["kpis"]["planned"] < window.plan.kpis.planned


def test_a_replan_of_the_same_state_moves_nothing() -> None:
    """Another seed alone may move work; with the previous plan offered nothing moves."""
    doc = _doc(num_orders=120, load=0.8)
    first = plan_dict(plan_window(doc, PARAMS).plan)
    again = copy.deepcopy(doc) | {"previous_assignments": first["assignments"]}
    second = plan_dict(plan_window(again, PlanParams(time_limit_s=10, seed=11)).plan)
    assert_plan_valid(again, second)
    assert _places(second) == _places(first)
    assert second["kpis"]["planned_by_priority"] == first["kpis"]["planned_by_priority"]
    assert "kept where the previous plan had them" in second["solver"]["stop_reason"]


def test_new_orders_are_placed_around_the_kept_plan() -> None:
    doc = _doc(num_orders=80, load=0.6)
    first = plan_dict(plan_window(doc, PARAMS).plan)
    more = copy.deepcopy(doc)
    extra = _doc(num_orders=10, seed=9)["orders"]
    for k, raw in enumerate(extra):
        raw["id"] = f"NEW-{k}"
    more["orders"] += extra
    more["previous_assignments"] = first["assignments"]
    second = plan_dict(plan_window(more, PARAMS).plan)
    assert_plan_valid(more, second)
    before, after = _places(first), _places(second)
    assert all(after[order] == places for order, places in before.items())
    assert any(order.startswith("NEW-") for order in after)


def test_a_plan_with_more_orders_by_priority_wins_over_keeping() -> None:
    """A was planned to pick in slot 0; urgent B arrives due after slot 1 and can only pick
    in slot 0, where A leaves too little time. Keeping A would leave B out, so A moves."""
    big = ("SKU-1", 95)  # 600 s to pick: one per slot for the one picker
    previous = [
        {"order": "A", "stage": "pick", "zone": "A", "team": "pick-A", "slot": 0,
         "lines": [{"sku": "SKU-1", "qty": 95, "location": "A-01-01"}]},
        {"order": "A", "stage": "pack", "team": "pack-1", "slot": 1},
    ]  # fmt: skip
    doc = tiny_problem(
        inventory=[{"sku": "SKU-1", "location": "A-01-01", "on_hand": 500}],
        orders=[order("A", big), order("B", big, priority=1, due=at(30))],
        previous_assignments=previous,
    )
    moved = plan_dict(plan_window(doc, PARAMS).plan)
    assert_plan_valid(doc, moved)
    assert moved["status"] == "zero_backlog"
    assert ("pick", "pick-A", 1) in _places(moved)["A"]
    # alone, A stays where it was, although finishing it a slot earlier would score better
    later = [{**a, "slot": a["slot"] + 1} for a in previous]
    alone = tiny_problem(
        inventory=doc["inventory"], orders=[order("A", big)], previous_assignments=later
    )
    kept = plan_dict(plan_window(alone, PARAMS).plan)
    assert_plan_valid(alone, kept)
    assert _places(kept)["A"] == {("pick", "pick-A", 1), ("pack", "pack-1", 2)}
    fresh = tiny_problem(inventory=doc["inventory"], orders=[order("A", big)])
    assert _places(plan_dict(plan_window(fresh, PARAMS).plan))["A"] != _places(kept)["A"]
