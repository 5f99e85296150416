"""Wire the CP-SAT model, solve it level by level under a wall-clock deadline, extract.

Each lexicographic level is solved to optimality and then fixed with a constraint before
the next one; every solve is hinted with the best schedule so far (the greedy plan first).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.cpsat.constraints import add_all
from solver.cpsat.lns import STEP_EFFORT_S, Neighbourhoods, fixed_copy, order_variables
from solver.cpsat.objective import level_expression
from solver.cpsat.variables import Variables, create_variables
from solver.engine import Deadline, EngineResult, LevelOutcome, PlanParams, watch
from solver.levels import LevelRun, is_secondary, run_levels
from solver.objective_levels import LevelSpec, balance_peaks
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Deterministic seconds of a count level's first full solve before neighbourhood search.
FIRST_COUNT_EFFORT_S = 1.0
#: Neighbourhood solves of a count level at most.
LNS_STEPS = 200


ProgressFn = Callable[[str, float, float], None]


@dataclass
class CpSatModel:
    """The built model and its variables."""

    instance: Instance
    model: cp_model.CpModel
    variables: Variables


def build_model(instance: Instance) -> CpSatModel:
    """Variables and every constraint family; the objective is set per level."""
    model = cp_model.CpModel()
    variables = create_variables(model, instance)
    add_all(model, instance, variables)
    return CpSatModel(instance, model, variables)


def _solver(params: PlanParams, time_s: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_s, 0.001)
    solver.parameters.num_workers = params.num_workers
    solver.parameters.random_seed = params.seed
    # Full linearisation: the LP proves the min-max balance level in a fraction of a second,
    # where the default level leaves its bound stuck with a single worker.
    solver.parameters.linearization_level = 2
    solver.parameters.log_search_progress = params.log_search
    return solver


def _solve_guarded(
    solver: cp_model.CpSolver, model: cp_model.CpModel, deadline: Deadline
) -> cp_model.CpSolverStatus:
    """Solve, with a watchdog that stops the search at the wall-clock deadline (or at once
    when the deadline's stop signal is set)."""
    done = threading.Event()
    watch(deadline, done, solver.stop_search)
    try:
        return solver.solve(model)
    finally:
        done.set()


def hint(built: CpSatModel, schedule: Schedule) -> None:
    """Hint every decision variable with the schedule's values."""
    model, variables = built.model, built.variables
    model.clear_hints()  # type: ignore[no-untyped-call]
    chosen_source = {(li, s) for p in schedule.picks for li, s in p.line_stock}
    chosen_pick = {(p.order_idx, p.zone_idx, p.team_idx, p.slot_idx) for p in schedule.picks}
    chosen_pack = {(p.order_idx, p.team_idx, p.slot_idx) for p in schedule.packs}
    for order_idx, var in enumerate(variables.planned):
        model.add_hint(var, order_idx in schedule.planned)
    for line_idx, sources in enumerate(variables.sources):
        for s in sources:
            model.add_hint(s.var, (line_idx, s.stock_idx) in chosen_source)
    for pick in variables.picks:
        for c in pick.choices:
            model.add_hint(
                c.var, (pick.order_idx, pick.zone_idx, c.team_idx, c.slot_idx) in chosen_pick
            )
    for order_idx, choices in enumerate(variables.packs):
        for c in choices:
            model.add_hint(c.var, (order_idx, c.team_idx, c.slot_idx) in chosen_pack)
    _hint_derived(built, schedule)
    for peak, value in zip(variables.peaks, balance_peaks(built.instance, schedule), strict=False):
        model.add_hint(peak, value)


def _hint_derived(built: CpSatModel, schedule: Schedule) -> None:
    """Hint the auxiliary literals too (zone used, line in zone, flexible load)."""
    model, variables, instance = built.model, built.variables, built.instance
    line_zone = {(li, instance.stock[s].zone_idx) for p in schedule.picks for li, s in p.line_stock}
    pick_at = {(p.order_idx, p.zone_idx): (p.team_idx, p.slot_idx) for p in schedule.picks}
    for line_idx, zones in enumerate(variables.line_zone):
        for zone_idx, literal in zones:
            model.add_hint(literal, (line_idx, zone_idx) in line_zone)
    for pick in variables.picks:
        if pick.used is not variables.planned[pick.order_idx]:
            model.add_hint(pick.used, (pick.order_idx, pick.zone_idx) in pick_at)
    for flex in variables.flex:
        pick = variables.picks[flex.pick_idx]
        placed = pick_at.get((pick.order_idx, pick.zone_idx)) == (flex.team_idx, flex.slot_idx)
        model.add_hint(flex.var, placed and (flex.line_idx, pick.zone_idx) in line_zone)


def extract(built: CpSatModel, solver: cp_model.CpSolver) -> Schedule:
    """Read the schedule off a solved model."""
    variables, instance = built.variables, built.instance
    planned = frozenset(o for o, var in enumerate(variables.planned) if solver.boolean_value(var))
    source_of = {
        line_idx: s.stock_idx
        for line_idx, sources in enumerate(variables.sources)
        for s in sources
        if solver.boolean_value(s.var)
    }
    picks = []
    for pick in variables.picks:
        for c in pick.choices:
            if solver.boolean_value(c.var):
                line_stock = tuple(
                    (li, source_of[li])
                    for li in instance.orders[pick.order_idx].line_idxs
                    if li in source_of and instance.stock[source_of[li]].zone_idx == pick.zone_idx
                )
                picks.append(
                    PickTask(pick.order_idx, pick.zone_idx, c.team_idx, c.slot_idx, line_stock)
                )
    packs = [
        PackTask(order_idx, c.team_idx, c.slot_idx)
        for order_idx, choices in enumerate(variables.packs)
        for c in choices
        if solver.boolean_value(c.var)
    ]
    return Schedule(planned=planned, picks=tuple(picks), packs=tuple(packs))


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


class _CpSatLevels:
    """The CP-SAT side of the shared level loop (:mod:`solver.levels`)."""

    def __init__(self, built: CpSatModel, params: PlanParams, deadline: Deadline) -> None:
        self.built = built
        self.params = params
        self.deadline = deadline

    def expression(self, spec: LevelSpec) -> cp_model.LinearExprT:
        return level_expression(self.built.model, self.built.instance, self.built.variables, spec)

    def fix(self, spec: LevelSpec, expr: cp_model.LinearExprT, value: int) -> None:
        self.built.model.add(expr >= value if spec.sense == "max" else expr <= value)

    def solve_level(self, spec: LevelSpec, expr: cp_model.LinearExprT, best: Schedule) -> LevelRun:
        model = self.built.model
        if spec.sense == "max":
            model.maximize(expr)
        else:
            model.minimize(expr)
        hint(self.built, best)
        solver = self._solver(spec)
        status = _solve_guarded(solver, model, self.deadline)
        logger.info(
            "cp-sat level %s: %s in %.3fs", spec.name, _STATUS.get(status), solver.wall_time
        )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if (
                status == cp_model.UNKNOWN
                and not is_secondary(spec)
                and not self.deadline.expired()
            ):
                # The first effort ran out before any plan: keep solving with the time left.
                planned = best.planned_count(set(spec.order_idxs))
                return self._prove(spec, best, planned, len(spec.order_idxs))
            outcome = LevelOutcome(spec.name, spec.sense, -1, -1, _STATUS.get(status, "UNKNOWN"))
            return LevelRun(outcome, best, self.deadline.expired())
        value, bound = round(solver.objective_value), round(solver.best_objective_bound)
        schedule = extract(self.built, solver)
        if not is_secondary(spec) and value < bound:
            return self._search_count_level(spec, expr, solver, schedule, bound)
        return self._run(spec, value, bound, schedule)

    def _solver(self, spec: LevelSpec) -> cp_model.CpSolver:
        solver = _solver(self.params, self.deadline.remaining_s())
        if is_secondary(spec):
            solver.parameters.relative_gap_limit = self.params.secondary_gap
            solver.parameters.max_deterministic_time = self.params.secondary_effort_s
        else:
            solver.parameters.max_deterministic_time = FIRST_COUNT_EFFORT_S
        return solver

    def _run(self, spec: LevelSpec, value: int, bound: int, schedule: Schedule) -> LevelRun:
        status = "OPTIMAL" if value == bound else "FEASIBLE"
        outcome = LevelOutcome(spec.name, spec.sense, value, bound, status)
        return LevelRun(outcome, schedule, self.deadline.expired())

    def _search_count_level(
        self,
        spec: LevelSpec,
        expr: cp_model.LinearExprT,
        first: cp_model.CpSolver,
        schedule: Schedule,
        bound: int,
    ) -> LevelRun:
        """Seeded neighbourhood search towards the bound, then a full solve to prove it."""
        instance = self.built.instance
        values = list(first.response_proto.solution)
        value = round(first.objective_value)
        by_order = order_variables(instance, self.built.variables)
        areas = Neighbourhoods(len(instance.orders), random.Random(self.params.seed))
        for _ in range(LNS_STEPS):
            if value >= bound or self.deadline.expired():
                break
            trial = fixed_copy(self.built.model, by_order, values, areas.draw(schedule.planned))
            trial.add(expr >= value + 1)  # improve, or prove this neighbourhood has nothing
            solver = _solver(self.params, self.deadline.remaining_s())
            solver.parameters.max_deterministic_time = STEP_EFFORT_S
            status = _solve_guarded(solver, trial, self.deadline)
            areas.adapt(status in (cp_model.OPTIMAL, cp_model.INFEASIBLE))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                value, values = round(solver.objective_value), list(solver.response_proto.solution)
                schedule = extract(self.built, solver)
        logger.info(
            "cp-sat level %s: neighbourhood search reached %d of bound %d", spec.name, value, bound
        )
        if value < bound and not self.deadline.expired():
            return self._prove(spec, schedule, value, bound)
        return self._run(spec, value, bound, schedule)

    def _prove(self, spec: LevelSpec, schedule: Schedule, value: int, bound: int) -> LevelRun:
        """A full solve from the best plan found, for the time that is left."""
        hint(self.built, schedule)
        solver = _solver(self.params, self.deadline.remaining_s())
        status = _solve_guarded(solver, self.built.model, self.deadline)
        if (
            status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and round(solver.objective_value) >= value
        ):
            value, bound = round(solver.objective_value), round(solver.best_objective_bound)
            schedule = extract(self.built, solver)
        return self._run(spec, value, bound, schedule)


def solve(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    progress: ProgressFn | None = None,
) -> EngineResult:
    """Build the model and solve it level by level (see :func:`solver.levels.run_levels`)."""
    backend = _CpSatLevels(build_model(instance), params, deadline)
    return run_levels(instance, params, deadline, start, backend, progress)
