"""Available to promise: can a would-be order still make the current window, and when?

A storefront asks while the customer waits; re-solving ten thousand orders is not an
answer. A :class:`PromiseBook` is built once per window plan (seconds, off the request
path): the window's instance, the plan's schedule (:func:`solver.keep.kept_schedule`),
the capacity and stock it leaves free, and the leftovers the diagnosis reads. Then each
:meth:`PromiseBook.promise` validates the one order, derives its tasks, and places it
where the plan leaves room (the greedy placement: earliest slot that fits, urgent
orders' rules), on a copy of the free capacity and stock; it never moves planned work.
When it does not fit, the answer is the exception code and message the plan would give
it (``STOCKOUT``, ``CAPACITY`` naming the bottleneck, ``PAST_DUE``, ...).

What it does not do: reserve. Two promises may count on the same free capacity; the next
window plan decides (it may also trade a less urgent planned order for an urgent one,
which a promise never assumes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from solver.diagnose import explain
from solver.domain import Problem, Window
from solver.greedy import Ledger, new_ledger, place_order
from solver.keep import kept_schedule
from solver.loading import load_problem
from solver.replan import merged_instance
from solver.result import Assignment
from solver.shortfall import Leftovers, leftovers
from solver.tasks import Instance, OrderDeriver, build_instance
from solver.validation import validate_orders

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promise:
    """The answer for one would-be order."""

    order: str
    can_make_it: bool
    pick_slots: tuple[int, ...] = ()
    pack_slot: int | None = None
    ready_by: datetime | None = None
    """End of the pack slot: the order is ready to ship by then."""
    code: str | None = None
    message: str = ""
    millis: float = 0.0

    def document(self) -> dict[str, Any]:
        """The answer as JSON."""
        return {
            "order": self.order,
            "can_make_it": self.can_make_it,
            "pick_slots": list(self.pick_slots),
            "pack_slot": self.pack_slot,
            "ready_by": None if self.ready_by is None else self.ready_by.isoformat(),
            "code": self.code,
            "message": self.message,
            "millis": round(self.millis, 3),
        }


@dataclass(frozen=True)
class PromiseBook:
    """A window plan ready to answer would-be orders."""

    instance: Instance
    deriver: OrderDeriver
    ledger: Ledger
    left: Leftovers
    held: Mapping[str, Promise]
    """Orders the window already holds, as the plan has them."""

    @classmethod
    def from_plan(
        cls, problem: Problem | Mapping[str, Any], plan: Mapping[str, Any]
    ) -> PromiseBook:
        """The book of a plan of this problem (the plan document as JSON)."""
        started = time.monotonic()
        if not isinstance(problem, Problem):
            problem = load_problem(dict(problem))
        checked = validate_orders(problem.orders)
        instance = build_instance(problem, checked.orders)
        assignments: Sequence[Mapping[str, Any]] = plan.get("assignments", ())
        schedule = kept_schedule(instance, assignments)
        book = cls(
            instance=instance,
            deriver=OrderDeriver(instance),
            ledger=new_ledger(instance, schedule),
            left=leftovers(instance, _assignment_models(plan)),
            held=_held(problem.window, plan),
        )
        logger.info(
            "promise book: %d orders held, built in %.2f s",
            len(book.held),
            time.monotonic() - started,
        )
        return book

    def promise(self, raw_order: Any) -> Promise:
        """Whether ``raw_order`` can still make the window, where, or why not."""
        started = time.monotonic()
        answer = self._answer(raw_order)
        millis = 1000 * (time.monotonic() - started)
        return Promise(**{**answer.__dict__, "millis": millis})

    def _answer(self, raw_order: Any) -> Promise:
        order_id = raw_order.get("id") if isinstance(raw_order, Mapping) else None
        if isinstance(order_id, str) and order_id in self.held:
            return self.held[order_id]
        checked = validate_orders([raw_order])
        if checked.exceptions:
            exc = checked.exceptions[0]
            return Promise(exc.order, False, code=exc.code, message=exc.message)
        order = checked.orders[0]
        added = self.deriver.derive(checked.orders)
        if added.unplannable:
            gone = added.unplannable[0]
            exc = explain(self.instance, self.left, gone.order, gone.past_due)
            return Promise(order.id, False, code=exc.code, message=exc.message)
        merged = merged_instance(self.instance, added, self.instance.problem)
        new_idx = len(self.instance.orders)
        placed = place_order(merged, _copied(self.ledger), new_idx)
        if placed is None:
            exc = explain(self.instance, self.left, order, past_due=False)
            return Promise(order.id, False, code=exc.code, message=exc.message)
        picks, pack = placed
        pick_slots = [p.slot_idx for p in picks]
        window = self.instance.problem.window
        return _planned(window, order.id, pick_slots, pack.slot_idx if pack else None)


def _copied(ledger: Ledger) -> Ledger:
    """A ledger to place one order in, the book's left as it is."""
    return Ledger([list(row) for row in ledger.capacity_s], list(ledger.stock_qty))


def _assignment_models(plan: Mapping[str, Any]) -> list[Assignment]:
    return [Assignment.model_validate(a) for a in plan.get("assignments", ())]


def _held(window: Window, plan: Mapping[str, Any]) -> dict[str, Promise]:
    """What the plan says of each order it holds."""
    held: dict[str, Promise] = {}
    for exc in plan.get("exceptions", ()):
        held[exc["order"]] = Promise(exc["order"], False, code=exc["code"], message=exc["message"])
    picks: dict[str, list[int]] = {}
    packs: dict[str, int] = {}
    for a in plan.get("assignments", ()):
        if a["stage"] == "pick":
            picks.setdefault(a["order"], []).append(a["slot"])
        else:
            packs[a["order"]] = a["slot"]
    for order_id, pack_slot in packs.items():
        held[order_id] = _planned(window, order_id, picks.get(order_id, []), pack_slot)
    return held


def _planned(
    window: Window, order_id: str, pick_slots: list[int], pack_slot: int | None
) -> Promise:
    ready = None
    message = "fits in what the current plan leaves free"
    if pack_slot is not None:
        ready = window.start + (pack_slot + 1) * timedelta(minutes=window.slot_minutes)
        message = f"packed in slot {pack_slot}, ready to ship by {ready:%H:%M}"
    return Promise(order_id, True, tuple(sorted(pick_slots)), pack_slot, ready, None, message)
