"""The textbook flat CP-SAT model: the baseline a practitioner would write first.

One boolean per decision, every rule of the contract as a plain constraint, and one
weighted-sum solve:

- ``planned[o]``; ``source[l, s]`` per line and stock record that holds enough of its SKU;
  ``used[o, z]`` per order and zone its lines may be sourced in; ``pick[o, z, t, k]`` per
  zone pick, pick team of the zone and slot of the order's pick window where the team has
  capacity; ``pack[o, t, k]`` likewise for the pack (none when the pack is pinned);
  ``load[l, z, t, k]`` for a line that may be sourced in several zones: its seconds count
  on (t, k) when it is sourced in z and z's pick is there (``load >= in_zone + pick - 1``).
- Each line of a planned order sourced once; a zone picked iff a line is sourced there,
  in exactly one (team, slot); a planned order packed once; every pick in a slot before
  the pack (``sum k pick < sum k pack``, enforced when the zone is used); team capacity,
  stock and pack-team zones as linear rows. Release, deadline, team zones and capacity
  above zero are in which variables exist. Pinned work is taken off capacity and stock by
  the instance; a pinned pack cuts the pick window, pinned picks the pack window.
- Objective: maximise ``sum_L weight(L) x planned count of L`` over the levels ``pinned``
  (orders with pinned work, when any) and ``priority-1``, ``priority-2``, ... with
  ``weight(L) = 1 + sum over later levels M of weight(M) x |M|``, so that one order of a
  level outweighs every order of the levels after it (lexicographic). Nothing else: no
  finish or balance term.

Default CP-SAT parameters apart from ``num_workers`` and the time limit; no hint unless
asked. No aggregation, no decomposition, no neighbourhood search.

The variable enumeration (:class:`FlatSpace`), the level weights and the extraction are
shared with the PuLP version in :mod:`scenarios.peers.flat_mip`. Neither imports the
planner's own models (``solver.cpsat``, ``solver.mip``).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from ortools.sat.python import cp_model

from solver.engine import Deadline, EngineResult, LevelOutcome
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance, IntArray, OrderTask

__all__ = [
    "DEFAULT_MAX_BOOLEANS",
    "FlatSolution",
    "FlatSpace",
    "count_booleans",
    "empty_result",
    "flat_cpsat_engine",
    "flat_levels",
    "level_outcomes",
    "run",
    "solve_margin_s",
]

logger = logging.getLogger(__name__)

#: Above this many booleans the flat model is not built. Measured peak memory per boolean
#: (model, presolved copy, search): 2.8 KiB for CP-SAT and 2.1 KiB for PuLP + HiGHS at
#: 2.4 million booleans (50,000 generated orders), so 3 million is about 8 GiB of the
#: machine's 24. Building takes about 17 us per boolean in Python besides.
DEFAULT_MAX_BOOLEANS = 3_000_000
#: Orders handled between two looks at the clock while the model is built.
CLOCK_EVERY = 200
#: Seconds the watchdog waits past the deadline before it stops a solve itself.
WATCHDOG_GRACE_S = 0.05


# --- levels and weights ----------------------------------------------------------------------


@dataclass(frozen=True)
class FlatLevel:
    """A lexicographic level folded into the weighted sum."""

    name: str
    order_idxs: tuple[int, ...]
    weight: int


def flat_levels(instance: Instance) -> tuple[FlatLevel, ...]:
    """pinned (when any order has pinned work), then priority-1, priority-2, ...

    weight(L) = 1 + sum over the later levels M of weight(M) x |M|: planning one more order
    of L is worth more than any change in the later levels.
    """
    groups: list[tuple[str, tuple[int, ...]]] = []
    pinned = tuple(o for o, order in enumerate(instance.orders) if order.pinned)
    if pinned:
        groups.append(("pinned", pinned))
    for priority in sorted({o.priority for o in instance.orders}):
        members = tuple(o for o, order in enumerate(instance.orders) if order.priority == priority)
        groups.append((f"priority-{priority}", members))
    levels: list[FlatLevel] = []
    later = 0
    for name, members in reversed(groups):
        weight = later + 1
        levels.append(FlatLevel(name, members, weight))
        later += weight * len(members)
    return tuple(reversed(levels))


def order_weights(instance: Instance, levels: tuple[FlatLevel, ...]) -> list[int]:
    """Objective coefficient of planned[o]: the sum of the weights of o's levels."""
    weights = [0] * len(instance.orders)
    for level in levels:
        for order_idx in level.order_idxs:
            weights[order_idx] += level.weight
    return weights


def level_outcomes(
    levels: tuple[FlatLevel, ...], planned: frozenset[int], bound: float | None, optimal: bool
) -> tuple[LevelOutcome, ...]:
    """One outcome per level, with a bound on the lexicographic optimum's count.

    With the objective's proven upper bound B and the solution's counts v, the
    lexicographically optimal plan's count of level i is at most
    floor((B - sum_{j<i} weight_j v_j) / weight_i): its earlier levels are worth at least
    the solution's, and the later ones are worth nothing below zero. A prefix of levels
    whose count meets its bound is proven; without a bound the outcomes are left out.
    """
    if bound is None and not optimal:
        return ()
    outcomes: list[LevelOutcome] = []
    spent = 0
    proven = True
    for level in levels:
        value = sum(1 for o in level.order_idxs if o in planned)
        if optimal or bound is None:
            best = value
        else:
            best = math.floor((bound - spent) / level.weight + 1e-6)
            best = max(value, min(len(level.order_idxs), best))
        proven = proven and best == value
        outcomes.append(
            LevelOutcome(level.name, "max", value, best, "OPTIMAL" if proven else "FEASIBLE")
        )
        spent += level.weight * value
    return tuple(outcomes)


# --- the variable space ----------------------------------------------------------------------


@dataclass(frozen=True)
class ZonePickSpace:
    """The pick of one order in one zone: its (team, slot) choices and the lines it may hold."""

    order_idx: int
    zone_idx: int
    choices: tuple[tuple[int, int], ...]
    fixed_s: int  # seconds of the lines that can only be sourced in this zone
    flex_lines: tuple[int, ...]  # lines that may be sourced here or in another zone


@dataclass(frozen=True)
class FlatSpace:
    """Every boolean of the flat model, by index (no solver objects)."""

    zone_picks: tuple[ZonePickSpace, ...]
    packs: tuple[tuple[tuple[int, int], ...], ...]  # per order; () when the pack is pinned
    line_zones: tuple[tuple[int, ...], ...]  # per line
    levels: tuple[FlatLevel, ...]
    weights: tuple[int, ...]  # per order
    picks_of: tuple[tuple[int, ...], ...] = field(default=())  # zone picks of each order


class _Windows:
    """Slots with capacity per team, counted over a slot range with prefix sums."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        open_slots: IntArray = (instance.capacity_s > 0).astype(np.int64)
        self.prefix: IntArray = np.zeros(
            (instance.num_teams, instance.num_slots + 1), dtype=np.int64
        )
        self.prefix[:, 1:] = open_slots.cumsum(axis=1)
        self.pick_teams = {z: instance.pick_teams(z) for z in range(len(instance.zone_ids))}
        self.pack_teams = instance.pack_teams()

    def count(self, team_idx: int, first: int, last: int) -> int:
        if last < first:
            return 0
        first, last = max(first, 0), min(last, self.instance.num_slots - 1)
        return int(self.prefix[team_idx, last + 1] - self.prefix[team_idx, first])

    def slots(self, team_idx: int, first: int, last: int) -> tuple[int, ...]:
        capacity = self.instance.capacity_s[team_idx]
        return tuple(k for k in range(max(first, 0), last + 1) if capacity[k] > 0)


def pick_window(order: OrderTask) -> tuple[int, int]:
    """First and last slot of the order's picks (before its deadline slot or pinned pack)."""
    last = order.last_pack_slot - 1
    if order.pinned_pack is not None:
        last = min(last, order.pinned_pack[1] - 1)
    return order.release_slot, last


def pack_window(order: OrderTask) -> tuple[int, int]:
    """First and last slot of the order's pack (after its pinned picks, by its deadline)."""
    return order.first_pack_slot, order.last_pack_slot


def _pack_teams(instance: Instance, windows: _Windows, order_idx: int) -> Iterator[int]:
    if instance.orders[order_idx].pinned_pack is not None:
        return
    for team_idx in windows.pack_teams:
        if instance.pack_team_allowed(order_idx, team_idx):
            yield team_idx


def count_booleans(instance: Instance) -> int:
    """The flat model's booleans, counted without creating any."""
    windows = _Windows(instance)
    line_zones = [instance.line_zones(li) for li in range(len(instance.lines))]
    total = len(instance.orders) + sum(len(line.stock_idxs) for line in instance.lines)
    for order_idx, order in enumerate(instance.orders):
        first, last = pick_window(order)
        zones = {z for li in order.line_idxs for z in line_zones[li]}
        for zone_idx in zones:
            choices = sum(windows.count(t, first, last) for t in windows.pick_teams[zone_idx])
            flex = sum(
                1
                for li in order.line_idxs
                if len(line_zones[li]) > 1 and zone_idx in line_zones[li]
            )
            total += 1 + choices * (1 + flex)
        pack_first, pack_last = pack_window(order)
        total += sum(
            windows.count(t, pack_first, pack_last)
            for t in _pack_teams(instance, windows, order_idx)
        )
    return total


def build_space(instance: Instance, expired: Callable[[], bool]) -> FlatSpace | None:
    """Enumerate every choice; None if the clock runs out first."""
    windows = _Windows(instance)
    line_zones = tuple(instance.line_zones(li) for li in range(len(instance.lines)))
    zone_picks: list[ZonePickSpace] = []
    picks_of: list[tuple[int, ...]] = []
    packs: list[tuple[tuple[int, int], ...]] = []
    for order_idx, order in enumerate(instance.orders):
        if order_idx % CLOCK_EVERY == 0 and expired():
            return None
        first, last = pick_window(order)
        own: list[int] = []
        for zone_idx in sorted({z for li in order.line_idxs for z in line_zones[li]}):
            choices = tuple(
                (t, k) for t in windows.pick_teams[zone_idx] for k in windows.slots(t, first, last)
            )
            in_zone = [li for li in order.line_idxs if zone_idx in line_zones[li]]
            fixed_s = sum(instance.lines[li].pick_s for li in in_zone if len(line_zones[li]) == 1)
            flex = tuple(li for li in in_zone if len(line_zones[li]) > 1)
            own.append(len(zone_picks))
            zone_picks.append(ZonePickSpace(order_idx, zone_idx, choices, fixed_s, flex))
        picks_of.append(tuple(own))
        pack_first, pack_last = pack_window(order)
        packs.append(
            tuple(
                (t, k)
                for t in _pack_teams(instance, windows, order_idx)
                for k in windows.slots(t, pack_first, pack_last)
            )
        )
    levels = flat_levels(instance)
    return FlatSpace(
        zone_picks=tuple(zone_picks),
        packs=tuple(packs),
        line_zones=line_zones,
        levels=levels,
        weights=tuple(order_weights(instance, levels)),
        picks_of=tuple(picks_of),
    )


# --- results ---------------------------------------------------------------------------------


@dataclass
class FlatSolution:
    """What a solver chose, by index."""

    planned: set[int] = field(default_factory=set)
    sources: dict[int, int] = field(default_factory=dict)  # line -> stock record
    picks: dict[int, tuple[int, int]] = field(default_factory=dict)  # zone pick -> (team, slot)
    packs: dict[int, tuple[int, int]] = field(default_factory=dict)  # order -> (team, slot)


def to_schedule(instance: Instance, space: FlatSpace, solution: FlatSolution) -> Schedule:
    """The chosen picks and packs as a schedule (lines grouped by the zone of their record)."""
    picks: list[PickTask] = []
    for zp_idx, (team_idx, slot_idx) in sorted(solution.picks.items()):
        zp = space.zone_picks[zp_idx]
        line_stock = tuple(
            (li, solution.sources[li])
            for li in instance.orders[zp.order_idx].line_idxs
            if li in solution.sources
            and instance.stock[solution.sources[li]].zone_idx == zp.zone_idx
        )
        picks.append(PickTask(zp.order_idx, zp.zone_idx, team_idx, slot_idx, line_stock))
    packs = tuple(
        PackTask(order_idx, team_idx, slot_idx)
        for order_idx, (team_idx, slot_idx) in sorted(solution.packs.items())
    )
    return Schedule(planned=frozenset(solution.planned), picks=tuple(picks), packs=packs)


def done_by_pinned_work(instance: Instance) -> frozenset[int]:
    """Orders whose pinned work is all of them: planned without any decision."""
    return frozenset(
        o
        for o, order in enumerate(instance.orders)
        if order.pinned_pack is not None and not order.line_idxs
    )


def empty_result(instance: Instance, status: str, reason: str) -> EngineResult:
    """No plan from the peer: only the orders pinned work completes are planned."""
    return EngineResult(Schedule(planned=done_by_pinned_work(instance)), status, reason, ())


def too_large(instance: Instance, max_booleans: int, engine: str) -> EngineResult | None:
    """UNKNOWN with an empty plan when the flat model would exceed the memory budget."""
    booleans = count_booleans(instance)
    if booleans <= max_booleans:
        return None
    reason = (
        f"flat model too large: {booleans:,} booleans over the budget of {max_booleans:,}; "
        f"{engine} model not built"
    )
    logger.info(reason)
    return empty_result(instance, "UNKNOWN", reason)


def solve_margin_s(remaining_s: float) -> float:
    """Seconds kept back from the solve for extraction, diagnosis and KPIs."""
    return min(1.0, 0.05 * remaining_s)


# --- the CP-SAT model ------------------------------------------------------------------------


@dataclass
class _CpVars:
    planned: list[cp_model.IntVar]
    sources: list[list[tuple[int, cp_model.IntVar]]]  # per line: (stock record, var)
    used: list[cp_model.IntVar]  # per zone pick
    picks: list[list[cp_model.IntVar]]  # per zone pick, in the order of its choices
    packs: list[list[cp_model.IntVar]]  # per order, in the order of space.packs


def _build(
    instance: Instance, space: FlatSpace, expired: Callable[[], bool]
) -> tuple[cp_model.CpModel, _CpVars] | None:
    model = cp_model.CpModel()
    planned = [model.new_bool_var(f"planned[{o.order_id}]") for o in instance.orders]
    sources = [
        [(s, model.new_bool_var(f"source[{li},{s}]")) for s in line.stock_idxs]
        for li, line in enumerate(instance.lines)
    ]
    for li, line in enumerate(instance.lines):
        # Each line of a planned order is sourced whole from exactly one record.
        model.add(sum(v for _, v in sources[li]) == planned[line.order_idx])
    cp = _CpVars(planned, sources, [], [], [])
    load: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    for zp_idx, zp in enumerate(space.zone_picks):
        if zp_idx % CLOCK_EVERY == 0 and expired():
            return None
        _add_zone_pick(model, instance, cp, zp, load)
    for order_idx, choices in enumerate(space.packs):
        if order_idx % CLOCK_EVERY == 0 and expired():
            return None
        _add_pack(model, instance, space, cp, order_idx, choices, load)
    _add_capacity(model, instance, load)
    _add_stock(model, instance, cp)
    model.maximize(sum(w * planned[o] for o, w in enumerate(space.weights) if w))
    return model, cp


def _in_zone(
    instance: Instance, cp: _CpVars, line_idx: int, zone_idx: int
) -> list[cp_model.IntVar]:
    return [v for s, v in cp.sources[line_idx] if instance.stock[s].zone_idx == zone_idx]


def _add_zone_pick(
    model: cp_model.CpModel,
    instance: Instance,
    cp: _CpVars,
    zp: ZonePickSpace,
    load: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]],
) -> None:
    used = model.new_bool_var(f"used[{zp.order_idx},{zp.zone_idx}]")
    picks = [
        model.new_bool_var(f"pick[{zp.order_idx},{zp.zone_idx},{t},{k}]") for t, k in zp.choices
    ]
    cp.used.append(used)
    cp.picks.append(picks)
    # A used zone is picked exactly once; it is used iff one of its lines is sourced there.
    model.add(sum(picks) == used)
    in_zone = [
        v
        for li in instance.orders[zp.order_idx].line_idxs
        for v in _in_zone(instance, cp, li, zp.zone_idx)
    ]
    for v in in_zone:
        model.add_implication(v, used)
    model.add(used <= sum(in_zone))
    for (t, k), pick in zip(zp.choices, picks, strict=True):
        if zp.fixed_s:
            load[(t, k)].append((pick, zp.fixed_s))
        for li in zp.flex_lines:
            # The line's seconds land on (t, k) when it is sourced in this zone and the
            # zone's pick is there: on >= in_zone + pick - 1.
            on = model.new_bool_var(f"load[{li},{zp.zone_idx},{t},{k}]")
            model.add(on >= sum(_in_zone(instance, cp, li, zp.zone_idx)) + pick - 1)
            load[(t, k)].append((on, instance.lines[li].pick_s))


def _add_pack(
    model: cp_model.CpModel,
    instance: Instance,
    space: FlatSpace,
    cp: _CpVars,
    order_idx: int,
    choices: tuple[tuple[int, int], ...],
    load: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]],
) -> None:
    order = instance.orders[order_idx]
    packs = [model.new_bool_var(f"pack[{order_idx},{t},{k}]") for t, k in choices]
    cp.packs.append(packs)
    if order.pinned_pack is not None:
        return  # the pinned pack counts; pick windows end before it
    model.add(sum(packs) == cp.planned[order_idx])
    pack_slot = sum(k * v for (_, k), v in zip(choices, packs, strict=True))
    for zp_idx in space.picks_of[order_idx]:
        zp = space.zone_picks[zp_idx]
        pick_slot = sum(k * v for (_, k), v in zip(zp.choices, cp.picks[zp_idx], strict=True))
        # Every pick in a slot strictly before the pack.
        model.add(pick_slot < pack_slot).only_enforce_if(cp.used[zp_idx])
        by_team: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (t, _), v in zip(choices, packs, strict=True):
            by_team[t].append(v)
        for t, team_packs in sorted(by_team.items()):
            zones = instance.team_zone_idxs[t]
            if zones and zp.zone_idx not in zones:
                # A pack team with zones packs only orders picked inside them.
                model.add(sum(team_packs) + cp.used[zp_idx] <= 1)
    for (t, k), v in zip(choices, packs, strict=True):
        load[(t, k)].append((v, order.pack_s))


def _add_capacity(
    model: cp_model.CpModel,
    instance: Instance,
    load: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]],
) -> None:
    """The seconds a team works in a slot fit its capacity less pinned work."""
    for (t, k), terms in sorted(load.items()):
        free_s = max(0, int(instance.free_capacity_s[t, k]))
        model.add(sum(w * v for v, w in terms) <= free_s)


def _add_stock(model: cp_model.CpModel, instance: Instance, cp: _CpVars) -> None:
    """The units taken from a stock record fit what is on hand less pinned picks."""
    taken: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    for li, sources in enumerate(cp.sources):
        for s, v in sources:
            taken[s].append((v, instance.lines[li].qty))
    for s, terms in sorted(taken.items()):
        model.add(sum(q * v for v, q in terms) <= instance.stock[s].free_qty)


def _hint(model: cp_model.CpModel, space: FlatSpace, cp: _CpVars, start: Schedule) -> None:
    """Optional: hint the decision variables with a schedule (the greedy start)."""
    for o, v in enumerate(cp.planned):
        model.add_hint(v, o in start.planned)
    chosen = {(li, s) for p in start.picks for li, s in p.line_stock}
    for li, sources in enumerate(cp.sources):
        for s, v in sources:
            model.add_hint(v, (li, s) in chosen)
    at = {(p.order_idx, p.zone_idx): (p.team_idx, p.slot_idx) for p in start.picks}
    for zp_idx, zp in enumerate(space.zone_picks):
        where = at.get((zp.order_idx, zp.zone_idx))
        model.add_hint(cp.used[zp_idx], where is not None)
        for choice, v in zip(zp.choices, cp.picks[zp_idx], strict=True):
            model.add_hint(v, choice == where)
    packed = {p.order_idx: (p.team_idx, p.slot_idx) for p in start.packs}
    for o, choices in enumerate(space.packs):
        for choice, v in zip(choices, cp.packs[o], strict=True):
            model.add_hint(v, packed.get(o) == choice)


class FlatVars(Protocol):
    """The flat model's variables by the flat space's indices (CP-SAT's or PuLP's)."""

    @property
    def planned(self) -> Sequence[Any]: ...
    @property
    def sources(self) -> Sequence[Sequence[tuple[int, Any]]]: ...  # per line: (stock, var)
    @property
    def used(self) -> Sequence[Any]: ...  # per zone pick
    @property
    def picks(self) -> Sequence[Sequence[Any]]: ...  # per zone pick, by its choices
    @property
    def packs(self) -> Sequence[Sequence[Any]]: ...  # per order, by space.packs


def extract_solution(
    instance: Instance, space: FlatSpace, chosen: FlatVars, on: Callable[[Any], bool]
) -> FlatSolution:
    """The solution the variables hold (``on(var)``: is it set in the solver's answer)."""
    solution = FlatSolution()
    solution.planned = {o for o, v in enumerate(chosen.planned) if on(v)}
    for li, line in enumerate(instance.lines):
        if line.order_idx in solution.planned:
            solution.sources[li] = next(s for s, v in chosen.sources[li] if on(v))
    for zp_idx, zp in enumerate(space.zone_picks):
        if zp.order_idx in solution.planned and on(chosen.used[zp_idx]):
            pos = next(i for i, v in enumerate(chosen.picks[zp_idx]) if on(v))
            solution.picks[zp_idx] = zp.choices[pos]
    for o, choices in enumerate(space.packs):
        if o in solution.planned and choices:
            pos = next(i for i, v in enumerate(chosen.packs[o]) if on(v))
            solution.packs[o] = choices[pos]
    return solution


def run(
    instance: Instance,
    start: Schedule,
    deadline: Deadline,
    *,
    num_workers: int = 1,
    hint: bool = False,
    max_booleans: int = DEFAULT_MAX_BOOLEANS,
) -> EngineResult:
    """Build the flat model, solve it once with CP-SAT until the deadline, extract."""
    if not instance.orders:
        return EngineResult(Schedule(planned=frozenset()), "OPTIMAL", "no order to plan", ())
    refused = too_large(instance, max_booleans, "CP-SAT")
    if refused is not None:
        return refused
    space = build_space(instance, deadline.expired)
    built = None if space is None else _build(instance, space, deadline.expired)
    if space is None or built is None:
        return empty_result(instance, "UNKNOWN", "time limit reached while building the flat model")
    model, cp = built
    if hint:
        _hint(model, space, cp, start)
    remaining = deadline.remaining_s()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(remaining - solve_margin_s(remaining), 0.001)
    solver.parameters.num_workers = num_workers
    status = _solve_guarded(solver, model, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = solver.status_name(status)
        return empty_result(instance, "UNKNOWN", f"CP-SAT ended {name} without a plan")
    optimal = status == cp_model.OPTIMAL
    solution = extract_solution(instance, space, cp, solver.boolean_value)
    schedule = to_schedule(instance, space, solution)
    bound = solver.best_objective_bound
    levels = level_outcomes(space.levels, schedule.planned, bound, optimal)
    if optimal:
        reason = "weighted sum solved to optimality"
    else:
        reason = (
            f"time limit reached: objective {solver.objective_value:.0f}, "
            f"bound {bound:.0f} ({solver.wall_time:.1f} s in CP-SAT)"
        )
    return EngineResult(schedule, "OPTIMAL" if optimal else "FEASIBLE", reason, levels)


def _solve_guarded(
    solver: cp_model.CpSolver, model: cp_model.CpModel, deadline: Deadline
) -> cp_model.CpSolverStatus:
    """Solve, with a watchdog that stops the search at the wall-clock deadline."""
    watchdog = threading.Timer(deadline.remaining_s() + WATCHDOG_GRACE_S, solver.stop_search)
    watchdog.daemon = True
    watchdog.start()
    try:
        return solver.solve(model)
    finally:
        watchdog.cancel()


def flat_cpsat_engine(
    num_workers: int = 1, hint: bool = False, max_booleans: int = DEFAULT_MAX_BOOLEANS
) -> Callable[[Instance, Schedule, Deadline], EngineResult]:
    """``run`` with its parameters bound, for :func:`solver.solve.plan_with_engine`."""
    return functools.partial(run, num_workers=num_workers, hint=hint, max_booleans=max_booleans)
