"""The large-window path: greedy plan, early shift, LP bounds; checked against the exact model.

Forcing ``exact_limit=0`` sends small problems down the large-window path, so its plans
and bounds can be compared with the exact CP-SAT optimum on the same problem.
"""

from __future__ import annotations

from typing import Any

import pytest
from planning import LABOR, SHIP_TO, WINDOW, at, generated_problem, plan_checked

from scenarios.generator import GeneratorSpec, generate_problem
from solver.result import Plan


def _levels(result: Plan) -> dict[str, Any]:
    return {lv.name: lv for lv in result.solver.levels}


def _problems() -> list[Any]:
    cases = [
        pytest.param(generated_problem(seed, num_orders=30), id=f"tight-{seed}")
        for seed in (1, 2, 3, 4)
    ]
    for load in (0.9, 1.3):
        spec = GeneratorSpec(seed=1, num_orders=40, load_factor=load)
        cases.append(pytest.param(generate_problem(spec), id=f"generated-load-{load}"))
    return cases


@pytest.mark.parametrize("doc", _problems())
def test_scale_counts_between_plan_and_lp_bound(doc: dict[str, Any]) -> None:
    """Every count level: large-window plan <= exact optimum <= the LP bound it states."""
    exact = _levels(plan_checked(doc, time_limit_s=20))
    scaled_plan = plan_checked(doc, exact_limit=0)
    scaled = _levels(scaled_plan)
    assert "large window" in scaled_plan.solver.stop_reason
    for name, level in scaled.items():
        if level.sense != "max":
            continue
        assert exact[name].status == "OPTIMAL"
        assert level.value <= exact[name].value <= level.bound, name
        if level.status == "OPTIMAL":
            assert level.value == exact[name].value, name


@pytest.mark.parametrize("doc", _problems())
def test_scale_finish_bound_below_exact_finish(doc: dict[str, Any]) -> None:
    """With the same counts, no plan finishes earlier than the stated finish bound."""
    exact = _levels(plan_checked(doc, time_limit_s=20, secondary_gap=0.0))
    scaled = _levels(plan_checked(doc, exact_limit=0))
    counts = [name for name, lv in scaled.items() if lv.sense == "max"]
    if any(scaled[n].value != exact[n].value for n in counts):
        pytest.skip("counts differ: the finish bound is for the large-window plan's counts")
    assert scaled["finish"].bound <= exact["finish"].value <= scaled["finish"].value


def _one_team_problem(num_orders: int, capacity_orders: float) -> dict[str, Any]:
    """One zone, one picker; each order's pick takes 36 s (1 line, 1 unit)."""
    pick_s = LABOR["pick_seconds_per_line"] + LABOR["pick_seconds_per_unit"]
    efficiency = capacity_orders * pick_s / (15 * 60)
    return {
        "window": dict(WINDOW),
        "labor": dict(LABOR),
        "locations": [{"id": "A-01", "zone": "A"}],
        "inventory": [{"sku": "SKU-1", "location": "A-01", "on_hand": 100}],
        "teams": [
            {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 1,
             "efficiency": efficiency,
             "availability": [{"start": at(0), "end": at(15), "headcount": 1}]},
            {"id": "pack", "stage": "pack", "headcount": 2},
        ],
        "orders": [
            {"id": f"SO-{k}", "priority": 1, "received_at": at(0), "ship_to": dict(SHIP_TO),
             "lines": [{"sku": "SKU-1", "qty": 1}]}
            for k in range(num_orders)
        ],
    }  # fmt: skip


def test_scale_count_bound_is_capacity_over_work() -> None:
    """Room for 2.5 picks in the one open slot: the LP bound rounds down to 2, proven."""
    result = plan_checked(_one_team_problem(num_orders=4, capacity_orders=2.5), exact_limit=0)
    level = _levels(result)["priority-1"]
    assert (level.value, level.bound, level.status) == (2, 2, "OPTIMAL")
    assert result.kpis.backlog_by_code == {"CAPACITY": 2}


def test_scale_zero_backlog_is_proven_without_lp() -> None:
    """Everything fits: every count level is at its size, so proven, and status OPTIMAL or
    FEASIBLE only by the finish gap."""
    result = plan_checked(_one_team_problem(num_orders=3, capacity_orders=3), exact_limit=0)
    assert result.status == "zero_backlog"
    assert _levels(result)["priority-1"].status == "OPTIMAL"
    finish = _levels(result)["finish"]
    assert finish.bound <= finish.value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_finish_lp_aggregated_equals_plain(seed: int) -> None:
    """Interchangeable orders share columns: the aggregated LP has the plain LP's optimum."""
    from solver.finish_bound import finish_lp_bound
    from solver.loading import load_problem
    from solver.objective_levels import level_specs
    from solver.start import first_plan
    from solver.tasks import build_instance
    from solver.validation import validate_orders

    problem = load_problem(generate_problem(GeneratorSpec(seed=seed, num_orders=150)))
    instance = build_instance(problem, validate_orders(problem.orders).orders)
    specs = [s for s in level_specs(instance) if s.sense == "max" and s.name != "pinned"]
    plan_now = first_plan(instance)
    counts = [plan_now.planned_count(set(s.order_idxs)) for s in specs]
    aggregated = finish_lp_bound(instance, specs, counts, 10.0)
    plain = finish_lp_bound(instance, specs, counts, 10.0, aggregate=False)
    assert aggregated is not None
    assert aggregated == plain
