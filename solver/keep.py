"""Plan assignments back into a schedule: the previous plan kept where it still holds.

A rolling window is planned again every few minutes. Its users want the new plan to move
as little of the previous one as it can (people were told what to pick next), and an
available-to-promise answer needs the current plan's free capacity and stock without
solving again. Both start from the plan document's assignments: :func:`kept_schedule`
maps them onto an instance's dense indices and keeps each order whose whole remaining work
still fits, in release order (urgent first), against the capacity and stock the instance
has. An order is kept whole or not at all; nothing kept breaks a rule the checker checks.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from solver.greedy import Ledger, new_ledger, release_order
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: A plan assignment as JSON gives it: order, stage, team, slot, zone, lines.
AssignmentDoc = Mapping[str, Any]


@dataclass(frozen=True)
class _Index:
    """Ids to dense indices, once per instance."""

    order: dict[str, int]
    team: dict[str, int]
    zone: dict[str, int]
    stock: dict[tuple[str, str], int]

    @classmethod
    def of(cls, instance: Instance) -> _Index:
        return cls(
            order={o.order_id: idx for idx, o in enumerate(instance.orders)},
            team={t: idx for idx, t in enumerate(instance.team_ids)},
            zone={z: idx for idx, z in enumerate(instance.zone_ids)},
            stock={(s.sku, s.location_id): idx for idx, s in enumerate(instance.stock)},
        )


def kept_schedule(instance: Instance, assignments: Iterable[AssignmentDoc]) -> Schedule:
    """The orders of ``assignments`` whose remaining work they place validly and that fit
    together (capacity, stock), urgent first; pinned entries and unknown orders are skipped."""
    index = _Index.of(instance)
    by_order: dict[int, list[AssignmentDoc]] = {}
    for doc in assignments:
        order_idx = index.order.get(str(doc.get("order")))
        if order_idx is not None and doc.get("pinned") is not True:
            by_order.setdefault(order_idx, []).append(doc)
    ledger = new_ledger(instance, Schedule(planned=frozenset()))
    planned: set[int] = set()
    picks: list[PickTask] = []
    packs: list[PackTask] = []
    for order_idx in release_order(instance):
        docs = by_order.get(order_idx)
        tasks = _order_tasks(instance, index, order_idx, docs) if docs else None
        if tasks is None or not _take(instance, ledger, *tasks):
            continue
        planned.add(order_idx)
        picks += tasks[0]
        if tasks[1] is not None:
            packs.append(tasks[1])
    logger.debug("kept %d of %d orders from the given plan", len(planned), len(by_order))
    return Schedule(planned=frozenset(planned), picks=tuple(picks), packs=tuple(packs))


def _order_tasks(
    instance: Instance, index: _Index, order_idx: int, docs: Sequence[AssignmentDoc]
) -> tuple[list[PickTask], PackTask | None] | None:
    """The order's picks and pack from its assignments, if they place all of its remaining
    work where the instance allows it; else None."""
    order = instance.orders[order_idx]
    unpicked = list(order.line_idxs)
    picks: list[PickTask] = []
    pack_docs = [d for d in docs if d.get("stage") == "pack"]
    for doc in (d for d in docs if d.get("stage") == "pick"):
        pick = _pick_task(instance, index, order_idx, doc, unpicked)
        if pick is None:
            return None
        picks.append(pick)
    if unpicked:
        return None
    if order.pinned_pack is not None:
        return (picks, None) if not pack_docs else None
    if len(pack_docs) != 1:
        return None
    pack = _pack_task(instance, index, order_idx, pack_docs[0], picks)
    return None if pack is None else (picks, pack)


def _pick_task(
    instance: Instance, index: _Index, order_idx: int, doc: AssignmentDoc, unpicked: list[int]
) -> PickTask | None:
    """One pick assignment as a task; its lines are taken off ``unpicked``."""
    team_idx = index.team.get(str(doc.get("team")))
    zone_idx = index.zone.get(str(doc.get("zone")))
    slot_idx = doc.get("slot")
    if team_idx is None or zone_idx is None or not isinstance(slot_idx, int):
        return None
    if zone_idx not in instance.team_zone_idxs[team_idx] or not instance.team_is_pick[team_idx]:
        return None
    if slot_idx not in instance.pick_slots(order_idx, team_idx):
        return None
    line_stock: list[tuple[int, int]] = []
    for line in doc.get("lines") or ():
        stock_idx = index.stock.get((str(line.get("sku")), str(line.get("location"))))
        line_idx = next(
            (
                li
                for li in unpicked
                if instance.lines[li].sku == line.get("sku")
                and instance.lines[li].qty == line.get("qty")
                and stock_idx in instance.lines[li].stock_idxs
            ),
            None,
        )
        if stock_idx is None or line_idx is None or instance.stock[stock_idx].zone_idx != zone_idx:
            return None
        unpicked.remove(line_idx)
        line_stock.append((line_idx, stock_idx))
    if not line_stock:
        return None
    return PickTask(order_idx, zone_idx, team_idx, slot_idx, tuple(line_stock))


def _pack_task(
    instance: Instance,
    index: _Index,
    order_idx: int,
    doc: AssignmentDoc,
    picks: Sequence[PickTask],
) -> PackTask | None:
    team_idx = index.team.get(str(doc.get("team")))
    slot_idx = doc.get("slot")
    if team_idx is None or not isinstance(slot_idx, int) or instance.team_is_pick[team_idx]:
        return None
    after = max((p.slot_idx for p in picks), default=-1)
    if slot_idx <= after or slot_idx not in instance.pack_slots(order_idx, team_idx):
        return None
    zones = instance.team_zone_idxs[team_idx]
    pinned = instance.orders[order_idx].pinned_picks
    used = {p.zone_idx for p in picks} | {p.zone_idx for p in pinned}
    if zones and not used <= zones:
        return None
    return PackTask(order_idx, team_idx, slot_idx)


def _take(
    instance: Instance, ledger: Ledger, picks: Sequence[PickTask], pack: PackTask | None
) -> bool:
    """Charge the order's tasks to the ledger if they all fit; else leave it untouched."""
    need_s: Counter[tuple[int, int]] = Counter()
    need_qty: Counter[int] = Counter()
    for pick in picks:
        for line_idx, stock_idx in pick.line_stock:
            need_s[(pick.team_idx, pick.slot_idx)] += instance.lines[line_idx].pick_s
            need_qty[stock_idx] += instance.lines[line_idx].qty
    if pack is not None:
        need_s[(pack.team_idx, pack.slot_idx)] += instance.orders[pack.order_idx].pack_s
    if any(ledger.capacity_s[t][k] < s for (t, k), s in need_s.items()):
        return False
    if any(ledger.stock_qty[idx] < qty for idx, qty in need_qty.items()):
        return False
    for (t, k), s in need_s.items():
        ledger.capacity_s[t][k] -= s
    for idx, qty in need_qty.items():
        ledger.stock_qty[idx] -= qty
    return True
