"""The shift-plan document: head counts by slot and as shifts, person-hours, the plan under
that staffing, the trade-off curve, and how proven it all is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from solver.domain import Problem
from solver.engine import PlanParams
from solver.result import Out, Plan
from solver.staffing.model import StaffSolution
from solver.staffing.roster import Roster, shifts


@dataclass(frozen=True)
class CurvePoint:
    """At most ``person_slots`` person-slots: ``planned`` orders (``bound``: at most)."""

    person_slots: int
    planned: int
    bound: int
    status: str
    solution: StaffSolution | None = None


class ShiftOut(Out):
    """People working one contiguous block of slots."""

    start: datetime
    end: datetime
    first_slot: int
    last_slot: int
    people: int


class TeamStaffing(Out):
    id: str
    stage: str
    headcount_by_slot: list[int] = Field(description="People in each slot of the window.")
    shifts: list[ShiftOut]
    person_hours: float
    cost: float


class ExcludedOrder(Out):
    """An order no staffing plans (invalid, stocked out, structurally impossible)."""

    order: str
    code: str
    message: str


class CurveOut(Out):
    person_hours: float
    planned: int = Field(description="Orders planned with at most these person-hours.")
    planned_bound: int = Field(description="Proven: no staffing this size plans more.")
    status: str


class ShiftPlan(Out):
    """The least staffing under which every plannable order is done inside the window."""

    status: Literal["minimal", "feasible", "none"] = Field(
        description="minimal: proven least cost; feasible: gap stated; none: none found in time."
    )
    teams: list[TeamStaffing]
    person_hours: float | None
    cost: float | None = Field(description="Roster cost (person-slots x cost per team).")
    cost_bound: float | None = Field(description="No staffing plans every order for less.")
    gap: float | None = Field(description="(cost - cost_bound) / cost.")
    plannable: int = Field(description="Orders some staffing can plan.")
    excluded: list[ExcludedOrder]
    plan: dict[str, Any] | None = Field(description="The plan under this staffing.")
    curve: list[CurveOut] = Field(description="Orders planned against person-hours.")
    wall_seconds: float
    time_limit_seconds: float


def shift_plan_document(
    problem: Problem,
    rules: tuple[Roster, ...],
    solution: StaffSolution,
    widest: Plan,
    plannable: int,
    plan: Plan | None,
    curve: list[CurvePoint],
    wall_s: float,
    params: PlanParams,
) -> ShiftPlan:
    hours_per_slot = problem.window.slot_minutes / 60
    teams = [
        _team(problem, rule, problem.teams[t].stage, solution, t, hours_per_slot)
        for t, rule in enumerate(rules)
    ] if solution.headcount_by_slot else []  # fmt: skip
    cost = solution.objective
    bound = solution.bound
    gap = None
    if cost is not None and bound is not None:
        gap = round((cost - bound) / cost, 4) if cost > 0 else 0.0
    status: Literal["minimal", "feasible", "none"] = "none"
    if solution.headcount_by_slot:
        status = "minimal" if solution.status == "OPTIMAL" else "feasible"
    person_hours = (
        round(sum(t.person_hours for t in teams), 4) if solution.headcount_by_slot else None
    )
    return ShiftPlan(
        status=status,
        teams=teams,
        person_hours=person_hours,
        cost=None if cost is None else round(cost, 4),
        cost_bound=None if bound is None else round(bound, 4),
        gap=gap,
        plannable=plannable,
        excluded=[ExcludedOrder(order=e.order, code=e.code, message=e.message)
                  for e in widest.exceptions],
        plan=None if plan is None else plan.model_dump(mode="json", exclude_none=True),
        curve=[
            CurveOut(person_hours=round(p.person_slots * hours_per_slot, 4), planned=p.planned,
                     planned_bound=p.bound, status=p.status)
            for p in curve
        ],
        wall_seconds=round(wall_s, 3),
        time_limit_seconds=params.time_limit_s,
    )  # fmt: skip


def _team(
    problem: Problem,
    rule: Roster,
    stage: str,
    solution: StaffSolution,
    team_idx: int,
    hours_per_slot: float,
) -> TeamStaffing:
    counts = list(solution.headcount_by_slot[team_idx])
    window = problem.window
    slot = timedelta(minutes=window.slot_minutes)
    blocks = [
        ShiftOut(
            start=window.start + s.first_slot * slot,
            end=window.start + (s.last_slot + 1) * slot,
            first_slot=s.first_slot,
            last_slot=s.last_slot,
            people=s.people,
        )
        for s in shifts(solution.starts[team_idx], solution.ends[team_idx])
    ]
    return TeamStaffing(
        id=rule.team_id,
        stage=stage,
        headcount_by_slot=counts,
        shifts=blocks,
        person_hours=round(sum(counts) * hours_per_slot, 4),
        cost=round(sum(counts) * rule.cost_per_person_slot, 4),
    )
