"""The large-window engine: the greedy plan, improved without a flat model, with proven bounds.

When the flat model (one choice per order, zone, team and slot) would hold more choices
than ``PlanParams.exact_limit``, building it alone takes longer than the plan is worth.
This engine keeps the best greedy plan (first in first out within priority, and smallest
first), moves its work as early as capacity allows for the finish level, and proves how
good it is with the aggregated LP of :mod:`solver.bounds`: a count level whose plan value
meets its bound is proven optimal, otherwise the gap is stated level by level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from solver.bounds import count_bounds, finish_bound
from solver.engine import Deadline, EngineResult, LevelOutcome, PlanParams
from solver.finish_bound import finish_lp_bound
from solver.left_shift import early_start
from solver.objective_levels import LevelSpec, balance_peaks, finish_value, level_specs
from solver.schedule import Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]


def flat_size(instance: Instance) -> int:
    """Pick and pack choices the flat model would hold (team-slot pairs per task)."""
    pick_teams = [len(instance.pick_teams(z)) for z in range(len(instance.zone_ids))]
    pack_teams = len(instance.pack_teams())
    size = 0
    for order_idx, order in enumerate(instance.orders):
        pick_span = max(0, order.last_pack_slot - order.release_slot)
        teams = sum(pick_teams[z] for z in instance.order_zones(order_idx))
        size += teams * pick_span + pack_teams * (order.last_pack_slot - order.first_pack_slot + 1)
    return size


def _count_outcomes(
    instance: Instance, specs: list[LevelSpec], schedule: Schedule, deadline: Deadline
) -> list[LevelOutcome]:
    reached = [schedule.planned_count(set(s.order_idxs)) for s in specs]
    bounds = count_bounds(instance, specs, reached, deadline.remaining_s())
    return [
        LevelOutcome(s.name, s.sense, value, bound, "OPTIMAL" if value >= bound else "FEASIBLE")
        for s, value, bound in zip(specs, reached, bounds, strict=True)
    ]


def _finish_outcome(
    instance: Instance,
    specs: list[LevelSpec],
    counts: list[LevelOutcome],
    schedule: Schedule,
    deadline: Deadline,
) -> LevelOutcome:
    value = finish_value(instance, schedule)
    priority = [(s, c.value) for s, c in zip(specs, counts, strict=True) if s.name != "pinned"]
    levels, planned = [s for s, _ in priority], [v for _, v in priority]
    bound = finish_bound(instance, levels, planned)
    if not deadline.expired():
        bound = max(bound, finish_lp_bound(instance, levels, planned, deadline.remaining_s()) or 0)
    return LevelOutcome("finish", "min", value, bound, "OPTIMAL" if value <= bound else "FEASIBLE")


def solve(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    progress: ProgressFn | None = None,
) -> EngineResult:
    """The greedy plan, shifted early, with every level's proven bound."""
    schedule = early_start(instance, start, start)
    count_specs = [s for s in level_specs(instance) if s.sense == "max"]
    outcomes = _count_outcomes(instance, count_specs, schedule, deadline)
    outcomes.append(_finish_outcome(instance, count_specs, outcomes, schedule, deadline))
    if params.balance:
        peaks = sum(balance_peaks(instance, schedule))
        outcomes.append(LevelOutcome("balance", "min", peaks, 0, "FEASIBLE"))
    if progress is not None:
        for outcome in outcomes:
            progress(outcome.name, float(outcome.value), float(outcome.bound))
    counts_proven = all(o.status == "OPTIMAL" for o in outcomes if o.sense == "max")
    finish = next(o for o in outcomes if o.name == "finish")
    finish_gap = (finish.value - finish.bound) / max(1, finish.value)
    status = "OPTIMAL" if counts_proven and finish_gap <= params.secondary_gap else "FEASIBLE"
    return EngineResult(
        schedule, status, _reason(instance, outcomes, counts_proven, finish_gap), tuple(outcomes)
    )


def _reason(
    instance: Instance, outcomes: list[LevelOutcome], counts_proven: bool, finish_gap: float
) -> str:
    head = f"large window ({len(instance.orders)} orders): greedy plan with LP bounds"
    if counts_proven:
        counts = "planned counts proven optimal"
    else:
        open_levels = [o for o in outcomes if o.sense == "max" and o.status != "OPTIMAL"]
        counts = "; ".join(f"{o.name} {o.value} of at most {o.bound}" for o in open_levels)
    return f"{head}; {counts}; finish within {finish_gap:.1%} of its bound"
