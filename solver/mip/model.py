"""Wire the MIP model, solve it level by level under a wall-clock deadline, extract.

The same model and levels as the CP-SAT backend, in PuLP, solved by HiGHS (CBC when
HiGHS is missing); see :mod:`solver.mip.backend` for the solver settings. The level
loop itself is shared with CP-SAT (:func:`solver.levels.run_levels`): count levels are
solved exactly, each warm-started from the best schedule so far and fixed with a row
before the next; the secondary levels stop at an absolute gap derived from
``PlanParams.secondary_gap`` or after ``secondary_effort_s`` seconds.

Time limit. Each solve gets the time left to the deadline and runs in a daemon thread
that the caller waits on until the deadline plus a small grace; a solve still running
then is cancelled (``Highs.cancelSolve()``) and abandoned, and the best schedule so far
is kept.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pulp

from solver.engine import Deadline, EngineResult, LevelOutcome, PlanParams
from solver.levels import LevelRun, is_secondary, run_levels
from solver.mip.backend import CancelHandle, Effort, make_solver, solve_status, solve_until
from solver.mip.constraints import add_all
from solver.mip.objective import level_expression
from solver.mip.variables import Expr, Var, Variables, ZonePick, create_variables
from solver.objective_levels import LevelSpec, level_value
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]

#: Tolerance when rounding a solver's float bound to the integer it proves.
BOUND_TOLERANCE = 1e-6


@dataclass
class MipModel:
    """The built model and its variables."""

    instance: Instance
    prob: pulp.LpProblem
    variables: Variables


def build_model(instance: Instance) -> MipModel:
    """Variables and every constraint family; the objective is set per level."""
    prob = pulp.LpProblem("zero_backlog", pulp.LpMaximize)
    variables = create_variables(prob, instance)
    add_all(prob, instance, variables)
    return MipModel(instance, prob, variables)


def _is_set(var: Var) -> bool:
    """A binary's value after a solve: PuLP gives floats, None when never solved."""
    return (var.varValue or 0.0) > 0.5


def warm_start(built: MipModel, schedule: Schedule) -> None:
    """Set every decision variable to the schedule's value (PuLP's initial values)."""
    variables = built.variables
    chosen_source = {(li, s) for p in schedule.picks for li, s in p.line_stock}
    chosen_pick = {(p.order_idx, p.zone_idx, p.team_idx, p.slot_idx) for p in schedule.picks}
    chosen_pack = {(p.order_idx, p.team_idx, p.slot_idx) for p in schedule.packs}
    for order_idx, var in enumerate(variables.planned):
        var.setInitialValue(float(order_idx in schedule.planned))
    for line_idx, sources in enumerate(variables.sources):
        for s in sources:
            s.var.setInitialValue(float((line_idx, s.stock_idx) in chosen_source))
    for pick in variables.picks:
        keys = [(pick.order_idx, pick.zone_idx, c.team_idx, c.slot_idx) for c in pick.choices]
        for c, key in zip(pick.choices, keys, strict=True):
            c.var.setInitialValue(float(key in chosen_pick))
        pick.used.setInitialValue(float(any(key in chosen_pick for key in keys)))
    for order_idx, choices in enumerate(variables.packs):
        for c in choices:
            c.var.setInitialValue(float((order_idx, c.team_idx, c.slot_idx) in chosen_pack))
    _warm_start_flex(built, chosen_source, chosen_pick)


def _warm_start_flex(
    built: MipModel,
    chosen_source: set[tuple[int, int]],
    chosen_pick: set[tuple[int, int, int, int]],
) -> None:
    """flex = the line is sourced in the pick's zone AND the pick is on (team, slot)."""
    instance, variables = built.instance, built.variables
    line_zone = {(li, instance.stock[s].zone_idx) for li, s in chosen_source}
    for flex in variables.flex:
        pick = variables.picks[flex.pick_idx]
        placed = (pick.order_idx, pick.zone_idx, flex.team_idx, flex.slot_idx) in chosen_pick
        flex.var.setInitialValue(float(placed and (flex.line_idx, pick.zone_idx) in line_zone))


def extract(built: MipModel) -> Schedule:
    """Read the schedule off a solved model (binaries rounded: value > 0.5)."""
    variables = built.variables
    planned = frozenset(o for o, var in enumerate(variables.planned) if _is_set(var))
    source_of = {
        line_idx: s.stock_idx
        for line_idx, sources in enumerate(variables.sources)
        for s in sources
        if _is_set(s.var)
    }
    picks = [
        PickTask(
            pick.order_idx,
            pick.zone_idx,
            c.team_idx,
            c.slot_idx,
            _line_stock(built, pick, source_of),
        )
        for pick in variables.picks
        for c in pick.choices
        if _is_set(c.var)
    ]
    packs = [
        PackTask(order_idx, c.team_idx, c.slot_idx)
        for order_idx, choices in enumerate(variables.packs)
        for c in choices
        if _is_set(c.var)
    ]
    return Schedule(planned=planned, picks=tuple(picks), packs=tuple(packs))


def _line_stock(
    built: MipModel, pick: ZonePick, source_of: dict[int, int]
) -> tuple[tuple[int, int], ...]:
    """(line_idx, stock_idx) of the order's lines sourced in the pick's zone."""
    instance = built.instance
    return tuple(
        (li, source_of[li])
        for li in instance.orders[pick.order_idx].line_idxs
        if li in source_of and instance.stock[source_of[li]].zone_idx == pick.zone_idx
    )


def _rounded_value(expr: Expr) -> int:
    """The expression's value with every variable rounded to its integer."""
    total: float = expr.constant + sum(
        coef * round(var.varValue or 0.0) for var, coef in expr.items()
    )
    return round(total)


def _rounded_bound(spec: LevelSpec, bound: float | None, value: int) -> int:
    """The proven bound as an integer; without one, the trivial bound of the level."""
    if bound is None:
        return len(spec.order_idxs) if spec.sense == "max" else 0
    if spec.sense == "max":
        return max(value, math.floor(bound + BOUND_TOLERANCE))
    return min(value, math.ceil(bound - BOUND_TOLERANCE))


class _MipLevels:
    """The MIP side of the shared level loop (:mod:`solver.levels`)."""

    def __init__(self, built: MipModel, params: PlanParams, deadline: Deadline) -> None:
        self.built = built
        self.params = params
        self.deadline = deadline
        self.fixed = 0

    def expression(self, spec: LevelSpec) -> Expr:
        return level_expression(self.built.prob, self.built.instance, self.built.variables, spec)

    def fix(self, spec: LevelSpec, expr: Expr, value: int) -> None:
        """Keep a solved level at its value: expr >= value (max) or expr <= value (min)."""
        row = expr >= value if spec.sense == "max" else expr <= value
        self.built.prob += (row, f"fix_level_{self.fixed}")
        self.fixed += 1

    def solve_level(self, spec: LevelSpec, expr: Expr, best: Schedule) -> LevelRun:
        effort = Effort()
        if is_secondary(spec):
            scale = abs(level_value(self.built.instance, spec, best))
            effort = Effort(self.params.secondary_gap * scale, self.params.secondary_effort_s)
        outcome, schedule = _solve_level(
            self.built, spec, expr, self.params, self.deadline, best, effort
        )
        return LevelRun(outcome, schedule, self.deadline.expired())


def solve(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    progress: ProgressFn | None = None,
) -> EngineResult:
    """Build the model and solve it level by level (see :func:`solver.levels.run_levels`)."""
    backend = _MipLevels(build_model(instance), params, deadline)
    return run_levels(instance, params, deadline, start, backend, progress)


def _solve_level(
    built: MipModel,
    spec: LevelSpec,
    expr: Expr,
    params: PlanParams,
    deadline: Deadline,
    best: Schedule,
    effort: Effort,
) -> tuple[LevelOutcome, Schedule]:
    prob = built.prob
    prob.setObjective(expr)
    prob.sense = pulp.LpMaximize if spec.sense == "max" else pulp.LpMinimize
    warm_start(built, best)
    start_value = _rounded_value(expr)
    handle = CancelHandle()
    started = time.monotonic()
    finished = solve_until(prob, make_solver(params, deadline, handle, effort), handle, deadline)
    if not finished:
        logger.info("mip level %s: cancelled at the deadline", spec.name)
        return LevelOutcome(spec.name, spec.sense, -1, -1, "UNKNOWN"), best
    status = solve_status(prob)
    logger.info("mip level %s: %s in %.3fs", spec.name, status.name, time.monotonic() - started)
    if status.name not in ("OPTIMAL", "FEASIBLE"):
        return LevelOutcome(spec.name, spec.sense, -1, -1, status.name), best
    value = _rounded_value(expr)
    bound = value if status.name == "OPTIMAL" else _rounded_bound(spec, status.bound, value)
    if status.name == "FEASIBLE" and _worse(spec, value, start_value):
        # The solver dropped the warm start and stopped on a worse incumbent: keep ours.
        return LevelOutcome(spec.name, spec.sense, start_value, bound, status.name), best
    return LevelOutcome(spec.name, spec.sense, value, bound, status.name), extract(built)


def _worse(spec: LevelSpec, value: int, reference: int) -> bool:
    return value < reference if spec.sense == "max" else value > reference
