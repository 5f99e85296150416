"""The plan as the checker reads it: typed views of a plan document, and indexes of them.

:func:`parse_plan` reads a plan as parsed JSON (ours, a person's, a WMS export)
defensively: what is well formed becomes a :class:`PlanTask` or a
:class:`ClaimedException`, everything else a ``plan_shape`` :class:`Violation`, never a
traceback. :func:`build_context` puts the parsed plan beside the problem's
:class:`~solver.check_facts.Facts` with the indexes every rule reads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from solver.check_facts import Facts, StockKey
from solver.domain import parse_timestamp
from solver.validation import usable_id

_STAGES: Final = ("pick", "pack")

# --- the views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One broken rule of the contract, saying exactly what is wrong."""

    rule: str
    message: str
    order: str | None = None


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
class ClaimedException:
    """An exception of the plan: its position, its order and its raw fields."""

    index: int
    order: str
    raw: Mapping[str, Any]

    @property
    def code(self) -> object:
        code: object = self.raw.get("code")
        return code

    @property
    def where(self) -> str:
        return f"exceptions[{self.index}] (order {self.order!r})"


@dataclass(frozen=True)
class PlanView:
    """The parsed plan: well-formed assignments and exceptions, and what did not parse."""

    raw: Mapping[str, Any]
    tasks: tuple[PlanTask, ...]
    exceptions: tuple[ClaimedException, ...]
    num_exceptions: int
    malformed: tuple[Violation, ...]


# --- the context every rule reads --------------------------------------------------------------


@dataclass(frozen=True)
class Context:
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


def build_context(facts: Facts, plan: PlanView) -> Context:
    """The facts and the plan with the plan indexed by order, exceptions and stock taken."""
    tasks_of: defaultdict[str, list[PlanTask]] = defaultdict(list)
    taken: Counter[StockKey] = Counter()
    for task in plan.tasks:
        tasks_of[task.order].append(task)
        for line in task.lines:
            taken[(line.location, line.sku)] += line.qty
    return Context(
        facts=facts,
        plan=plan,
        tasks_of={order_id: tuple(tasks) for order_id, tasks in tasks_of.items()},
        excepted=frozenset(exc.order for exc in plan.exceptions),
        taken=taken,
    )


# --- parsing the plan, defensively -------------------------------------------------------------


def parse_plan(plan: object) -> PlanView:
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
    order, team, stage = usable_id(item.get("order")), item.get("team"), item.get("stage")
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
    order = usable_id(item.get("order"))
    if order is None:
        return Violation("plan_shape", f"exceptions[{idx}] names no order")
    return ClaimedException(index=idx, order=order, raw=item)


def _kind(value: object) -> str:
    return "missing" if value is None else type(value).__name__


# --- reading JSON values -----------------------------------------------------------------------


def whole_number(value: object, *, minimum: int) -> int | None:
    """The value if it is a whole number (an int, never a bool) of at least ``minimum``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    return None


def timestamp_or_none(value: object) -> datetime | None:
    """The parsed timestamp, or None when it is missing or not one."""
    try:
        return parse_timestamp(value)
    except ValueError:
        return None
