"""plan(problem, params) -> Plan: validate, derive, greedy, exact engine, extract, diagnose.

Infeasible is a result: the planner always returns a plan. Only a malformed document
raises (:class:`solver.loading.DocumentError`), before anything is planned.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from solver.diagnose import diagnose
from solver.domain import Order, Problem
from solver.engine import Deadline, EngineResult, PlanParams, run_within
from solver.greedy import extend_schedule, greedy_schedule, release_order
from solver.keep import AssignmentDoc, kept_schedule
from solver.loading import load_problem
from solver.objective_levels import level_specs, lexicographic_key
from solver.plan_builder import compute_kpis, schedule_assignments
from solver.portfolio import run_engine
from solver.result import Assignment, LevelReport, Plan, PlanException, PlanWindow, SolverReport
from solver.schedule import Schedule
from solver.start import first_plan
from solver.tasks import Instance, build_instance
from solver.validation import ValidatedOrders, validate_orders

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]


def _at_least_greedy(
    instance: Instance, start: Schedule, result: EngineResult | None
) -> EngineResult:
    """The engine's schedule, unless it stopped early with a worse one than the greedy start."""
    if result is None:
        reason = "wall-clock limit: the engine had not returned; greedy plan kept"
        return EngineResult(start, "FEASIBLE", reason, ())
    if lexicographic_key(instance, start.planned) > lexicographic_key(
        instance, result.schedule.planned
    ):
        reason = f"{result.stop_reason}; the greedy plan was better and is kept"
        return EngineResult(start, result.status, reason, result.levels)
    return result


def keep_previous(
    instance: Instance, result: EngineResult, previous: Sequence[AssignmentDoc]
) -> EngineResult:
    """The previous plan where it still holds, the other orders placed around it, unless
    the engine's schedule plans more orders by priority (then moving work is worth it).

    The kept schedule reports the count levels only: their values equal the engine's and
    their bounds still hold; the secondary levels were solved for another schedule."""
    kept = kept_schedule(instance, previous)
    rest = [o for o in release_order(instance) if o not in kept.planned]
    stable = extend_schedule(instance, kept, rest)
    if lexicographic_key(instance, stable.planned) < lexicographic_key(
        instance, result.schedule.planned
    ):
        logger.info("previous plan not kept: the new plan plans more orders by priority")
        return result
    reason = (
        f"{len(kept.planned)} orders kept where the previous plan had them, "
        f"{len(stable.planned) - len(kept.planned)} placed around them; the solve planned "
        "no more by priority"
    )
    values = {
        spec.name: sum(1 for o in spec.order_idxs if o in stable.planned)
        for spec in level_specs(instance)
    }
    counts = tuple(
        dataclasses.replace(lv, value=values.get(lv.name, lv.value))
        for lv in result.levels
        if lv.sense == "max"
    )
    return EngineResult(stable, "FEASIBLE", reason, counts)


#: Share of the time limit the first-plan passes may take at most.
START_SHARE = 0.3
#: The engine's own deadline comes this much (at most this share of the limit) earlier.
ENGINE_MARGIN_S = 0.25
ENGINE_MARGIN_SHARE = 0.05


@dataclass(frozen=True)
class PlannedWindow:
    """A plan and what a re-plan of the same window starts from (:mod:`solver.replan`)."""

    problem: Problem
    validated: ValidatedOrders
    instance: Instance
    result: EngineResult
    plan: Plan


def plan(
    problem: Problem | dict[str, Any],
    params: PlanParams | None = None,
    progress: ProgressFn | None = None,
) -> Plan:
    """Plan the window. The wall-clock limit covers everything from here to the plan."""
    return plan_window(problem, params, progress).plan


def plan_window(
    problem: Problem | dict[str, Any],
    params: PlanParams | None = None,
    progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
) -> PlannedWindow:
    """:func:`plan`, keeping the instance and schedule for a warm-started re-plan.

    Setting ``stop`` (from another thread) ends the solve early with the best plan so far,
    as the time limit would."""
    params = params or PlanParams()
    started = time.monotonic()
    deadline = Deadline(started + params.time_limit_s, stop)
    # The engine aims a little before the deadline so that handing its plan back, the
    # diagnosis and the KPIs also fit inside the wall-clock limit.
    engine_deadline = deadline.earlier(
        min(ENGINE_MARGIN_S, ENGINE_MARGIN_SHARE * params.time_limit_s)
    )
    if not isinstance(problem, Problem):
        problem = load_problem(problem)
    checked = validate_orders(problem.orders)
    instance = build_instance(problem, checked.orders)
    start_deadline = Deadline(started + START_SHARE * params.time_limit_s, stop)
    start = (
        first_plan(instance, start_deadline)
        if params.engine != "greedy"
        else greedy_schedule(instance)
    )
    if progress is not None:
        # the first plan exists now: planned orders against every order the document has
        progress("start", float(len(start.planned)), float(len(checked.order_ids)))
    result = run_within(
        deadline, lambda: run_engine(instance, params, engine_deadline, start, progress)
    )
    result = _at_least_greedy(instance, start, result)
    if problem.previous_assignments:
        result = keep_previous(instance, result, problem.previous_assignments)
    plan_doc = assemble_plan(instance, checked, result, params, started)
    plan_doc = with_recommendations(plan_doc, instance, result.schedule, params, deadline)
    return PlannedWindow(problem, checked, instance, result, plan_doc)


#: Seconds kept back from the deadline for handing the plan over after recommendations.
RECOMMENDATION_MARGIN_S = 0.2


def with_recommendations(
    plan_doc: Plan, instance: Instance, schedule: Schedule, params: PlanParams, deadline: Deadline
) -> Plan:
    """The plan with the least extra people that would plan its CAPACITY exceptions too,
    when there are some and time is left (``recommendation_effort_s``)."""
    capacity = [e for e in plan_doc.exceptions if e.code == "CAPACITY"]
    if not capacity or params.recommendation_effort_s <= 0:
        return plan_doc
    from solver.staffing.recommend import recommend

    at = min(
        deadline.at - RECOMMENDATION_MARGIN_S, time.monotonic() + params.recommendation_effort_s
    )
    try:
        found = recommend(instance, schedule, capacity, params, Deadline(at, deadline.stop))
    except Exception:  # an aid: the plan stands without it
        logger.exception("no recommendations")
        return plan_doc
    return plan_doc if found is None else plan_doc.model_copy(update={"recommendations": found})


#: An engine from outside the planner (a benchmark peer): instance, greedy start, deadline.
ExternalEngine = Callable[[Instance, Schedule, Deadline], EngineResult]


def plan_with_engine(
    problem: Problem | dict[str, Any],
    engine_name: str,
    run: ExternalEngine,
    time_limit_s: float = 30.0,
) -> Plan:
    """Plan with an outside engine; validation, diagnosis and KPIs are the planner's own.

    Benchmark peers (the textbook flat models, FIFO dispatch) use this so that their plans
    are real plan documents that go through the same checker. The greedy start is given
    to the engine but not kept for it: the plan is exactly what the engine returned.
    """
    params = PlanParams(engine="greedy", time_limit_s=time_limit_s)
    started = time.monotonic()
    deadline = Deadline(started + time_limit_s)
    if not isinstance(problem, Problem):
        problem = load_problem(problem)
    checked = validate_orders(problem.orders)
    instance = build_instance(problem, checked.orders)
    result = run_within(deadline, lambda: run(instance, greedy_schedule(instance), deadline))
    if result is None:
        packed = frozenset(
            o
            for o, t in enumerate(instance.orders)
            if t.pinned_pack is not None and not t.line_idxs
        )
        result = EngineResult(
            Schedule(planned=packed), "UNKNOWN", "wall-clock limit: no plan came back", ()
        )
    plan_doc = assemble_plan(instance, checked, result, params, started)
    report = plan_doc.solver.model_copy(update={"engine": engine_name})
    return plan_doc.model_copy(update={"solver": report})


def assemble_plan(
    instance: Instance,
    validated: ValidatedOrders,
    result: EngineResult,
    params: PlanParams,
    started: float,
    assignments: list[Assignment] | None = None,
) -> Plan:
    """The plan document of a schedule: assignments, one exception per unplanned order
    (diagnosed now), KPIs recomputed, and the solver report. ``assignments`` may be given
    when the caller has them already (a re-plan reuses the previous plan's)."""
    if assignments is None:
        assignments = schedule_assignments(instance, result.schedule)
    planned_ids = {instance.orders[o].order_id for o in result.schedule.planned}
    unplanned: list[Order] = [o for o in instance.valid_orders if o.id not in planned_ids]
    order_ids, invalid = validated.order_ids, validated.exceptions
    exceptions = _in_document_order(
        order_ids, [*invalid, *diagnose(instance, unplanned, assignments)]
    )
    priorities = {o.id: o.priority for o in instance.valid_orders}
    priorities |= {e.order: e.priority for e in invalid if e.priority is not None}
    kpis = compute_kpis(instance, order_ids, priorities, assignments, exceptions)
    window = instance.problem.window
    return Plan(
        status="zero_backlog" if not exceptions else "backlog",
        window=PlanWindow(start=window.start, end=window.end, slot_minutes=window.slot_minutes),
        assignments=tuple(assignments),
        exceptions=tuple(exceptions),
        kpis=kpis,
        solver=_report(
            instance, result, params, time.monotonic() - started, len(order_ids), len(exceptions)
        ),
    )


def _in_document_order(
    order_ids: tuple[str, ...], exceptions: list[PlanException]
) -> list[PlanException]:
    position = {order_id: idx for idx, order_id in enumerate(order_ids)}
    return sorted(exceptions, key=lambda e: position.get(e.order, len(position)))


def _report(
    instance: Instance,
    result: EngineResult,
    params: PlanParams,
    wall_s: float,
    num_orders: int,
    backlog: int,
) -> SolverReport:
    bound = backlog_bound(instance, result, num_orders, backlog)
    return SolverReport(
        engine=params.engine,
        status=result.status,
        wall_seconds=round(wall_s, 3),
        objective=backlog,
        bound=bound,
        gap=round((backlog - bound) / max(1, backlog), 4),
        stop_reason=result.stop_reason,
        time_limit_seconds=params.time_limit_s,
        seed=params.seed,
        num_workers=params.num_workers if params.engine == "cp-sat" else None,
        levels=tuple(
            LevelReport(
                name=lv.name,
                sense="max" if lv.sense == "max" else "min",
                value=lv.value,
                bound=lv.bound,
                status=lv.status,
            )
            for lv in result.levels
        ),
    )


def backlog_bound(instance: Instance, result: EngineResult, num_orders: int, backlog: int) -> int:
    """Lower bound on the backlog of a lexicographically optimal plan.

    Solved count levels give their proven upper bounds; levels not reached count every order
    they hold as plannable. Orders outside the instance can never be planned.
    """
    if result.status == "OPTIMAL":
        return backlog
    solved = {lv.name: lv.bound for lv in result.levels if lv.sense == "max" and lv.bound >= 0}
    plannable = 0
    for priority in sorted({o.priority for o in instance.orders}):
        members = sum(1 for o in instance.orders if o.priority == priority)
        plannable += min(members, solved.get(f"priority-{priority}", members))
    return max(0, num_orders - plannable)
