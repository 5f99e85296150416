"""Which engine plans a window, and how LP bounds and exact results combine."""

from __future__ import annotations

import pytest
from planning import generated_problem, plan_checked

import solver.portfolio
from solver.engine import EngineResult, LevelOutcome
from solver.loading import load_problem
from solver.objective_levels import level_specs
from solver.schedule import Schedule
from solver.tasks import Instance, build_instance
from solver.validation import validate_orders


def _instance() -> Instance:
    problem = load_problem(generated_problem(3, num_orders=30))
    return build_instance(problem, validate_orders(problem.orders).orders)


def _planned(instance: Instance, name: str, count: int) -> frozenset[int]:
    spec = next(s for s in level_specs(instance) if s.name == name)
    return frozenset(spec.order_idxs[:count])


def test_with_lp_bounds_lp_proves_a_level_the_exact_engine_left_open() -> None:
    """Exact stopped at priority-1 = 3 with its own bound 5; the LP bound is 3: proven."""
    instance = _instance()
    schedule = Schedule(planned=_planned(instance, "priority-1", 3))
    exact = EngineResult(
        schedule, "FEASIBLE", "time limit", (LevelOutcome("priority-1", "max", 3, 5, "FEASIBLE"),)
    )
    quick = EngineResult(
        schedule,
        "FEASIBLE",
        "lp",
        tuple(
            LevelOutcome(s.name, "max", 0, 3 if s.name == "priority-1" else len(s.order_idxs), "-")
            for s in level_specs(instance)
            if s.sense == "max"
        ),
    )
    merged = solver.portfolio.with_lp_bounds(instance, exact, quick)
    first = next(o for o in merged.levels if o.name == "priority-1")
    assert (first.value, first.bound, first.status) == (3, 3, "OPTIMAL")
    later = [o for o in merged.levels if o.name != "priority-1"]
    assert all(o.status == "FEASIBLE" for o in later if o.value < o.bound)
    assert merged.status == "FEASIBLE"  # levels after priority-1 are not proven


def test_with_lp_bounds_keeps_the_tighter_exact_bound() -> None:
    """An exact bound of 4 beats an LP bound of 6 on the same level."""
    instance = _instance()
    schedule = Schedule(planned=_planned(instance, "priority-2", 2))
    exact = EngineResult(
        schedule, "FEASIBLE", "t", (LevelOutcome("priority-2", "max", 2, 4, "FEASIBLE"),)
    )
    quick = EngineResult(
        schedule, "FEASIBLE", "lp", (LevelOutcome("priority-2", "max", 2, 6, "-"),)
    )
    merged = solver.portfolio.with_lp_bounds(instance, exact, quick)
    second = next(o for o in merged.levels if o.name == "priority-2")
    assert second.bound == 4


@pytest.mark.parametrize("seed", [1, 2])
def test_lp_first_then_exact_reaches_the_exact_counts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the LP-first path forced on a small window, the planned counts per priority are
    the exact engine's own."""
    doc = generated_problem(seed, num_orders=30)
    alone = plan_checked(doc)
    monkeypatch.setattr(solver.portfolio, "LP_FIRST_MIN_ORDERS", 1)
    both = plan_checked(doc)
    assert both.kpis.planned_by_priority == alone.kpis.planned_by_priority
    assert both.solver.status == "OPTIMAL"
