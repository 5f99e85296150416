"""The shift-plan MIP: the planning model with head counts as variables.

It is the planner's MIP (:mod:`solver.mip`: the same variables and constraint families),
built on the instance of the problem at every team's maximum head count, with two
changes: a team's capacity in a slot is ``person_s * h[t, k]`` for an integer head count
``h[t, k]`` (the work is whole seconds, so this is the contract's rounded-down capacity),
and each team's head counts are made of shifts, contiguous blocks of at least
``min_shift_slots`` slots:

    h[t, k] = sum_{j <= k} starts[t, j] - sum_{j <= k} ends[t, j]
    sum_{j <= k} ends[t, j] <= sum_{j <= k - L} starts[t, j]     (ends[t, k]: last slot k - 1)

(pairing starts and ends first in, first out, the i-th person to leave started at least
``L`` slots before). Two uses:

- :func:`least_cost`: every order of the instance planned, the roster cost minimised;
- :func:`most_orders`: at most ``budget`` person-slots, the planned orders maximised (a
  point of the trade-off curve).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pulp

from solver.engine import Deadline, PlanParams
from solver.mip.backend import CancelHandle, make_solver, solve_status, solve_until
from solver.mip.constraints import add_all
from solver.mip.model import MipModel, extract
from solver.mip.variables import Var, create_variables
from solver.schedule import Schedule
from solver.staffing.roster import Roster
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Slack on a capacity row: the work is whole seconds, person_s * h may be 765.0000001.
CAPACITY_SLACK_S = 1e-6


@dataclass
class StaffModel:
    """The planning MIP with its head-count variables."""

    built: MipModel
    headcount: list[list[Var]]  # [team][slot]
    starts: list[list[Var]]
    ends: list[list[Var]]  # [team][slot 0 .. num_slots]; ends[t][k]: last slot k - 1
    budget: Var | None = None  # person-slots allowed, for the trade-off curve


@dataclass(frozen=True)
class StaffSolution:
    """A solved staffing, or how far the solver got."""

    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
    objective: float | None
    bound: float | None
    headcount_by_slot: tuple[tuple[int, ...], ...] = ()
    starts: tuple[tuple[int, ...], ...] = ()
    ends: tuple[tuple[int, ...], ...] = ()
    schedule: Schedule | None = None


def build(instance: Instance, rules: tuple[Roster, ...]) -> StaffModel:
    """Planning variables and constraints, with head counts for capacity."""
    prob = pulp.LpProblem("shift_plan", pulp.LpMinimize)
    variables = create_variables(prob, instance)
    num_slots = instance.num_slots
    headcount = [
        [prob.add_variable(f"h_{t}_{k}", 0, r.max_headcount, cat=pulp.LpInteger)
         for k in range(num_slots)]
        for t, r in enumerate(rules)
    ]  # fmt: skip
    pinned_s = instance.capacity_s - instance.free_capacity_s

    def capacity(team_idx: int, slot_idx: int) -> Any:
        person_s = rules[team_idx].person_s
        taken_s = int(pinned_s[team_idx, slot_idx])
        return person_s * headcount[team_idx][slot_idx] - taken_s + CAPACITY_SLACK_S

    add_all(prob, instance, variables, capacity)
    _add_pinned_room(prob, instance, rules, headcount, pinned_s)
    starts, ends = _add_shifts(prob, rules, headcount, num_slots)
    return StaffModel(MipModel(instance, prob, variables), headcount, starts, ends)


def _add_pinned_room(
    prob: pulp.LpProblem,
    instance: Instance,
    rules: tuple[Roster, ...],
    headcount: Any,
    pinned_s: Any,
) -> None:
    """Hard. Pinned work is done by people who are there: person_s * h >= pinned seconds."""
    for t, rule in enumerate(rules):
        for k in range(instance.num_slots):
            if pinned_s[t, k] > 0:
                prob += rule.person_s * headcount[t][k] + CAPACITY_SLACK_S >= int(pinned_s[t, k])


def _add_shifts(
    prob: pulp.LpProblem, rules: tuple[Roster, ...], headcount: list[list[Var]], num_slots: int
) -> tuple[list[list[Var]], list[list[Var]]]:
    """Hard. Head counts are made of blocks of at least ``min_shift_slots`` slots."""
    starts, ends = [], []
    for t, rule in enumerate(rules):
        limit = rule.max_headcount
        team_starts = [
            prob.add_variable(f"start_{t}_{k}", 0, limit, cat=pulp.LpInteger)
            for k in range(num_slots)
        ]
        team_ends = [
            prob.add_variable(f"end_{t}_{k}", 0, limit, cat=pulp.LpInteger)
            for k in range(num_slots)
        ]
        for k in range(num_slots):
            prob += headcount[t][k] == pulp.lpSum(team_starts[: k + 1]) - pulp.lpSum(
                team_ends[: k + 1]
            )
            started_early = team_starts[: max(0, k - rule.min_shift_slots + 1)]
            prob += pulp.lpSum(team_ends[: k + 1]) <= pulp.lpSum(started_early)
        starts.append(team_starts)
        ends.append(team_ends)
    return starts, ends


def person_slots(model: StaffModel) -> Any:
    return pulp.lpSum(h for team in model.headcount for h in team)


def least_cost(
    model: StaffModel, rules: tuple[Roster, ...], params: PlanParams, deadline: Deadline
) -> StaffSolution:
    """Every order planned at the least roster cost."""
    prob = model.built.prob
    if model.budget is not None:
        model.budget.upBound = None
    for planned in model.built.variables.planned:
        planned.lowBound = 1
    prob.setObjective(
        pulp.lpSum(
            rule.cost_per_person_slot * h
            for rule, team in zip(rules, model.headcount, strict=True)
            for h in team
        )
    )
    prob.sense = pulp.LpMinimize
    return _solve(model, params, deadline)


def most_orders(
    model: StaffModel, budget_person_slots: int, params: PlanParams, deadline: Deadline
) -> StaffSolution:
    """The most orders planned with at most ``budget_person_slots`` person-slots."""
    prob = model.built.prob
    for planned in model.built.variables.planned:
        planned.lowBound = 0
    if model.budget is None:  # one row, its bound moved from point to point
        model.budget = prob.add_variable("budget", 0, None, cat=pulp.LpContinuous)
        prob += person_slots(model) <= model.budget
    model.budget.upBound = budget_person_slots
    prob.setObjective(pulp.lpSum(model.built.variables.planned))
    prob.sense = pulp.LpMaximize
    return _solve(model, params, deadline)


def _solve(model: StaffModel, params: PlanParams, deadline: Deadline) -> StaffSolution:
    prob = model.built.prob
    handle = CancelHandle()
    if not solve_until(prob, make_solver(params, deadline, handle), handle, deadline):
        return StaffSolution("UNKNOWN", None, None)
    status = solve_status(prob)
    if status.name not in ("OPTIMAL", "FEASIBLE"):
        return StaffSolution(status.name, None, status.bound)
    objective = pulp.value(prob.objective)
    bound = objective if status.name == "OPTIMAL" else status.bound
    return StaffSolution(
        status.name,
        objective,
        bound,
        headcount_by_slot=_values(model.headcount),
        starts=_values(model.starts),
        ends=_values(model.ends),
        schedule=extract(model.built),
    )


def _values(rows: list[list[Var]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(round(v.varValue or 0) for v in row) for row in rows)
