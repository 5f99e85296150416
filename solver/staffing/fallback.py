"""A staffing without the MIP: what a plan's loads need, made into shifts.

When the shift-plan MIP finds no staffing in time, the plan at every team's maximum
head count (which plans every plannable order) gives one: in each team and slot, the
fewest people whose capacity holds that plan's seconds there, then shifts of the
team's minimum length covering them (:func:`solver.staffing.roster.shift_cover`). The
plan fits under it, so it is feasible; its gap is stated against the MIP's bound when
the MIP had one, else against the work bound: each stage's seconds over its most
productive person-slot, at its cheapest team's cost.
"""

from __future__ import annotations

import math
from collections import defaultdict

from solver.domain import Problem
from solver.result import Plan
from solver.staffing.model import StaffSolution
from solver.staffing.roster import Roster, headcounts, shift_cover


def roster_of_plan(
    problem: Problem, rules: tuple[Roster, ...], plan: Plan, mip_bound: float | None
) -> StaffSolution:
    """Shifts covering the people the plan's loads need (status FEASIBLE)."""
    load_s: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        load_s[(a.team, a.slot)] += a.seconds
    num_slots = problem.window.num_slots
    starts, ends, counts = [], [], []
    for rule in rules:
        needed = [_people(load_s[(rule.team_id, k)], rule.person_s) for k in range(num_slots)]
        team_starts, team_ends = shift_cover(needed, rule.min_shift_slots)
        starts.append(tuple(team_starts))
        ends.append(tuple(team_ends))
        counts.append(tuple(headcounts(team_starts, team_ends)))
    cost = sum(sum(c) * r.cost_per_person_slot for c, r in zip(counts, rules, strict=True))
    bound = mip_bound if mip_bound is not None else work_bound(problem, rules, plan)
    return StaffSolution(
        "FEASIBLE", cost, min(bound, cost), tuple(counts), tuple(starts), tuple(ends), None
    )


def _people(seconds: int, person_s: float) -> int:
    """The fewest people whose capacity, rounded down, holds ``seconds``."""
    if seconds <= 0:
        return 0
    people = math.ceil(seconds / person_s)
    return people if math.floor(person_s * people) >= seconds else people + 1


def work_bound(problem: Problem, rules: tuple[Roster, ...], plan: Plan) -> float:
    """No staffing costs less than each stage's work over its best person-slot."""
    stage_of = {team.id: team.stage for team in problem.teams}
    work_s: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        work_s[stage_of[a.team]] += a.seconds
    bound = 0.0
    for stage, seconds in work_s.items():
        stage_rules = [r for r in rules if stage_of[r.team_id] == stage]
        best_s = max(r.person_s for r in stage_rules)
        cheapest = min(r.cost_per_person_slot for r in stage_rules)
        bound += math.ceil(seconds / best_s) * cheapest
    return bound
