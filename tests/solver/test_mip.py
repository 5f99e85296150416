"""The MIP engine (PuLP + HiGHS): exact on the worked examples, in step with CP-SAT, on time.

Every plan goes through the independent checker (``planning.plan_checked``).
"""

from __future__ import annotations

import functools
import json
import random
import threading
import time
from typing import Any

import pulp
import pytest
from planning import DATA, plan_checked, plan_dict

import solver.mip.backend
import solver.mip.model
from solver.check import assert_plan_valid
from solver.engine import Deadline, PlanParams
from solver.mip.backend import CancelHandle, make_solver, solve_until
from solver.result import Plan
from solver.solve import plan

EXAMPLES = DATA / "examples"
EXPECTED: dict[str, Any] = json.loads((EXAMPLES / "expected.json").read_text())
NAMES = sorted(EXPECTED)


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return document


@functools.cache
def _checked_plan(engine: str, name: str) -> Plan:
    """One checked 60 s plan per (engine, example), every level exact (no secondary gap)."""
    exact = {"secondary_gap": 0.0, "secondary_effort_s": 60.0}
    return plan_checked(_document(name), engine=engine, time_limit_s=60, **exact)


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def _level_value(result: Plan, level: str) -> int:
    return next(lv.value for lv in result.solver.levels if lv.name == level)


def _priority_key(result: Plan) -> tuple[int, ...]:
    """Planned counts, most urgent priority first: compared lexicographically."""
    counts = result.kpis.planned_by_priority
    return tuple(counts[p] for p in sorted(counts, key=int))


@pytest.mark.parametrize("name", NAMES)
def test_mip_examples_reach_exact_optimum(name: str) -> None:
    """planned_by_priority is the published lexicographic optimum (two exact models agree)."""
    result = _checked_plan("mip", name)
    expected = EXPECTED[name]["planned_by_priority"]
    assert _nonzero(result.kpis.planned_by_priority) == _nonzero(expected)
    assert result.solver.status == "OPTIMAL"
    assert result.solver.engine == "mip"


@pytest.mark.parametrize("name", NAMES)
def test_mip_matches_cpsat_counts_and_finish(name: str) -> None:
    """Both engines solve every level exactly here, so counts and finish value coincide.

    multi-0 and stock-0 also guard the HiGHS stale-start workaround: without it the MIP
    reported finish 298 and 359 where the optimum (CP-SAT) is 290 and 284.
    """
    mip, cpsat = _checked_plan("mip", name), _checked_plan("cp-sat", name)
    assert _nonzero(mip.kpis.planned_by_priority) == _nonzero(cpsat.kpis.planned_by_priority)
    assert _level_value(mip, "finish") == _level_value(cpsat, "finish")


def test_mip_time_limit_returns_promptly_with_greedy_or_better() -> None:
    """0.5 s cannot solve all levels of medium-0 (about 2 s); the plan still comes back
    about on time (3 s allows for a slow machine) and plans no fewer urgent orders than
    the greedy plan (31/43/22 by priority)."""
    document = _document("medium-0.json")
    started = time.monotonic()
    result = plan_checked(document, engine="mip", time_limit_s=0.5)
    elapsed_s = time.monotonic() - started
    greedy = plan_checked(document, engine="greedy", time_limit_s=0.5)
    assert elapsed_s < 3.0
    assert result.solver.status in ("FEASIBLE", "OPTIMAL")
    assert _priority_key(result) >= _priority_key(greedy)


def _market_split(seed: int, rows: int = 4, cols: int = 30) -> pulp.LpProblem:
    """A market-split instance (Cornuejols-Dawande): tiny, and hard for branch and bound."""
    rng = random.Random(seed)
    prob = pulp.LpProblem("market_split", pulp.LpMinimize)
    x = [prob.add_variable(f"x_{j}", 0, 1, cat=pulp.LpBinary) for j in range(cols)]
    for _ in range(rows):
        weights = [rng.randrange(100) for _ in range(cols)]
        prob += pulp.lpSum(w * v for w, v in zip(weights, x, strict=True)) == sum(weights) // 2
    prob.setObjective(pulp.lpSum(x))
    return prob


def _solve_threads_alive() -> bool:
    return any(t.name == "mip-level-solve" and t.is_alive() for t in threading.enumerate())


def test_mip_watchdog_cancels_overrunning_solve() -> None:
    """HiGHS is told it has 60 s but the deadline is 0.3 s away (this instance takes far
    longer than that): the caller gives up at 0.3 s + 0.05 s grace and the cancelled
    solve stops within a couple of seconds at most (milliseconds in practice)."""
    prob = _market_split(seed=7)
    handle = CancelHandle()
    solver_ = make_solver(PlanParams(), Deadline.after(60), handle)
    started = time.monotonic()
    finished = solve_until(prob, solver_, handle, Deadline.after(0.3))
    assert not finished
    assert time.monotonic() - started < 2.0
    assert handle.cancelled
    stop_by = time.monotonic() + 5.0
    while _solve_threads_alive() and time.monotonic() < stop_by:
        time.sleep(0.01)
    assert not _solve_threads_alive()


def test_mip_balance_level_skipped_when_disabled() -> None:
    """balance=False leaves four levels on loose-0: priority-1, -2, -3 and finish."""
    result = plan_checked(_document("loose-0.json"), engine="mip", balance=False)
    names = [lv.name for lv in result.solver.levels]
    assert names == ["priority-1", "priority-2", "priority-3", "finish"]
    assert result.solver.status == "OPTIMAL"


def test_mip_progress_reports_each_solved_level() -> None:
    """A "start" call for the greedy plan, then one per level the solver ran, with the
    reported value and bound. On tight-1 the greedy start already plans every priority-1
    and -2 order (6 and 12), so those levels are fixed without a solve and make no call."""
    calls: list[tuple[str, float, float]] = []
    document = _document("tight-1.json")
    params = PlanParams(engine="mip", time_limit_s=60)
    result = plan(document, params, progress=lambda *call: calls.append(call))
    assert_plan_valid(document, plan_dict(result))
    reported = [(lv.name, float(lv.value), float(lv.bound)) for lv in result.solver.levels]
    assert [name for name, _, _ in calls] == ["start", "priority-3", "finish", "balance"]
    assert calls[0][2] == len(document["orders"])
    assert set(calls[1:]) <= set(reported)


def test_mip_cbc_fallback_matches_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HiGHS the engine runs CBC with a zero gap: the same optimum as CP-SAT on
    multi-0 (3/3/7 planned, and CP-SAT's finish value)."""
    used: list[str] = []

    def recording_make_solver(*args: Any) -> Any:
        made = make_solver(*args)
        used.append(type(made).__name__)
        return made

    monkeypatch.setattr(solver.mip.backend, "highs_available", lambda: False)
    monkeypatch.setattr(solver.mip.model, "make_solver", recording_make_solver)
    result = plan_checked(_document("multi-0.json"), engine="mip", time_limit_s=60)
    assert used
    assert set(used) <= {"COIN_CMD", "PULP_CBC_CMD"}
    assert _nonzero(result.kpis.planned_by_priority) == {"1": 3, "2": 3, "3": 7}
    reference = plan_checked(_document("multi-0.json"), engine="cp-sat", time_limit_s=60)
    assert _level_value(result, "finish") == _level_value(reference, "finish")
    assert result.solver.status == "OPTIMAL"
