"""One what-if run: plan a document, check the plan, take the figures.

:func:`run_case` is the pure function every executor of :mod:`scenarios.whatif.runner`
runs (in this process, a spawned process or a Ray worker). Person-hours *needed* and the
staffing curve come from one ``solver.staffing`` shift plan per run, through hooks a
caller may replace; person-hours *scheduled* are the problem's own: head count x hours of
every team.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scenarios.whatif.overrides import order_ids
from scenarios.whatif.results import CaseRun
from solver.check import check_plan
from solver.domain import Problem
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan
from solver.staffing import ShiftPlan, plan_shifts
from solver.timegrid import slot_start_stamps, team_capacity_s

__all__ = [
    "CaseTask",
    "PersonHours",
    "StaffingCurve",
    "default_person_hours",
    "default_staffing_curve",
    "person_hours_scheduled",
    "run_case",
]

logger = logging.getLogger(__name__)

#: (problem document, time limit in seconds) -> person-hours of the least staffing, or None
PersonHours = Callable[[dict[str, Any], float], float | None]
#: (problem document, time limit in seconds) -> (person-hours, orders planned) points
StaffingCurve = Callable[[dict[str, Any], float], list[tuple[float, int]]]
#: How many checker violations a run keeps (``valid`` says whether there were any).
MAX_VIOLATIONS = 5


# --- staffing (solver.staffing) ----------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _shift_plan(document_json: str, time_limit_s: float) -> ShiftPlan:
    """One shift plan per document and limit: both default hooks read the same one."""
    return plan_shifts(json.loads(document_json), PlanParams(time_limit_s=time_limit_s))


def default_person_hours(document: dict[str, Any], time_limit_s: float) -> float | None:
    """Person-hours of the least staffing that still plans every plannable order (None
    when the shift plan found none in time)."""
    return _shift_plan(json.dumps(document, sort_keys=True), time_limit_s).person_hours


def default_staffing_curve(
    document: dict[str, Any], time_limit_s: float
) -> list[tuple[float, int]]:
    """(person-hours, orders planned) points of the shift plan's trade-off curve."""
    shift_plan = _shift_plan(json.dumps(document, sort_keys=True), time_limit_s)
    return [(point.person_hours, point.planned) for point in shift_plan.curve]


# --- one run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseTask:
    """Everything :func:`run_case` needs; picklable (the functions must be module-level)."""

    name: str
    description: str
    document: dict[str, Any]
    time_limit_s: float
    seed: int
    person_hours: PersonHours | None = default_person_hours
    staffing_curve: StaffingCurve | None = default_staffing_curve


def person_hours_scheduled(problem: Problem) -> float:
    """Σ over teams and their intervals of head count x hours inside the window."""
    window = problem.window
    total_s = 0.0
    for team in problem.teams:
        spans = (
            [(a.start, a.end, a.headcount) for a in team.availability]
            if team.availability is not None
            else [(window.start, window.end, team.headcount)]
        )
        for start, end, headcount in spans:
            overlap_s = (min(end, window.end) - max(start, window.start)).total_seconds()
            total_s += max(0.0, overlap_s) * headcount
    return round(total_s / 3600, 3)


def _guarded(name: str, hook: Callable[[], Any], notes: list[str]) -> Any:
    """A staffing hook's answer; its failure is a note on the run, not a failed scenario."""
    try:
        return hook()
    except Exception as error:  # an add-on's bug must not lose the plans
        logger.warning("%s failed: %s", name, error, exc_info=True)
        notes.append(f"{name} failed: {type(error).__name__}: {error}")
        return None


def _staffing_figures(
    task: CaseTask,
) -> tuple[float | None, list[tuple[float, int]] | None, tuple[str, ...]]:
    """(person-hours needed, staffing curve, notes) from the task's hooks."""
    notes: list[str] = []
    needed = curve = None
    if task.person_hours is not None:
        hours_hook = task.person_hours
        needed = _guarded(
            "person-hours needed", lambda: hours_hook(task.document, task.time_limit_s), notes
        )
    if task.staffing_curve is not None:
        curve_hook = task.staffing_curve
        curve = (
            _guarded("staffing curve", lambda: curve_hook(task.document, task.time_limit_s), notes)
            or None
        )
    return needed, curve, tuple(notes)


@dataclass(frozen=True)
class _Load:
    """Work planned against capacity, per team and slot, and over all of them."""

    load_s: dict[str, list[int]]
    capacity_s: dict[str, list[int]]

    @property
    def utilization(self) -> float:
        total_capacity_s = sum(sum(c) for c in self.capacity_s.values())
        return round(sum(sum(v) for v in self.load_s.values()) / max(1, total_capacity_s), 4)


def _load(problem: Problem, plan_doc: Mapping[str, Any]) -> _Load:
    window = problem.window
    load_s = {team.id: [0] * window.num_slots for team in problem.teams}
    for assignment in plan_doc["assignments"]:
        load_s[assignment["team"]][assignment["slot"]] += int(assignment["seconds"])
    capacity_s = {t.id: [int(c) for c in team_capacity_s(window, t)] for t in problem.teams}
    return _Load(load_s, capacity_s)


def run_case(task: CaseTask) -> CaseRun:
    """Plan one case, check the plan, and take its figures (runs in any executor)."""
    started = time.monotonic()
    problem = load_problem(task.document)
    result = plan(problem, PlanParams(time_limit_s=task.time_limit_s, seed=task.seed))
    plan_doc: dict[str, Any] = json.loads(result.to_json())
    report = check_plan(problem, plan_doc)
    needed, curve, notes = _staffing_figures(task)
    load, kpis = _load(problem, plan_doc), result.kpis
    exceptions: dict[str, str] = {e.order: e.code for e in result.exceptions}
    return CaseRun(
        name=task.name,
        description=task.description,
        orders=kpis.orders,
        planned=kpis.planned,
        backlog=kpis.backlog,
        backlog_by_code=dict(kpis.backlog_by_code),
        backlog_by_priority=dict(kpis.backlog_by_priority),
        on_time_rate=kpis.on_time_rate,
        utilization=load.utilization,
        utilization_by_team=dict(kpis.utilization),
        slot_starts=slot_start_stamps(problem.window),
        load_s=load.load_s,
        capacity_s=load.capacity_s,
        person_hours_scheduled=person_hours_scheduled(problem),
        person_hours_needed=needed,
        staffing_curve=curve,
        solve_s=result.solver.wall_seconds,
        wall_s=round(time.monotonic() - started, 3),
        solver_status=result.solver.status,
        valid=report.ok,
        violations=tuple(v.message for v in report.violations[:MAX_VIOLATIONS]),
        exceptions=exceptions,
        planned_ids=tuple(
            i for i in order_ids(task.document.get("orders") or []) if i not in exceptions
        ),
        notes=notes,
    )
