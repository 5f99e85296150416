"""Recommendations for a plan with CAPACITY exceptions: the least extra people, by team and
slot, under which those orders are planned too ("add 1 person to pick-B 09:15-09:45: +14
orders").

The planner's MIP (:mod:`solver.mip`) on the plan's instance, with every planned and every
CAPACITY order required, and each team's capacity in each slot its free capacity plus
``person_s * extra[t, k]`` for integer extra people; the extra people-slots (weighted by
each team's ``cost_per_person_slot``) are minimised. Consecutive
slots of a team with the same extra head count make one recommendation, with the CAPACITY
orders whose work the MIP put there.

Above ``MAX_ORDERS`` orders, or when the MIP does not answer in its time, the
recommendation is built from the exceptions' own bottlenecks (the seconds each order misses
at each team and slot, summed): enough for each order on its own, marked not proven least.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import timedelta

import pulp

from solver.engine import Deadline, PlanParams
from solver.mip.backend import CancelHandle, make_solver, solve_status, solve_until
from solver.mip.constraints import add_all
from solver.mip.model import MipModel, extract
from solver.mip.variables import create_variables
from solver.result import PlanException, Recommendation, Recommendations
from solver.schedule import Schedule
from solver.staffing.model import CAPACITY_SLACK_S
from solver.staffing.roster import rosters, runs
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Above this many orders the MIP is not tried (it would not answer in a plan's time).
MAX_ORDERS = 600
#: Less time left than this: the MIP is not tried.
MIN_EFFORT_S = 0.5


def recommend(
    instance: Instance,
    plan_schedule: Schedule,
    capacity: Sequence[PlanException],
    params: PlanParams,
    deadline: Deadline,
) -> Recommendations | None:
    """The least extra people that plan the CAPACITY orders too; when the instance is too
    large for the MIP or it does not answer in time, the people each bottleneck the
    exceptions name would need (not proven least)."""
    if not capacity:
        return None
    found = None
    if len(instance.orders) <= MAX_ORDERS and deadline.remaining_s() >= MIN_EFFORT_S:
        found = _least(instance, plan_schedule, {e.order for e in capacity}, params, deadline)
    return found if found is not None else from_bottlenecks(instance, capacity)


def _least(
    instance: Instance,
    plan_schedule: Schedule,
    wanted: set[str],
    params: PlanParams,
    deadline: Deadline,
) -> Recommendations | None:
    rules = rosters(instance.problem)
    prob = pulp.LpProblem("recommendations", pulp.LpMinimize)
    variables = create_variables(prob, instance)
    extra = [
        [prob.add_variable(f"extra_{t}_{k}", 0, r.max_headcount, cat=pulp.LpInteger)
         for k in range(instance.num_slots)]
        for t, r in enumerate(rules)
    ]  # fmt: skip

    def capacity(team_idx: int, slot_idx: int) -> object:
        free_s = int(instance.free_capacity_s[team_idx, slot_idx])
        return free_s + rules[team_idx].person_s * extra[team_idx][slot_idx] + CAPACITY_SLACK_S

    add_all(prob, instance, variables, capacity)
    required = set(plan_schedule.planned)
    required |= {o for o, order in enumerate(instance.orders) if order.order_id in wanted}
    for order_idx in required:
        variables.planned[order_idx].lowBound = 1
    prob.setObjective(
        pulp.lpSum(r.cost_per_person_slot * x for r, row in zip(rules, extra, strict=True)
                   for x in row)
    )  # fmt: skip
    built = MipModel(instance, prob, variables)
    handle = CancelHandle()
    if not solve_until(prob, make_solver(params, deadline, handle), handle, deadline):
        return None
    status = solve_status(prob)
    if status.name not in ("OPTIMAL", "FEASIBLE"):
        logger.info("recommendations: %s", status.name)
        return None
    people = [[round(x.varValue or 0) for x in row] for row in extra]
    return _recommendations(instance, extract(built), people, wanted, status.name == "OPTIMAL")


def _recommendations(
    instance: Instance,
    schedule: Schedule,
    people: list[list[int]],
    wanted: set[str],
    proven: bool,
) -> Recommendations:
    work_s = _work_by_team_slot(instance, schedule)
    orders_at = _capacity_orders_by_team_slot(instance, schedule, wanted)

    def used_s(team_idx: int, slot_idx: int) -> int:
        free_s = int(instance.free_capacity_s[team_idx, slot_idx])
        return max(0, work_s.get((team_idx, slot_idx), 0) - free_s)

    planned_ids = {instance.orders[o].order_id for o in schedule.planned}
    return Recommendations(
        people_slots=sum(map(sum, people)),
        proven=proven,
        orders=len(wanted & planned_ids),
        items=tuple(_items(instance, people, used_s, orders_at)),
    )


def _items(
    instance: Instance,
    people: list[list[int]],
    extra_s: Callable[[int, int], int],
    orders_at: dict[tuple[int, int], set[str]],
) -> list[Recommendation]:
    """One recommendation per run of slots of a team with the same extra people."""
    window = instance.problem.window
    slot = timedelta(minutes=window.slot_minutes)
    items = []
    for team_idx, counts in enumerate(people):
        team_id = instance.team_ids[team_idx]
        for first, last, extra in runs(counts):
            slots = range(first, last + 1)
            orders = sorted({o for k in slots for o in orders_at.get((team_idx, k), ())})
            start, end = window.start + first * slot, window.start + (last + 1) * slot
            noun = "person" if extra == 1 else "people"
            message = (
                f"add {extra} {noun} to {team_id} {start:%H:%M}-{end:%H:%M}: +{len(orders)} orders"
            )
            items.append(
                Recommendation(
                    team=team_id, first_slot=first, last_slot=last, start=start, end=end,
                    people=extra, extra_seconds=sum(extra_s(team_idx, k) for k in slots),
                    orders=tuple(orders), message=message,
                )
            )  # fmt: skip
    return items


def from_bottlenecks(instance: Instance, capacity: Sequence[PlanException]) -> Recommendations:
    """People for the seconds each CAPACITY exception says its bottlenecks miss, summed by
    team and slot: enough for each order on its own, not proven least for them together."""
    missing_s: dict[tuple[int, int], int] = {}
    orders_at: dict[tuple[int, int], set[str]] = {}
    team_idx = {team_id: t for t, team_id in enumerate(instance.team_ids)}
    for exception in capacity:
        for neck in exception.bottlenecks or ():
            key = (team_idx[neck.team], neck.slot)
            missing_s[key] = missing_s.get(key, 0) + neck.missing_seconds
            orders_at.setdefault(key, set()).add(exception.order)
    rules = rosters(instance.problem)
    people = [[0] * instance.num_slots for _ in instance.team_ids]
    for (t, k), seconds in missing_s.items():
        people[t][k] = math.ceil(seconds / rules[t].person_s)
    items = _items(instance, people, lambda t, k: missing_s.get((t, k), 0), orders_at)
    note = "from each order's own bottlenecks, summed: enough, not proven least"
    return Recommendations(
        people_slots=sum(map(sum, people)),
        proven=False,
        orders=len({e.order for e in capacity}),
        items=tuple(items),
        note=note,
    )


def _work_by_team_slot(instance: Instance, schedule: Schedule) -> dict[tuple[int, int], int]:
    work: dict[tuple[int, int], int] = {}
    for pick in schedule.picks:
        seconds = sum(instance.lines[li].pick_s for li, _ in pick.line_stock)
        key = (pick.team_idx, pick.slot_idx)
        work[key] = work.get(key, 0) + seconds
    for pack in schedule.packs:
        key = (pack.team_idx, pack.slot_idx)
        work[key] = work.get(key, 0) + instance.orders[pack.order_idx].pack_s
    return work


def _capacity_orders_by_team_slot(
    instance: Instance, schedule: Schedule, wanted: set[str]
) -> dict[tuple[int, int], set[str]]:
    at: dict[tuple[int, int], set[str]] = {}
    tasks = [(p.order_idx, p.team_idx, p.slot_idx) for p in schedule.picks]
    tasks += [(p.order_idx, p.team_idx, p.slot_idx) for p in schedule.packs]
    for order_idx, team_idx, slot_idx in tasks:
        order_id = instance.orders[order_idx].order_id
        if order_id in wanted:
            at.setdefault((team_idx, slot_idx), set()).add(order_id)
    return at
