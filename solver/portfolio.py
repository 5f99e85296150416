"""Which engine plans a window, by its size: exact, large-window, or the first, then the other.

- Flat models above ``PlanParams.exact_limit`` choices, or windows above
  ``EXACT_MAX_ORDERS`` orders: the large-window path only (:mod:`solver.scale`); building
  and presolving the exact model would cost more than the plan is worth.
- Windows of at least ``LP_FIRST_MIN_ORDERS`` orders: the large-window path first, for a
  plan and LP bounds in a second or so. If that proves the counts and the finish level is
  within the secondary gap, it is the answer. Otherwise the exact engine starts from its
  plan, and the count levels it could not prove in time keep the LP bound when that is
  tighter: a long solve never reports less than the LP proved.
- Smaller windows: the exact engine alone (it proves them in well under the LP's time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from solver.engine import Deadline, EngineResult, LevelOutcome, PlanParams, run_within
from solver.objective_levels import level_specs
from solver.scale import flat_size
from solver.scale import solve as scale_solve
from solver.schedule import Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]

#: From this many orders the exact engine is preceded by the large-window path.
LP_FIRST_MIN_ORDERS = 500
#: Above this many orders the exact engine is not started at all: on the SBPO instances of
#: 2,000-2,700 orders it did not even hand back a plan within 15 s.
EXACT_MAX_ORDERS = 1_500


def run_engine(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    progress: ProgressFn | None,
) -> EngineResult:
    """The engine result for this window (see the module docstring)."""
    if params.engine == "greedy":
        return EngineResult(
            start, "GREEDY", "greedy engine: first in, first out, earliest slot", ()
        )
    if flat_size(instance) > params.exact_limit or len(instance.orders) > EXACT_MAX_ORDERS:
        logger.info("flat model above exact_limit=%d: large-window path", params.exact_limit)
        return scale_solve(instance, params, deadline, start, progress)
    if len(instance.orders) < LP_FIRST_MIN_ORDERS:
        return _exact(instance, params, deadline, start, progress)
    quick = scale_solve(instance, params, deadline, start, progress)
    if quick.status == "OPTIMAL" or deadline.expired():
        return quick
    # CP-SAT cannot be stopped while it builds or presolves a big model: wait for it only
    # until the deadline, and keep the LP-bounded plan if it has not answered by then.
    exact = run_within(
        deadline, lambda: _exact(instance, params, deadline, quick.schedule, progress)
    )
    if exact is None:
        reason = f"{quick.stop_reason}; the exact engine did not answer in time"
        return EngineResult(quick.schedule, quick.status, reason, quick.levels)
    return with_lp_bounds(instance, exact, quick)


def _exact(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    progress: ProgressFn | None,
) -> EngineResult:
    if params.engine == "mip":
        from solver.mip.model import solve as mip_solve

        return mip_solve(instance, params, deadline, start, progress)
    from solver.cpsat.model import solve as cpsat_solve

    return cpsat_solve(instance, params, deadline, start, progress)


def with_lp_bounds(instance: Instance, exact: EngineResult, quick: EngineResult) -> EngineResult:
    """The exact result, with each count level bounded by the tighter of the two proofs.

    The LP bound of a level was computed with the levels before it held at the quick
    plan's counts; the exact plan's counts there are at least as high (it starts from that
    plan), so the bound stays valid for it. Count levels the exact engine did not finish
    get the exact plan's value and the tighter bound.
    """
    lp_bound = {o.name: o.bound for o in quick.levels if o.sense == "max"}
    specs = [spec for spec in level_specs(instance) if spec.sense == "max"]
    reached = {spec.name: exact.schedule.planned_count(set(spec.order_idxs)) for spec in specs}
    size = {spec.name: len(spec.order_idxs) for spec in specs}
    done = {o.name: o for o in exact.levels}
    levels: list[LevelOutcome] = []
    for name, value in reached.items():
        outcome = done.get(name)
        if outcome is not None and outcome.status == "OPTIMAL":
            levels.append(outcome)
            continue
        bound = lp_bound.get(name, size[name])
        if outcome is not None and outcome.bound >= 0:
            bound = min(bound, outcome.bound)
        levels.append(
            LevelOutcome(name, "max", value, bound, "OPTIMAL" if value >= bound else "FEASIBLE")
        )
    levels += [o for o in exact.levels if o.sense != "max"]
    proven = all(o.status == "OPTIMAL" for o in levels if o.sense == "max")
    status = "OPTIMAL" if proven and exact.status != "OPTIMAL" else exact.status
    reason = exact.stop_reason
    if status != exact.status:
        reason += "; the LP bounds prove the planned counts optimal"
    return EngineResult(exact.schedule, status, reason, tuple(levels))
