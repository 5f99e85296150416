"""The independent plan checker: a hand-made plan passes, each broken rule is caught.

The base problem (``_problem``) has a window 08:00-09:00 in four 15-minute slots
(0: 08:00, 1: 08:15, 2: 08:30, 3: 08:45) and labor of 30 s per line + 6 s per unit
(pick) and 90 s per order + 3 s per unit (pack).

Capacity: pick-A works 08:00-08:01 with 1 person and 08:15-08:30 with 2, so it has
60 s in slot 0, 2 x 900 = 1800 s in slot 1 and nothing in slots 2 and 3. pick-B has
1 person at efficiency 0.5: 450 s per slot. pack-1 and pack-B have 1 person: 900 s.

Orders:
- SO-1 (priority 1, due 08:45, so its pack slot must be <= 2): SKU-1 x2.
  Pick 30 + 2*6 = 42 s, pack 90 + 2*3 = 96 s.
- SO-2 (priority 2): SKU-1 x1 (zone A), SKU-2 x3 (zone B).
  Picks 30 + 6 = 36 s (A) and 30 + 18 = 48 s (B, pinned in slot 0), pack 90 + 4*3 = 102 s.
- SO-3: SKU-1 x3. SKU-1 has 5 units at A-01; SO-1 and SO-2 take 3, 2 are left: STOCKOUT.
- SO-4: received 08:50, so its first slot would be slot 4, past the window: PAST_DUE.
- SO-5: no lines: INVALID_ORDER.
- SO-6: SKU-4 x1, stocked only in zone C, which no pick team works: NO_ELIGIBLE_TEAM.

The good plan: SO-1 pick-A slot 0 (42 <= 60 s), pack-1 slot 1; SO-2 pick-A slot 1,
pick-B slot 0 (pinned), pack-1 slot 2 (after both picks, ends 08:45).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.check import CheckReport, assert_plan_valid, check_plan
from solver.check_codes import build_facts, can_cover
from solver.loading import load_problem

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"

Doc = dict[str, Any]
Mutation = Callable[[Doc, Doc], None]

SLOT_STARTS = ["2026-12-04T08:00:00Z", "2026-12-04T08:15:00Z", "2026-12-04T08:30:00Z"]
SLOT_STARTS += ["2026-12-04T08:45:00Z"]
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "Springfield"}
ADDRESS |= {"postal_code": "62701", "country": "US"}
PINNED_B_PICK: Doc = {
    "order": "SO-2",
    "stage": "pick",
    "team": "pick-B",
    "slot": 0,
    "zone": "B",
    "lines": [{"sku": "SKU-2", "qty": 3, "location": "B-01"}],
}


def _order(order_id: str, lines: list[tuple[str, int]], **fields: Any) -> Doc:
    """An order with a valid address; ``lines`` as (sku, qty) pairs."""
    body = [{"sku": sku, "qty": qty} for sku, qty in lines]
    return {"id": order_id, "ship_to": dict(ADDRESS), "lines": body, **fields}


def _team(team_id: str, stage: str, zones: list[str] | None = None, **fields: Any) -> Doc:
    team: Doc = {"id": team_id, "stage": stage, "headcount": 1, **fields}
    return team if zones is None else team | {"zones": zones}


def _problem() -> Doc:
    """The base problem of the module docstring."""
    pick_a_hours = [
        {"start": "2026-12-04T08:00:00Z", "end": "2026-12-04T08:01:00Z", "headcount": 1},
        {"start": "2026-12-04T08:15:00Z", "end": "2026-12-04T08:30:00Z", "headcount": 2},
    ]
    return {
        "window": {"start": SLOT_STARTS[0], "end": "2026-12-04T09:00:00Z", "slot_minutes": 15},
        "labor": {
            "pick_seconds_per_line": 30,
            "pick_seconds_per_unit": 6,
            "pack_seconds_per_order": 90,
            "pack_seconds_per_unit": 3,
        },
        "locations": [
            {"id": location, "zone": location[0]} for location in ("A-01", "A-02", "B-01", "C-01")
        ],
        "inventory": [
            {"sku": "SKU-1", "location": "A-01", "on_hand": 5},
            {"sku": "SKU-3", "location": "A-02", "on_hand": 7},
            {"sku": "SKU-2", "location": "B-01", "on_hand": 10},
            {"sku": "SKU-4", "location": "C-01", "on_hand": 10},
        ],
        "teams": [
            _team("pick-A", "pick", ["A"], availability=pick_a_hours),
            _team("pick-B", "pick", ["B"], efficiency=0.5),
            _team("pack-1", "pack"),
            _team("pack-B", "pack", ["B"]),
        ],
        "orders": [
            _order("SO-1", [("SKU-1", 2)], priority=1, received_at="2026-12-04T07:55:00Z")
            | {"due": "2026-12-04T08:45:00Z"},
            _order("SO-2", [("SKU-1", 1), ("SKU-2", 3)], priority=2),
            _order("SO-3", [("SKU-1", 3)]),
            _order("SO-4", [("SKU-3", 1)], received_at="2026-12-04T08:50:00Z"),
            _order("SO-5", []),
            _order("SO-6", [("SKU-4", 1)]),
        ],
        "pinned": [copy.deepcopy(PINNED_B_PICK)],
    }


def _pick(order: str, team: str, zone: str, slot: int, seconds: int, lines: list[Doc]) -> Doc:
    return {
        "order": order,
        "stage": "pick",
        "zone": zone,
        "team": team,
        "slot": slot,
        "slot_start": SLOT_STARTS[slot],
        "seconds": seconds,
        "lines": lines,
    }


def _pack(order: str, team: str, slot: int, seconds: int) -> Doc:
    return {
        "order": order,
        "stage": "pack",
        "team": team,
        "slot": slot,
        "slot_start": SLOT_STARTS[slot],
        "seconds": seconds,
    }


def _capacity_exception(order: str) -> Doc:
    bottleneck = {"team": "pick-A", "slot": 0, "slot_start": SLOT_STARTS[0], "missing_seconds": 18}
    return {
        "order": order,
        "code": "CAPACITY",
        "message": "pick-A is full",
        "missing_seconds": 18,
        "bottlenecks": [bottleneck],
    }


def _plan() -> Doc:
    """The good plan of the module docstring."""
    return {
        "status": "backlog",
        "window": {"start": SLOT_STARTS[0], "end": "2026-12-04T09:00:00Z", "slot_minutes": 15},
        "assignments": [
            _pick("SO-1", "pick-A", "A", 0, 42, [{"sku": "SKU-1", "qty": 2, "location": "A-01"}]),
            _pack("SO-1", "pack-1", 1, 96),
            _pick("SO-2", "pick-A", "A", 1, 36, [{"sku": "SKU-1", "qty": 1, "location": "A-01"}]),
            _pick("SO-2", "pick-B", "B", 0, 48, copy.deepcopy(PINNED_B_PICK["lines"]))
            | {"pinned": True},
            _pack("SO-2", "pack-1", 2, 102),
        ],
        "exceptions": [
            {
                "order": "SO-3",
                "code": "STOCKOUT",
                "message": "SKU-1 short by 1",
                "sku": "SKU-1",
                "short_qty": 1,
            },
            {"order": "SO-4", "code": "PAST_DUE", "message": "received after the last slot"},
            {"order": "SO-5", "code": "INVALID_ORDER", "message": "lines: [] is empty"},
            {"order": "SO-6", "code": "NO_ELIGIBLE_TEAM", "message": "nobody picks zone C"},
        ],
        "kpis": {"orders": 6, "planned": 2, "backlog": 4, "planned_by_priority": {"1": 1, "2": 1}},
    }


def _task(plan: Doc, order: str, stage: str, zone: str | None = None) -> Doc:
    """The plan's assignment of that order and stage (and zone, for picks), not a copy."""
    tasks: list[Doc] = plan["assignments"]
    for task in tasks:
        if task["order"] == order and task["stage"] == stage and task.get("zone") == zone:
            return task
    raise LookupError(f"no {stage} of {order} in zone {zone}")


def _exception(plan: Doc, order: str) -> Doc:
    exceptions: list[Doc] = plan["exceptions"]
    return next(exc for exc in exceptions if exc["order"] == order)


def _rules(report: CheckReport) -> set[str]:
    return {violation.rule for violation in report.violations}


def _move(task: Doc, slot: int) -> None:
    task["slot"], task["slot_start"] = slot, SLOT_STARTS[slot]


def _without_orders(plan: Doc, *orders: str, keep_pinned: bool = False) -> None:
    plan["assignments"] = [
        task
        for task in plan["assignments"]
        if task["order"] not in orders or (keep_pinned and task.get("pinned"))
    ]


def _unplan_so2(problem: Doc, plan: Doc) -> None:
    """SO-2 becomes a CAPACITY exception; its pinned pick stays listed (a fact)."""
    _without_orders(plan, "SO-2", keep_pinned=True)
    plan["exceptions"].append(_capacity_exception("SO-2"))
    plan["kpis"] |= {"planned": 1, "backlog": 5, "planned_by_priority": {"1": 1}}


# --- the good plan ----------------------------------------------------------------------------


def test_check_plan_good_plan_passes() -> None:
    """Every number in the hand-made plan is worked out in the module docstring."""
    report = check_plan(_problem(), _plan())
    assert report.ok, str(report)
    assert_plan_valid(load_problem(_problem()), _plan())


def test_check_plan_capacity_exception_keeps_pinned_work() -> None:
    """Unplanning SO-2 frees SKU-1 (5 - 2 = 3 left), so SO-3 must become CAPACITY too."""
    problem, plan = _problem(), _plan()
    _unplan_so2(problem, plan)
    plan["exceptions"][0] = _capacity_exception("SO-3")
    assert check_plan(problem, plan).ok, str(check_plan(problem, plan))


def test_check_plan_zero_backlog_plan_passes() -> None:
    """With SO-1 alone and planned, the plan is zero_backlog with 1 planned order."""
    problem = _problem() | {"pinned": []}
    problem["orders"] = problem["orders"][:1]
    plan = _plan() | {"status": "zero_backlog", "exceptions": []}
    _without_orders(plan, "SO-2")
    plan["kpis"] = {"orders": 1, "planned": 1, "backlog": 0, "planned_by_priority": {"1": 1}}
    assert check_plan(problem, plan).ok, str(check_plan(problem, plan))
    assert _rules(check_plan(problem, plan | {"status": "backlog"})) == {"status"}


def test_check_plan_pinned_work_is_a_given() -> None:
    """pick-B at efficiency 0.05 has floor(0.05 * 900) = 45 s per slot, less than the pinned
    48 s pick: a fact of the problem, not a fault of the plan, which only has to list it."""
    problem = _problem()
    problem["teams"][1]["efficiency"] = 0.05
    assert check_plan(problem, _plan()).ok, str(check_plan(problem, _plan()))


# --- one mutation per rule --------------------------------------------------------------------


def _set(order: str, stage: str, zone: str | None = None, **fields: Any) -> Mutation:
    """A mutation that overwrites fields of one assignment."""

    def mutate(problem: Doc, plan: Doc) -> None:
        for task in plan["assignments"]:
            if task["order"] == order and task["stage"] == stage and task.get("zone") == zone:
                task.update(fields)

    return mutate


def _set_exception(order: str, **fields: Any) -> Mutation:
    def mutate(problem: Doc, plan: Doc) -> None:
        _exception(plan, order).update(fields)

    return mutate


def _over_capacity(problem: Doc, plan: Doc) -> None:
    """SO-2's A pick joins SO-1's in slot 0: 42 + 36 = 78 s > 60 s."""
    _move(_task(plan, "SO-2", "pick", "A"), 0)


def _stock_overdrawn(problem: Doc, plan: Doc) -> None:
    """A-01 holds only 2 units of SKU-1 while the plan takes 2 + 1."""
    problem["inventory"][0]["on_hand"] = 2


def _received_late(problem: Doc, plan: Doc) -> None:
    """SO-1 arrives at 08:10: its first slot is 1, but its pick is in slot 0."""
    problem["orders"][0]["received_at"] = "2026-12-04T08:10:00Z"


def _plenty_of_stock(problem: Doc, plan: Doc) -> None:
    """50 units of SKU-1: SO-3 is no stockout (it would be CAPACITY)."""
    problem["inventory"][0]["on_hand"] = 50


def _stock_freed(problem: Doc, plan: Doc) -> None:
    """SO-2 unplanned leaves 3 units of SKU-1, enough for SO-3, still called STOCKOUT."""
    _unplan_so2(problem, plan)


def _slot_without_capacity(problem: Doc, plan: Doc) -> None:
    """pick-A has no one from 08:30."""
    _move(_task(plan, "SO-2", "pick", "A"), 2)


def _order_missing(problem: Doc, plan: Doc) -> None:
    _without_orders(plan, "SO-1")


def _also_an_exception(problem: Doc, plan: Doc) -> None:
    plan["exceptions"].append(_capacity_exception("SO-1"))


def _exception_twice(problem: Doc, plan: Doc) -> None:
    plan["exceptions"].append(dict(_exception(plan, "SO-4")))


def _unknown_order(problem: Doc, plan: Doc) -> None:
    plan["assignments"].append(_pack("SO-99", "pack-1", 3, 93))


def _no_pack(problem: Doc, plan: Doc) -> None:
    plan["assignments"].remove(_task(plan, "SO-1", "pack"))


def _two_picks_in_a_zone(problem: Doc, plan: Doc) -> None:
    plan["assignments"].append(dict(_task(plan, "SO-2", "pick", "A")))


def _pin_dropped(problem: Doc, plan: Doc) -> None:
    plan["assignments"].remove(_task(plan, "SO-2", "pick", "B"))


def _invalid_order_planned(problem: Doc, plan: Doc) -> None:
    plan["exceptions"] = [exc for exc in plan["exceptions"] if exc["order"] != "SO-5"]
    plan["assignments"].append(_pack("SO-5", "pack-1", 3, 90))


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "over_capacity": (_over_capacity, "capacity"),
    "stock_overdrawn": (_stock_overdrawn, "stock"),
    "pack_in_pick_slot": (
        _set("SO-1", "pack", slot=0, slot_start=SLOT_STARTS[0]),
        "pack_after_picks",
    ),
    "pack_ends_after_due": (_set("SO-1", "pack", slot=3, slot_start=SLOT_STARTS[3]), "deadline"),
    "pick_before_release": (_received_late, "release"),
    "wrong_pick_seconds": (_set("SO-1", "pick", "A", seconds=41), "seconds"),
    "wrong_pack_seconds": (_set("SO-2", "pack", seconds=100), "seconds"),
    "location_without_sku": (
        _set("SO-1", "pick", "A", lines=[{"sku": "SKU-1", "qty": 2, "location": "A-02"}]),
        "line_source",
    ),
    "location_in_other_zone": (
        _set("SO-1", "pick", "A", lines=[{"sku": "SKU-1", "qty": 2, "location": "B-01"}]),
        "line_source",
    ),
    "order_missing": (_order_missing, "nothing_lost"),
    "planned_and_exception": (_also_an_exception, "nothing_lost"),
    "exception_listed_twice": (_exception_twice, "nothing_lost"),
    "unknown_order": (_unknown_order, "nothing_lost"),
    "unknown_team": (_set("SO-1", "pick", "A", team="pick-Z"), "team"),
    "pack_by_pick_team": (_set("SO-1", "pack", team="pick-A"), "stage"),
    "pick_team_outside_zones": (_set("SO-1", "pick", "A", team="pick-B"), "zone"),
    "zoned_pack_team": (_set("SO-1", "pack", team="pack-B"), "pack_zones"),
    "slot_out_of_range": (_set("SO-1", "pack", slot=7), "slot"),
    "wrong_slot_start": (_set("SO-1", "pack", slot_start="2026-12-04T08:20:00Z"), "slot_start"),
    "slot_without_capacity": (_slot_without_capacity, "no_capacity"),
    "pack_missing": (_no_pack, "completeness"),
    "wrong_quantity": (
        _set("SO-1", "pick", "A", lines=[{"sku": "SKU-1", "qty": 3, "location": "A-01"}]),
        "completeness",
    ),
    "two_picks_in_a_zone": (_two_picks_in_a_zone, "completeness"),
    "past_due_coded_capacity": (_set_exception("SO-4", code="CAPACITY"), "exception_code"),
    "past_due_coded_stockout": (_set_exception("SO-4", code="STOCKOUT"), "exception_code"),
    "stockout_with_plenty": (_plenty_of_stock, "exception_code"),
    "stockout_after_stock_freed": (_stock_freed, "exception_code"),
    "invalid_coded_capacity": (_set_exception("SO-5", code="CAPACITY"), "exception_code"),
    "valid_coded_invalid": (_set_exception("SO-6", code="INVALID_ADDRESS"), "exception_code"),
    "no_team_coded_capacity": (_set_exception("SO-6", code="CAPACITY"), "exception_code"),
    "invalid_order_planned": (_invalid_order_planned, "exception_code"),
    "stockout_names_other_sku": (_set_exception("SO-3", sku="SKU-2"), "exception_fields"),
    "stockout_without_short_qty": (_set_exception("SO-3", short_qty=0), "exception_fields"),
    "unknown_code": (_set_exception("SO-4", code="LATE"), "exception_fields"),
    "empty_message": (_set_exception("SO-4", message=" "), "exception_fields"),
    "wrong_backlog_kpi": (lambda problem, plan: plan["kpis"].update(backlog=3), "kpis"),
    "wrong_priority_kpi": (
        lambda problem, plan: plan["kpis"].update(planned_by_priority={"1": 2}),
        "kpis",
    ),
    "pinned_missing": (_pin_dropped, "pinned"),
    "pinned_unmarked": (_set("SO-2", "pick", "B", pinned=False), "pinned"),
    "pinned_moved": (_set("SO-2", "pick", "B", slot=1, slot_start=SLOT_STARTS[1]), "pinned"),
    "pinned_faked": (_set("SO-1", "pick", "A", pinned=True), "pinned"),
    "zero_backlog_with_exceptions": (
        lambda problem, plan: plan.update(status="zero_backlog"),
        "status",
    ),
    "window_changed": (lambda problem, plan: plan["window"].update(slot_minutes=30), "window"),
}


@pytest.mark.parametrize(("mutation", "rule"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_check_plan_mutation_breaks_its_rule(mutation: Mutation, rule: str) -> None:
    """Each mutation breaks one rule of the contract, so the checker must name that rule."""
    problem, plan = _problem(), _plan()
    mutation(problem, plan)
    report = check_plan(problem, plan)
    assert rule in _rules(report), str(report)


def test_check_plan_capacity_message_names_team_slot_and_seconds() -> None:
    """pick-A has 60 s in slot 0 (1 person for 60 s); both A picks there take 42 + 36 = 78 s."""
    problem, plan = _problem(), _plan()
    _over_capacity(problem, plan)
    messages = [v.message for v in check_plan(problem, plan).violations if v.rule == "capacity"]
    assert messages == ["team 'pick-A' in slot 0: 78 s of work > 60 s"]


def test_check_plan_wrong_code_names_the_first_code_that_applies() -> None:
    """SO-4 is received at 08:50, after the last slot starts, so PAST_DUE comes before CAPACITY."""
    problem, plan = _problem(), _plan()
    _set_exception("SO-4", code="CAPACITY")(problem, plan)
    [violation] = [v for v in check_plan(problem, plan).violations if v.rule == "exception_code"]
    assert violation.order == "SO-4"
    assert "PAST_DUE applies first" in violation.message


def test_assert_plan_valid_lists_every_violation() -> None:
    """Two broken rules, two lines in the assertion message."""
    problem, plan = _problem(), _plan()
    _over_capacity(problem, plan)
    plan["kpis"]["backlog"] = 3
    with pytest.raises(AssertionError) as raised:
        assert_plan_valid(problem, plan)
    assert "[capacity]" in str(raised.value)
    assert "[kpis]" in str(raised.value)


# --- garbage in, violations out ---------------------------------------------------------------

GARBAGE: list[Any] = [
    {},
    {"assignments": 5},
    [],
    None,
    "plan",
    {"status": 7, "window": "w", "kpis": 3, "assignments": [5, {"order": 1}], "exceptions": [7]},
    {"assignments": [{"order": "SO-1", "stage": "pick", "team": "pick-A", "slot": "0"}]},
    {"assignments": [{"order": "SO-1", "stage": "pick", "team": "x", "slot": 0, "seconds": 1}]},
    {"assignments": [_pick("SO-1", "pick-A", "A", 0, 42, [{"sku": None}])], "exceptions": None},
    {"assignments": [_pick("SO-1", "pick-A", "A", 0, 42, [])] * 2, "window": {"start": 5}},
    {"assignments": [_pack("SO-1", "pack-1", 1, 96) | {"slot_start": "08:15", "pinned": "y"}]},
    {"assignments": [_pack("SO-1", "pack-1", 1, 96) | {"lines": [{"sku": "SKU-1"}]}]},
    {"exceptions": [{"code": "X"}, {"order": "SO-3", "code": "STOCKOUT", "short_qty": True}]},
    {
        "exceptions": [
            _capacity_exception("SO-1") | {"missing_seconds": "x", "bottlenecks": [1, {"team": 5}]},
            _capacity_exception("SO-2") | {"bottlenecks": [{"team": "pick-A", "slot": 99}]},
            _capacity_exception("SO-3") | {"bottlenecks": "pick-A"},
        ],
        "kpis": {"orders": "6", "planned_by_priority": [1]},
    },
    {"kpis": {"orders": 6, "planned_by_priority": {"1": "x", 2: None}}},
]


@pytest.mark.parametrize("plan", GARBAGE, ids=range(len(GARBAGE)))
def test_check_plan_garbage_gives_violations_not_tracebacks(plan: Any) -> None:
    """A plan from anywhere may be malformed; the checker reports it and never raises."""
    report = check_plan(_problem(), plan)
    assert not report.ok
    assert all(v.rule and v.message for v in report.violations)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _all_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) to a value inside a JSON document, the root excluded."""
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    else:
        return []
    paths: list[tuple[Any, ...]] = []
    for key, child in children:
        paths += [(*prefix, key), *_all_paths(child, (*prefix, key))]
    return paths


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_check_plan_never_raises_on_a_corrupted_plan(data: st.DataObject) -> None:
    """Any value anywhere in the good plan may be replaced by any JSON value: no traceback."""
    plan = _plan()
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_all_paths(plan)))
        parent = plan
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(JSON_VALUES)
    assert isinstance(check_plan(_problem(), plan), CheckReport)


# --- arithmetic -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtys", "rooms", "covered"),
    [
        ([3, 3], [4, 2], False),  # 6 units in total, but no location holds a second 3 whole
        ([3, 3], [6], True),  # two lines may share one location
        ([2, 2, 2], [4, 2], True),
        ([5], [3, 3], False),
        ([1] * 11, [11], True),  # past 10 lines: the aggregate test
        ([1] * 11, [10], False),
        ([1], [], False),  # no inventory record: no stock
    ],
)
def test_can_cover_sources_each_line_whole(
    qtys: list[int], rooms: list[int], covered: bool
) -> None:
    """STOCKOUT needs each line from one location; only the total is not enough."""
    assert can_cover(qtys, rooms) is covered


def test_build_facts_capacity_is_exact() -> None:
    """floor(0.57 * 600 s) is 342 in decimal; float arithmetic would give 341."""
    problem = _problem()
    problem["window"]["slot_minutes"] = 10
    problem["teams"][1]["efficiency"] = 0.57
    assert build_facts(load_problem(problem)).capacity("pick-B", 0) == 342


def test_build_facts_pick_seconds_are_exact() -> None:
    """ceil(0.3 + 7 * 1.1) is 8 in decimal; float arithmetic would give 9."""
    problem = _problem()
    problem["labor"] |= {"pick_seconds_per_line": 0.3, "pick_seconds_per_unit": 1.1}
    assert build_facts(load_problem(problem)).line_pick_s(7) == 8


def test_build_facts_release_and_last_pack_slot() -> None:
    """SO-1 (received 07:55, due 08:45) may use slots 0..2; SO-4 (08:50) would start at 4."""
    facts = build_facts(load_problem(_problem()))
    so1, so4 = facts.orders["SO-1"], facts.orders["SO-4"]
    assert (facts.release_slot(so1), facts.last_pack_slot(so1)) == (0, 2)
    assert (facts.release_slot(so4), facts.last_pack_slot(so4)) == (4, 3)


# --- a worked example -------------------------------------------------------------------------


def _all_capacity_plan(problem: Doc) -> Doc:
    order_ids = [order["id"] for order in problem["orders"]]
    bottleneck = {"team": "pick-A", "slot": 0, "slot_start": SLOT_STARTS[0], "missing_seconds": 1}
    exceptions = [
        {"order": order_id, "code": "CAPACITY", "message": "no room"}
        | {"missing_seconds": 1, "bottlenecks": [bottleneck]}
        for order_id in order_ids
    ]
    return {
        "status": "backlog",
        "window": problem["window"],
        "assignments": [],
        "exceptions": exceptions,
        "kpis": {"orders": 12, "planned": 0, "backlog": 12, "planned_by_priority": {}},
    }


def test_check_plan_loose_example_all_capacity_is_flagged_only_where_earlier_code_applies() -> None:
    """loose-0: every order is received before 08:00 with stock and teams; only the order
    whose due we pull to 08:20 (no pick slot before a pack slot ending then) is flagged."""
    problem = json.loads((EXAMPLES / "loose-0.json").read_text(encoding="utf-8"))
    assert check_plan(problem, _all_capacity_plan(problem)).ok
    next(o for o in problem["orders"] if o["id"] == "SO-100-7")["due"] = "2026-12-04T08:20:00Z"
    report = check_plan(problem, _all_capacity_plan(problem))
    assert [(v.rule, v.order) for v in report.violations] == [("exception_code", "SO-100-7")]
