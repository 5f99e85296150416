"""Timefold Solver for Python: a simple constraint-streams model, when it is installed.

Optional: ``pip install timefold`` (Timefold Solver 1.x, which runs its Java engine
through JPype and needs a JDK 17 or later). :func:`available` says whether it can run;
without it :func:`run` returns an empty UNKNOWN result that says why, and the benchmark
skips the peer.

The model, as a Timefold user would write it:

- **Stock first.** Timefold has no cheap way to choose a stock record per line inside a
  zone pick, so each line gets its record up front, in the order pinned work first, then
  priority, then first in first out: a record in a zone the order already uses, else the
  fullest that still holds the quantity. An order that cannot get all its lines, or has a
  task no team could do, is left out (its stock goes back).
- **Planning entities**: one task per (order, zone) pick and one per pack, each with a
  ``spot`` planning variable (team, slot; any spot where a team has capacity) that may
  stay unassigned. An order with a pinned pack gets a pack task of zero seconds that can
  only take its pinned spot: assigning it means "this order is completed".
- **Hard** (one level): the spot's team is eligible for the task (a pick team of its zone;
  a pack team whose zones hold every pick of the order) and its slot is inside the task's
  window; the seconds on a spot fit its free capacity; a pick's slot is before its pack's;
  a pack is assigned only when every pick of its order is.
- **Soft** (one level per lexicographic level: pinned when any, then priority 1, 2, ...):
  +1 per assigned pack of an order of that level. A ``BendableScore`` keeps the levels
  strictly lexicographic. A pick assigned while its order's pack is not costs nothing:
  with a penalty for it, a single change move can no longer start an order (its first
  pick would be a worse score) and the search stays at zero planned orders (tried).
- Default solver phases (construction heuristic, then late acceptance local search),
  ``NO_ASSERT`` (reproducible) with seed 0, until the time limit or until every order is planned.

The best solution is read back and checked once more in Python: orders whose tasks are
not all assigned, eligible, in order and within capacity are dropped (only possible when
the time ran out before a solution without hard violations), so the schedule is always
valid. Timefold proves nothing: the status is FEASIBLE and no level bounds are given.
"""

import functools
import importlib
import importlib.util
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np

from solver.engine import Deadline, EngineResult
from solver.schedule import PackTask, PickTask, Schedule
from solver.tasks import Instance, IntArray

__all__ = ["available", "run", "timefold_engine", "unavailable_reason", "warm_up"]

logger = logging.getLogger(__name__)

#: Seconds kept back from Timefold's own limit: reading the problem into Java and the
#: solution back, a fixed part and a part per task (measured: about 1 ms per task).
OVERHEAD_S = 0.5
OVERHEAD_PER_TASK_S = 0.0015


@functools.cache
def unavailable_reason() -> str | None:
    """None when Timefold can run here, else why not."""
    if importlib.util.find_spec("timefold") is None:
        return "the optional package timefold is not installed (pip install timefold)"
    try:
        jpype: Any = importlib.import_module("jpype")
        jpype.getDefaultJVMPath()
    except Exception as exc:  # JPype raises its own JVMNotFoundException
        return f"timefold needs a Java runtime (JDK 17+): {exc}"
    return None


def available() -> bool:
    """Whether the Timefold peer can run (package installed, a JVM found)."""
    return unavailable_reason() is None


def warm_up() -> None:
    """Start the JVM and load Timefold (about 7 s on the first call of a process).

    A benchmark that wants to time the search, not the JVM start, calls this first.
    """
    if available():
        _domain(1)


# --- the instance, prepared for Timefold --------------------------------------------------------


@dataclass(frozen=True)
class _TaskSpec:
    """One pick or pack task, in index space."""

    order_idx: int
    zone_idx: int  # -1 for a pack
    seconds: int
    teams: tuple[int, ...]
    first: int
    last: int
    line_stock: tuple[tuple[int, int], ...] = ()
    levels: tuple[int, ...] = ()  # soft levels an assigned pack counts for

    @property
    def is_pack(self) -> bool:
        return self.zone_idx < 0


@dataclass
class _Prepared:
    """The tasks of the orders Timefold plans, the spots, and the soft levels."""

    tasks: list[_TaskSpec] = field(default_factory=list)
    spots: list[tuple[int, int, int]] = field(default_factory=list)  # (team, slot, free s)
    level_names: list[str] = field(default_factory=list)
    level_sizes: list[int] = field(default_factory=list)
    left_out: int = 0


def _levels(instance: Instance) -> tuple[list[str], dict[int, tuple[int, ...]]]:
    names: list[str] = []
    pinned = any(order.pinned for order in instance.orders)
    if pinned:
        names.append("pinned")
    priorities = sorted({order.priority for order in instance.orders})
    names += [f"priority-{p}" for p in priorities]
    offset = 1 if pinned else 0
    of_order = {
        o: ((0,) if order.pinned else ()) + (offset + priorities.index(order.priority),)
        for o, order in enumerate(instance.orders)
    }
    return names, of_order


def _allocate(instance: Instance, order_idx: int, stock_left: IntArray) -> dict[int, int] | None:
    """A stock record per line (zones in use first, then the fullest), or None."""
    chosen: dict[int, int] = {}
    zones: set[int] = set()
    for li in instance.orders[order_idx].line_idxs:
        line = instance.lines[li]
        options = [s for s in line.stock_idxs if stock_left[s] >= line.qty]
        if not options:
            for done_li, s in chosen.items():
                stock_left[s] += instance.lines[done_li].qty
            return None
        best = min(
            options, key=lambda s: (instance.stock[s].zone_idx not in zones, -stock_left[s], s)
        )
        chosen[li] = best
        zones.add(instance.stock[best].zone_idx)
        stock_left[best] -= line.qty
    return chosen


def _order_tasks(
    instance: Instance, order_idx: int, sources: dict[int, int], levels: tuple[int, ...]
) -> list[_TaskSpec] | None:
    """The order's pick tasks and pack task, or None when one of them has no eligible spot."""
    order = instance.orders[order_idx]
    by_zone: dict[int, list[int]] = {}
    for li, s in sources.items():
        by_zone.setdefault(instance.stock[s].zone_idx, []).append(li)
    last_pick = order.last_pack_slot - 1
    if order.pinned_pack is not None:
        last_pick = min(last_pick, order.pinned_pack[1] - 1)
    tasks: list[_TaskSpec] = []
    for zone_idx, lines in sorted(by_zone.items()):
        tasks.append(
            _TaskSpec(
                order_idx,
                zone_idx,
                sum(instance.lines[li].pick_s for li in lines),
                instance.pick_teams(zone_idx),
                order.release_slot,
                last_pick,
                tuple((li, sources[li]) for li in lines),
            )
        )
    if order.pinned_pack is not None:
        team, slot = order.pinned_pack
        tasks.append(_TaskSpec(order_idx, -1, 0, (team,), slot, slot, levels=levels))
    else:
        used = set(by_zone) | {p.zone_idx for p in order.pinned_picks}
        teams = tuple(
            t
            for t in instance.pack_teams()
            if not instance.team_zone_idxs[t] or used <= instance.team_zone_idxs[t]
        )
        tasks.append(
            _TaskSpec(
                order_idx,
                -1,
                order.pack_s,
                teams,
                order.first_pack_slot,
                order.last_pack_slot,
                levels=levels,
            )
        )
    for task in tasks:
        if task.seconds == 0 and task.is_pack:
            continue  # a pinned pack: its spot is given
        if not any(
            instance.capacity_s[t, k] > 0
            for t in task.teams
            for k in range(task.first, task.last + 1)
        ):
            return None
    return tasks


def _prepare(instance: Instance) -> _Prepared:
    prepared = _Prepared()
    names, of_order = _levels(instance)
    prepared.level_names = names
    sizes = Counter(level for levels in of_order.values() for level in levels)
    prepared.level_sizes = [sizes[i] for i in range(len(names))]
    stock_left: IntArray = np.array([s.free_qty for s in instance.stock], dtype=np.int64)
    ranked = sorted(
        range(len(instance.orders)),
        key=lambda o: (
            not instance.orders[o].pinned,
            instance.orders[o].priority,
            instance.orders[o].fifo_rank,
        ),
    )
    for order_idx in ranked:
        sources = _allocate(instance, order_idx, stock_left)
        tasks = (
            None
            if sources is None
            else _order_tasks(instance, order_idx, sources, of_order[order_idx])
        )
        if sources is None or tasks is None:
            if sources is not None:
                for li, s in sources.items():
                    stock_left[s] += instance.lines[li].qty
            prepared.left_out += 1
            continue
        prepared.tasks += tasks
    prepared.spots = [
        (t, k, max(0, int(instance.free_capacity_s[t, k])))
        for t in range(instance.num_teams)
        for k in range(instance.num_slots)
        if instance.capacity_s[t, k] > 0
    ]
    return prepared


# --- the Timefold domain (built once per number of soft levels, after the JVM starts) ---------


@dataclass(frozen=True)
class _Domain:
    spot_class: Any
    task_class: Any
    solution_class: Any
    constraints: Any
    score_class: Any


@functools.cache
def _domain(soft_levels: int) -> _Domain:
    """Timefold's decorators start the JVM: the classes are made on first use."""
    tf_domain: Any = importlib.import_module("timefold.solver.domain")
    tf_score: Any = importlib.import_module("timefold.solver.score")
    bendable = tf_score.BendableScore

    @dataclass
    class Spot:
        id: Annotated[int, tf_domain.PlanningId]
        team: int
        slot: int
        capacity: int

    @dataclass
    class Task:
        id: Annotated[int, tf_domain.PlanningId]
        order: int
        is_pack: bool
        seconds: int
        teams: list[int]
        first: int
        last: int
        levels: list[int]
        spot: Annotated[Spot | None, tf_domain.PlanningVariable(allows_unassigned=True)] = field(
            default=None
        )

    task_class = tf_domain.planning_entity(Task)

    @dataclass
    class Plan:
        spots: Annotated[
            list[Spot], tf_domain.ProblemFactCollectionProperty, tf_domain.ValueRangeProvider
        ]
        tasks: Annotated[list[Task], tf_domain.PlanningEntityCollectionProperty]
        score: Annotated[
            bendable | None,  # type: ignore[valid-type]  # Timefold reads the class
            tf_domain.PlanningScore(
                bendable_hard_levels_size=1, bendable_soft_levels_size=soft_levels
            ),
        ] = field(default=None)

    solution_class = tf_domain.planning_solution(Plan)

    def hard(amount: int = 1) -> Any:
        return bendable.of_hard(1, soft_levels, 0, amount)

    def soft(level: int) -> Any:
        return bendable.of_soft(1, soft_levels, level, 1)

    def constraints(factory: Any) -> list[Any]:
        joiners = tf_score.Joiners
        collectors = tf_score.ConstraintCollectors
        out = [
            factory.for_each(task_class)
            .filter(
                lambda t: (
                    t.spot.team not in t.teams or t.spot.slot < t.first or t.spot.slot > t.last
                )
            )
            .penalize(hard())
            .as_constraint("eligible team and slot"),
            factory.for_each(task_class)
            .group_by(lambda t: t.spot, collectors.sum(lambda t: t.seconds))
            .filter(lambda spot, seconds: seconds > spot.capacity)
            .penalize(hard(), lambda spot, seconds: seconds - spot.capacity)
            .as_constraint("team capacity"),
            factory.for_each(task_class)
            .filter(lambda t: t.is_pack)
            .join(
                task_class,
                joiners.equal(lambda pack: pack.order, lambda pick: pick.order),
                joiners.filtering(
                    lambda pack, pick: not pick.is_pack and pick.spot.slot >= pack.spot.slot
                ),
            )
            .penalize(hard())
            .as_constraint("pick before pack"),
            factory.for_each(task_class)
            .filter(lambda t: t.is_pack)
            .if_exists_including_unassigned(
                task_class,
                joiners.equal(lambda pack: pack.order, lambda pick: pick.order),
                joiners.filtering(lambda _pack, pick: not pick.is_pack and pick.spot is None),
            )
            .penalize(hard())
            .as_constraint("pack only a fully picked order"),
        ]
        for level in range(soft_levels):
            out.append(
                factory.for_each(task_class)
                .filter(_level_filter(level))
                .reward(soft(level))
                .as_constraint(f"planned orders, level {level}")
            )
        return out

    provider = tf_score.constraint_provider(constraints)
    return _Domain(Spot, task_class, solution_class, provider, bendable)


def _level_filter(level: int) -> Callable[[Any], bool]:
    return lambda task: task.is_pack and level in task.levels


# --- solve and read back -----------------------------------------------------------------------


def _best_score_text(prepared: _Prepared) -> str:
    """Every order planned and nothing broken: the solver may stop there."""
    return "[0]hard/[" + "/".join(str(n) for n in _assignable_sizes(prepared)) + "]soft"


def _assignable_sizes(prepared: _Prepared) -> list[int]:
    counts = Counter(level for t in prepared.tasks if t.is_pack for level in t.levels)
    return [counts[i] for i in range(len(prepared.level_names))]


def _read_back(
    instance: Instance, prepared: _Prepared, spots: dict[int, tuple[int, int]]
) -> Schedule:
    """The orders whose tasks are all assigned, eligible, in order and within capacity."""
    by_order: dict[int, list[tuple[_TaskSpec, tuple[int, int] | None]]] = {}
    for idx, spec in enumerate(prepared.tasks):
        by_order.setdefault(spec.order_idx, []).append((spec, spots.get(idx)))
    left: IntArray = np.maximum(instance.free_capacity_s, 0).copy()
    planned: set[int] = set()
    picks: list[PickTask] = []
    packs: list[PackTask] = []
    ranked = sorted(
        by_order,
        key=lambda o: (
            not instance.orders[o].pinned,
            instance.orders[o].priority,
            instance.orders[o].fifo_rank,
        ),
    )
    for order_idx in ranked:
        tasks = by_order[order_idx]
        if not _order_ok(tasks):
            continue
        need: Counter[tuple[int, int]] = Counter()
        for spec, spot in tasks:
            assert spot is not None
            need[spot] += spec.seconds
        if any(left[t, k] < seconds for (t, k), seconds in need.items() if seconds):
            continue
        for (t, k), seconds in need.items():
            left[t, k] -= seconds
        planned.add(order_idx)
        for spec, spot in tasks:
            assert spot is not None
            if not spec.is_pack:
                picks.append(PickTask(order_idx, spec.zone_idx, spot[0], spot[1], spec.line_stock))
            elif instance.orders[order_idx].pinned_pack is None:
                packs.append(PackTask(order_idx, spot[0], spot[1]))
    return Schedule(planned=frozenset(planned), picks=tuple(picks), packs=tuple(packs))


def _order_ok(tasks: list[tuple[_TaskSpec, tuple[int, int] | None]]) -> bool:
    if any(spot is None for _, spot in tasks):
        return False
    for spec, spot in tasks:
        assert spot is not None
        if spot[0] not in spec.teams or not spec.first <= spot[1] <= spec.last:
            return False
    pack_slot = next(spot[1] for spec, spot in tasks if spec.is_pack and spot is not None)
    return all(spot[1] < pack_slot for spec, spot in tasks if not spec.is_pack and spot)


def run(instance: Instance, start: Schedule, deadline: Deadline, *, seed: int = 0) -> EngineResult:
    """Solve with Timefold until the deadline (or every order planned); ``start`` unused."""
    del start  # Timefold builds its own first solution (construction heuristic)
    reason = unavailable_reason()
    if reason is not None:
        return EngineResult(Schedule(planned=frozenset()), "UNKNOWN", reason, ())
    prepared = _prepare(instance)
    if not prepared.tasks:
        return EngineResult(
            Schedule(planned=frozenset()), "FEASIBLE", "no order could get its stock", ()
        )
    domain = _domain(len(prepared.level_names))
    tf: Any = importlib.import_module("timefold.solver")
    tf_config: Any = importlib.import_module("timefold.solver.config")
    spots = [domain.spot_class(i, t, k, cap) for i, (t, k, cap) in enumerate(prepared.spots)]
    tasks = [
        domain.task_class(
            i, s.order_idx, s.is_pack, s.seconds, list(s.teams), s.first, s.last, list(s.levels)
        )
        for i, s in enumerate(prepared.tasks)
    ]
    config = tf_config.SolverConfig(
        solution_class=domain.solution_class,
        entity_class_list=[domain.task_class],
        score_director_factory_config=tf_config.ScoreDirectorFactoryConfig(
            constraint_provider_function=domain.constraints
        ),
        environment_mode=tf_config.EnvironmentMode.NO_ASSERT,
        random_seed=seed,
    )
    factory = tf.SolverFactory.create(config)  # compiles the constraints: not search time
    remaining = deadline.remaining_s()
    overhead_s = OVERHEAD_S + OVERHEAD_PER_TASK_S * len(tasks) + 0.05 * remaining
    limit_ms = max(1, math.floor(1000 * (remaining - overhead_s)))
    termination = tf_config.TerminationConfig(
        spent_limit=tf_config.Duration(milliseconds=limit_ms),
        best_score_limit=_best_score_text(prepared),
    )
    solver = factory.build_solver(tf_config.SolverConfigOverride(termination_config=termination))
    solve_started = time.monotonic()
    best = solver.solve(domain.solution_class(spots, tasks))
    solved = time.monotonic()
    chosen = {
        task.id: (task.spot.team, task.spot.slot) for task in best.tasks if task.spot is not None
    }
    logger.info(
        "timefold: %d tasks, search limit %.2f s, solve call %.2f s, read back %.2f s",
        len(tasks),
        limit_ms / 1000,
        solved - solve_started,
        time.monotonic() - solved,
    )
    schedule = _read_back(instance, prepared, chosen)
    candidates = sum(1 for s in prepared.tasks if s.is_pack)
    text = (
        f"Timefold stopped with score {best.score} after {limit_ms / 1000:.1f} s at most: "
        f"{len(schedule.planned)} of the {candidates} orders it got stock for planned "
        f"({prepared.left_out} left out before solving: no stock or no eligible spot)"
    )
    return EngineResult(schedule, "FEASIBLE", text, ())


def timefold_engine(seed: int = 0) -> Callable[[Instance, Schedule, Deadline], EngineResult]:
    """``run`` with its parameters bound, for :func:`solver.solve.plan_with_engine`."""
    return functools.partial(run, seed=seed)
