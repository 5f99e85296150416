"""The dashboard's picture of a plan, recomputed from the documents: loads, capacity,
priorities, codes, where each order is; the people-readable formats; the what-if form."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from api.live import changed
from api.web import format as fmt
from api.web.forms import FormError, WhatIfForm, base_document, stock_choices, variants
from api.web.views import picture
from scenarios.examples import example_problem
from scenarios.whatif.runner import prepare_cases
from scenarios.whatif.spec import parse_scenario
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan
from solver.timegrid import team_capacity_s


@pytest.fixture(scope="module")
def crunch() -> tuple[dict[str, Any], dict[str, Any]]:
    """capacity-crunch and its plan (checked): 15 CAPACITY orders, one team short."""
    problem = example_problem("capacity-crunch")
    plan_doc = json.loads(plan(load_problem(problem), PlanParams(time_limit_s=10)).to_json())
    assert_plan_valid(problem, plan_doc)
    return problem, plan_doc


def test_cells_hold_the_planned_work_against_the_teams_capacity(crunch: Any) -> None:
    problem, plan_doc = crunch
    shown = picture(problem, plan_doc)
    window = load_problem(problem).window
    load: Counter[tuple[str, int]] = Counter()
    for a in plan_doc["assignments"]:
        load[(a["team"], a["slot"])] += a["seconds"]
    for team in load_problem(problem).teams:
        capacity = team_capacity_s(window, team)
        row = next(r for r in shown.rows if r.team_id == team.id)
        assert [c.capacity_s for c in row.cells] == [int(c) for c in capacity]
        assert [c.load_s for c in row.cells] == [load[(team.id, k)] for k in range(len(capacity))]
    assert shown.load_s == sum(load.values())
    busiest = max(load, key=load.__getitem__)
    tasks = shown.cell_tasks(*busiest)
    assert sum(t.seconds for t in tasks) == load[busiest]
    assert [t.priority for t in tasks] == sorted(t.priority or 0 for t in tasks)


def test_a_packs_lines_are_the_whole_orders(crunch: Any) -> None:
    problem, plan_doc = crunch
    shown = picture(problem, plan_doc)
    pack = next(a for a in plan_doc["assignments"] if a["stage"] == "pack")
    order = next(o for o in problem["orders"] if o["id"] == pack["order"])
    task = next(
        t for t in shown.cell_tasks(pack["team"], pack["slot"]) if t.order_id == pack["order"]
    )
    assert (task.lines, task.units) == (len(order["lines"]), sum(x["qty"] for x in order["lines"]))


def test_counts_agree_with_the_plans_kpis(crunch: Any) -> None:
    problem, plan_doc = crunch
    shown, kpis = picture(problem, plan_doc), plan_doc["kpis"]
    assert (shown.orders, shown.planned, shown.backlog) == (
        kpis["orders"], kpis["planned"], kpis["backlog"],
    )  # fmt: skip
    assert {str(r.priority): r.planned for r in shown.priorities} == kpis["planned_by_priority"]
    assert dict(shown.backlog_by_code) == {c: n for c, n in kpis["backlog_by_code"].items() if n}
    assert shown.recommendations and shown.recommendations[0].message.startswith("add ")


def test_where_says_where_an_order_is_or_why_not(crunch: Any) -> None:
    problem, plan_doc = crunch
    shown = picture(problem, plan_doc)
    planned = plan_doc["assignments"][0]["order"]
    where = shown.where(planned)
    assert where is not None and where.planned
    mine = [a for a in plan_doc["assignments"] if a["order"] == planned]
    assert {(t.stage, t.team_id, t.slot_idx) for t in where.tasks} == {
        (a["stage"], a["team"], a["slot"]) for a in mine
    }
    excepted = plan_doc["exceptions"][0]
    why = shown.where(excepted["order"])
    assert why is not None and not why.planned and why.exception is not None
    assert why.exception.code == "CAPACITY" and why.exception.bottlenecks
    assert shown.where("no-such-order") is None
    assert shown.matches("so-20") == shown.matches("SO-20") != []
    assert len(shown.matches("SO-")) == 20  # at most MAX_MATCHES


@pytest.mark.parametrize(
    ("value", "text"),
    [(fmt.number(1234567), "1,234,567"), (fmt.number(2.5), "2.5"), (fmt.number(None), fmt.NONE),
     (fmt.percent(0.8567), "86 %"), (fmt.duration(0.42), "0.4 s"), (fmt.duration(45), "45 s"),
     (fmt.duration(720), "12 min"), (fmt.duration(3900), "1 h 05 min"),
     (fmt.hours(12.25), "12.25 h"), (fmt.hours(3.0), "3 h"),
     (fmt.clock("2026-12-04T08:15:00Z"), "08:15")],
)  # fmt: skip
def test_formats_for_people(value: str, text: str) -> None:
    assert value == text


def test_each_filled_in_change_is_a_variant() -> None:
    form = WhatIfForm.model_validate(
        {"volume": "1.3", "absent_team": "pick-A", "headcount_team": "", "headcount": "",
         "stockout": "SKU-1@A-01", "cutoff_earlier_min": "30", "rush_orders": "5"}
    )  # fmt: skip
    names = [v["name"] for v in variants(form)]
    assert names == ["volume-x1.3", "pick-A-absent", "stockout-SKU-1", "cutoff-30min-earlier",
                     "rush-5"]  # fmt: skip
    with pytest.raises(FormError, match="at least one"):
        variants(WhatIfForm.model_validate({"volume": "", "time_limit_s": "3"}))
    with pytest.raises(FormError, match="both"):
        variants(WhatIfForm.model_validate({"headcount_team": "pick-A"}))
    with pytest.raises(FormError, match="SKU@location"):
        variants(WhatIfForm.model_validate({"stockout": "SKU-1"}))


def test_a_what_if_on_a_window_is_a_valid_scenario(crunch: Any) -> None:
    problem, _ = crunch
    window_problem = {**problem, "previous_assignments": [], "pinned": []}
    assert set(base_document(window_problem)) == set(problem)
    choice = stock_choices(problem)[0]
    form = WhatIfForm(absent_team="pick-B", stockout=choice.value, time_limit_s=3)
    spec = parse_scenario(
        {"name": "w", "base": {"document": base_document(window_problem)},
         "variants": variants(form), "time_limit_s": 3}
    )  # fmt: skip
    sku = choice.value.split("@")[0]
    assert [c.name for c in prepare_cases(spec)] == ["base", "pick-B-absent", f"stockout-{sku}"]


@pytest.mark.parametrize(
    ("method", "path", "status", "what"),
    [("POST", "/v1/orders", 200, "orders"), ("POST", "/v1/orders/X/events", 200, "orders"),
     ("PUT", "/v1/inventory", 200, "stock"), ("POST", "/v1/inventory/adjustments", 200, "stock"),
     ("PUT", "/v1/teams", 200, "teams"), ("POST", "/ui/exceptions/3/resolve", 200, "exceptions"),
     ("POST", "/v1/orders", 422, None), ("GET", "/v1/orders", 200, None),
     ("POST", "/v1/plans", 202, None)],
)  # fmt: skip
def test_which_writes_are_state_changes(method: str, path: str, status: int, what: str) -> None:
    assert changed(method, path, status) == what
