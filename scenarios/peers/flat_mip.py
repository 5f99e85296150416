"""The textbook flat model as a MIP: PuLP, solved once with HiGHS (CBC when HiGHS is missing).

The same variables, rows and weighted objective as :mod:`scenarios.peers.flat_cpsat`
(the variable enumeration and the level weights are shared), with two rows written the
linear way: the precedence ``sum k pick + 1 <= sum k pack + num_slots (1 - used)`` (a
big-M row) and the zone link ``source <= used <= sum source``.

Solver settings, as the planner's own MIP engine uses HiGHS: ``mip_rel_gap = 0`` (the
default 1e-4 of HiGHS and CBC would let a weighted sum whose weights run into the
billions drop orders), one thread, output off, ``time_limit`` set to the time left just
before the search starts (after PuLP has copied the model into HiGHS). A watchdog cancels
HiGHS (``cancelSolve``) if it is still running just past the deadline. No warm start.
CBC, the fallback, gets the same gap and the time left as its limit.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import warnings
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pulp

from scenarios.peers.flat_cpsat import (
    CLOCK_EVERY,
    DEFAULT_MAX_BOOLEANS,
    FlatSpace,
    build_space,
    empty_result,
    extract_solution,
    level_outcomes,
    solve_margin_s,
    to_schedule,
    too_large,
)
from solver.engine import Deadline, EngineResult
from solver.schedule import Schedule
from solver.tasks import Instance

__all__ = ["DEFAULT_MAX_BOOLEANS", "flat_mip_engine", "highs_available", "run"]

logger = logging.getLogger(__name__)

#: Seconds past the deadline before the watchdog cancels a HiGHS solve.
WATCHDOG_GRACE_S = 0.05
#: The shortest time limit handed to a solver.
MIN_TIME_LIMIT_S = 0.001
#: HiGHS's ``primal_solution_status`` for "a feasible solution exists".
FEASIBLE_SOLUTION = 2
#: A relative gap this small counts as proven.
OPTIMALITY_TOLERANCE = 1e-9

Var = Any  # pulp.LpVariable: PuLP is untyped


def highs_available() -> bool:
    """Whether PuLP can use HiGHS through highspy."""
    return bool(pulp.HiGHS().available())


class _Vars:
    """The PuLP variables, by the same indices as the flat space."""

    def __init__(self) -> None:
        self.planned: list[Var] = []
        self.sources: list[list[tuple[int, Var]]] = []
        self.used: list[Var] = []
        self.picks: list[list[Var]] = []
        self.packs: list[list[Var]] = []


def _binary(prob: pulp.LpProblem, name: str) -> Var:
    return prob.add_variable(name, 0, 1, cat=pulp.LpBinary)


def _build(
    instance: Instance, space: FlatSpace, expired: Callable[[], bool]
) -> tuple[pulp.LpProblem, _Vars] | None:
    prob = pulp.LpProblem("flat_zero_backlog", pulp.LpMaximize)
    mv = _Vars()
    mv.planned = [_binary(prob, f"planned_{o}") for o in range(len(instance.orders))]
    mv.sources = [
        [(s, _binary(prob, f"source_{li}_{s}")) for s in line.stock_idxs]
        for li, line in enumerate(instance.lines)
    ]
    for li, line in enumerate(instance.lines):
        # Each line of a planned order is sourced whole from exactly one record.
        prob += pulp.lpSum(v for _, v in mv.sources[li]) == mv.planned[line.order_idx]
    load: dict[tuple[int, int], list[tuple[Var, int]]] = defaultdict(list)
    for zp_idx in range(len(space.zone_picks)):
        if zp_idx % CLOCK_EVERY == 0 and expired():
            return None
        _add_zone_pick(prob, instance, space, mv, zp_idx, load)
    for order_idx in range(len(instance.orders)):
        if order_idx % CLOCK_EVERY == 0 and expired():
            return None
        _add_pack(prob, instance, space, mv, order_idx, load)
    for (t, k), terms in sorted(load.items()):
        # The seconds a team works in a slot fit its capacity less pinned work.
        prob += pulp.lpSum(w * v for v, w in terms) <= max(0, int(instance.free_capacity_s[t, k]))
    taken: dict[int, list[tuple[Var, int]]] = defaultdict(list)
    for li, sources in enumerate(mv.sources):
        for s, v in sources:
            taken[s].append((v, instance.lines[li].qty))
    for s, terms in sorted(taken.items()):
        # The units taken from a stock record fit what is on hand less pinned picks.
        prob += pulp.lpSum(q * v for v, q in terms) <= instance.stock[s].free_qty
    prob += pulp.lpSum(w * mv.planned[o] for o, w in enumerate(space.weights) if w)
    return prob, mv


def _in_zone(instance: Instance, mv: _Vars, line_idx: int, zone_idx: int) -> list[Var]:
    return [v for s, v in mv.sources[line_idx] if instance.stock[s].zone_idx == zone_idx]


def _add_zone_pick(
    prob: pulp.LpProblem,
    instance: Instance,
    space: FlatSpace,
    mv: _Vars,
    zp_idx: int,
    load: dict[tuple[int, int], list[tuple[Var, int]]],
) -> None:
    zp = space.zone_picks[zp_idx]
    used = _binary(prob, f"used_{zp_idx}")
    picks = [_binary(prob, f"pick_{zp_idx}_{t}_{k}") for t, k in zp.choices]
    mv.used.append(used)
    mv.picks.append(picks)
    # A used zone is picked exactly once; it is used iff one of its lines is sourced there.
    prob += pulp.lpSum(picks) == used
    in_zone = [
        v
        for li in instance.orders[zp.order_idx].line_idxs
        for v in _in_zone(instance, mv, li, zp.zone_idx)
    ]
    for v in in_zone:
        prob += v <= used
    prob += used <= pulp.lpSum(in_zone)
    for (t, k), pick in zip(zp.choices, picks, strict=True):
        if zp.fixed_s:
            load[(t, k)].append((pick, zp.fixed_s))
        for li in zp.flex_lines:
            # The line's seconds land on (t, k) when it is sourced in this zone and the
            # zone's pick is there: on >= in_zone + pick - 1.
            on = _binary(prob, f"load_{li}_{zp_idx}_{t}_{k}")
            prob += on >= pulp.lpSum(_in_zone(instance, mv, li, zp.zone_idx)) + pick - 1
            load[(t, k)].append((on, instance.lines[li].pick_s))


def _add_pack(
    prob: pulp.LpProblem,
    instance: Instance,
    space: FlatSpace,
    mv: _Vars,
    order_idx: int,
    load: dict[tuple[int, int], list[tuple[Var, int]]],
) -> None:
    order = instance.orders[order_idx]
    choices = space.packs[order_idx]
    packs = [_binary(prob, f"pack_{order_idx}_{t}_{k}") for t, k in choices]
    mv.packs.append(packs)
    if order.pinned_pack is not None:
        return  # the pinned pack counts; pick windows end before it
    prob += pulp.lpSum(packs) == mv.planned[order_idx]
    pack_slot = pulp.lpSum(k * v for (_, k), v in zip(choices, packs, strict=True))
    big_m = instance.num_slots
    for zp_idx in space.picks_of[order_idx]:
        zp = space.zone_picks[zp_idx]
        pick_slot = pulp.lpSum(
            k * v for (_, k), v in zip(zp.choices, mv.picks[zp_idx], strict=True)
        )
        # Every pick in a slot strictly before the pack (relaxed when the zone is unused).
        prob += pick_slot + 1 <= pack_slot + big_m * (1 - mv.used[zp_idx])
        by_team: dict[int, list[Var]] = defaultdict(list)
        for (t, _), v in zip(choices, packs, strict=True):
            by_team[t].append(v)
        for t, team_packs in sorted(by_team.items()):
            zones = instance.team_zone_idxs[t]
            if zones and zp.zone_idx not in zones:
                # A pack team with zones packs only orders picked inside them.
                prob += pulp.lpSum(team_packs) + mv.used[zp_idx] <= 1
    for (t, k), v in zip(choices, packs, strict=True):
        load[(t, k)].append((v, order.pack_s))


# --- the solver ------------------------------------------------------------------------------


@functools.cache
def _quiet_highs_class() -> type[Any]:
    """highspy.Highs with output off from its constructor on (it prints a banner there)."""
    import highspy

    class QuietHighs(highspy.Highs):
        def enableCallbacks(self) -> None:  # noqa: N802  # highspy's name
            self.setOptionValue("output_flag", False)
            super().enableCallbacks()  # type: ignore[no-untyped-call]  # highspy: unannotated

    return QuietHighs


class _FlatHighs(pulp.HiGHS):  # type: ignore[misc]  # PuLP is untyped: its classes are Any
    """PuLP's HiGHS interface, quiet, with the time limit set late and a watchdog.

    The solution is read straight off HiGHS by column index (:attr:`values`): PuLP's own
    read-back walks every variable and row in Python, seconds on a large model, after
    the time limit.
    """

    def __init__(self, deadline: Deadline, seed: int) -> None:
        super().__init__(msg=False)
        self._deadline = deadline
        self._seed = seed
        self.ran = False
        self.values: list[float] = []

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        highs = _quiet_highs_class()()
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("threads", 1)
        highs.setOptionValue("random_seed", self._seed)
        highs.HandleUserInterrupt = True  # makes cancelSolve() effective
        lp.solverModel = highs

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        highs = lp.solverModel
        remaining = self._deadline.remaining_s()
        limit = remaining - solve_margin_s(remaining)
        if limit <= 0:
            return  # no time left after the model copy: no search
        highs.setOptionValue("time_limit", max(limit, MIN_TIME_LIMIT_S))
        watchdog = threading.Timer(remaining + WATCHDOG_GRACE_S, highs.cancelSolve)
        watchdog.daemon = True
        watchdog.start()
        try:
            self.ran = True
            highs.run()
        finally:
            watchdog.cancel()

    def actualSolve(self, lp: pulp.LpProblem) -> int:  # noqa: N802  # PuLP's name
        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        self.callSolver(lp)
        if self.ran and lp.solverModel.getInfo().primal_solution_status == FEASIBLE_SOLUTION:
            self.values = list(lp.solverModel.getSolution().col_value)
        return int(pulp.LpStatusNotSolved)


def _highs_outcome(prob: pulp.LpProblem) -> tuple[str, float | None]:
    """OPTIMAL, FEASIBLE or UNKNOWN, and the proven upper bound on the objective."""
    highs = prob.solverModel
    info = highs.getInfo()
    if info.primal_solution_status != FEASIBLE_SOLUTION:
        return "UNKNOWN", None
    # HiGHS minimises -objective: its dual bound is a lower bound on that.
    bound = -float(info.mip_dual_bound)
    statuses = type(highs.getModelStatus())
    proven = highs.getModelStatus() == statuses.kOptimal and info.mip_gap <= OPTIMALITY_TOLERANCE
    return ("OPTIMAL" if proven else "FEASIBLE"), (bound if math.isfinite(bound) else None)


def _cbc(deadline: Deadline, seed: int) -> Any:
    remaining = deadline.remaining_s()
    options = {
        "msg": False,
        "timeLimit": max(remaining - solve_margin_s(remaining), MIN_TIME_LIMIT_S),
        "gapRel": 0.0,
        "threads": 1,
        "options": [f"randomCbcSeed {seed + 1}"],
    }
    coin = pulp.COIN_CMD(**options)
    if coin.available():
        return coin
    with warnings.catch_warnings():  # PuLP 3.3 deprecates its bundled CBC
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


def _cbc_outcome(prob: pulp.LpProblem) -> tuple[str, float | None]:
    # PuLP marks a time-limited CBC run "Optimal": only the solution status tells.
    if prob.sol_status == pulp.LpSolutionOptimal:
        return "OPTIMAL", None
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return "FEASIBLE", None
    return "UNKNOWN", None


def run(
    instance: Instance,
    start: Schedule,
    deadline: Deadline,
    *,
    seed: int = 0,
    max_booleans: int = DEFAULT_MAX_BOOLEANS,
    use_highs: bool = True,
) -> EngineResult:
    """Build the flat MIP, solve it once until the deadline, extract (``start`` unused)."""
    del start  # no warm start: the textbook model starts cold
    if not instance.orders:
        return EngineResult(Schedule(planned=frozenset()), "OPTIMAL", "no order to plan", ())
    refused = too_large(instance, max_booleans, "MIP")
    if refused is not None:
        return refused
    space = build_space(instance, deadline.expired)
    built = None if space is None else _build(instance, space, deadline.expired)
    if space is None or built is None:
        return empty_result(instance, "UNKNOWN", "time limit reached while building the flat model")
    prob, mv = built
    highs = use_highs and highs_available()
    solver = _FlatHighs(deadline, seed) if highs else _cbc(deadline, seed)
    prob.solve(solver)
    name = "HiGHS" if highs else "CBC"
    if highs and not solver.ran:
        return empty_result(instance, "UNKNOWN", "time limit reached while HiGHS read the model")
    status, bound = _highs_outcome(prob) if highs else _cbc_outcome(prob)
    if status == "UNKNOWN":
        return empty_result(instance, "UNKNOWN", f"{name} stopped without a plan")
    if isinstance(solver, _FlatHighs):
        values = solver.values

        def on(v: Var) -> bool:
            return bool(values[v.index] > 0.5)
    else:

        def on(v: Var) -> bool:
            return bool((v.varValue or 0.0) > 0.5)

    schedule = to_schedule(instance, space, extract_solution(instance, space, mv, on))
    optimal = status == "OPTIMAL"
    levels = level_outcomes(space.levels, schedule.planned, bound, optimal)
    if optimal:
        reason = f"weighted sum solved to optimality by {name}"
    else:
        objective = sum(w for o, w in enumerate(space.weights) if o in schedule.planned)
        bound_text = f", bound {bound:.0f}" if bound is not None else ""
        reason = f"time limit reached in {name}: objective {objective:.0f}{bound_text}"
    return EngineResult(schedule, status, reason, levels)


def flat_mip_engine(
    seed: int = 0, max_booleans: int = DEFAULT_MAX_BOOLEANS, use_highs: bool = True
) -> Callable[[Instance, Schedule, Deadline], EngineResult]:
    """``run`` with its parameters bound, for :func:`solver.solve.plan_with_engine`."""
    return functools.partial(run, seed=seed, max_booleans=max_booleans, use_highs=use_highs)
