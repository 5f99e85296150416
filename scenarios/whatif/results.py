"""What a what-if run returns: one :class:`CaseRun` per plan, one :class:`Comparison` per
variant against the base, gathered in :class:`ScenarioResults` (plain data throughout, so
the service can return it as JSON as it is)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from scenarios.whatif.overrides import LateStock
from solver.domain import Window, parse_timestamp, timestamp_or_none
from solver.loading import load_problem
from solver.timegrid import last_pack_slot, release_slot

__all__ = ["CaseRun", "Comparison", "LateStockImpact", "ScenarioResults", "compare"]


@dataclass(frozen=True)
class CaseRun:
    """The figures of one planned case (the base or a variant)."""

    name: str
    description: str
    orders: int
    planned: int
    backlog: int
    backlog_by_code: dict[str, int]
    backlog_by_priority: dict[str, int]
    on_time_rate: float
    utilization: float  # used / available seconds over every team and slot
    utilization_by_team: dict[str, float]
    slot_starts: tuple[str, ...]
    load_s: dict[str, list[int]]  # per team, per slot: seconds of work planned
    capacity_s: dict[str, list[int]]  # per team, per slot: seconds available
    person_hours_scheduled: float
    person_hours_needed: float | None
    staffing_curve: list[tuple[float, int]] | None  # (person-hours, orders planned)
    solve_s: float  # the planner's own wall time (plan.solver.wall_seconds)
    wall_s: float  # the whole run: plan, check, staffing
    solver_status: str
    valid: bool
    violations: tuple[str, ...]  # the first few, when the checker found any
    exceptions: dict[str, str]  # order id -> code, in document order
    planned_ids: tuple[str, ...]  # in document order
    notes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> CaseRun:
        """A run from its plain form (``results.json``, the service's scenario job)."""
        curve = plain.get("staffing_curve")
        return cls(
            **{
                **plain,
                "slot_starts": tuple(plain["slot_starts"]),
                "staffing_curve": [(float(h), int(n)) for h, n in curve] if curve else None,
                "violations": tuple(plain.get("violations", ())),
                "planned_ids": tuple(plain.get("planned_ids", ())),
                "notes": tuple(plain.get("notes", ())),
            }
        )


@dataclass(frozen=True)
class LateStockImpact:
    """A late truck: the orders of the variant that lost their place and need its SKU."""

    sku: str
    location: str
    qty: int
    arrives_at: str
    orders_waiting: tuple[str, ...]
    could_make_it_after_arrival: tuple[str, ...]  # a pick slot at/after arrival, then a pack


@dataclass(frozen=True)
class Comparison:
    """A variant against the base, order by order (orders both documents hold)."""

    variant: str
    planned_delta: int
    gained: tuple[str, ...]  # planned in the variant, not in the base
    lost: dict[str, str]  # planned in the base, not in the variant: id -> the variant's code
    added: tuple[str, ...]  # ids only the variant has (volume copies, rush orders)
    added_planned: int
    removed: tuple[str, ...]  # ids only the base has (volume below 1)
    late_stock: tuple[LateStockImpact, ...] = ()


@dataclass(frozen=True)
class ScenarioResults:
    """Every run and every comparison of a scenario, in the order of the scenario file."""

    scenario: str
    description: str
    time_limit_s: float
    seed: int
    executor: str
    workers: int
    runs: tuple[CaseRun, ...]  # the base first, then the variants
    comparisons: tuple[Comparison, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def base(self) -> CaseRun:
        return self.runs[0]

    def run(self, name: str) -> CaseRun:
        return next(r for r in self.runs if r.name == name)

    def comparison(self, name: str) -> Comparison:
        return next(c for c in self.comparisons if c.variant == name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; keys in a fixed order (the fields' order)."""
        plain: dict[str, Any] = _plain(asdict(self))
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compare(
    base: CaseRun, variant: CaseRun, document: Mapping[str, Any], late: Sequence[LateStock]
) -> Comparison:
    """Gained, lost, added and removed orders of ``variant`` against ``base``."""
    base_ids = set(base.planned_ids) | set(base.exceptions)
    variant_ids = [*variant.planned_ids, *variant.exceptions]
    base_planned, variant_planned = set(base.planned_ids), set(variant.planned_ids)
    added = tuple(i for i in variant_ids if i not in base_ids)
    lost = {
        i: code
        for i, code in variant.exceptions.items()
        if i in base_planned  # in the base document and planned there
    }
    return Comparison(
        variant=variant.name,
        planned_delta=variant.planned - base.planned,
        gained=tuple(i for i in variant.planned_ids if i in base_ids and i not in base_planned),
        lost=lost,
        added=added,
        added_planned=sum(1 for i in added if i in variant_planned),
        removed=tuple(i for i in [*base.planned_ids, *base.exceptions] if i not in variant_ids),
        late_stock=tuple(_late_impact(note, document, tuple(lost)) for note in late),
    )


def _late_impact(
    note: LateStock, document: Mapping[str, Any], lost: tuple[str, ...]
) -> LateStockImpact:
    """The lost orders with a line of the late SKU, and those whose window leaves a pick
    slot starting at or after the arrival followed by a pack slot by their deadline."""
    raw_orders = _raw_orders(document)
    waiting = tuple(i for i in lost if i in raw_orders and _wants(raw_orders[i], note.sku))
    window = load_problem(document).window
    arrival = parse_timestamp(note.arrives_at)
    could = tuple(i for i in waiting if _fits_after(window, raw_orders[i], arrival))
    return LateStockImpact(note.sku, note.location, note.qty, note.arrives_at, waiting, could)


def _raw_orders(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The first entry of each order id."""
    out: dict[str, Mapping[str, Any]] = {}
    for raw in document.get("orders") or []:
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
            out.setdefault(str(raw["id"]), raw)
    return out


def _wants(raw: Mapping[str, Any], sku: str) -> bool:
    lines = raw.get("lines")
    return isinstance(lines, list) and any(
        isinstance(line, Mapping) and line.get("sku") == sku for line in lines
    )


def _fits_after(window: Window, raw: Mapping[str, Any], arrival: datetime) -> bool:
    received = timestamp_or_none(raw.get("received_at"))
    first_pick = release_slot(window, max(arrival, received) if received else arrival)
    return first_pick < last_pack_slot(window, timestamp_or_none(raw.get("due")))
