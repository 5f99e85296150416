"""The lexicographic solve loop both exact engines share.

Levels come from :mod:`solver.objective_levels`. Count levels (pinned, priority-p) are
solved exactly and each optimum is fixed with a constraint before the next level. The
secondary levels (finish, balance) stop at a relative gap or an effort budget
(:class:`solver.engine.PlanParams`), and the value they reach is fixed in the same way.
Only the wall clock ends the loop early; the best schedule so far is then returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from solver.engine import Deadline, EngineResult, LevelOutcome, PlanParams
from solver.left_shift import early_start
from solver.objective_levels import LevelSpec, level_specs, level_value, trivially_optimal
from solver.schedule import Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

Expr = TypeVar("Expr")
ProgressFn = Callable[[str, float, float], None]


@dataclass(frozen=True)
class LevelRun:
    """One level's solve: the outcome, the schedule it leaves, and whether the clock ended it."""

    outcome: LevelOutcome
    schedule: Schedule
    clock_stopped: bool


class LevelBackend(Protocol, Generic[Expr]):
    """What an engine provides for the loop: an expression per level, fixing, solving."""

    def expression(self, spec: LevelSpec) -> Expr: ...

    def fix(self, spec: LevelSpec, expr: Expr, value: int) -> None: ...

    def solve_level(self, spec: LevelSpec, expr: Expr, best: Schedule) -> LevelRun: ...


def is_secondary(spec: LevelSpec) -> bool:
    """finish and balance: solved to a gap or an effort budget, not necessarily proven."""
    return spec.sense == "min"


def run_levels(
    instance: Instance,
    params: PlanParams,
    deadline: Deadline,
    start: Schedule,
    backend: LevelBackend[Expr],
    progress: ProgressFn | None = None,
) -> EngineResult:
    """Solve every level in turn; stop at the deadline with the best schedule so far."""
    best = start
    outcomes: list[LevelOutcome] = []
    for spec in level_specs(instance):
        if spec.name == "balance" and not params.balance:
            continue
        expr = backend.expression(spec)
        if trivially_optimal(spec, best.planned):
            count = len(spec.order_idxs)
            backend.fix(spec, expr, count)
            outcomes.append(LevelOutcome(spec.name, spec.sense, count, count, "OPTIMAL"))
            continue
        if deadline.expired():
            return _stopped(best, outcomes, f"time limit reached before level {spec.name}")
        if spec.name == "finish":
            best = early_start(instance, best, start)
        run = _kept_if_unsolved(instance, spec, backend.solve_level(spec, expr, best))
        outcomes.append(run.outcome)
        best = run.schedule
        if progress is not None:
            progress(spec.name, float(run.outcome.value), float(run.outcome.bound))
        if not _settled(spec, run):
            return _stopped(best, outcomes, _stop_reason(run, spec.name))
        backend.fix(spec, expr, run.outcome.value)
    return EngineResult(best, "OPTIMAL", _done_reason(outcomes, params), tuple(outcomes))


def _kept_if_unsolved(instance: Instance, spec: LevelSpec, run: LevelRun) -> LevelRun:
    """A secondary level whose effort ran out before any solution keeps the schedule it
    started from, reported FEASIBLE with that schedule's value (bound unknown: 0)."""
    if not is_secondary(spec) or run.outcome.status != "UNKNOWN" or run.clock_stopped:
        return run
    value = level_value(instance, spec, run.schedule)
    return LevelRun(LevelOutcome(spec.name, spec.sense, value, 0, "FEASIBLE"), run.schedule, False)


def _settled(spec: LevelSpec, run: LevelRun) -> bool:
    """Proven, or a secondary level that stopped on its gap or effort, not on the clock."""
    if run.outcome.status == "OPTIMAL":
        return True
    return is_secondary(spec) and run.outcome.status == "FEASIBLE" and not run.clock_stopped


def _stop_reason(run: LevelRun, level: str) -> str:
    status = run.outcome.status
    if status == "FEASIBLE" or (status == "UNKNOWN" and run.clock_stopped):
        return f"time limit reached in level {level}"
    if status == "UNKNOWN":
        return f"no better plan found in level {level} before the time limit"
    return f"the solver answered {status} in level {level}; best plan so far kept"


def _done_reason(outcomes: list[LevelOutcome], params: PlanParams) -> str:
    open_levels = [o for o in outcomes if o.status != "OPTIMAL"]
    if not open_levels:
        return "all levels solved to optimality"
    gaps = ", ".join(_gap_text(o) for o in open_levels)
    return (
        f"planned counts proven optimal; {gaps} (secondary gap limit "
        f"{params.secondary_gap:.1%}, effort {params.secondary_effort_s:g} s per level)"
    )


def _gap_text(outcome: LevelOutcome) -> str:
    if outcome.bound <= 0:
        return f"{outcome.name} {outcome.value} (no bound proven)"
    gap = (outcome.value - outcome.bound) / max(1, abs(outcome.value))
    return f"{outcome.name} within {gap:.2%} of its bound"


def _stopped(best: Schedule, outcomes: list[LevelOutcome], reason: str) -> EngineResult:
    logger.info("levels stopped: %s", reason)
    return EngineResult(best, "FEASIBLE", reason, tuple(outcomes))
