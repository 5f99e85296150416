"""Left shift: move every planned order's tasks as early as they can go, urgent orders first.

A repair heuristic for the ``finish`` level's starting point. The count levels decide
*which* orders are planned but not *when*; their schedules can finish orders late for no
reason. Taking orders by finish weight (urgent and older first), it lifts each order's
tasks out and puts them back in the earliest slots that fit, keeping its lines' stock
records. The order's old places are always still free, so every order stays planned and
none finishes later: the result is never worse than its input.
"""

from __future__ import annotations

from collections import defaultdict

from solver.greedy import greedy_schedule
from solver.objective_levels import finish_value, finish_weights
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance

#: Free seconds per (team, slot), as plain lists (scalar access is what this does most).
FreeSeconds = list[list[int]]


def _load(instance: Instance, schedule: Schedule) -> FreeSeconds:
    """Free seconds per (team, slot) once the schedule's tasks are placed."""
    free_s: FreeSeconds = instance.free_capacity_s.tolist()
    for pick in schedule.picks:
        free_s[pick.team_idx][pick.slot_idx] -= _pick_s(instance, pick)
    for pack in schedule.packs:
        free_s[pack.team_idx][pack.slot_idx] -= instance.orders[pack.order_idx].pack_s
    return free_s


def _pick_s(instance: Instance, pick: PickTask) -> int:
    return sum(instance.lines[li].pick_s for li, _ in pick.line_stock)


def _earliest(
    free_s: FreeSeconds, teams: tuple[int, ...], slots_of: list[tuple[int, ...]], need_s: int
) -> tuple[int, int] | None:
    """The earliest (slot, team) with room; ties to the lowest team index."""
    spots = [
        (k, t)
        for t, slots in zip(teams, slots_of, strict=True)
        for k in slots
        if free_s[t][k] >= need_s
    ]
    return min(spots, default=None)


def _shift_picks(instance: Instance, free_s: FreeSeconds, picks: list[PickTask]) -> list[PickTask]:
    moved = []
    for pick in picks:
        need_s = _pick_s(instance, pick)
        free_s[pick.team_idx][pick.slot_idx] += need_s
        teams = instance.pick_teams(pick.zone_idx)
        slots = [instance.pick_slots(pick.order_idx, t) for t in teams]
        slot_idx, team_idx = _earliest(free_s, teams, slots, need_s) or (
            pick.slot_idx,
            pick.team_idx,
        )
        free_s[team_idx][slot_idx] -= need_s
        moved.append(PickTask(pick.order_idx, pick.zone_idx, team_idx, slot_idx, pick.line_stock))
    return moved


def _shift_pack(instance: Instance, free_s: FreeSeconds, pack: PackTask, after: int) -> PackTask:
    need_s = instance.orders[pack.order_idx].pack_s
    free_s[pack.team_idx][pack.slot_idx] += need_s
    teams = tuple(
        t for t in instance.pack_teams() if t == pack.team_idx or not instance.team_zone_idxs[t]
    )
    slots = [tuple(k for k in instance.pack_slots(pack.order_idx, t) if k > after) for t in teams]
    slot_idx, team_idx = _earliest(free_s, teams, slots, need_s) or (pack.slot_idx, pack.team_idx)
    free_s[team_idx][slot_idx] -= need_s
    return PackTask(pack.order_idx, team_idx, slot_idx)


#: Greedy rebuilds tried, each moving the orders the last one missed to the front.
REBUILD_ATTEMPTS = 4


def early_start(instance: Instance, schedule: Schedule, first_pass: Schedule) -> Schedule:
    """The better of two repairs that keep exactly the planned orders: a greedy rebuild in
    finish-weight order (orders the first greedy pass missed go first) and a left shift."""
    best = left_shift(instance, schedule)
    weights = finish_weights(instance)
    by_weight = sorted(schedule.planned, key=lambda o: (-weights[o], o))
    front = [o for o in by_weight if o not in first_pass.planned]
    for _ in range(REBUILD_ATTEMPTS):
        sequence = front + [o for o in by_weight if o not in front]
        rebuilt = greedy_schedule(instance, sequence)
        missed = [o for o in by_weight if o not in rebuilt.planned]
        if not missed:
            if finish_value(instance, rebuilt) < finish_value(instance, best):
                best = rebuilt
            break
        front = missed + [o for o in front if o not in missed]
    return best


def left_shift(instance: Instance, schedule: Schedule) -> Schedule:
    """Every planned order's picks, then pack, in the earliest slots that fit; urgent first."""
    free_s = _load(instance, schedule)
    picks_of: dict[int, list[PickTask]] = defaultdict(list)
    for pick in schedule.picks:
        picks_of[pick.order_idx].append(pick)
    pack_of = {pack.order_idx: pack for pack in schedule.packs}
    weights = finish_weights(instance)
    picks: list[PickTask] = []
    packs: list[PackTask] = []
    for order_idx in sorted(schedule.planned, key=lambda o: (-weights[o], o)):
        moved = _shift_picks(instance, free_s, picks_of[order_idx])
        picks += moved
        if order_idx in pack_of:
            after = max((p.slot_idx for p in moved), default=-1)
            packs.append(_shift_pack(instance, free_s, pack_of[order_idx], after))
    return Schedule(planned=schedule.planned, picks=tuple(picks), packs=tuple(packs))
