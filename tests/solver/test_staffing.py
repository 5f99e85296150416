"""Shift plans: least staffing, checked by planning under it and against every smaller one."""

from __future__ import annotations

import copy
import itertools
import json
import time
from datetime import datetime
from typing import Any

from planning import order, tiny_problem

from scenarios.examples import example_problem
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan, plan_window
from solver.staffing import cheapest_staffing, plan_shifts, planned_curve
from solver.staffing.fallback import roster_of_plan, work_bound
from solver.staffing.model import StaffSolution
from solver.staffing.recommend import from_bottlenecks
from solver.staffing.report import CurvePoint
from solver.staffing.roster import (
    at_most,
    headcounts,
    rosters,
    shift_cover,
    shifts,
    staffed_problem,
)

PARAMS = PlanParams(time_limit_s=10)


def _small() -> dict[str, Any]:
    """Three slots; four orders of 300 s picking (two fit one picker-slot) and 96 s
    packing; one picker team of at most 2, one packer team of at most 2."""
    doc = tiny_problem(
        inventory=[{"sku": "SKU-1", "location": "A-01-01", "on_hand": 500}],
        orders=[order(f"SO-{k}", ("SKU-1", 45)) for k in range(4)],
    )
    for team in doc["teams"]:
        team["max_headcount"] = 2
    return doc


def _plans_everything(doc: dict[str, Any], counts: list[list[int]]) -> bool:
    staffed = staffed_problem(load_problem(doc), counts)
    result = plan(staffed, PlanParams(time_limit_s=5))
    return result.kpis.backlog == 0


def _checked_plan(shift_plan: Any, doc: dict[str, Any]) -> dict[str, Any]:
    counts = [team.headcount_by_slot for team in shift_plan.teams]
    staffed = staffed_problem(load_problem(doc), counts)
    assert shift_plan.plan is not None
    assert_plan_valid(staffed, shift_plan.plan)
    planned: dict[str, Any] = shift_plan.plan
    return planned


def test_the_least_staffing_plans_everything_and_nothing_smaller_does() -> None:
    """Every head-count vector of lower cost, tried by planning under it: none plans all
    four orders; the recommended one does (and its plan passes the checker)."""
    doc = _small()
    shift_plan = plan_shifts(doc, PARAMS, curve=False)
    assert shift_plan.status == "minimal" and shift_plan.gap == 0
    assert _checked_plan(shift_plan, doc)["kpis"]["backlog"] == 0
    best = sum(sum(team.headcount_by_slot) for team in shift_plan.teams)
    assert shift_plan.cost == best
    smaller = 0
    for flat in itertools.product(range(3), repeat=6):
        if sum(flat) >= best:
            continue
        smaller += 1
        assert not _plans_everything(doc, [list(flat[:3]), list(flat[3:])]), flat
    assert smaller > 0


def test_rosters_hold_max_headcount_and_shift_length() -> None:
    doc: dict[str, Any] = example_problem("capacity-crunch")
    for team in doc["teams"]:
        team["max_headcount"] = 3
        team["min_shift_minutes"] = 45  # three 15-minute slots
    shift_plan = plan_shifts(doc, PlanParams(time_limit_s=20), curve=False)
    assert shift_plan.status in ("minimal", "feasible")
    planned = _checked_plan(shift_plan, doc)
    assert planned["kpis"]["planned"] == shift_plan.plannable
    num_slots = len(shift_plan.teams[0].headcount_by_slot)
    for team in shift_plan.teams:
        assert max(team.headcount_by_slot) <= 3
        for shift in team.shifts:
            assert shift.last_slot - shift.first_slot + 1 >= 3 or shift.last_slot == num_slots - 1
        rebuilt = [0] * num_slots
        for shift in team.shifts:
            for k in range(shift.first_slot, shift.last_slot + 1):
                rebuilt[k] += shift.people
        assert rebuilt == team.headcount_by_slot


def test_orders_no_staffing_plans_are_left_out_with_their_codes() -> None:
    doc = _small()
    doc["orders"] += [
        order("SO-NONE", ("SKU-404", 1)),
        order("SO-LATE", due="2026-12-04T08:10:00Z"),
    ]
    shift_plan = plan_shifts(doc, PARAMS, curve=False)
    assert {(e.order, e.code) for e in shift_plan.excluded} == {
        ("SO-NONE", "STOCKOUT"),
        ("SO-LATE", "PAST_DUE"),
    }
    assert shift_plan.plannable == 4
    planned = _checked_plan(shift_plan, doc)
    assert {e["order"] for e in planned["exceptions"]} == {"SO-NONE", "SO-LATE"}


def test_a_costly_team_is_staffed_only_where_needed() -> None:
    """Two pack teams that can do the same work: the one costing ten times as much has
    nobody."""
    doc = _small()
    dear = {"id": "pack-dear", "stage": "pack", "headcount": 1, "max_headcount": 2}
    doc["teams"].append({**dear, "cost_per_person_slot": 10.0})
    shift_plan = plan_shifts(doc, PARAMS, curve=False)
    by_id = {team.id: team for team in shift_plan.teams}
    assert sum(by_id["pack-dear"].headcount_by_slot) == 0
    assert sum(by_id["pack-1"].headcount_by_slot) > 0
    _checked_plan(shift_plan, doc)


def test_the_curve_falls_with_fewer_people() -> None:
    shift_plan = plan_shifts(_small(), PlanParams(time_limit_s=15))
    hours = [p.person_hours for p in shift_plan.curve]
    planned = [p.planned for p in shift_plan.curve]
    assert hours == sorted(hours, reverse=True) and len(hours) >= 2
    assert planned == sorted(planned, reverse=True)
    assert planned[0] == 4 and planned[-1] < 4
    assert all(p.planned <= p.planned_bound for p in shift_plan.curve)


def test_shifts_pair_starts_and_ends_first_in_first_out() -> None:
    # two start at slot 0, one leaves before slot 2, one more starts at slot 3
    blocks = shifts([2, 0, 0, 1], [0, 0, 1, 0])
    assert [(s.first_slot, s.last_slot, s.people) for s in blocks] == [
        (0, 1, 1),
        (0, 3, 1),
        (3, 3, 1),
    ]


def test_without_the_mip_a_plans_loads_make_a_feasible_roster() -> None:
    """The fallback: the people a plan's loads need, as shifts of at least two slots; the
    plan fits under it and its cost is at least the work bound."""
    doc: dict[str, Any] = example_problem("capacity-crunch")
    for team in doc["teams"]:
        team["min_shift_minutes"] = 30
    parsed = load_problem(doc)
    rules = rosters(parsed)
    widest = plan(at_most(parsed), PARAMS)
    solution = roster_of_plan(parsed, rules, widest, None)
    assert solution.objective is not None and solution.bound is not None
    assert solution.bound <= solution.objective
    assert solution.bound == work_bound(parsed, rules, widest)
    staffed = staffed_problem(parsed, solution.headcount_by_slot)
    staffed["previous_assignments"] = [
        a.model_dump(mode="json", exclude_none=True) for a in widest.assignments
    ]
    replanned = plan(staffed, PARAMS)
    assert_plan_valid(staffed, json.loads(replanned.to_json()))
    assert replanned.kpis.planned == widest.kpis.planned
    for starts, ends in zip(solution.starts, solution.ends, strict=True):
        for block in shifts(starts, ends):
            assert block.last_slot - block.first_slot + 1 >= 2 or block.last_slot == 7


def test_shift_cover_keeps_people_for_the_minimum_length() -> None:
    starts, ends = shift_cover([2, 1, 3, 0, 0, 1, 1, 0], 2)
    assert headcounts(starts, ends) == [2, 2, 3, 1, 0, 1, 1, 0]
    assert all(s.last_slot - s.first_slot >= 1 for s in shifts(starts, ends))


def _with_extra_people(doc: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The document with each recommendation's people added to its team over its run."""
    doc = copy.deepcopy(doc)
    teams = {team["id"]: team for team in doc["teams"]}
    for item in items:
        team = teams[item["team"]]
        if "availability" not in team:
            window = doc["window"]
            team["availability"] = [
                {"start": window["start"], "end": window["end"], "headcount": team["headcount"]}
            ]
        team["availability"] = _added(team["availability"], item)
    return doc


def _added(intervals: list[dict[str, Any]], item: dict[str, Any]) -> list[dict[str, Any]]:
    """Intervals with ``people`` more over [start, end): split where they overlap."""
    start, end = datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
    result = []
    for interval in intervals:
        a, b = datetime.fromisoformat(interval["start"]), datetime.fromisoformat(interval["end"])
        cuts = sorted({a, b, max(a, min(b, start)), max(a, min(b, end))})
        for lo, hi in itertools.pairwise(cuts):
            people = interval["headcount"] + (item["people"] if start <= lo and hi <= end else 0)
            result.append({"start": lo.isoformat(), "end": hi.isoformat(), "headcount": people})
    return result


def test_recommended_people_plan_the_capacity_orders() -> None:
    """capacity-crunch leaves 15 CAPACITY orders; the plan recommends the least extra
    people (proven); with them added the planner plans every order."""
    doc: dict[str, Any] = example_problem("capacity-crunch")
    planned = json.loads(plan(doc, PARAMS).to_json())
    assert_plan_valid(doc, planned)
    capacity = [e["order"] for e in planned["exceptions"] if e["code"] == "CAPACITY"]
    found = planned["recommendations"]
    assert found["proven"] and found["orders"] == len(capacity) == 15
    assert found["people_slots"] == sum(
        item["people"] * (item["last_slot"] - item["first_slot"] + 1) for item in found["items"]
    )
    assert all(item["message"].startswith(f"add {item['people']} ") for item in found["items"])
    more = _with_extra_people(doc, found["items"])
    replanned = json.loads(plan(more, PARAMS).to_json())
    assert_plan_valid(more, replanned)
    assert replanned["kpis"]["backlog"] == 0
    none = json.loads(plan(doc, PlanParams(time_limit_s=10, recommendation_effort_s=0)).to_json())
    assert "recommendations" not in none


def test_without_the_mip_the_bottlenecks_give_the_recommendation() -> None:
    """From the exceptions' bottlenecks alone: not proven, at least as many people as the
    least (the MIP's), every order it names a CAPACITY exception."""
    doc: dict[str, Any] = example_problem("capacity-crunch")
    window = plan_window(doc, PARAMS)
    capacity = [e for e in window.plan.exceptions if e.code == "CAPACITY"]
    found = from_bottlenecks(window.instance, capacity)
    assert not found.proven and found.note and found.orders == 15
    least = window.plan.recommendations
    assert least is not None and found.people_slots >= least.people_slots
    named = {o for item in found.items for o in item.orders}
    assert named and named <= {e.order for e in capacity}
    assert all(item.extra_seconds > 0 for item in found.items)


def test_a_cheaper_full_curve_point_replaces_an_unproven_minimum() -> None:
    """When the least-cost solve stopped short of proof and a curve point plans every
    order with fewer people, that staffing is the answer (its bound kept, not proven)."""
    rules = rosters(load_problem(_small()))
    minimum = StaffSolution("FEASIBLE", 6.0, 3.0, ((3, 0, 0), (0, 3, 0)), (), (), None)
    cheaper = StaffSolution("FEASIBLE", 4.0, 4.0, ((2, 0, 0), (0, 2, 0)), (), (), None)
    fewer = StaffSolution("FEASIBLE", 3.0, 3.0, ((1, 0, 0), (0, 1, 0)), (), (), None)
    points = [
        CurvePoint(6, 4, 4, "FEASIBLE", minimum),
        CurvePoint(4, 4, 4, "FEASIBLE", cheaper),
        CurvePoint(2, 3, 4, "FEASIBLE", fewer),
    ]
    chosen = cheapest_staffing(rules, minimum, points, num_orders=4)
    assert chosen.headcount_by_slot == cheaper.headcount_by_slot
    assert (chosen.objective, chosen.bound, chosen.status) == (4.0, 3.0, "FEASIBLE")
    assert cheapest_staffing(rules, minimum, points[2:], num_orders=4) is minimum


def test_the_curve_by_planning_loses_orders_as_people_go() -> None:
    """Without the MIP: person-slots off the busiest slots, planned by the planner; each
    staffing holds the next smaller one, so the exact planner plans no more with less."""
    doc: dict[str, Any] = example_problem("capacity-crunch")
    shift_plan = plan_shifts(doc, PARAMS, curve=False)
    counts = tuple(tuple(team.headcount_by_slot) for team in shift_plan.teams)
    staffing = StaffSolution("OPTIMAL", shift_plan.cost, shift_plan.cost, counts, (), (), None)
    end_at = time.monotonic() + 8
    points = planned_curve(load_problem(doc), staffing, 90, PARAMS, end_at)
    assert len(points) >= 3 and points[0].planned == 90
    assert [p.person_slots for p in points] == sorted(
        (p.person_slots for p in points), reverse=True
    )
    planned = [p.planned for p in points]
    assert planned == sorted(planned, reverse=True) and planned[-1] < 90
    assert all(p.status == "PLANNED" for p in points[1:])
