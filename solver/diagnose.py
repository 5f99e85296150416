"""One exception code per unplanned order, the first in the contract's table that applies.

INVALID_ORDER and INVALID_ADDRESS come from :mod:`solver.validation`. Here, for valid
orders the plan leaves out: PAST_DUE (no pick/pack slot pair fits), STOCKOUT (the stock
the plan leaves cannot cover the order; names the SKU and the short quantity),
NO_ELIGIBLE_TEAM (no team can reach a line's stock, or no pack team can pack it in time),
CAPACITY (everything else; names the bottleneck teams and slots and the missing seconds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from solver.domain import Order
from solver.result import Assignment, PlanException
from solver.shortfall import Leftovers, capacity_shortfall, leftovers, usable_slots
from solver.tasks import Instance

#: Above this many lines of one SKU, stock coverage uses the aggregate test only.
EXACT_FIT_MAX_LINES = 10


def diagnose(
    instance: Instance, unplanned: Sequence[Order], assignments: Sequence[Assignment]
) -> list[PlanException]:
    """An exception for every valid order that the plan does not include."""
    left = leftovers(instance, assignments)
    past_due = {u.order.id for u in instance.unplannable if u.past_due}
    return [
        _past_due_exception(instance, order)
        if order.id in past_due
        else _exception_after_plan(instance, left, order)
        for order in unplanned
    ]


def explain(instance: Instance, left: Leftovers, order: Order, past_due: bool) -> PlanException:
    """The exception of one valid order the plan leaves out, given what the plan leaves
    (for one would-be order at a time: :mod:`solver.promise`)."""
    if past_due:
        return _past_due_exception(instance, order)
    return _exception_after_plan(instance, left, order)


def _exception_after_plan(instance: Instance, left: Leftovers, order: Order) -> PlanException:
    """STOCKOUT, NO_ELIGIBLE_TEAM or CAPACITY: the first that applies given what is left."""
    short = stock_shortfall(left, order, zones=None)
    if short is not None:
        sku, qty = short
        needed = sum(line.qty for line in order.lines if line.sku == sku)
        rooms = [q for q in left.rooms(sku, None) if q > 0]
        message = f"{sku} short by {qty}: the order needs {needed}, the plan leaves {sum(rooms)}"
        if sum(rooms) >= needed:
            # enough in all, but a line is picked whole from one location
            message += f" spread over {len(rooms)} locations, at most {max(rooms)} in one"
        return _exception(order, "STOCKOUT", message, sku=sku, short_qty=qty)
    reason = no_eligible_team_reason(instance, left, order)
    if reason is not None:
        return _exception(order, "NO_ELIGIBLE_TEAM", reason)
    return _capacity_exception(instance, left, order)


def _exception(order: Order, code: str, message: str, **extra: object) -> PlanException:
    return PlanException.model_validate(
        {"order": order.id, "code": code, "message": message, "priority": order.priority, **extra}
    )


def _past_due_exception(instance: Instance, order: Order) -> PlanException:
    window = instance.problem.window
    deadline = window.end if order.due is None else min(order.due, window.end)
    received = order.received_at or window.start
    message = (
        f"no pick slot at or after {received:%H:%M} followed by a pack slot "
        f"ending by {deadline:%H:%M}"
    )
    return _exception(order, "PAST_DUE", message)


def stock_shortfall(
    left: Leftovers, order: Order, zones: frozenset[str] | None
) -> tuple[str, int] | None:
    """The first SKU whose lines the stock left (in these zones) cannot cover, and by how much.

    Lines are sourced whole. The short quantity is what the total stock lacks, or, when the
    total would do but no location holds a whole line, what the fullest location lacks.
    """
    by_sku: dict[str, list[int]] = defaultdict(list)
    for line in order.lines:
        by_sku[line.sku].append(line.qty)
    for sku, qtys in by_sku.items():
        rooms = sorted((q for q in left.rooms(sku, zones) if q > 0), reverse=True)
        wanted = sorted(qtys, reverse=True)
        if not _fits(wanted, list(rooms)):
            return sku, max(sum(wanted) - sum(rooms), _whole_line_short(wanted, rooms))
    return None


def _whole_line_short(wanted: list[int], rooms: list[int]) -> int:
    """First-fit decreasing; the first line that fits nowhere lacks qty - fullest room."""
    free = list(rooms)
    for qty in wanted:
        best = max(range(len(free)), key=lambda i: free[i], default=None)
        if best is None or free[best] < qty:
            return qty - (free[best] if best is not None else 0)
        free[best] -= qty
    return 1


def _fits(items: list[int], bins: list[int]) -> bool:
    """Can the items (line quantities) be placed whole into the bins (location stock)?"""
    if sum(items) > sum(bins):
        return False
    if not items:
        return True
    if len(items) > EXACT_FIT_MAX_LINES:
        return True  # aggregate test only for unusually many lines of one SKU
    first, rest = items[0], items[1:]
    for b_idx, room in enumerate(bins):
        if room >= first:
            bins[b_idx] -= first
            ok = _fits(rest, bins)
            bins[b_idx] += first
            if ok:
                return True
    return False


def no_eligible_team_reason(instance: Instance, left: Leftovers, order: Order) -> str | None:
    """Why no team can reach what the order needs in time, or None.

    The stock left in zones a pick team works in a usable pick slot must cover the order;
    and some pack team that may pack it (no zones, or zones whose reachable stock covers
    it) must have capacity in a usable pack slot.
    """
    pick_slots, pack_slots = usable_slots(instance, order)
    worked = _worked_zones(instance, pick_slots)
    short = stock_shortfall(left, order, worked)
    if short is not None:
        worked_text = ", ".join(sorted(worked)) or "none"
        return (
            f"the {short[0]} that pick teams can reach in time is short by {short[1]}; "
            f"the rest lies in zones nobody works then (worked: {worked_text})"
        )
    for team_idx in instance.pack_teams():
        zones = frozenset(instance.zone_ids[z] for z in instance.team_zone_idxs[team_idx])
        in_time = instance.capacity_s[team_idx, list(pack_slots)].any()
        if in_time and (not zones or stock_shortfall(left, order, worked & zones) is None):
            return None
    return "no pack team that may pack this order works in a slot the pack could use"


def _worked_zones(instance: Instance, slots: range) -> frozenset[str]:
    """Zones worked by a pick team with capacity in one of these slots."""
    return frozenset(
        instance.zone_ids[z]
        for t in range(instance.num_teams)
        if instance.team_is_pick[t] and instance.capacity_s[t, list(slots)].any()
        for z in instance.team_zone_idxs[t]
    )


def _capacity_exception(instance: Instance, left: Leftovers, order: Order) -> PlanException:
    missing, bottlenecks = capacity_shortfall(instance, left, order)
    parts = [
        f"{b.team} short {b.missing_seconds} s in slot {b.slot} ({b.slot_start:%H:%M})"
        for b in bottlenecks
    ]
    if parts:
        message = f"needs {missing} s more labor: " + "; ".join(parts)
    else:
        message = "fits in the labor left, but not beside the planned orders' picks and packs"
    return _exception(
        order, "CAPACITY", message, missing_seconds=missing, bottlenecks=tuple(bottlenecks)
    )
