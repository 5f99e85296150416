"""The wall-clock limit holds: a problem too big to solve in time still gets a valid plan."""

from __future__ import annotations

import json
import time

import pytest
from planning import (
    DATA,
    engine_params,
    generated_problem,
    pinned_pack_problem,
    plan_checked,
    plan_dict,
)

from solver.check import assert_plan_valid
from solver.engine import Deadline, EngineResult, PlanParams
from solver.schedule import Schedule
from solver.solve import plan, plan_with_engine
from solver.tasks import Instance

TIME_LIMIT_S = 0.2
#: Generous on purpose: building the model and the plan document also take time.
SLACK_S = 2.0


@pytest.mark.parametrize("engine", engine_params("cp-sat", "mip"))
def test_time_limit_big_problem_returns_a_valid_plan_in_time(engine: str) -> None:
    """300 orders on 4 pick and 2 pack teams over 8 slots cannot be proven optimal in 0.2 s."""
    doc = generated_problem(seed=1, num_orders=300, num_slots=8, max_on_hand=200)
    started = time.monotonic()
    result = plan(doc, PlanParams(engine=engine, time_limit_s=TIME_LIMIT_S))
    elapsed_s = time.monotonic() - started
    assert elapsed_s < TIME_LIMIT_S + SLACK_S
    assert_plan_valid(doc, plan_dict(result))
    assert result.solver.status in {"FEASIBLE", "GREEDY"}
    assert "time limit" in result.solver.stop_reason or "wall-clock" in result.solver.stop_reason
    assert result.solver.time_limit_seconds == TIME_LIMIT_S
    assert result.kpis.planned > 0


def test_time_limit_small_problem_is_solved_well_inside_it() -> None:
    """15 orders, 4 slots: the planned counts are proven optimal well within 3 s (status
    OPTIMAL); finish and balance stop at their gap or effort budget, not on the clock."""
    doc = generated_problem(seed=0, num_orders=15, num_slots=4)
    result = plan(doc, PlanParams(time_limit_s=3))
    assert_plan_valid(doc, plan_dict(result))
    assert result.solver.status == "OPTIMAL", result.solver.stop_reason
    assert "time limit" not in result.solver.stop_reason


def test_time_limit_count_level_keeps_solving_after_its_first_effort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first count-level solve that ends on its effort budget without a plan must not end
    the run: the level keeps solving with the time left (tight-1 still reaches 6/12/11)."""
    import solver.cpsat.model as cpsat_model

    monkeypatch.setattr(cpsat_model, "FIRST_COUNT_EFFORT_S", 1e-9)
    doc = json.loads((DATA / "examples" / "tight-1.json").read_text())
    result = plan_checked(doc, time_limit_s=30)
    assert result.solver.status == "OPTIMAL", result.solver.stop_reason
    assert {k: v for k, v in result.kpis.planned_by_priority.items() if v} == {
        "1": 6,
        "2": 12,
        "3": 11,
    }


def test_plan_with_engine_overrun_still_gives_a_valid_plan() -> None:
    """An outside engine that never returns in time: the plan keeps pinned work, counts an
    order with a pinned pack as planned only when nothing of it is left to pick, and
    passes the checker."""

    doc = pinned_pack_problem()

    def sleeper(_instance: Instance, start: Schedule, deadline: Deadline) -> EngineResult:
        time.sleep(deadline.remaining_s() + 0.5)
        return EngineResult(start, "FEASIBLE", "too late", ())

    result = plan_with_engine(doc, "sleeper", sleeper, time_limit_s=0.3)
    assert result.solver.status == "UNKNOWN"
    assert_plan_valid(doc, plan_dict(result))


@pytest.mark.parametrize("engine", ["cp-sat", "mip"])
def test_stop_signal_ends_the_solve_with_the_best_plan_so_far(engine: str) -> None:
    """A 30 s limit, stopped from another thread after 0.3 s: a valid plan comes back well
    before the limit (an overloaded 200-order window is not proven in 0.3 s)."""
    import threading

    from scenarios.generator import GeneratorSpec, generate_problem
    from solver.solve import plan_window

    doc = generate_problem(
        GeneratorSpec(seed=5, num_orders=200, num_zones=3, num_teams=4, load_factor=1.2)
    )
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    window = plan_window(doc, PlanParams(engine=engine, time_limit_s=30), stop=stop)
    assert time.monotonic() - started < 5.0
    assert_plan_valid(doc, plan_dict(window.plan))
