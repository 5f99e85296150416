"""Available to promise: answers read from a plan's free capacity and stock."""

from __future__ import annotations

import copy
import json
from typing import Any

from planning import at, order, plan_dict, tiny_problem

from scenarios.generator import GeneratorSpec, generate_problem
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.promise import PromiseBook
from solver.replan import add_orders
from solver.solve import plan_window

PARAMS = PlanParams(time_limit_s=10)


def _window(num_orders: int = 120, load: float = 0.8) -> Any:
    doc = generate_problem(GeneratorSpec(seed=3, num_orders=num_orders, load_factor=load))
    return doc, plan_window(doc, PARAMS)


def _would_be(count: int) -> list[dict[str, Any]]:
    extra = generate_problem(GeneratorSpec(seed=8, num_orders=count))["orders"]
    for k, raw in enumerate(extra):
        raw["id"] = f"ATP-{k}"
    return extra


def test_a_promise_is_where_the_order_would_be_placed() -> None:
    """Each yes names the pack slot the warm re-plan then gives the order, and that plan
    passes the checker; each no gets the code the re-plan's exception has."""
    doc, window = _window()
    book = PromiseBook.from_plan(window.problem, plan_dict(window.plan))
    answers = {"yes": 0, "no": 0}
    for raw in _would_be(25):
        answer = book.promise(raw)
        after = add_orders(window, [raw])
        merged = copy.deepcopy(doc)
        merged["orders"].append(raw)
        replanned = plan_dict(after.plan)
        assert_plan_valid(merged, replanned)
        packs = [a for a in replanned["assignments"] if a["order"] == raw["id"]]
        exceptions = [e for e in replanned["exceptions"] if e["order"] == raw["id"]]
        if answer.can_make_it:
            answers["yes"] += 1
            assert [a["slot"] for a in packs if a["stage"] == "pack"] == [answer.pack_slot]
        else:
            answers["no"] += 1
            assert [e["code"] for e in exceptions] == [answer.code]
    assert answers["yes"] > 0 and answers["no"] > 0


def test_the_book_is_not_changed_by_a_promise() -> None:
    _, window = _window()
    book = PromiseBook.from_plan(window.problem, plan_dict(window.plan))
    raw = _would_be(1)[0]
    first = book.promise(raw)
    assert all(book.promise(raw).pack_slot == first.pack_slot for _ in range(5))


def test_no_with_the_reason() -> None:
    """Invalid address, unknown SKU, past due and capacity: each answered with its code."""
    big = ("SKU-1", 95)  # 600 s of picking: the one picker's slot
    doc = tiny_problem(
        inventory=[{"sku": "SKU-1", "location": "A-01-01", "on_hand": 500}],
        orders=[order("A", big), order("B", big)],
    )
    window = plan_window(doc, PARAMS)
    plan = plan_dict(window.plan)
    assert_plan_valid(doc, plan)
    book = PromiseBook.from_plan(doc, plan)
    bad_address = order("X1", ship_to={**order("X")["ship_to"], "postal_code": "ABC"})
    cases = {
        "INVALID_ADDRESS": bad_address,
        "STOCKOUT": order("X2", ("SKU-404", 1)),
        "PAST_DUE": order("X3", due=at(10)),
        "CAPACITY": order("X4", big),
    }
    for code, raw in cases.items():
        answer = book.promise(raw)
        assert (answer.can_make_it, answer.code) == (False, code), (code, answer.message)
        assert answer.message
    small = book.promise(order("X5", ("SKU-1", 1)))
    assert small.can_make_it and small.ready_by is not None
    held = book.promise(order("A", big))
    assert held.can_make_it and held.pack_slot == next(
        a["slot"] for a in plan["assignments"] if a["order"] == "A" and a["stage"] == "pack"
    )
    assert json.dumps(small.document())  # JSON as the API sends it
