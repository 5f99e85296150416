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


def diagnose(
    instance: Instance, unplanned: Sequence[Order], assignments: Sequence[Assignment]
) -> list[PlanException]:
    """An exception for every valid order that the plan does not include."""
    left = leftovers(instance, assignments)
    past_due = {u.order.id for u in instance.unplannable if u.past_due}
    out = []
    for order in unplanned:
        if order.id in past_due:
            out.append(_exception(order, "PAST_DUE", _past_due_message(instance, order)))
            continue
        short = stock_shortfall(left, order)
        if short is not None:
            sku, qty = short
            message = f"{sku} short by {qty}"
            out.append(_exception(order, "STOCKOUT", message, sku=sku, short_qty=qty))
            continue
        reason = no_eligible_team_reason(instance, order)
        if reason is not None:
            out.append(_exception(order, "NO_ELIGIBLE_TEAM", reason))
            continue
        out.append(_capacity_exception(instance, left, order))
    return out


def _exception(order: Order, code: str, message: str, **extra: object) -> PlanException:
    return PlanException.model_validate(
        {"order": order.id, "code": code, "message": message, "priority": order.priority, **extra}
    )


def _past_due_message(instance: Instance, order: Order) -> str:
    window = instance.problem.window
    deadline = window.end if order.due is None else min(order.due, window.end)
    received = order.received_at or window.start
    return (
        f"no pick slot at or after {received:%H:%M} followed by a pack slot "
        f"ending by {deadline:%H:%M}"
    )


def stock_shortfall(left: Leftovers, order: Order) -> tuple[str, int] | None:
    """The first SKU the leftover stock cannot cover (lines are sourced whole), and by how much."""
    by_sku: dict[str, list[int]] = defaultdict(list)
    for line in order.lines:
        by_sku[line.sku].append(line.qty)
    for sku, qtys in by_sku.items():
        bins = [q for (s, _), q in sorted(left.stock.items()) if s == sku and q > 0]
        if not _fits(sorted(qtys, reverse=True), sorted(bins, reverse=True)):
            total_short = sum(qtys) - sum(bins)
            return sku, total_short if total_short > 0 else min(qtys) - max(bins, default=0)
    return None


def _fits(items: list[int], bins: list[int]) -> bool:
    """Can the items (line quantities) be placed whole into the bins (location stock)?"""
    if sum(items) > sum(bins):
        return False
    if not items:
        return True
    if len(items) > 10:
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


def no_eligible_team_reason(instance: Instance, order: Order) -> str | None:
    """Why no team can do this order whatever the other orders do, or None."""
    pick_slots, pack_slots = usable_slots(instance, order)
    line_zones = _stocked_zones(instance, order)
    for line, zones in zip(order.lines, line_zones, strict=True):
        if not any(_zone_worked(instance, z, pick_slots) for z in zones):
            holding = ", ".join(sorted(zones)) or "none"
            return f"no pick team works a zone holding {line.sku} ({holding}) in time"
    if not any(
        instance.capacity_s[t, list(pack_slots)].any() and _packs_order(instance, t, line_zones)
        for t in instance.pack_teams()
    ):
        return "no pack team that may pack this order works in a slot the pack could use"
    return None


def _stocked_zones(instance: Instance, order: Order) -> list[set[str]]:
    """Per line, the zones of the locations that hold its SKU (on hand > 0)."""
    zone_of = {loc.id: loc.zone for loc in instance.problem.locations}
    return [
        {
            zone_of[r.location]
            for r in instance.problem.inventory
            if r.sku == ln.sku and r.on_hand > 0
        }
        for ln in order.lines
    ]


def _packs_order(instance: Instance, team_idx: int, line_zones: list[set[str]]) -> bool:
    """A pack team without zones packs anything; with zones, orders sourceable inside them."""
    zones = {instance.zone_ids[z] for z in instance.team_zone_idxs[team_idx]}
    return not zones or all(line & zones for line in line_zones)


def _zone_worked(instance: Instance, zone_id: str, slots: range) -> bool:
    zone_idx = instance.zone_ids.index(zone_id)
    return any(instance.capacity_s[t, list(slots)].any() for t in instance.pick_teams(zone_idx))


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
