"""Same input and settings twice give the same plan, to the byte (bar the wall time).

CP-SAT with its default settings (one worker, seed 0) is deterministic as long as every
level is solved to optimality; a solve stopped by the clock may not be, so the problems
here are ones CP-SAT solves in well under a second.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from planning import DATA, generated_problem, plan_checked, without_wall_time


def _tight_1() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / "examples" / "tight-1.json").read_text())
    return doc


def _generated() -> dict[str, Any]:
    return generated_problem(seed=1, num_orders=12, num_slots=6)


PROBLEMS = [pytest.param(_tight_1, id="tight-1"), pytest.param(_generated, id="generated-1")]


@pytest.mark.parametrize("make_problem", PROBLEMS)
def test_cpsat_default_settings_same_plan_twice(make_problem: Any) -> None:
    """One worker and a fixed seed, every level optimal: nothing left to chance."""
    doc = make_problem()
    first, second = plan_checked(doc), plan_checked(doc)
    assert first.solver.status == "OPTIMAL", first.solver.stop_reason
    assert without_wall_time(first) == without_wall_time(second)


@pytest.mark.parametrize("make_problem", PROBLEMS)
def test_greedy_seeded_same_plan_twice(make_problem: Any) -> None:
    """The greedy planner has no randomness: same seed, same plan."""
    doc = make_problem()
    first = plan_checked(doc, engine="greedy", seed=7)
    second = plan_checked(doc, engine="greedy", seed=7)
    assert first.assignments
    assert without_wall_time(first) == without_wall_time(second)
