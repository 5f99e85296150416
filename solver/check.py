"""The independent plan checker: every rule of the contract, on any plan.

``check_plan(problem, plan)`` takes a problem and a plan document as parsed JSON (ours,
a person's, a WMS export) and recomputes everything from the problem: work content,
capacity per team and slot, stock, releases and deadlines, exception codes and KPIs. It
shares no code with the planner's model builder. A malformed plan gives violations, never
a traceback; only a malformed *problem* raises (:class:`solver.loading.DocumentError`).

:func:`_rules` is the table of contents: one small function per rule of the contract.
The checker's modules:

- :mod:`solver.check_facts`: its own arithmetic from the problem (slots, capacity, work
  content, release and deadline);
- :mod:`solver.check_view`: the plan document parsed into typed views, and the context
  the rules read;
- :mod:`solver.check_resources`: the rules on work content, time, capacity and stock;
- :mod:`solver.check_codes`: the rules on exception codes;
- this module: the public API and the other rules.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from solver.check_codes import check_exceptions
from solver.check_facts import Facts, build_facts
from solver.check_resources import check_capacity, check_seconds, check_stock, check_time_windows
from solver.check_view import (
    Context,
    PlanLine,
    PlanTask,
    Violation,
    build_context,
    parse_plan,
    timestamp_or_none,
    whole_number,
)
from solver.domain import Order, PinnedAssignment, Problem, Team
from solver.loading import load_problem

__all__ = ["CheckReport", "Violation", "assert_plan_valid", "check_plan"]

logger = logging.getLogger(__name__)

_STATUSES: Final = ("zero_backlog", "backlog")


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
    ctx = build_context(build_facts(loaded), parse_plan(plan))
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


Rule = Callable[[Context], Iterator[Violation]]


def _rules() -> tuple[Rule, ...]:
    """The table of contents: every rule of the contract, in the order it is reported."""
    return (
        _check_plan_shape,  # status, window, malformed entries
        _check_nothing_lost,  # every order exactly once: planned or an exception
        _check_assignment_refs,  # team, stage, slot, slot_start, capacity > 0, zones
        _check_line_sources,  # each line from a location of the zone holding its SKU
        _check_completeness,  # one pack, one pick per zone, exactly the order's lines
        check_seconds,  # seconds equal the recomputed work content
        check_time_windows,  # release, deadline, every pick before the pack
        check_capacity,  # load per team and slot within capacity
        check_stock,  # units taken per location and SKU within on_hand
        _check_pinned,  # pinned work kept as given
        _check_exceptions,  # exception fields and the first applicable code
        _check_kpis,  # orders, planned, backlog, planned_by_priority
    )


# --- 1. shape ----------------------------------------------------------------------------------


def _check_plan_shape(ctx: Context) -> Iterator[Violation]:
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


def _check_nothing_lost(ctx: Context) -> Iterator[Violation]:
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


def _order_accounted_for(ctx: Context, order_id: str) -> Iterator[Violation]:
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


def _check_assignment_refs(ctx: Context) -> Iterator[Violation]:
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


def _team_refs(ctx: Context, task: PlanTask) -> Iterator[Violation]:
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


def _zone_refs(ctx: Context, task: PlanTask, team: Team) -> Iterator[Violation]:
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


def _check_line_sources(ctx: Context) -> Iterator[Violation]:
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


def _check_completeness(ctx: Context) -> Iterator[Violation]:
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


# --- 5 to 8 (seconds, time windows, capacity, stock): see solver.check_resources ---------------

# --- 9. pinned ---------------------------------------------------------------------------------

_TaskKey = tuple[str, str, str, int, str | None, tuple[tuple[str, int, str], ...]]


def _check_pinned(ctx: Context) -> Iterator[Violation]:
    """Every pinned entry is in the plan as given and marked pinned; nothing else is marked."""
    marked = Counter(_task_key(task) for task in ctx.plan.tasks if task.pinned)
    unmarked = Counter(_task_key(task) for task in ctx.plan.tasks if not task.pinned)
    for idx, pin in enumerate(ctx.facts.problem.pinned):
        key, where = _task_key(pin), f"pinned[{idx}] ({pin.stage} of order {pin.order!r})"
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


def _task_key(entry: PlanTask | PinnedAssignment) -> _TaskKey:
    """What must match between a plan's assignment and an entry of problem.pinned."""
    lines = tuple(sorted((line.sku, line.qty, line.location) for line in entry.lines or ()))
    zone = entry.zone if entry.stage == "pick" else None
    return (entry.order, entry.stage, entry.team, entry.slot, zone, lines)


# --- 10, 11. exceptions and KPIs ---------------------------------------------------------------


def _check_exceptions(ctx: Context) -> Iterator[Violation]:
    """Each exception has its fields, and its code is the first of the table that applies."""
    return check_exceptions(ctx.facts, ctx.plan.exceptions, ctx.taken)


def _check_kpis(ctx: Context) -> Iterator[Violation]:
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
