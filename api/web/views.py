"""What the dashboard shows, computed from a window's problem and plan documents.

Pure functions over contract documents, so they are tested without a server or a
browser. Every figure is recomputed from the documents (loads from the assignments,
capacity from the teams' availability), not copied from the plan's KPIs, so a picture
that disagrees with the plan checker's arithmetic would be a bug here, not a typo there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from solver.domain import parse_timestamp, timestamp_or_none
from solver.loading import load_problem
from solver.result import EXCEPTION_CODES
from solver.timegrid import team_capacity_s

#: Load / capacity at or above which a cell reads "full", "busy", "half".
LEVELS = ((0.95, "full"), (0.8, "busy"), (0.5, "half"), (0.0, "light"))
#: Most orders a search answers with.
MAX_MATCHES = 20


@dataclass(frozen=True)
class Task:
    """One planned task (a pick in one zone, or the pack) of one order."""

    order_id: str
    stage: str
    zone: str | None
    team_id: str
    slot_idx: int
    slot_start: datetime
    seconds: int
    lines: int
    units: int
    pinned: bool
    priority: int | None
    due: datetime | None


@dataclass(frozen=True)
class Cell:
    """One team in one slot: work planned against capacity."""

    team_id: str
    slot_idx: int
    load_s: int
    capacity_s: int
    tasks: int
    orders: int

    @property
    def utilization(self) -> float | None:
        return self.load_s / self.capacity_s if self.capacity_s > 0 else None

    @property
    def level(self) -> str:
        """A CSS class: ``off`` (no capacity, no work), ``done`` (work in a slot nobody
        works: picks already done), ``idle``, then by load share (:data:`LEVELS`)."""
        if self.capacity_s <= 0:
            return "done" if self.load_s > 0 else "off"
        if self.load_s == 0:
            return "idle"
        share = self.load_s / self.capacity_s
        return next(name for floor, name in LEVELS if share >= floor)


@dataclass(frozen=True)
class TeamRow:
    team_id: str
    stage: str
    zones: tuple[str, ...]
    cells: tuple[Cell, ...]

    @property
    def load_s(self) -> int:
        return sum(c.load_s for c in self.cells)

    @property
    def capacity_s(self) -> int:
        return sum(c.capacity_s for c in self.cells)


@dataclass(frozen=True)
class Slot:
    idx: int
    start: datetime
    end: datetime
    load_s: int
    capacity_s: int


@dataclass(frozen=True)
class PriorityRow:
    priority: int
    orders: int
    planned: int

    @property
    def at_risk(self) -> int:
        return self.orders - self.planned


@dataclass(frozen=True)
class Bottleneck:
    team_id: str
    slot_start: datetime
    missing_s: int


@dataclass(frozen=True)
class OrderException:
    """Why an order is not planned: the plan's exception, as the contract gives it."""

    order_id: str
    code: str
    message: str
    priority: int | None
    bottlenecks: tuple[Bottleneck, ...] = ()


@dataclass(frozen=True)
class OrderWhere:
    """Where an order stands in the window's plan."""

    order_id: str
    tasks: tuple[Task, ...] = ()
    exception: OrderException | None = None
    ready_by: datetime | None = None
    priority: int | None = None
    due: datetime | None = None

    @property
    def planned(self) -> bool:
        return self.exception is None and bool(self.tasks)


@dataclass(frozen=True)
class Recommendation:
    message: str
    orders: int


@dataclass(frozen=True)
class PlanPicture:
    """A window's plan as the dashboard draws it."""

    start: datetime
    end: datetime
    slot_minutes: int
    slots: tuple[Slot, ...]
    rows: tuple[TeamRow, ...]
    priorities: tuple[PriorityRow, ...]
    backlog_by_code: tuple[tuple[str, int], ...]
    orders: int
    planned: int
    on_time_rate: float | None
    solver_status: str
    solver_s: float | None
    recommendations: tuple[Recommendation, ...]
    recommendations_proven: bool
    _tasks: Mapping[tuple[str, int], tuple[Task, ...]] = field(repr=False)
    _where: Mapping[str, OrderWhere] = field(repr=False)

    @property
    def backlog(self) -> int:
        return self.orders - self.planned

    @property
    def load_s(self) -> int:
        return sum(r.load_s for r in self.rows)

    @property
    def capacity_s(self) -> int:
        return sum(r.capacity_s for r in self.rows)

    def cell(self, team_id: str, slot_idx: int) -> Cell | None:
        for row in self.rows:
            if row.team_id == team_id and 0 <= slot_idx < len(row.cells):
                return row.cells[slot_idx]
        return None

    def cell_tasks(self, team_id: str, slot_idx: int) -> tuple[Task, ...]:
        """The tasks planned for this team in this slot, most urgent first."""
        return self._tasks.get((team_id, slot_idx), ())

    def where(self, order_id: str) -> OrderWhere | None:
        """Where the order is planned, or why it is an exception; None: not in the window."""
        return self._where.get(order_id)

    def matches(self, text: str) -> list[str]:
        """Order ids of the window containing ``text`` (case-insensitive), in plan order."""
        needle = text.strip().lower()
        if not needle:
            return []
        return [i for i in self._where if needle in i.lower()][:MAX_MATCHES]


def picture(problem_doc: Mapping[str, Any], plan_doc: Mapping[str, Any]) -> PlanPicture:
    """The picture of ``plan_doc``, a plan of ``problem_doc``."""
    problem = load_problem(problem_doc)
    window = problem.window
    facts = _order_facts(problem_doc.get("orders") or [])
    tasks = [_task(a, facts) for a in plan_doc["assignments"]]
    by_cell: dict[tuple[str, int], list[Task]] = defaultdict(list)
    for task in tasks:
        by_cell[(task.team_id, task.slot_idx)].append(task)
    for cell_tasks in by_cell.values():
        cell_tasks.sort(key=_urgency)
    rows = tuple(
        TeamRow(
            team_id=team.id,
            stage=team.stage,
            zones=tuple(team.zones or ()),
            cells=tuple(
                _cell(team.id, k, int(capacity), by_cell.get((team.id, k), []))
                for k, capacity in enumerate(team_capacity_s(window, team))
            ),
        )
        for team in problem.teams
    )
    slots = tuple(
        Slot(
            idx=k,
            start=window.slot_start(k),
            end=window.slot_start(k + 1),
            load_s=sum(r.cells[k].load_s for r in rows),
            capacity_s=sum(r.cells[k].capacity_s for r in rows),
        )
        for k in range(window.num_slots)
    )
    exceptions = [_exception(e, facts) for e in plan_doc["exceptions"]]
    kpis, solver = plan_doc.get("kpis", {}), plan_doc.get("solver", {})
    recommendations = plan_doc.get("recommendations") or {}
    return PlanPicture(
        start=window.start,
        end=window.end,
        slot_minutes=window.slot_minutes,
        slots=slots,
        rows=rows,
        priorities=_priorities(facts, exceptions, tasks),
        backlog_by_code=_by_code(exceptions),
        orders=len({t.order_id for t in tasks} | {e.order_id for e in exceptions}),
        planned=len({t.order_id for t in tasks} - {e.order_id for e in exceptions}),
        on_time_rate=kpis.get("on_time_rate"),
        solver_status=str(solver.get("status", "")),
        solver_s=solver.get("wall_seconds"),
        recommendations=tuple(
            Recommendation(str(item["message"]), len(item.get("orders", ())))
            for item in recommendations.get("items", ())
        ),
        recommendations_proven=bool(recommendations.get("proven")),
        _tasks={key: tuple(value) for key, value in by_cell.items()},
        _where=_where(tasks, exceptions, facts, timedelta(minutes=window.slot_minutes)),
    )


@dataclass(frozen=True)
class _Facts:
    priority: int | None
    due: datetime | None
    lines: int = 0
    units: int = 0


def _order_facts(raw_orders: Iterable[Any]) -> dict[str, _Facts]:
    """Priority and due of each order of the document (as given; first entry wins)."""
    facts: dict[str, _Facts] = {}
    for raw in raw_orders:
        if not isinstance(raw, Mapping) or "id" not in raw:
            continue
        priority = raw.get("priority")
        given = raw.get("lines")
        lines: list[Any] = given if isinstance(given, list) else []
        facts.setdefault(
            str(raw["id"]),
            _Facts(
                priority=priority if isinstance(priority, int) else None,
                due=timestamp_or_none(raw.get("due")),
                lines=len(lines),
                units=sum(_qty(line) for line in lines),
            ),
        )
    return facts


def _qty(line: Any) -> int:
    qty = line.get("qty") if isinstance(line, Mapping) else None
    return qty if isinstance(qty, int) else 0


def _task(raw: Mapping[str, Any], facts: Mapping[str, _Facts]) -> Task:
    """A pick's lines are those it picks; a pack's, the whole order's."""
    order = facts.get(str(raw["order"]), _Facts(None, None))
    lines = raw.get("lines") or []
    return Task(
        order_id=str(raw["order"]),
        stage=str(raw["stage"]),
        zone=raw.get("zone"),
        team_id=str(raw["team"]),
        slot_idx=int(raw["slot"]),
        slot_start=parse_timestamp(raw["slot_start"]),
        seconds=int(raw["seconds"]),
        lines=len(lines) if lines else order.lines,
        units=sum(_qty(line) for line in lines) if lines else order.units,
        pinned=bool(raw.get("pinned")),
        priority=order.priority,
        due=order.due,
    )


def _urgency(task: Task) -> tuple[int, datetime, str, str]:
    far = datetime.max.replace(tzinfo=task.slot_start.tzinfo)
    return (task.priority or 10**9, task.due or far, task.order_id, task.stage)


def _cell(team_id: str, slot_idx: int, capacity_s: int, tasks: Sequence[Task]) -> Cell:
    return Cell(
        team_id=team_id,
        slot_idx=slot_idx,
        load_s=sum(t.seconds for t in tasks),
        capacity_s=capacity_s,
        tasks=len(tasks),
        orders=len({t.order_id for t in tasks}),
    )


def _exception(raw: Mapping[str, Any], facts: Mapping[str, _Facts]) -> OrderException:
    order_id = str(raw["order"])
    known = facts.get(order_id)
    return OrderException(
        order_id=order_id,
        code=str(raw["code"]),
        message=str(raw.get("message", "")),
        priority=raw.get("priority", known.priority if known else None),
        bottlenecks=tuple(
            Bottleneck(
                team_id=str(b["team"]),
                slot_start=parse_timestamp(b["slot_start"]),
                missing_s=int(b["missing_seconds"]),
            )
            for b in raw.get("bottlenecks") or ()
        ),
    )


def _priorities(
    facts: Mapping[str, _Facts], exceptions: Sequence[OrderException], tasks: Sequence[Task]
) -> tuple[PriorityRow, ...]:
    """Orders and planned orders per priority (orders without one: not listed)."""
    excepted = {e.order_id for e in exceptions}
    planned_ids = {t.order_id for t in tasks} - excepted
    orders: Counter[int] = Counter()
    planned: Counter[int] = Counter()
    for order_id in planned_ids | excepted:
        priority = _priority_of(order_id, facts, exceptions)
        if priority is None:
            continue
        orders[priority] += 1
        planned[priority] += order_id in planned_ids
    return tuple(PriorityRow(p, orders[p], planned[p]) for p in sorted(orders))


def _priority_of(
    order_id: str, facts: Mapping[str, _Facts], exceptions: Sequence[OrderException]
) -> int | None:
    known = facts.get(order_id)
    if known is not None and known.priority is not None:
        return known.priority
    return next((e.priority for e in exceptions if e.order_id == order_id), None)


def _by_code(exceptions: Sequence[OrderException]) -> tuple[tuple[str, int], ...]:
    """Exceptions per code, in the contract's order of codes (those with none left out)."""
    counts = Counter(e.code for e in exceptions)
    ordered = [c for c in EXCEPTION_CODES if counts[c]] + sorted(
        c for c in counts if c not in EXCEPTION_CODES
    )
    return tuple((code, counts[code]) for code in ordered)


def _where(
    tasks: Sequence[Task],
    exceptions: Sequence[OrderException],
    facts: Mapping[str, _Facts],
    slot: timedelta,
) -> dict[str, OrderWhere]:
    by_order: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        by_order[task.order_id].append(task)
    where: dict[str, OrderWhere] = {}
    for order_id, order_tasks in by_order.items():
        order_tasks.sort(key=lambda t: (t.slot_idx, t.stage != "pick", t.zone or ""))
        known = facts.get(order_id, _Facts(None, None))
        packs = [t for t in order_tasks if t.stage == "pack"]
        where[order_id] = OrderWhere(
            order_id=order_id,
            tasks=tuple(order_tasks),
            ready_by=max(t.slot_start for t in packs) + slot if packs else None,
            priority=known.priority,
            due=known.due,
        )
    for exception in exceptions:
        known = facts.get(exception.order_id, _Facts(exception.priority, None))
        where[exception.order_id] = OrderWhere(
            order_id=exception.order_id,
            exception=exception,
            priority=known.priority,
            due=known.due,
        )
    return where
