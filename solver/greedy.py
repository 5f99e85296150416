"""The fast first plan: by priority, earliest deadline first, earliest slot that fits.

It is the plan returned when time runs out before an exact engine finishes, and the hint
the exact engines start from. Given a strict first-in-first-out sequence it is what a
waveless WMS release does.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance, OrderTask

logger = logging.getLogger(__name__)


@dataclass
class Ledger:
    """Capacity and stock still free while the greedy plan is built."""

    capacity_s: list[list[int]]  # plain lists: scalar access is what the greedy does most
    stock_qty: list[int]


def release_order(instance: Instance) -> list[int]:
    """Pinned orders first, then by priority; within a priority the earliest deadline
    first, then first in, first out (tight orders get the early capacity they need)."""

    def key(order_idx: int) -> tuple[bool, int, int, int]:
        order = instance.orders[order_idx]
        return (not order.pinned, order.priority, order.last_pack_slot, order.fifo_rank)

    return sorted(range(len(instance.orders)), key=key)


def smallest_first_order(instance: Instance) -> list[int]:
    """By priority, then the least work first (most orders through a bottleneck)."""

    def key(order_idx: int) -> tuple[bool, int, int, int]:
        order = instance.orders[order_idx]
        work_s = order.pack_s + sum(instance.lines[li].pick_s for li in order.line_idxs)
        return (not order.pinned, order.priority, work_s, order.last_pack_slot)

    return sorted(range(len(instance.orders)), key=key)


def greedy_schedule(instance: Instance, sequence: list[int] | None = None) -> Schedule:
    """Plan orders one by one (release order unless a sequence is given); an order that
    does not fit is skipped."""
    base = Schedule(planned=frozenset())
    order_idxs = release_order(instance) if sequence is None else sequence
    return extend_schedule(instance, base, order_idxs)


def extend_schedule(instance: Instance, base: Schedule, order_idxs: list[int]) -> Schedule:
    """Keep ``base`` as it is and place the given orders, in that order, in what it leaves
    free (capacity and stock); an order that does not fit is skipped."""
    ledger = _ledger_after(instance, base)
    planned: set[int] = set(base.planned)
    picks: list[PickTask] = list(base.picks)
    packs: list[PackTask] = list(base.packs)
    for order_idx in order_idxs:
        placed = _place_order(instance, ledger, order_idx)
        if placed is None:
            continue
        order_picks, order_pack = placed
        planned.add(order_idx)
        picks += order_picks
        if order_pack is not None:
            packs.append(order_pack)
    logger.debug("greedy planned %d of %d orders", len(planned), len(instance.orders))
    return Schedule(planned=frozenset(planned), picks=tuple(picks), packs=tuple(packs))


def _ledger_after(instance: Instance, base: Schedule) -> Ledger:
    """What is free once the base schedule's tasks and stock are taken."""
    ledger = Ledger(
        capacity_s=instance.free_capacity_s.tolist(),
        stock_qty=[s.free_qty for s in instance.stock],
    )
    for pick in base.picks:
        for line_idx, stock_idx in pick.line_stock:
            ledger.capacity_s[pick.team_idx][pick.slot_idx] -= instance.lines[line_idx].pick_s
            ledger.stock_qty[stock_idx] -= instance.lines[line_idx].qty
    for pack in base.packs:
        ledger.capacity_s[pack.team_idx][pack.slot_idx] -= instance.orders[pack.order_idx].pack_s
    return ledger


def _choose_sources(instance: Instance, ledger: Ledger, order: OrderTask) -> dict[int, int] | None:
    """A stock record per line, inside the zones of some pack team that may pack the order."""
    for zones in _zone_options(instance, order):
        chosen = _assign_by_sku(instance, ledger, order, zones)
        if chosen is not None:
            return chosen
    return None


def _assign_by_sku(
    instance: Instance, ledger: Ledger, order: OrderTask, zones: frozenset[int] | None
) -> dict[int, int] | None:
    """Lines of different SKUs never share a record: search each SKU's lines on their own."""
    by_sku: dict[str, list[int]] = {}
    for line_idx in order.line_idxs:
        by_sku.setdefault(instance.lines[line_idx].sku, []).append(line_idx)
    chosen: dict[int, int] = {}
    for line_idxs in by_sku.values():
        found = _assign_lines(instance, ledger, line_idxs, zones, dict(chosen))
        if found is None:
            return None
        chosen = found
    return chosen


def _zone_options(instance: Instance, order: OrderTask) -> list[frozenset[int] | None]:
    """None (any zone) when a pack team without zones exists, then each pack team's zones."""
    pack_zones = [instance.team_zone_idxs[t] for t in instance.pack_teams()]
    options: list[frozenset[int] | None] = []
    if order.pinned_pack is not None or any(not zones for zones in pack_zones):
        options.append(None)
    zoned = sorted({tuple(sorted(z)) for z in pack_zones if z})
    options.extend(frozenset(z) for z in zoned)
    return options


def _assign_lines(
    instance: Instance,
    ledger: Ledger,
    line_idxs: list[int],
    zones: frozenset[int] | None,
    chosen: dict[int, int],
) -> dict[int, int] | None:
    """Depth-first: each line to a record with room, zones in use first, then the fullest."""
    if not line_idxs:
        return dict(chosen)
    line_idx, rest = line_idxs[0], line_idxs[1:]
    line = instance.lines[line_idx]
    taken: Counter[int] = Counter()
    for li, s in chosen.items():
        taken[s] += instance.lines[li].qty
    used = {instance.stock[s].zone_idx for s in chosen.values()}
    options = sorted(
        (s for s in line.stock_idxs if zones is None or instance.stock[s].zone_idx in zones),
        key=lambda s: (instance.stock[s].zone_idx not in used, -ledger.stock_qty[s], s),
    )
    for stock_idx in options:
        if ledger.stock_qty[stock_idx] - taken[stock_idx] >= line.qty:
            chosen[line_idx] = stock_idx
            found = _assign_lines(instance, ledger, rest, zones, chosen)
            del chosen[line_idx]
            if found is not None:
                return found
    return None


def _earliest_slot(
    ledger: Ledger,
    teams: tuple[int, ...],
    slots_of: list[tuple[int, ...]],
    need_s: int,
) -> tuple[int, int] | None:
    """Earliest (slot, team) with enough free seconds; ties to the team with most slack."""
    best: tuple[int, int, int] | None = None
    for team_idx, slots in zip(teams, slots_of, strict=True):
        for k in slots:
            if ledger.capacity_s[team_idx][k] >= need_s:
                cand = (k, -ledger.capacity_s[team_idx][k], team_idx)
                best = cand if best is None or cand < best else best
                break
    return None if best is None else (best[0], best[2])


def _place_order(
    instance: Instance, ledger: Ledger, order_idx: int
) -> tuple[list[PickTask], PackTask | None] | None:
    order = instance.orders[order_idx]
    sources = _choose_sources(instance, ledger, order)
    if sources is None:
        return None
    by_zone: dict[int, list[int]] = {}
    for line_idx, stock_idx in sources.items():
        by_zone.setdefault(instance.stock[stock_idx].zone_idx, []).append(line_idx)
    picks = _place_picks(instance, ledger, order_idx, by_zone, sources)
    if picks is None:
        return None
    return _with_pack(instance, ledger, order_idx, picks, sources)


def _with_pack(
    instance: Instance,
    ledger: Ledger,
    order_idx: int,
    picks: list[PickTask],
    sources: dict[int, int],
) -> tuple[list[PickTask], PackTask | None] | None:
    """The order's pack placed after its picks and its stock taken; or, when no pack
    fits (and none is pinned), the picks' capacity given back and None."""
    pack = _place_pack(instance, ledger, order_idx, picks)
    if pack is None and instance.orders[order_idx].pinned_pack is None:
        _release(instance, ledger, picks)
        return None
    for line_idx, stock_idx in sources.items():
        ledger.stock_qty[stock_idx] -= instance.lines[line_idx].qty
    return picks, pack


def _place_picks(
    instance: Instance,
    ledger: Ledger,
    order_idx: int,
    by_zone: dict[int, list[int]],
    sources: dict[int, int],
) -> list[PickTask] | None:
    picks: list[PickTask] = []
    for zone_idx, line_idxs in sorted(by_zone.items()):
        need_s = sum(instance.lines[li].pick_s for li in line_idxs)
        teams = instance.pick_teams(zone_idx)
        slots_of = [instance.pick_slots(order_idx, t) for t in teams]
        spot = _earliest_slot(ledger, teams, slots_of, need_s)
        if spot is None:
            _release(instance, ledger, picks)
            return None
        slot_idx, team_idx = spot
        ledger.capacity_s[team_idx][slot_idx] -= need_s
        line_stock = tuple((li, sources[li]) for li in line_idxs)
        picks.append(PickTask(order_idx, zone_idx, team_idx, slot_idx, line_stock))
    return picks


def _place_pack(
    instance: Instance, ledger: Ledger, order_idx: int, picks: list[PickTask]
) -> PackTask | None:
    order = instance.orders[order_idx]
    if order.pinned_pack is not None:
        return None
    after = max((p.slot_idx for p in picks), default=-1)
    teams = tuple(t for t in instance.pack_teams() if _pack_team_ok(instance, t, picks, order))
    slots_of = [tuple(k for k in instance.pack_slots(order_idx, t) if k > after) for t in teams]
    spot = _earliest_slot(ledger, teams, slots_of, order.pack_s)
    if spot is None:
        return None
    slot_idx, team_idx = spot
    ledger.capacity_s[team_idx][slot_idx] -= order.pack_s
    return PackTask(order_idx, team_idx, slot_idx)


def _pack_team_ok(
    instance: Instance, team_idx: int, picks: list[PickTask], order: OrderTask
) -> bool:
    zones = instance.team_zone_idxs[team_idx]
    if not zones:
        return True
    used = {p.zone_idx for p in picks} | {p.zone_idx for p in order.pinned_picks}
    return used <= zones


def _release(instance: Instance, ledger: Ledger, picks: list[PickTask]) -> None:
    for pick in picks:
        need_s = sum(instance.lines[li].pick_s for li, _ in pick.line_stock)
        ledger.capacity_s[pick.team_idx][pick.slot_idx] += need_s


def place_order(
    instance: Instance, ledger: Ledger, order_idx: int
) -> tuple[list[PickTask], PackTask | None] | None:
    """Place one order in what the ledger leaves free (charging it), or None."""
    return _place_order(instance, ledger, order_idx)


def place_order_at(
    instance: Instance, ledger: Ledger, order_idx: int, team_idx: int, slot_idx: int
) -> tuple[list[PickTask], PackTask | None] | None:
    """Place an order whose lines can all be picked in the team's zones as one pick by
    that team in that slot, and its pack as early as it fits after; None if it cannot."""
    order = instance.orders[order_idx]
    sources = _assign_by_sku(instance, ledger, order, instance.team_zone_idxs[team_idx])
    if sources is None:
        return None
    zones = {instance.stock[s].zone_idx for s in sources.values()}
    need_s = sum(instance.lines[li].pick_s for li in sources)
    if len(zones) != 1 or ledger.capacity_s[team_idx][slot_idx] < need_s:
        return None
    ledger.capacity_s[team_idx][slot_idx] -= need_s
    line_stock = tuple(sorted(sources.items()))
    picks = [PickTask(order_idx, zones.pop(), team_idx, slot_idx, line_stock)]
    return _with_pack(instance, ledger, order_idx, picks, sources)


def new_ledger(instance: Instance, base: Schedule) -> Ledger:
    """The free capacity and stock a schedule leaves (for passes built on this module)."""
    return _ledger_after(instance, base)
