"""Warm-started re-plan: new orders arrive in a window that is already planned.

A full re-plan of ten thousand orders takes seconds; a scheduler streaming orders wants an
answer in well under one. :func:`add_orders` keeps every task of the previous plan where
it is and places the new orders, urgent and earliest deadline first, in the capacity and
stock the previous plan leaves free. Only the new orders are validated and derived, only
their assignments are built, and only the orders still unplanned are diagnosed.

What it does not do, by design: move or drop work of the previous plan to make room. A new
urgent order that does not fit gets its exception (usually ``CAPACITY``, naming the
bottleneck) until the next full re-plan (:func:`solver.plan_window`), which may trade
less urgent orders for it. New orders rank after the orders already held for first in,
first out.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Any

from solver.engine import EngineResult, PlanParams
from solver.greedy import extend_schedule, release_order
from solver.plan_builder import schedule_assignments
from solver.result import Plan
from solver.schedule import Schedule
from solver.solve import PlannedWindow, assemble_plan
from solver.tasks import Instance, Line, build_instance
from solver.validation import ValidatedOrders, validate_orders

logger = logging.getLogger(__name__)


def add_orders(window: PlannedWindow, raw_orders: Sequence[Any]) -> PlannedWindow:
    """The window re-planned with ``raw_orders`` added; the previous plan's tasks stay put.

    An order whose id the window already holds is left out (webhooks deliver repeats); a
    changed order needs a full re-plan, which sees the document as it now is.
    """
    started = time.monotonic()
    fresh = _fresh_orders(window, raw_orders)
    problem = window.problem.model_copy(update={"orders": (*window.problem.orders, *fresh)})
    checked = validate_orders(fresh)
    added = build_instance(problem, checked.orders)
    instance = merged_instance(window.instance, added, problem)
    first_new = len(window.instance.orders)
    new_idxs = [o for o in release_order(instance) if o >= first_new]
    schedule = extend_schedule(instance, window.result.schedule, new_idxs)
    placed = len(schedule.planned) - len(window.result.schedule.planned)
    reason = (
        f"re-plan: previous plan kept, {placed} of {len(new_idxs)} new orders placed in the "
        "capacity it left free"
    )
    result = EngineResult(schedule, "FEASIBLE", reason, ())
    validated = _merged_validation(window.validated, checked)
    assignments = _merged_assignments(window, instance, schedule)
    params = PlanParams(engine="greedy", time_limit_s=window.plan.solver.time_limit_seconds or 30)
    plan_doc = assemble_plan(instance, validated, result, params, started, assignments)
    plan_doc = _as_replan(plan_doc, window.plan)
    logger.info("re-plan: %s in %.3fs", reason, time.monotonic() - started)
    return PlannedWindow(problem, validated, instance, result, plan_doc)


def _fresh_orders(window: PlannedWindow, raw_orders: Sequence[Any]) -> list[Any]:
    """Raw orders whose id the window does not hold yet (exact repeats dropped)."""
    known_ids = set(window.validated.order_ids)
    fresh = []
    for raw in raw_orders:
        order_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(order_id, str) and order_id in known_ids:
            logger.debug("order %s is already in the window; left out", order_id)
            continue
        fresh.append(raw)
    return fresh


def merged_instance(old: Instance, added: Instance, problem: Any) -> Instance:
    """The old instance with the new orders' tasks appended (indices shifted); ``added``
    was built from the same problem (teams, stock) as ``old``."""
    order_offset, line_offset = len(old.orders), len(old.lines)
    peers: dict[int, int] = {}
    for order in old.orders:
        peers[order.priority] = peers.get(order.priority, 0) + 1
    orders = tuple(
        dataclasses.replace(
            order,
            fifo_rank=order.fifo_rank + peers.get(order.priority, 0),
            line_idxs=tuple(li + line_offset for li in order.line_idxs),
        )
        for order in added.orders
    )
    lines = tuple(
        Line(ln.order_idx + order_offset, ln.sku, ln.qty, ln.pick_s, ln.stock_idxs)
        for ln in added.lines
    )
    return dataclasses.replace(
        old,
        problem=problem,
        orders=old.orders + orders,
        lines=old.lines + lines,
        unplannable=old.unplannable + added.unplannable,
        valid_orders=old.valid_orders + added.valid_orders,
    )


def _merged_validation(old: ValidatedOrders, new: ValidatedOrders) -> ValidatedOrders:
    return ValidatedOrders(
        orders=old.orders + new.orders,
        exceptions=old.exceptions + new.exceptions,
        order_ids=old.order_ids + new.order_ids,
    )


def _merged_assignments(window: PlannedWindow, instance: Instance, schedule: Schedule) -> list[Any]:
    """The previous plan's assignments and those of the newly placed orders."""
    new = frozenset(schedule.planned - window.result.schedule.planned)
    only_new = Schedule(
        planned=new,
        picks=tuple(p for p in schedule.picks if p.order_idx in new),
        packs=tuple(p for p in schedule.packs if p.order_idx in new),
    )
    fresh = [a for a in schedule_assignments(instance, only_new) if not a.pinned] if new else []
    merged = [*window.plan.assignments, *fresh]
    return sorted(merged, key=lambda a: (a.order, a.stage == "pack", a.zone or "", a.slot))


def _as_replan(plan_doc: Plan, previous: Plan) -> Plan:
    """Report the engine the previous plan came from, marked as re-planned."""
    report = plan_doc.solver.model_copy(update={"engine": f"{previous.solver.engine}+replan"})
    return plan_doc.model_copy(update={"solver": report})
