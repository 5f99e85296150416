"""The independent plan checker: every rule of the contract, on any plan.

``check_plan(problem, plan)`` takes a problem and a plan document as parsed JSON (ours,
a person's, a WMS export) and recomputes everything from the problem: work content,
capacity per team and slot, stock, releases and deadlines, exception codes and KPIs. It
shares no code with the planner's model builder; its arithmetic lives in
:mod:`solver.check_codes`. A malformed plan gives violations, never a traceback; only a
malformed *problem* raises (:class:`solver.loading.DocumentError`).

:func:`_rules` is the table of contents: one small function per rule of the contract.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from solver.check_codes import (
    ClaimedException,
    Facts,
    StockKey,
    Violation,
    build_facts,
    check_exceptions,
    timestamp_or_none,
    whole_number,
)
from solver.domain import Order, PinnedAssignment, Problem, Team
from solver.loading import load_problem

__all__ = ["CheckReport", "Violation", "assert_plan_valid", "check_plan"]

logger = logging.getLogger(__name__)

_STATUSES: Final = ("zero_backlog", "backlog")
_STAGES: Final = ("pick", "pack")


@dataclass(frozen=True)
class CheckReport:
    """Every violation found in a plan; an empty report means the plan keeps the contract."""

    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.ok:
            return "the plan keeps every rule of the contract"
        lines = [f"- [{v.rule}] {v.message}" for v in self.violations]
        return f"{len(self.violations)} violation(s) of the contract:\n" + "\n".join(lines)


def check_plan(problem: Problem | Mapping[str, Any], plan: Mapping[str, Any]) -> CheckReport:
    """Check every rule of the contract on a plan document (a problem mapping is loaded)."""
    loaded = problem if isinstance(problem, Problem) else load_problem(problem)
    ctx = _context(build_facts(loaded), _parse_plan(plan))
    violations = tuple(violation for rule in _rules() for violation in rule(ctx))
    logger.debug(
        "checked a plan of %d assignments: %d violations", len(ctx.plan.tasks), len(violations)
    )
    return CheckReport(violations)


def assert_plan_valid(problem: Problem | Mapping[str, Any], plan: Mapping[str, Any]) -> None:
    """Raise :class:`AssertionError` listing every violation, if there is any."""
    report = check_plan(problem, plan)
    if not report.ok:
        raise AssertionError(str(report))


# --- the plan as the checker reads it ----------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    """A picked line: the SKU, the quantity and the location it is taken from."""

    sku: str
    qty: int
    location: str


@dataclass(frozen=True)
class PlanTask:
    """One well-formed assignment of the plan (malformed ones become violations)."""

    index: int
    order: str
    stage: str
    team: str
    slot: int
    seconds: int
    zone: str | None
    slot_start: datetime | None
    lines: tuple[PlanLine, ...]
    pinned: bool

    @property
    def where(self) -> str:
        return f"assignments[{self.index}] ({self.stage} of order {self.order!r})"


@dataclass(frozen=True)
class PlanView:
    """The parsed plan: well-formed assignments and exceptions, and what did not parse."""

    raw: Mapping[str, Any]
    tasks: tuple[PlanTask, ...]
    exceptions: tuple[ClaimedException, ...]
    num_exceptions: int
    malformed: tuple[Violation, ...]


@dataclass(frozen=True)
class _Context:
    """Everything the rules read: the problem's facts, the plan and a few indexes of it."""

    facts: Facts
    plan: PlanView
    tasks_of: Mapping[str, tuple[PlanTask, ...]]
    excepted: frozenset[str]
    taken: Mapping[StockKey, int]

    def planned(self) -> list[str]:
        """Known orders with assignments and no exception, in the problem's order."""
        return [
            order_id
            for order_id in self.facts.validated.order_ids
            if order_id in self.tasks_of and order_id not in self.excepted
        ]


def _context(facts: Facts, plan: PlanView) -> _Context:
    tasks_of: defaultdict[str, list[PlanTask]] = defaultdict(list)
    taken: Counter[StockKey] = Counter()
    for task in plan.tasks:
        tasks_of[task.order].append(task)
        for line in task.lines:
            taken[(line.location, line.sku)] += line.qty
    return _Context(
        facts=facts,
        plan=plan,
        tasks_of={order_id: tuple(tasks) for order_id, tasks in tasks_of.items()},
        excepted=frozenset(exc.order for exc in plan.exceptions),
        taken=taken,
    )


Rule = Callable[[_Context], Iterator[Violation]]


def _rules() -> tuple[Rule, ...]:
    """The table of contents: every rule of the contract, in the order it is reported."""
    return (
        _check_plan_shape,  # status, window, malformed entries
        _check_nothing_lost,  # every order exactly once: planned or an exception
        _check_assignment_refs,  # team, stage, slot, slot_start, capacity > 0, zones
        _check_line_sources,  # each line from a location of the zone holding its SKU
        _check_completeness,  # one pack, one pick per zone, exactly the order's lines
        _check_seconds,  # seconds equal the recomputed work content
        _check_time_windows,  # release, deadline, every pick before the pack
        _check_capacity,  # load per team and slot within capacity
        _check_stock,  # units taken per location and SKU within on_hand
        _check_pinned,  # pinned work kept as given
        _check_exceptions,  # exception fields and the first applicable code
        _check_kpis,  # orders, planned, backlog, planned_by_priority
    )


# --- 1. shape ----------------------------------------------------------------------------------


def _check_plan_shape(ctx: _Context) -> Iterator[Violation]:
    """Entries parse; status is zero_backlog exactly when there are no exceptions; same window."""
    yield from ctx.plan.malformed
    status, num_exceptions = ctx.plan.raw.get("status"), ctx.plan.num_exceptions
    if status not in _STATUSES:
        yield Violation("status", f"status {status!r} is not 'zero_backlog' or 'backlog'")
    elif (status == "zero_backlog") != (num_exceptions == 0):
        message = f"status is {status!r} with {num_exceptions} exception(s); it is "
        yield Violation("status", message + "'zero_backlog' exactly when there are none")
    problem = _window_problem(ctx.facts, ctx.plan.raw.get("window"))
    if problem is not None:
        yield Violation("window", f"the plan's window {problem}")


def _window_problem(facts: Facts, window: object) -> str | None:
    expected = facts.problem.window
    if not isinstance(window, Mapping):
        return "is missing or not an object"
    for key, moment in (("start", expected.start), ("end", expected.end)):
        if timestamp_or_none(window.get(key)) != moment:
            return f"{key} {window.get(key)!r} is not the problem's {moment.isoformat()}"
    slot_minutes = window.get("slot_minutes")
    if whole_number(slot_minutes, minimum=1) != expected.slot_minutes:
        return f"slot_minutes {slot_minutes!r} is not the problem's {expected.slot_minutes}"
    return None


# --- 2. nothing lost ---------------------------------------------------------------------------


def _check_nothing_lost(ctx: _Context) -> Iterator[Violation]:
    """Each distinct order id is planned or an exception, exactly once; no unknown orders."""
    known = set(ctx.facts.validated.order_ids)
    for order_id, count in Counter(exc.order for exc in ctx.plan.exceptions).items():
        if order_id not in known:
            yield Violation("nothing_lost", f"exception for unknown order {order_id!r}", order_id)
        elif count > 1:
            message = f"order {order_id!r} has {count} exceptions; an unplanned order gets one"
            yield Violation("nothing_lost", message, order_id)
    for order_id, tasks in ctx.tasks_of.items():
        if order_id not in known and not all(task.pinned for task in tasks):
            message = f"{len(tasks)} assignment(s) for unknown order {order_id!r}"
            yield Violation("nothing_lost", message, order_id)
    for order_id in ctx.facts.validated.order_ids:
        yield from _order_accounted_for(ctx, order_id)


def _order_accounted_for(ctx: _Context, order_id: str) -> Iterator[Violation]:
    """Not both planned and an exception (pinned work aside), and not neither."""
    tasks = ctx.tasks_of.get(order_id, ())
    if order_id in ctx.excepted:
        planned = [task.where for task in tasks if not task.pinned]
        if planned:
            message = f"order {order_id!r} is an exception and also planned: {', '.join(planned)}"
            yield Violation("nothing_lost", message, order_id)
    elif not tasks:
        message = f"order {order_id!r} is neither planned nor an exception"
        yield Violation("nothing_lost", message, order_id)


# --- 3. references -----------------------------------------------------------------------------


def _check_assignment_refs(ctx: _Context) -> Iterator[Violation]:
    """A slot of the window; and for the plan's own choices a team of the task's stage with
    capacity in that slot, working its zone (pinned work is a given, see _check_pinned)."""
    for task in ctx.plan.tasks:
        yield from _slot_refs(ctx.facts, task)
        if not task.pinned:
            yield from _team_refs(ctx, task)


def _slot_refs(facts: Facts, task: PlanTask) -> Iterator[Violation]:
    if not 0 <= task.slot < facts.num_slots:
        message = f"{task.where}: slot {task.slot} is not in 0..{facts.num_slots - 1}"
        yield Violation("slot", message, task.order)
        return
    start = facts.slot_start(task.slot)
    if task.slot_start != start:
        message = f"{task.where}: slot_start is not {start.isoformat()}, the start of slot"
        yield Violation("slot_start", f"{message} {task.slot}", task.order)


def _team_refs(ctx: _Context, task: PlanTask) -> Iterator[Violation]:
    team = ctx.facts.teams.get(task.team)
    if team is None:
        yield Violation("team", f"{task.where}: unknown team {task.team!r}", task.order)
    elif team.stage != task.stage:
        message = f"{task.where}: team {team.id!r} is a {team.stage} team"
        yield Violation("stage", message, task.order)
    else:
        if 0 <= task.slot < ctx.facts.num_slots and ctx.facts.capacity(team.id, task.slot) <= 0:
            message = f"{task.where}: team {team.id!r} has no capacity in slot {task.slot}"
            yield Violation("no_capacity", message, task.order)
        yield from _zone_refs(ctx, task, team)


def _zone_refs(ctx: _Context, task: PlanTask, team: Team) -> Iterator[Violation]:
    """A pick's zone is one its team works; a zoned pack team packs only orders picked there."""
    if task.stage == "pick":
        if task.zone is None:
            yield Violation("zone", f"{task.where}: a pick needs its zone", task.order)
        elif task.zone not in (team.zones or ()):
            message = f"{task.where}: team {team.id!r} does not work zone {task.zone!r}"
            yield Violation("zone", message, task.order)
        return
    if not team.zones:
        return
    picked = {t.zone for t in ctx.tasks_of[task.order] if t.stage == "pick" and t.zone}
    outside = sorted(picked - set(team.zones))
    if outside:
        message = f"{task.where}: pack team {team.id!r} works {list(team.zones)}, not {outside}"
        yield Violation("pack_zones", message, task.order)


# --- 4. lines and completeness -----------------------------------------------------------------


def _check_line_sources(ctx: _Context) -> Iterator[Violation]:
    """Each line the plan chose comes from a location in the pick's zone holding its SKU."""
    for task in (task for task in ctx.plan.tasks if not task.pinned):
        for line in task.lines:
            problem = _line_source_problem(ctx.facts, task, line)
            if problem is not None:
                yield Violation("line_source", f"{task.where}: {problem}", task.order)


def _line_source_problem(facts: Facts, task: PlanTask, line: PlanLine) -> str | None:
    zone = facts.zone_of.get(line.location)
    if zone is None:
        return f"{line.sku} from unknown location {line.location!r}"
    if zone != task.zone:
        return f"location {line.location!r} is in zone {zone!r}, not {task.zone!r}"
    if (line.location, line.sku) not in facts.on_hand:
        return f"location {line.location!r} holds no {line.sku!r}"
    return None


def _check_completeness(ctx: _Context) -> Iterator[Violation]:
    """A planned order has one pack, one pick per zone, and its lines exactly, each whole."""
    for order_id in ctx.planned():
        order = ctx.facts.orders.get(order_id)
        if order is not None:  # an invalid order that is planned: see the exception rule
            yield from _order_completeness(order, ctx.tasks_of[order_id])


def _order_completeness(order: Order, tasks: Sequence[PlanTask]) -> Iterator[Violation]:
    packs = [task for task in tasks if task.stage == "pack"]
    picks = [task for task in tasks if task.stage == "pick"]
    if len(packs) != 1:
        message = f"order {order.id!r} has {len(packs)} pack assignments, not exactly 1"
        yield Violation("completeness", message, order.id)
    for zone, count in Counter(task.zone for task in picks).items():
        if count > 1:
            message = f"order {order.id!r} has {count} pick assignments in zone {zone!r}, not 1"
            yield Violation("completeness", message, order.id)
    picked = Counter((line.sku, line.qty) for task in picks for line in task.lines)
    ordered = Counter((line.sku, line.qty) for line in order.lines)
    if picked != ordered:
        missing, extra = (
            sorted((ordered - picked).elements()),
            sorted((picked - ordered).elements()),
        )
        message = f"order {order.id!r}: picked lines differ from the order's (sku, qty)"
        yield Violation("completeness", f"{message}; missing {missing}, extra {extra}", order.id)


# --- 5. seconds --------------------------------------------------------------------------------


def _check_seconds(ctx: _Context) -> Iterator[Violation]:
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


def _check_time_windows(ctx: _Context) -> Iterator[Violation]:
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


def _check_capacity(ctx: _Context) -> Iterator[Violation]:
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


def _check_stock(ctx: _Context) -> Iterator[Violation]:
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


# --- 9. pinned ---------------------------------------------------------------------------------

_TaskKey = tuple[str, str, str, int, str | None, tuple[tuple[str, int, str], ...]]


def _check_pinned(ctx: _Context) -> Iterator[Violation]:
    """Every pinned entry is in the plan as given and marked pinned; nothing else is marked."""
    marked = Counter(_task_key(task) for task in ctx.plan.tasks if task.pinned)
    unmarked = Counter(_task_key(task) for task in ctx.plan.tasks if not task.pinned)
    for idx, pin in enumerate(ctx.facts.problem.pinned):
        key, where = _pin_key(pin), f"pinned[{idx}] ({pin.stage} of order {pin.order!r})"
        if marked[key] > 0:
            marked[key] -= 1
        elif unmarked[key] > 0:
            unmarked[key] -= 1
            yield Violation("pinned", f'{where} is listed without "pinned": true', pin.order)
        else:
            yield Violation("pinned", f"{where} is missing from the plan or changed", pin.order)
    for task in ctx.plan.tasks:
        key = _task_key(task)
        if task.pinned and marked[key] > 0:
            marked[key] -= 1
            message = f"{task.where} is marked pinned but matches no entry of problem.pinned"
            yield Violation("pinned", message, task.order)


def _task_key(task: PlanTask) -> _TaskKey:
    lines = tuple(sorted((line.sku, line.qty, line.location) for line in task.lines))
    zone = task.zone if task.stage == "pick" else None
    return (task.order, task.stage, task.team, task.slot, zone, lines)


def _pin_key(pin: PinnedAssignment) -> _TaskKey:
    lines = tuple(sorted((line.sku, line.qty, line.location) for line in pin.lines or ()))
    zone = pin.zone if pin.stage == "pick" else None
    return (pin.order, pin.stage, pin.team, pin.slot, zone, lines)


# --- 10, 11. exceptions and KPIs ---------------------------------------------------------------


def _check_exceptions(ctx: _Context) -> Iterator[Violation]:
    """Each exception has its fields, and its code is the first of the table that applies."""
    return check_exceptions(ctx.facts, ctx.plan.exceptions, ctx.taken)


def _check_kpis(ctx: _Context) -> Iterator[Violation]:
    """orders, planned, backlog and planned_by_priority agree with a recount."""
    kpis = ctx.plan.raw.get("kpis")
    if not isinstance(kpis, Mapping):
        yield Violation("kpis", f"kpis is {kpis!r}, not an object")
        return
    planned = ctx.planned()
    expected = {
        "orders": len(ctx.facts.validated.order_ids),
        "planned": len(planned),
        "backlog": ctx.plan.num_exceptions,
    }
    for key, count in expected.items():
        if whole_number(kpis.get(key), minimum=0) != count:
            yield Violation("kpis", f"kpis.{key} is {kpis.get(key)!r}, the recount is {count}")
    yield from _priority_kpis(ctx.facts, planned, kpis.get("planned_by_priority"))


def _priority_kpis(facts: Facts, planned: Sequence[str], claimed: object) -> Iterator[Violation]:
    """Planned orders per priority (keys are strings); zero counts may be left out."""
    recount = Counter(str(facts.orders[o].priority) for o in planned if o in facts.orders)
    expected = dict(sorted(recount.items(), key=lambda item: int(item[0])))
    if not isinstance(claimed, Mapping):
        yield Violation("kpis", f"kpis.planned_by_priority is {claimed!r}, the recount {expected}")
        return
    given = {str(key): count for key, count in claimed.items() if count != 0}
    if given != expected:
        message = f"kpis.planned_by_priority is {dict(claimed)}, the recount is {expected}"
        yield Violation("kpis", message)


# --- parsing the plan, defensively -------------------------------------------------------------


def _parse_plan(plan: object) -> PlanView:
    """Read what is well formed; everything else becomes a plan_shape violation."""
    malformed: list[Violation] = []
    raw: Mapping[str, Any] = plan if isinstance(plan, Mapping) else {}
    if not isinstance(plan, Mapping):
        malformed.append(Violation("plan_shape", f"the plan is {_kind(plan)}, not an object"))
    raw_tasks = _list_field(raw, "assignments", malformed)
    raw_exceptions = _list_field(raw, "exceptions", malformed)
    tasks = [_parse_task(idx, item) for idx, item in enumerate(raw_tasks)]
    exceptions = [_parse_exception(idx, item) for idx, item in enumerate(raw_exceptions)]
    malformed += [item for item in [*tasks, *exceptions] if isinstance(item, Violation)]
    return PlanView(
        raw=raw,
        tasks=tuple(task for task in tasks if isinstance(task, PlanTask)),
        exceptions=tuple(exc for exc in exceptions if isinstance(exc, ClaimedException)),
        num_exceptions=len(raw_exceptions),
        malformed=tuple(malformed),
    )


def _list_field(raw: Mapping[str, Any], key: str, malformed: list[Violation]) -> list[Any]:
    value = raw.get(key)
    if isinstance(value, list | tuple):
        return list(value)
    malformed.append(Violation("plan_shape", f"{key} is {_kind(value)}, not a list"))
    return []


def _parse_task(idx: int, item: object) -> PlanTask | Violation:
    where = f"assignments[{idx}]"
    if not isinstance(item, Mapping):
        return Violation("plan_shape", f"{where} is {_kind(item)}, not an object")
    order, team, stage = _order_id(item.get("order")), item.get("team"), item.get("stage")
    slot = whole_number(item.get("slot"), minimum=0)
    seconds = whole_number(item.get("seconds"), minimum=0)
    if order is None or not isinstance(team, str) or stage not in _STAGES:
        message = f"{where} needs an order, a team and a stage ('pick' or 'pack')"
        return Violation("plan_shape", message, order)
    if slot is None or seconds is None:
        message = f"{where} needs slot and seconds as whole numbers >= 0"
        return Violation("plan_shape", message, order)
    lines = _parse_lines(item.get("lines"))
    problem = _task_shape_problem(stage, lines, item.get("pinned", False))
    if problem is not None or lines is None:
        return Violation("plan_shape", f"{where} (order {order!r}) {problem}", order)
    zone = item.get("zone")
    return PlanTask(
        index=idx,
        order=order,
        stage=stage,
        team=team,
        slot=slot,
        seconds=seconds,
        zone=zone if isinstance(zone, str) else None,
        slot_start=timestamp_or_none(item.get("slot_start")),
        lines=lines,
        pinned=item.get("pinned") is True,
    )


def _task_shape_problem(
    stage: str, lines: tuple[PlanLine, ...] | None, pinned: object
) -> str | None:
    if lines is None:
        return "has malformed lines (each needs sku, location and a whole qty >= 1)"
    if stage == "pick" and not lines:
        return "is a pick without lines"
    if stage == "pack" and lines:
        return "is a pack with lines (packing takes no stock)"
    if not isinstance(pinned, bool):
        return f"has pinned {pinned!r}, not true or false"
    return None


def _parse_lines(value: object) -> tuple[PlanLine, ...] | None:
    """The lines, () when absent, None when malformed."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        return None
    lines = [_parse_line(item) for item in value]
    return None if None in lines else tuple(line for line in lines if line is not None)


def _parse_line(item: object) -> PlanLine | None:
    if not isinstance(item, Mapping):
        return None
    sku, location = item.get("sku"), item.get("location")
    qty = whole_number(item.get("qty"), minimum=1)
    if isinstance(sku, str) and isinstance(location, str) and qty is not None:
        return PlanLine(sku=sku, qty=qty, location=location)
    return None


def _parse_exception(idx: int, item: object) -> ClaimedException | Violation:
    if not isinstance(item, Mapping):
        return Violation("plan_shape", f"exceptions[{idx}] is {_kind(item)}, not an object")
    order = _order_id(item.get("order"))
    if order is None:
        return Violation("plan_shape", f"exceptions[{idx}] names no order")
    return ClaimedException(index=idx, order=order, raw=item)


def _order_id(value: object) -> str | None:
    """A non-blank string id, or an integer id as its decimal string (as validation does)."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):  # past Python's int-to-str digit limit
            return str(value)
    return None


def _kind(value: object) -> str:
    return "missing" if value is None else type(value).__name__
