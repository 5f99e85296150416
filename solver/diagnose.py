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
from dataclasses import dataclass

from solver.domain import Order
from solver.result import Assignment, Bottleneck, PlanException
from solver.tasks import Instance, IntArray
from solver.timegrid import last_pack_slot, line_pick_s, pack_s, release_slot


@dataclass(frozen=True)
class Leftovers:
    """What the plan leaves: stock per (sku, location) and seconds per (team, slot)."""

    stock: dict[tuple[str, str], int]
    free_s: IntArray


def leftovers(instance: Instance, assignments: Sequence[Assignment]) -> Leftovers:
    """Stock and capacity that the assignments (pinned included) leave unused."""
    stock = {(r.sku, r.location): r.on_hand for r in instance.problem.inventory}
    free_s = instance.capacity_s.copy()
    team_idx = {t: i for i, t in enumerate(instance.team_ids)}
    for a in assignments:
        free_s[team_idx[a.team], a.slot] -= a.seconds
        for line in a.lines or ():
            stock[(line.sku, line.location)] = stock.get((line.sku, line.location), 0) - line.qty
    return Leftovers(stock, free_s)


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


def _usable_slots(instance: Instance, order: Order) -> tuple[range, range]:
    window = instance.problem.window
    first = release_slot(window, order.received_at)
    last = last_pack_slot(window, order.due)
    return range(first, last), range(first + 1, last + 1)


def no_eligible_team_reason(instance: Instance, order: Order) -> str | None:
    """Why no team can do this order whatever the other orders do, or None."""
    pick_slots, pack_slots = _usable_slots(instance, order)
    zone_of = {loc.id: loc.zone for loc in instance.problem.locations}
    for line in order.lines:
        zones = {
            zone_of[r.location]
            for r in instance.problem.inventory
            if r.sku == line.sku and r.on_hand > 0
        }
        if not any(_zone_worked(instance, z, pick_slots) for z in zones):
            holding = ", ".join(sorted(zones)) or "none"
            return f"no pick team works a zone holding {line.sku} ({holding}) in time"
    if not any(
        not instance.team_is_pick[t] and instance.capacity_s[t, list(pack_slots)].any()
        for t in range(instance.num_teams)
    ):
        return "no pack team works in a slot the pack could use"
    return None


def _zone_worked(instance: Instance, zone_id: str, slots: range) -> bool:
    zone_idx = instance.zone_ids.index(zone_id)
    return any(instance.capacity_s[t, list(slots)].any() for t in instance.pick_teams(zone_idx))


def _capacity_exception(instance: Instance, left: Leftovers, order: Order) -> PlanException:
    shortfall = capacity_shortfall(instance, left, order)
    if shortfall is None:
        message = "the stock teams can reach in time is taken by planned orders"
        return _exception(order, "CAPACITY", message, missing_seconds=0, bottlenecks=())
    missing, bottlenecks = shortfall
    parts = [
        f"{b.team} short {b.missing_seconds} s in slot {b.slot} ({b.slot_start:%H:%M})"
        for b in bottlenecks
    ]
    message = (
        f"needs {missing} s more labor: " + "; ".join(parts) if parts else "labor is fully booked"
    )
    return _exception(
        order, "CAPACITY", message, missing_seconds=missing, bottlenecks=tuple(bottlenecks)
    )


def _pick_needs(instance: Instance, left: Leftovers, order: Order) -> dict[str, int] | None:
    """Seconds of pick work per zone, sourcing each line where stock is left."""
    zone_of = {loc.id: loc.zone for loc in instance.problem.locations}
    need: dict[str, int] = defaultdict(int)
    for line in order.lines:
        options = sorted(
            zone_of[loc]
            for (sku, loc), q in left.stock.items()
            if sku == line.sku and q >= line.qty
        )
        if not options:
            return None
        zone = next((z for z in options if z in need), options[0])
        need[zone] += line_pick_s(instance.problem.labor, line.qty)
    return dict(need)


def capacity_shortfall(
    instance: Instance, left: Leftovers, order: Order
) -> tuple[int, list[Bottleneck]] | None:
    """The fewest extra seconds that would fit the order, and where they are needed."""
    need = _pick_needs(instance, left, order)
    if need is None:
        return None
    pick_slots, pack_slots = _usable_slots(instance, order)
    pack_need = pack_s(instance.problem.labor, sum(ln.qty for ln in order.lines))
    best: tuple[int, list[tuple[int, int, int]]] | None = None
    for q in pack_slots:
        gaps = [_best_gap(instance, left.free_s, instance.pack_teams(), [q], pack_need)]
        for zone_id, seconds in sorted(need.items()):
            teams = instance.pick_teams(instance.zone_ids.index(zone_id))
            gaps.append(
                _best_gap(instance, left.free_s, teams, [k for k in pick_slots if k < q], seconds)
            )
        if any(g is None for g in gaps):
            continue
        total = sum(g[0] for g in gaps if g is not None)
        if best is None or total < best[0]:
            best = (total, [g[1] for g in gaps if g is not None and g[0] > 0])
    if best is None:
        return None
    window = instance.problem.window
    return best[0], [
        Bottleneck(
            team=instance.team_ids[t], slot=k, slot_start=window.slot_start(k), missing_seconds=m
        )
        for m, (t, k) in sorted(
            ((m, (t, k)) for t, k, m in best[1]), key=lambda x: (x[1][1], x[1][0])
        )
    ]


def _best_gap(
    instance: Instance, free_s: IntArray, teams: Sequence[int], slots: Sequence[int], need_s: int
) -> tuple[int, tuple[int, int, int]] | None:
    """Smallest shortfall for need_s seconds over (team, slot) with capacity; None if none."""
    best: tuple[int, tuple[int, int, int]] | None = None
    for t in teams:
        for k in slots:
            if instance.capacity_s[t, k] <= 0:
                continue
            gap = max(0, need_s - max(0, int(free_s[t, k])))
            if best is None or gap < best[0]:
                best = (gap, (t, k, gap))
    return best
