"""Shift plans: the least staffing under which every plannable order is done in the window.

:func:`plan_shifts` answers a planner's daily question in four steps, within one
wall-clock limit:

1. **What can be planned at all.** The problem is planned with every team at its
   maximum head count in every slot; the orders that plan leaves out are invalid,
   stocked out or structurally impossible (past due, no eligible team, or more work than
   the largest roster can do), and no staffing changes that: they are reported with
   their codes and left out of what follows.
2. **The least staffing.** The shift-plan MIP (:mod:`solver.staffing.model`) plans every
   plannable order with head counts as variables, within each team's roster rules
   (:mod:`solver.staffing.roster`), at the least roster cost. HiGHS proves it minimal or
   states the gap to its bound. When it finds no staffing in time (large windows), the
   widest plan's loads, made into shifts, are the answer (:mod:`solver.staffing.fallback`),
   with the gap to the MIP's bound or to the work bound.
3. **The plan under it.** The problem is planned again with each team at the recommended
   head count per slot, the MIP's assignments offered as ``previous_assignments``, so the
   plan document is the planner's own, checked like any other.
4. **The trade-off curve.** For fewer person-hours (the minimum less one, two, ...
   people-slots, down to half), the most orders that can be planned (the MIP, with a
   proven bound). Where the MIP gives no points in time (large windows), the planner plans
   under the staffing with person-slots taken off its busiest slots (status ``PLANNED``,
   no bound).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from solver.domain import Problem
from solver.engine import Deadline, PlanParams
from solver.loading import load_problem
from solver.plan_builder import schedule_assignments
from solver.solve import plan_window
from solver.staffing.fallback import roster_of_plan
from solver.staffing.model import StaffSolution, build, least_cost, most_orders
from solver.staffing.report import CurvePoint, ShiftPlan, shift_plan_document
from solver.staffing.roster import Roster, at_most, rosters, staffed_problem
from solver.tasks import Instance, build_instance
from solver.validation import validate_orders

__all__ = ["ShiftPlan", "minimal_person_hours", "plan_shifts", "staffing_curve"]

logger = logging.getLogger(__name__)

#: Shares of the time limit: plannable orders, least staffing, the plan under it (the
#: curve takes what is left).
PLANNABLE_SHARE, STAFFING_SHARE, PLAN_SHARE = 0.2, 0.4, 0.15
#: Kept back from the time limit for writing the shift plan once everything is planned.
MARGIN_S, MARGIN_SHARE = 0.25, 0.02
#: Points of the trade-off curve below the minimum, down to this share of it.
CURVE_POINTS, CURVE_LOWEST_SHARE = 5, 0.5


def plan_shifts(
    problem: dict[str, Any], params: PlanParams | None = None, curve: bool = True
) -> ShiftPlan:
    """The least staffing, its shifts, the plan under it and the trade-off curve."""
    params = params or PlanParams()
    started = time.monotonic()
    limit_s = params.time_limit_s
    parsed = load_problem(problem)
    rules = rosters(parsed)
    widest = plan_window(at_most(parsed), _within(params, PLANNABLE_SHARE * limit_s))
    plannable_ids = {a.order for a in widest.plan.assignments} - {
        e.order for e in widest.plan.exceptions
    }
    instance = _plannable_instance(widest.problem.model_dump(mode="json"), plannable_ids)
    model = build(instance, rules)
    deadline = Deadline(started + (PLANNABLE_SHARE + STAFFING_SHARE) * limit_s)
    solution = least_cost(model, rules, params, deadline)
    points = []
    if curve and solution.objective is not None:
        points = _curve(model, solution, params, Deadline(started + (1 - PLAN_SHARE) * limit_s))
        solution = cheapest_staffing(rules, solution, points, len(instance.orders))
    if solution.schedule is not None:
        kept = schedule_assignments(instance, solution.schedule)
    else:  # no incumbent in time: the widest plan's loads, as shifts
        solution = roster_of_plan(parsed, rules, widest.plan, solution.bound)
        kept = [a for a in widest.plan.assignments if not a.pinned]
    staffed = staffed_problem(parsed, solution.headcount_by_slot)
    staffed["previous_assignments"] = [a.model_dump(mode="json", exclude_none=True) for a in kept]
    left_s = started + limit_s - time.monotonic() - min(MARGIN_S, MARGIN_SHARE * limit_s)
    by_planning = curve and len(points) < 2
    plan_s = max(0.5, left_s / 2 if by_planning else left_s)
    planned_doc = plan_window(staffed, _within(params, plan_s)).plan
    if by_planning:
        end_at = started + limit_s - min(MARGIN_S, MARGIN_SHARE * limit_s)
        points = planned_curve(parsed, solution, len(plannable_ids), params, end_at)
    return shift_plan_document(
        parsed, rules, solution, widest.plan, len(plannable_ids), planned_doc, points,
        time.monotonic() - started, params,
    )  # fmt: skip


def _within(params: PlanParams, seconds: float) -> PlanParams:
    return params.model_copy(update={"time_limit_s": max(0.5, seconds)})


def _plannable_instance(max_doc: dict[str, Any], plannable_ids: set[str]) -> Instance:
    """The instance of the max-staffed problem holding only the plannable orders."""
    orders = [o for o in max_doc["orders"] if isinstance(o, dict) and o.get("id") in plannable_ids]
    problem = load_problem({**max_doc, "orders": orders})
    return build_instance(problem, validate_orders(problem.orders).orders)


def cheapest_staffing(
    rules: tuple[Roster, ...],
    minimum: StaffSolution,
    points: list[CurvePoint],
    num_orders: int,
) -> StaffSolution:
    """The least-cost staffing found: a curve point that plans every order for less than
    the minimum's solve found (when that stopped short of proof) replaces it."""
    best = minimum
    for point in points:
        found = point.solution
        if found is None or point.planned < num_orders or not found.headcount_by_slot:
            continue
        cost = sum(
            r.cost_per_person_slot * sum(row)
            for r, row in zip(rules, found.headcount_by_slot, strict=True)
        )
        if best.objective is None or cost < best.objective - 1e-9:
            logger.info("a curve point plans every order for %.2f, less than %s", cost,
                        best.objective)  # fmt: skip
            best = replace(found, status="FEASIBLE", objective=cost, bound=minimum.bound)
    return best


def _curve(
    model: Any, minimum: StaffSolution, params: PlanParams, deadline: Deadline
) -> list[CurvePoint]:
    """Most orders planned for fewer person-slots than the minimum needs."""
    needed = sum(sum(row) for row in minimum.headcount_by_slot)
    orders = len(model.built.variables.planned)
    points = [CurvePoint(needed, orders, orders, minimum.status, minimum)]
    lowest = max(0, int(needed * CURVE_LOWEST_SHARE))
    step = max(1, (needed - lowest) // CURVE_POINTS)
    for budget in range(needed - step, lowest - 1, -step):
        left_s = deadline.remaining_s()
        if left_s <= 0.2:
            break
        share = Deadline(time.monotonic() + left_s / max(1, (budget - lowest) // step + 1))
        point = most_orders(model, budget, params, share)
        if point.objective is None:
            break
        bound = int(point.bound + 1e-6) if point.bound is not None else orders
        points.append(CurvePoint(budget, round(point.objective), bound, point.status, point))
    return _monotone(points)


def _monotone(points: list[CurvePoint]) -> list[CurvePoint]:
    """A staffing within a smaller budget is within a larger one, and a bound for a larger
    budget bounds a smaller one: planned counts rise and bounds fall with the budget."""
    by_budget = sorted(points, key=lambda p: p.person_slots)
    result: list[CurvePoint] = []
    best: CurvePoint | None = None  # the most orders within the budget so far
    for point in by_budget:
        if best is None or point.planned >= best.planned:
            best = point
        result.append(replace(point, planned=best.planned, solution=best.solution))
    lowest_bound = result[-1].bound if result else 0
    tightened = []
    for point in reversed(result):
        lowest_bound = min(lowest_bound, point.bound)
        tightened.append(replace(point, bound=max(lowest_bound, point.planned)))
    return tightened


def planned_curve(
    problem: Problem, staffing: StaffSolution, plannable: int, params: PlanParams, end_at: float
) -> list[CurvePoint]:
    """The curve without the MIP (large windows): person-slots taken off the busiest slots
    one by one, and the orders the planner then plans (no bound: ``bound`` is every
    plannable order)."""
    counts = [list(row) for row in staffing.headcount_by_slot]
    needed = sum(map(sum, counts))
    points = [CurvePoint(needed, plannable, plannable, staffing.status)]
    lowest = max(0, int(needed * CURVE_LOWEST_SHARE))
    step = max(1, (needed - lowest) // CURVE_POINTS)
    budgets = list(range(needed - step, lowest - 1, -step))
    for done, budget in enumerate(budgets):
        left_s = end_at - time.monotonic()
        if left_s <= 0.5:
            break
        while sum(map(sum, counts)) > budget:
            _take_one(counts)
        share_s = left_s / (len(budgets) - done)
        planned = plan_window(staffed_problem(problem, counts), _within(params, share_s))
        points.append(CurvePoint(budget, planned.plan.kpis.planned, plannable, "PLANNED"))
    return points


def _take_one(counts: list[list[int]]) -> None:
    """One person off the busiest slot (the latest such slot, the first such team)."""
    team_idx, slot_idx = max(
        ((t, k) for t, row in enumerate(counts) for k in range(len(row))),
        key=lambda tk: (counts[tk[0]][tk[1]], tk[1], -tk[0]),
    )
    counts[team_idx][slot_idx] -= 1


def minimal_person_hours(problem: dict[str, Any], time_limit_s: float = 10.0) -> float | None:
    """Person-hours of the least staffing (None when the solver found none in time)."""
    shift_plan = plan_shifts(problem, PlanParams(time_limit_s=time_limit_s), curve=False)
    return shift_plan.person_hours


def staffing_curve(problem: dict[str, Any], time_limit_s: float = 20.0) -> list[tuple[float, int]]:
    """(person-hours, orders planned) points of the trade-off curve."""
    shift_plan = plan_shifts(problem, PlanParams(time_limit_s=time_limit_s))
    return [(p.person_hours, p.planned) for p in shift_plan.curve]
