"""The plan checker's rules on what a plan uses: work content, time, capacity and stock.

Rules 5 to 8 of the contract (see :func:`solver.check._rules`): each assignment's seconds
equal the work content recomputed from the problem; work sits between the order's release
and deadline, every pick before the pack; the load per team and slot fits its capacity;
the units taken per location and SKU fit its stock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from solver.check_facts import Facts
from solver.check_view import Context, PlanTask, Violation
from solver.domain import Order

__all__ = ["check_capacity", "check_seconds", "check_stock", "check_time_windows"]

# --- 5. seconds --------------------------------------------------------------------------------


def check_seconds(ctx: Context) -> Iterator[Violation]:
    """Each assignment's seconds equal its recomputed work content."""
    for task in ctx.plan.tasks:
        expected = _work_s(ctx.facts, task)
        if expected is not None and task.seconds != expected:
            how = "sum over its lines of ceil(per line + qty x per unit)"
            if task.stage == "pack":
                how = "ceil(per order + units x per unit)"
            message = f"{task.where}: seconds is {task.seconds}, the work content is {expected}"
            yield Violation("seconds", f"{message} ({how})", task.order)


def _work_s(facts: Facts, task: PlanTask) -> int | None:
    """The task's seconds recomputed from the problem; None for a pack of an unknown order."""
    if task.stage == "pick":
        return sum(facts.line_pick_s(line.qty) for line in task.lines)
    order = facts.orders.get(task.order)
    return None if order is None else facts.pack_s(order)


# --- 6. time windows ---------------------------------------------------------------------------


def check_time_windows(ctx: Context) -> Iterator[Violation]:
    """Slots start at or after release; the pack ends by the deadline, after every pick."""
    for order_id, tasks in ctx.tasks_of.items():
        order = ctx.facts.orders.get(order_id)
        if order is not None:
            yield from _release_and_deadline(ctx.facts, order, tasks)
            yield from _picks_before_pack(tasks)


def _release_and_deadline(
    facts: Facts, order: Order, tasks: Sequence[PlanTask]
) -> Iterator[Violation]:
    """Pinned tasks are facts, not choices of the plan, so they are not judged here."""
    release, last_pack = facts.release_slot(order), facts.last_pack_slot(order)
    for task in (task for task in tasks if not task.pinned):
        if task.slot < release:
            message = f"{task.where}: slot {task.slot} starts before the order's release"
            yield Violation("release", f"{message} (first usable slot {release})", task.order)
        if task.stage == "pack" and task.slot > last_pack:
            deadline = facts.deadline(order).isoformat()
            message = f"{task.where}: slot {task.slot} ends after the deadline {deadline}"
            yield Violation("deadline", f"{message} (last usable slot {last_pack})", task.order)


def _picks_before_pack(tasks: Sequence[PlanTask]) -> Iterator[Violation]:
    packs = [task for task in tasks if task.stage == "pack"]
    for pick in (task for task in tasks if task.stage == "pick"):
        for pack in packs:
            if pick.slot >= pack.slot and not (pick.pinned and pack.pinned):
                message = f"{pick.where} in slot {pick.slot} is not before the pack in slot"
                yield Violation("pack_after_picks", f"{message} {pack.slot}", pick.order)


# --- 7, 8. capacity and stock ------------------------------------------------------------------


def check_capacity(ctx: Context) -> Iterator[Violation]:
    """The recomputed seconds a team does in a slot, pinned included, fit its capacity.

    Reported where the plan chose some of that work: pinned work alone is a given."""
    load_s: Counter[tuple[str, int]] = Counter()
    for task in ctx.plan.tasks:
        work_s = _work_s(ctx.facts, task)
        load_s[(task.team, task.slot)] += task.seconds if work_s is None else work_s
    chosen = {(task.team, task.slot) for task in ctx.plan.tasks if not task.pinned}
    for (team_id, slot), used_s in sorted(load_s.items()):
        capacity_s = ctx.facts.capacity(team_id, slot)
        if (team_id, slot) in chosen and 0 < capacity_s < used_s:  # 0: the no_capacity rule
            message = f"team {team_id!r} in slot {slot}: {used_s} s of work > {capacity_s} s"
            yield Violation("capacity", message)


def check_stock(ctx: Context) -> Iterator[Violation]:
    """Units taken per location and SKU, pinned included, stay within on_hand.

    Reported where the plan chose some of those lines: pinned lines alone are a given."""
    chosen = {
        (line.location, line.sku)
        for task in ctx.plan.tasks
        if not task.pinned
        for line in task.lines
    }
    for (location, sku), qty in sorted(ctx.taken.items()):
        on_hand = ctx.facts.on_hand.get((location, sku))
        if (location, sku) in chosen and on_hand is not None and qty > on_hand:
            message = f"{qty} units of {sku!r} taken from {location!r}, which holds {on_hand}"
            yield Violation("stock", message)
