"""What a plan leaves over, and how much more labor an unplanned order would need.

Used by the diagnosis to name the bottleneck of a CAPACITY exception: the (team, slot)
pairs that would have to grow, and by how many seconds, for the order to fit beside the
planned work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.domain import Order
from solver.result import Assignment, Bottleneck
from solver.tasks import Instance, IntArray
from solver.timegrid import last_pack_slot, line_pick_s, pack_s, release_slot


@dataclass(frozen=True)
class Leftovers:
    """What the plan leaves: stock per (sku, location) and seconds per (team, slot)."""

    stock: dict[tuple[str, str], int]
    free_s: IntArray
    zone_of: dict[str, str]
    locations_of: dict[str, tuple[str, ...]]

    def rooms(self, sku: str, zones: frozenset[str] | None) -> list[int]:
        """Units of the SKU left per location (only in these zones, if given)."""
        return [
            self.stock[(sku, loc)]
            for loc in self.locations_of.get(sku, ())
            if zones is None or self.zone_of[loc] in zones
        ]


@dataclass(frozen=True)
class Gap:
    """Seconds missing to put need_s on (team, slot)."""

    missing_s: int
    team_idx: int
    slot_idx: int


def leftovers(instance: Instance, assignments: Sequence[Assignment]) -> Leftovers:
    """Stock and capacity that the assignments (pinned included) leave unused."""
    stock = {(r.sku, r.location): r.on_hand for r in instance.problem.inventory}
    free_s = instance.capacity_s.copy()
    team_idx = {t: i for i, t in enumerate(instance.team_ids)}
    for a in assignments:
        free_s[team_idx[a.team], a.slot] -= a.seconds
        for line in a.lines or ():
            stock[(line.sku, line.location)] = stock.get((line.sku, line.location), 0) - line.qty
    locations_of: dict[str, list[str]] = {}
    for sku, loc in sorted(stock):
        locations_of.setdefault(sku, []).append(loc)
    zone_of = {loc.id: loc.zone for loc in instance.problem.locations}
    return Leftovers(stock, free_s, zone_of, {k: tuple(v) for k, v in locations_of.items()})


def usable_slots(instance: Instance, order: Order) -> tuple[range, range]:
    """Slots the order's picks could use, and slots its pack could use."""
    window = instance.problem.window
    first = release_slot(window, order.received_at)
    last = last_pack_slot(window, order.due)
    return range(first, last), range(first + 1, last + 1)


def _line_zone(
    instance: Instance, left: Leftovers, sku: str, qty: int, used: set[str]
) -> str | None:
    """A worked zone to pick the line in: where stock is left, preferring zones in use."""
    holding = [
        (left.stock[(sku, loc)] < qty, left.zone_of[loc] not in used, left.zone_of[loc])
        for loc in left.locations_of.get(sku, ())
        if left.stock[(sku, loc)] > 0
        and instance.pick_teams(instance.zone_ids.index(left.zone_of[loc]))
    ]
    return min(holding)[2] if holding else None


def _pick_needs(instance: Instance, left: Leftovers, order: Order) -> dict[str, int]:
    """Seconds of pick work per zone, sourcing each line where stock is left."""
    need: dict[str, int] = {}
    for line in order.lines:
        zone = _line_zone(instance, left, line.sku, line.qty, set(need))
        if zone is not None:
            need[zone] = need.get(zone, 0) + line_pick_s(instance.problem.labor, line.qty)
    return need


def _best_gap(
    free_s: IntArray, teams: Sequence[int], slots: Sequence[int], need_s: int
) -> Gap | None:
    """The (team, slot) that misses the fewest seconds for need_s (an empty slot misses all)."""
    if not teams or not slots:
        return None
    team_idxs, slot_idxs = sorted(teams), sorted(slots)
    missing = np.maximum(0, need_s - free_s[np.ix_(team_idxs, slot_idxs)].clip(min=0))
    # slot-major, so the first minimum is the earliest slot, then the lowest team index
    first = int(np.argmin(missing.T.ravel()))
    slot_pos, team_pos = divmod(first, len(team_idxs))
    return Gap(int(missing[team_pos, slot_pos]), team_idxs[team_pos], slot_idxs[slot_pos])


def _pack_teams(instance: Instance, zones: set[str]) -> tuple[int, ...]:
    zone_idxs = {instance.zone_ids.index(z) for z in zones}
    return tuple(
        t
        for t in instance.pack_teams()
        if not instance.team_zone_idxs[t] or zone_idxs <= instance.team_zone_idxs[t]
    )


def _gaps_for_pack_slot(
    instance: Instance, left: Leftovers, order: Order, need: dict[str, int], pack_slot: int
) -> list[Gap] | None:
    pick_slots, _ = usable_slots(instance, order)
    pack_need = pack_s(instance.problem.labor, sum(ln.qty for ln in order.lines))
    gaps = [_best_gap(left.free_s, _pack_teams(instance, set(need)), [pack_slot], pack_need)]
    for zone_id, seconds in sorted(need.items()):
        teams = instance.pick_teams(instance.zone_ids.index(zone_id))
        before = [k for k in pick_slots if k < pack_slot]
        gaps.append(_best_gap(left.free_s, teams, before, seconds))
    return None if any(g is None for g in gaps) else [g for g in gaps if g is not None]


def capacity_shortfall(
    instance: Instance, left: Leftovers, order: Order
) -> tuple[int, list[Bottleneck]]:
    """The fewest extra seconds that would fit the order, and the (team, slot)s that need them."""
    need = _pick_needs(instance, left, order)
    _, pack_slots = usable_slots(instance, order)
    options = (_gaps_for_pack_slot(instance, left, order, need, q) for q in pack_slots)
    best = min(
        (gaps for gaps in options if gaps is not None),
        key=lambda gaps: sum(g.missing_s for g in gaps),
        default=[],
    )
    window = instance.problem.window
    bottlenecks = [
        Bottleneck(
            team=instance.team_ids[g.team_idx],
            slot=g.slot_idx,
            slot_start=window.slot_start(g.slot_idx),
            missing_seconds=g.missing_s,
        )
        for g in sorted(best, key=lambda g: (g.slot_idx, g.team_idx))
        if g.missing_s > 0
    ]
    return sum(b.missing_seconds for b in bottlenecks), bottlenecks
