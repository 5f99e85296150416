"""The MIP solver behind PuLP: HiGHS (via highspy) when available, CBC otherwise.

Settings, for exact and reproducible levels: zero relative and absolute optimality gap
(a relative gap of 1e-4 could silently drop orders), one thread, the plan's seed. HiGHS
output is off unless ``log_search`` is on (it would go to stdout, where the CLI writes
the plan).

Wall clock. Each level's solve runs in a daemon thread:

1. HiGHS gets ``time_limit = deadline.remaining_s()``, set just before it starts
   searching, so PuLP's own model copy into HiGHS does not eat into the search time.
   HiGHS normally stops itself there and hands back its incumbent.
2. The caller joins the thread for at most ``remaining_s() + WATCHDOG_GRACE_S``. If it is
   still running (a long presolve, PuLP's model copy, a solver ignoring its limit), the
   handle cancels it: ``Highs.cancelSolve()`` with the user-interrupt callbacks on, which
   stops HiGHS within milliseconds, or a flag that keeps it from starting at all. The
   caller does not wait for the thread after that; it keeps the best schedule so far.
3. CBC runs as a subprocess that PuLP does not expose, so it cannot be cancelled: it is
   bounded by its own time limit and its thread is abandoned at the deadline.

Warm start. HiGHS gets every column's current value (``var.varValue``, set by the
caller from the best schedule) through ``Highs.setSolution`` just before the search; PuLP
3.3's HiGHS interface has no warm start of its own. HiGHS 1.16 sometimes hands back the
start vector instead of the better incumbent it reports (see
:func:`_returned_stale_start`); that is detected and the level is solved again cold, in
the time left. CBC gets PuLP's ``warmStart=True``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp

from solver.engine import Deadline, PlanParams
from solver.highs import quiet_highs

logger = logging.getLogger(__name__)

#: Seconds past the deadline the caller waits for a solve before cancelling it.
WATCHDOG_GRACE_S = 0.05
#: The shortest time limit handed to a solver (HiGHS and CBC want a positive one).
MIN_TIME_LIMIT_S = 0.001
#: A relative MIP gap this small counts as proven (HiGHS reports kOptimal at its gap limit).
OPTIMALITY_TOLERANCE = 1e-9
#: HiGHS's ``primal_solution_status`` for "a feasible solution exists".
FEASIBLE_SOLUTION = 2
#: Two objective values closer than this are equal: every level has integer costs.
OBJECTIVE_TOLERANCE = 0.5


class SolveCancelledError(Exception):
    """Raised inside the solve thread when the solve was cancelled before it started."""


class CancelHandle:
    """Lets the caller stop a solve running in another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._highs: Any = None
        self.cancelled = False

    def attach(self, highs: Any) -> None:
        """Register the HiGHS object of the running solve."""
        with self._lock:
            self._highs = highs

    def cancel(self) -> None:
        """Stop the solve: interrupt HiGHS if it runs, or keep it from starting."""
        with self._lock:
            self.cancelled = True
            if self._highs is not None:
                self._highs.cancelSolve()


def _highs_warm_start(highs: Any, variables: list[Any]) -> None:
    """Hand HiGHS the current value of every column as a starting solution."""
    values = np.array([v.varValue or 0.0 for v in variables], dtype=np.float64)
    indices = np.array([v.index for v in variables], dtype=np.int32)
    highs.setSolution(len(variables), indices, values)


def _highs_options(params: PlanParams, abs_gap: float) -> dict[str, bool | int | float]:
    """Exact (zero gaps unless a secondary level allows one), one thread, the plan's seed.

    A secondary level's gap is given in absolute terms: HiGHS measures a relative gap on
    its objective without PuLP's constant, which would make the percentage meaningless.
    """
    return {
        "output_flag": params.log_search,
        "mip_rel_gap": 0.0,
        "mip_abs_gap": abs_gap,
        "threads": 1,
        "random_seed": params.seed,
    }


class _HighsRun(pulp.HiGHS):  # type: ignore[misc]  # PuLP is untyped: its classes are Any
    """PuLP's HiGHS interface plus warm start, a late time limit and cancellation."""

    def __init__(
        self, params: PlanParams, deadline: Deadline, handle: CancelHandle, effort: Effort
    ) -> None:
        super().__init__(msg=params.log_search)
        self._options = _highs_options(params, effort.abs_gap)
        self._deadline = deadline
        self._handle = handle
        self._effort = effort

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        highs = quiet_highs()
        for name, value in self._options.items():
            highs.setOptionValue(name, value)
        highs.HandleUserInterrupt = True  # makes cancelSolve() effective
        lp.solverModel = highs
        self._handle.attach(highs)

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        highs = lp.solverModel
        _highs_warm_start(highs, lp.variables())
        self._run(highs)
        if _returned_stale_start(highs):
            logger.info("HiGHS returned its start vector, not its incumbent: solving again cold")
            highs.clearSolver()
            self._run(highs)

    def _run(self, highs: Any) -> None:
        limit_s = min(self._deadline.remaining_s(), self._effort.time_s)
        highs.setOptionValue("time_limit", max(limit_s, MIN_TIME_LIMIT_S))
        if self._handle.cancelled:
            raise SolveCancelledError
        highs.run()


def _returned_stale_start(highs: Any) -> bool:
    """HiGHS 1.16 can report an incumbent better than the vector it hands back.

    Seen when presolve turns the start into a better solution of the reduced model
    ("MIP start solution is feasible in the reduced space" with another objective):
    HiGHS then reports that objective, even proves it optimal, but ``getSolution()`` still
    returns the start as given. The vector's own objective gives it away.
    """
    info = highs.getInfo()
    if info.primal_solution_status != FEASIBLE_SOLUTION:
        return False
    costs = np.asarray(highs.getLp().col_cost_, dtype=np.float64)
    vector_objective = float(costs @ np.asarray(highs.getSolution().col_value, dtype=np.float64))
    reported_objective = float(info.objective_function_value)
    return abs(vector_objective - reported_objective) > OBJECTIVE_TOLERANCE


def _cbc(params: PlanParams, deadline: Deadline, effort: Effort) -> Any:
    """CBC: COIN_CMD when a CBC binary is installed, else the one bundled with PuLP."""
    options = {
        "msg": params.log_search,
        "timeLimit": max(min(deadline.remaining_s(), effort.time_s), MIN_TIME_LIMIT_S),
        "gapRel": 0.0,
        "gapAbs": effort.abs_gap,
        "threads": 1,
        "warmStart": True,
        "options": [f"randomCbcSeed {params.seed + 1}"],  # 0 would mean "seed from the clock"
    }
    coin = pulp.COIN_CMD(**options)
    if coin.available():
        return coin
    with warnings.catch_warnings():  # PuLP 3.3 deprecates its bundled CBC; it is our fallback
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


def highs_available() -> bool:
    return bool(pulp.HiGHS().available())


@dataclass(frozen=True)
class Effort:
    """How hard to try on one level: exact and until the deadline, or a secondary budget."""

    abs_gap: float = 0.0
    time_s: float = math.inf


def make_solver(
    params: PlanParams, deadline: Deadline, handle: CancelHandle, effort: Effort | None = None
) -> Any:
    """The solver for one level's solve."""
    effort = effort or Effort()
    if highs_available():
        return _HighsRun(params, deadline, handle, effort)
    return _cbc(params, deadline, effort)


@dataclass
class _Run:
    """What the solve thread leaves behind."""

    error: BaseException | None = None


def solve_until(
    prob: pulp.LpProblem, solver: Any, handle: CancelHandle, deadline: Deadline
) -> bool:
    """Solve in a daemon thread; False if it had to be cancelled at the deadline."""
    run = _Run()

    def target() -> None:
        try:
            prob.solve(solver)
        except BaseException as exc:  # reported to the caller, not lost in a thread
            run.error = exc

    thread = threading.Thread(target=target, name="mip-level-solve", daemon=True)
    thread.start()
    give_up = time.monotonic() + deadline.remaining_s() + WATCHDOG_GRACE_S
    while thread.is_alive() and not deadline.stopped() and time.monotonic() < give_up:
        thread.join(0.02)  # polled, so that a stop signal cancels the solve at once
    if thread.is_alive():
        handle.cancel()
        logger.info("mip solve still running at the deadline: cancelled")
        return False
    if run.error is not None and not isinstance(run.error, SolveCancelledError):
        raise run.error
    return run.error is None


@dataclass(frozen=True)
class SolveStatus:
    """How a finished solve ended: OPTIMAL, FEASIBLE (an incumbent), INFEASIBLE or UNKNOWN,
    and the proven bound on the objective when the solver gives one."""

    name: str
    bound: float | None


def solve_status(prob: pulp.LpProblem) -> SolveStatus:
    """Read the status off a finished solve, whichever solver ran it."""
    highs = getattr(prob, "solverModel", None)
    if highs is not None:
        return _highs_status(prob, highs)
    # PuLP marks a time-limited CBC run "Optimal" with an integer-feasible solution:
    # only the solution status says whether optimality was proven.
    if prob.sol_status == pulp.LpSolutionOptimal:
        return SolveStatus("OPTIMAL", None)
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return SolveStatus("FEASIBLE", None)
    return SolveStatus("INFEASIBLE" if prob.status == pulp.LpStatusInfeasible else "UNKNOWN", None)


def _highs_status(prob: pulp.LpProblem, highs: Any) -> SolveStatus:
    """From HiGHS itself: PuLP maps time limit and interrupt to "Optimal" too."""
    model_status = highs.getModelStatus()
    info = highs.getInfo()
    statuses = type(model_status)
    if model_status == statuses.kInfeasible:
        return SolveStatus("INFEASIBLE", None)
    if info.primal_solution_status != FEASIBLE_SOLUTION:  # no incumbent
        return SolveStatus("UNKNOWN", None)
    # HiGHS minimises sense * objective without PuLP's constant term.
    bound = prob.sense * info.mip_dual_bound + prob.objective.constant
    proven = model_status == statuses.kOptimal and info.mip_gap <= OPTIMALITY_TOLERANCE
    return SolveStatus("OPTIMAL" if proven else "FEASIBLE", bound if math.isfinite(bound) else None)
