"""SBPO 2025 (Mercado Libre's wave order picking challenge) instances as problem documents.

``sbpo_problem(path, spec)`` reads one instance file (format in
``shared/benchmarks/README.md``) and returns a contract problem document
(``shared/spec/problem-format.md``); the same file and spec give the same document, byte
for byte. What the file holds is kept exactly; what it lacks is chosen here, seeded:

- **Kept from the file.** Every order becomes an order with all its lines, in file order:
  order ``k`` is ``SO-0000k``, item ``i`` is ``SKU-0000i`` (zero-based file indices, padded
  to at least five digits). Every aisle becomes one location whose stock is the aisle's
  list: aisle ``j`` in zone ``Z`` is ``Z-00j`` (the file's index, at least three digits), one
  inventory record per (item, aisle) pair with the file's stock, so an item kept in several
  aisles has several locations. The stock is not topped up: in most large instances some
  items are ordered more than they are stocked (a wave would only take some of the orders),
  and those orders become ``STOCKOUT`` exceptions. The last line (the challenge's bounds on
  a wave's units) is read into :attr:`SbpoInstance.wave_bounds` and not used.
- **Lines no single aisle can fill.** The contract sources each line whole from one
  location; SBPO collects an item from as many aisles as it likes. So a line asking for
  more units than any one aisle holds (1 line in instance_0020, 498 in instance_0014) is a
  ``STOCKOUT`` as it stands. With ``split_lines`` such a line is split into lines of the
  same SKU, one per aisle, largest stock first (:func:`split_oversized_lines`): units are
  kept, the line count grows, and each extra line costs ``pick_seconds_per_line``. Off by
  default, so that the document's lines are the file's.
- **Zones.** The aisles are cut into ``num_zones`` contiguous ranges of sizes differing by at
  most one (aisle ``j`` of ``a`` is in zone ``j * Z // a``, zones ``A, B, ...``), never more
  zones than aisles. Aisle numbers in the file are taken to follow the floor layout.
- **Window, labor.** ``num_slots`` slots of ``slot_minutes`` from ``start``; the labor
  standards are ``spec.labor`` (default: the generator's 30 s a line, 6 s a unit to pick,
  90 s an order, 3 s a unit to pack).
- **Times, priorities, addresses** are drawn exactly as :mod:`scenarios.generator` draws them,
  with its helpers, from one ``numpy.random.default_rng(spec.seed)`` in a fixed order:
  arrival times (overnight, or in the window early enough to be planned), carrier cutoffs
  for a ``due_share`` of the orders (never one the order could not make), priorities by
  ``priority_shares``, ship-to addresses from the generator's valid pools.
- **Teams.** ``teams_per_zone`` pick teams work each zone (only that zone: ``pick-A``,
  ``pick-A-2``, ...), ``num_pack_teams`` pack teams pack any order. Each is built by the
  generator's team helper: a shift from the first slot (picks) or the second (packs), a
  staggered 15-minute break for half the team, headcount and efficiency sized so that work
  / usable capacity is about ``load_factor``. A zone's pick work is the expected work sourced
  there: each line's pick seconds split over the zones by the share of its item's stock
  they hold (the planner may choose another split; lines of items with no stock at all are
  left out, they cannot be planned). Pack work is every order's pack time. At the default
  0.8 every instance whose stock covers its demand has a zero-backlog plan with slack.

Speed: one pass over the tokens in Python to find the rows (no per-item objects), numpy for
the rest; only the final assembly of JSON dicts loops per order and per record. The largest
instance (12,402 orders) converts in a fraction of a second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scenarios.generator import (
    _FIRST,
    _LAST,
    _PLACES,
    LABOR,
    START,
    GeneratorSpec,
    _break_slots,
    _due_slots,
    _iso,
    _iso_offsets,
    _received_s,
    _ship_to,
    _team,
    _team_ids,
    check_shares_and_start,
    zone_name,
)
from solver.domain import Labor

__all__ = [
    "SbpoFormatError",
    "SbpoInstance",
    "SbpoSpec",
    "read_sbpo",
    "sbpo_problem",
    "split_oversized_lines",
]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

HOUSE_NUMBERS = 200  # the generator's pool of house numbers


class SbpoFormatError(ValueError):
    """The file is not an SBPO 2025 instance; the message says where it goes wrong."""


@dataclass(frozen=True)
class SbpoInstance:
    """An instance as parallel arrays: rows flattened, ``*_start`` has one entry per row + 1."""

    name: str
    num_items: int
    order_start: IntArray
    line_item: IntArray
    line_qty: IntArray
    aisle_start: IntArray
    aisle_item: IntArray
    aisle_stock: IntArray
    wave_bounds: tuple[int, int] | None

    @property
    def num_orders(self) -> int:
        return len(self.order_start) - 1

    @property
    def num_aisles(self) -> int:
        return len(self.aisle_start) - 1


class SbpoSpec(BaseModel):
    """The choices the file leaves open; every field has a default. Frozen and validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=0, ge=0, description="Seed of numpy.random.default_rng.")
    name: str | None = Field(default=None, description="Document name (default: derived).")
    num_zones: int = Field(
        default=8, ge=1, le=26 * 27, description="Contiguous aisle ranges (at most one per aisle)."
    )
    teams_per_zone: int = Field(default=1, ge=1, le=100, description="Pick teams per zone.")
    num_pack_teams: int = Field(default=2, ge=1, le=1000)
    num_slots: int = Field(default=8, ge=2, le=10_000)
    slot_minutes: int = Field(default=15, ge=1, le=24 * 60)
    load_factor: float = Field(default=0.8, gt=0, le=10, description="Work / usable capacity.")
    priority_shares: tuple[float, ...] = Field(
        default=(0.1, 0.3, 0.6), min_length=1, description="Share of priority 1, 2, ..."
    )
    due_share: float = Field(default=0.3, ge=0, le=1, description="Orders with a cutoff.")
    arrivals_in_window_share: float = Field(
        default=0.3, ge=0, le=1, description="Orders received during the window."
    )
    labor: Labor = Field(default=Labor(**LABOR), description="Labor standards.")
    split_lines: bool = Field(
        default=False,
        description="Split a line that no single aisle can fill (see split_oversized_lines).",
    )
    start: datetime = Field(default=START, description="Window start (with an offset).")

    @model_validator(mode="after")
    def _consistent(self) -> SbpoSpec:
        check_shares_and_start(self.priority_shares, self.start)
        return self


# --- reading the file ---------------------------------------------------------------------


def _integers(path: Path) -> list[int]:
    try:
        return [int(token) for token in path.read_text(encoding="ascii").split()]
    except ValueError as exc:
        raise SbpoFormatError(f"{path}: not a list of whole numbers ({exc})") from None


def _rows(values: list[int], pos: int, count: int, what: str) -> tuple[list[int], list[int], int]:
    """Walk ``count`` rows ``k a b a b ...``: each row's first token and pair count."""
    firsts, counts = [], []
    for row_idx in range(count):
        if pos >= len(values):
            raise SbpoFormatError(f"the file ends before {what} {row_idx} (of {count})")
        pairs = values[pos]
        if pairs < 0:
            raise SbpoFormatError(f"{what} {row_idx} has a negative pair count {pairs}")
        firsts.append(pos + 1)
        counts.append(pairs)
        pos += 1 + 2 * pairs
    if pos > len(values):
        raise SbpoFormatError(f"the file ends inside {what} {count - 1}")
    return firsts, counts, pos


def _pairs(
    tokens: IntArray, firsts: list[int], counts: list[int]
) -> tuple[IntArray, IntArray, IntArray]:
    """Row starts (len rows + 1), first and second member of every pair, flattened."""
    count_arr = np.asarray(counts, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(count_arr)]).astype(np.int64)
    row = np.repeat(np.arange(len(counts)), count_arr)
    token_idx = np.asarray(firsts, dtype=np.int64)[row] + 2 * (np.arange(start[-1]) - start[row])
    return start, tokens[token_idx], tokens[token_idx + 1]


def _check_block(
    what: str, start: IntArray, item: IntArray, amount: IntArray, num_items: int, min_amount: int
) -> None:
    """Items in range and amounts at least ``min_amount``, or the first row that breaks it."""
    row = np.repeat(np.arange(len(start) - 1), np.diff(start))
    bad = np.flatnonzero((item < 0) | (item >= num_items))
    if len(bad):
        raise SbpoFormatError(
            f"{what} {row[bad[0]]}: item {item[bad[0]]} not in 0..{num_items - 1}"
        )
    bad = np.flatnonzero(amount < min_amount)
    if len(bad):
        raise SbpoFormatError(f"{what} {row[bad[0]]}: amount {amount[bad[0]]} < {min_amount}")


def _check_aisle_duplicates(start: IntArray, item: IntArray, num_items: int) -> None:
    row = np.repeat(np.arange(len(start) - 1), np.diff(start))
    keys = row * num_items + item
    unique, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():
        aisle, dup = divmod(int(unique[counts > 1][0]), num_items)
        raise SbpoFormatError(f"aisle {aisle} lists item {dup} twice")


def read_sbpo(path: Path | str) -> SbpoInstance:
    """Read an instance file; raise :class:`SbpoFormatError` if it is not one."""
    path = Path(path)
    values = _integers(path)
    if len(values) < 3 or min(values[:3]) < 1:
        raise SbpoFormatError(f"{path}: line 1 must be 'orders items aisles', each at least 1")
    num_orders, num_items, num_aisles = values[:3]
    order_firsts, order_counts, pos = _rows(values, 3, num_orders, "order")
    aisle_firsts, aisle_counts, pos = _rows(values, pos, num_aisles, "aisle")
    tail = values[pos:]
    if len(tail) not in (0, 2):
        raise SbpoFormatError(f"{path}: expected 'LB UB' after the aisles, got {len(tail)} numbers")
    tokens = np.asarray(values, dtype=np.int64)
    order_start, line_item, line_qty = _pairs(tokens, order_firsts, order_counts)
    aisle_start, aisle_item, aisle_stock = _pairs(tokens, aisle_firsts, aisle_counts)
    _check_block("order", order_start, line_item, line_qty, num_items, min_amount=1)
    _check_block("aisle", aisle_start, aisle_item, aisle_stock, num_items, min_amount=0)
    _check_aisle_duplicates(aisle_start, aisle_item, num_items)
    return SbpoInstance(
        name=path.stem,
        num_items=num_items,
        order_start=order_start,
        line_item=line_item,
        line_qty=line_qty,
        aisle_start=aisle_start,
        aisle_item=aisle_item,
        aisle_stock=aisle_stock,
        wave_bounds=(tail[0], tail[1]) if tail else None,
    )


def _fill_parts(qty: int, stocks_desc: list[int]) -> list[int]:
    """Quantities taking each aisle's stock in turn; a remainder no stock covers goes last."""
    parts = []
    for stock in stocks_desc:
        if qty <= 0 or stock <= 0:
            break
        parts.append(min(qty, stock))
        qty -= parts[-1]
    if qty > 0 and parts:
        parts[-1] += qty
    return parts or [qty]


def _stocks_desc(instance: SbpoInstance, items: IntArray) -> dict[int, list[int]]:
    """Each of ``items``' per-aisle stocks, largest first."""
    order = np.lexsort((-instance.aisle_stock, instance.aisle_item))
    sorted_item = instance.aisle_item[order]
    first = np.searchsorted(sorted_item, items, side="left").tolist()
    last = np.searchsorted(sorted_item, items, side="right").tolist()
    stock = instance.aisle_stock[order].tolist()
    return {item: stock[a:b] for item, a, b in zip(items.tolist(), first, last, strict=True)}


def split_oversized_lines(instance: SbpoInstance) -> SbpoInstance:
    """The instance with every line that no single aisle can fill split into lines of the
    same item, one per aisle, largest stock first (3 units over aisles of 2, 2 and 2: lines
    of 2 and 1). The contract sources a line whole from one location; SBPO collects an item
    from several aisles. Units are kept; other lines are untouched."""
    best = np.zeros(instance.num_items, dtype=np.int64)
    np.maximum.at(best, instance.aisle_item, instance.aisle_stock)
    over = np.flatnonzero(instance.line_qty > best[instance.line_item])
    if not len(over):
        return instance
    stocks = _stocks_desc(instance, np.unique(instance.line_item[over]))
    qty_list = instance.line_qty.tolist()
    item_list = instance.line_item.tolist()
    parts = {line: _fill_parts(qty_list[line], stocks[item_list[line]]) for line in over.tolist()}
    counts = np.ones(len(qty_list), dtype=np.int64)
    counts[over] = [len(parts[line]) for line in over.tolist()]
    new_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    line_qty = np.repeat(instance.line_qty, counts)
    for line, quantities in parts.items():
        line_qty[new_start[line] : new_start[line] + len(quantities)] = quantities
    logger.info("%s: split %d lines no single aisle can fill", instance.name, len(over))
    return replace(
        instance,
        order_start=new_start[instance.order_start],
        line_item=np.repeat(instance.line_item, counts),
        line_qty=line_qty,
    )


# --- the warehouse: zones, locations, stock -------------------------------------------------------


def _width(count: int, minimum: int) -> int:
    return max(minimum, len(str(max(0, count - 1))))


def _sku_names(num_items: int) -> list[str]:
    width = _width(num_items, 5)
    return [f"SKU-{k:0{width}d}" for k in range(num_items)]


def _aisle_zones(num_aisles: int, num_zones: int) -> IntArray:
    """Zone of each aisle: contiguous ranges whose sizes differ by at most one."""
    zones = min(num_zones, num_aisles)
    return np.asarray(np.arange(num_aisles) * zones // num_aisles, dtype=np.int64)


def _warehouse(
    instance: SbpoInstance, aisle_zone: IntArray, skus: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One location per aisle, one inventory record per (item, aisle), in file order."""
    width = _width(instance.num_aisles, 3)
    zones = [zone_name(z) for z in aisle_zone.tolist()]
    location_ids = [f"{zone}-{aisle:0{width}d}" for aisle, zone in enumerate(zones)]
    locations = [{"id": loc, "zone": zone} for loc, zone in zip(location_ids, zones, strict=True)]
    record_aisle = np.repeat(np.arange(instance.num_aisles), np.diff(instance.aisle_start))
    inventory = [
        {"sku": skus[item], "location": location_ids[aisle], "on_hand": stock}
        for item, aisle, stock in zip(
            instance.aisle_item.tolist(),
            record_aisle.tolist(),
            instance.aisle_stock.tolist(),
            strict=True,
        )
    ]
    return locations, inventory


# --- teams -------------------------------------------------------------------------------------


def _timing(spec: SbpoSpec, num_orders: int, num_zones: int) -> GeneratorSpec:
    """The generator spec whose helpers draw times and build teams for this conversion."""
    return GeneratorSpec(
        seed=spec.seed,
        num_orders=num_orders,
        num_zones=num_zones,
        num_teams=num_zones * spec.teams_per_zone,
        num_pack_teams=spec.num_pack_teams,
        num_slots=spec.num_slots,
        slot_minutes=spec.slot_minutes,
        load_factor=spec.load_factor,
        priority_shares=spec.priority_shares,
        due_share=spec.due_share,
        arrivals_in_window_share=spec.arrivals_in_window_share,
        start=spec.start,
    )


def _zone_pick_work_s(
    instance: SbpoInstance, labor: Labor, aisle_zone: IntArray, num_zones: int
) -> FloatArray:
    """Expected pick seconds per zone: each line split by its item's stock share per zone."""
    line_s = np.ceil(labor.pick_seconds_per_line + instance.line_qty * labor.pick_seconds_per_unit)
    item_work_s = np.bincount(instance.line_item, weights=line_s, minlength=instance.num_items)
    record_zone = np.repeat(aisle_zone, np.diff(instance.aisle_start))
    stock = instance.aisle_stock.astype(np.float64)
    item_stock = np.bincount(instance.aisle_item, weights=stock, minlength=instance.num_items)
    share = stock / np.maximum(item_stock[instance.aisle_item], 1.0)
    weights = share * item_work_s[instance.aisle_item]
    return np.asarray(np.bincount(record_zone, weights=weights, minlength=num_zones))


def _pack_work_s(instance: SbpoInstance, labor: Labor) -> float:
    units = float(instance.line_qty.sum())
    return instance.num_orders * labor.pack_seconds_per_order + units * labor.pack_seconds_per_unit


def _teams(
    timing: GeneratorSpec, zone_work_s: FloatArray, pack_work_s: float, teams_per_zone: int
) -> list[dict[str, Any]]:
    """``teams_per_zone`` pick teams on each zone, then the pack teams, all at load_factor."""
    team_zone = np.repeat(np.arange(len(zone_work_s)), teams_per_zone).tolist()
    labels = [zone_name(z) for z in team_zone]
    breaks = _break_slots(timing, "pick", [{z} for z in team_zone])
    teams = []
    for team_id, zone_idx, break_slot in zip(
        _team_ids("pick", labels), team_zone, breaks, strict=True
    ):
        required_s = float(zone_work_s[zone_idx]) / teams_per_zone / timing.load_factor
        team = _team(timing, team_id, "pick", required_s, break_slot)
        teams.append({**team, "zones": [zone_name(zone_idx)]})
    pack_breaks = _break_slots(timing, "pack", [{0}] * timing.num_pack_teams)
    required_s = pack_work_s / timing.num_pack_teams / timing.load_factor
    for k, break_slot in enumerate(pack_breaks):
        teams.append(_team(timing, f"pack-{k + 1}", "pack", required_s, break_slot))
    return teams


# --- orders ----------------------------------------------------------------------------------


def _order_fields(timing: GeneratorSpec, rng: np.random.Generator) -> dict[str, Any]:
    """Arrival, cutoff, priority and address of every order, in the generator's draw order."""
    received_s = _received_s(timing, rng)
    due_slot = _due_slots(timing, rng, received_s)
    shares = np.asarray(timing.priority_shares, dtype=np.float64)
    priority = 1 + rng.choice(len(shares), size=timing.num_orders, p=shares / shares.sum())
    pools = (len(_PLACES), len(_FIRST), len(_LAST), HOUSE_NUMBERS)
    address = np.stack([rng.integers(0, size, size=timing.num_orders) for size in pools], axis=1)
    return {
        "received_at": _iso_offsets(timing.start, received_s),
        "due": _iso_offsets(timing.start, due_slot * timing.slot_s),
        "has_due": (due_slot >= 0).tolist(),
        "priority": priority.tolist(),
        "address": address.tolist(),
    }


def _orders(
    instance: SbpoInstance, fields: dict[str, Any], skus: list[str]
) -> list[dict[str, Any]]:
    """The orders as JSON dicts, in file order: the only per-order Python loop."""
    width = _width(instance.num_orders, 5)
    line_sku = [skus[item] for item in instance.line_item.tolist()]
    line_qty = instance.line_qty.tolist()
    starts = instance.order_start.tolist()
    out = []
    for k in range(instance.num_orders):
        document: dict[str, Any] = {
            "id": f"SO-{k:0{width}d}",
            "received_at": fields["received_at"][k],
            "priority": fields["priority"][k],
        }
        if fields["has_due"][k]:
            document["due"] = fields["due"][k]
        document["ship_to"] = _ship_to(*fields["address"][k])
        document["lines"] = [
            {"sku": line_sku[j], "qty": line_qty[j]} for j in range(starts[k], starts[k + 1])
        ]
        out.append(document)
    return out


# --- the document -------------------------------------------------------------------------------


def _labor_document(labor: Labor) -> dict[str, float | int]:
    """The labor standards, whole numbers written as integers."""
    return {key: int(v) if v.is_integer() else v for key, v in labor.model_dump().items()}


def sbpo_problem(path: Path | str, spec: SbpoSpec | None = None) -> dict[str, Any]:
    """The problem document of an SBPO 2025 instance file (plain JSON values)."""
    spec = spec or SbpoSpec()
    instance = read_sbpo(path)
    if spec.split_lines:
        instance = split_oversized_lines(instance)
    aisle_zone = _aisle_zones(instance.num_aisles, spec.num_zones)
    num_zones = int(aisle_zone.max()) + 1
    timing = _timing(spec, instance.num_orders, num_zones)
    rng = np.random.default_rng(spec.seed)
    fields = _order_fields(timing, rng)
    skus = _sku_names(instance.num_items)
    locations, inventory = _warehouse(instance, aisle_zone, skus)
    zone_work_s = _zone_pick_work_s(instance, spec.labor, aisle_zone, num_zones)
    teams = _teams(timing, zone_work_s, _pack_work_s(instance, spec.labor), spec.teams_per_zone)
    end = spec.start + timedelta(minutes=spec.num_slots * spec.slot_minutes)
    name = spec.name or f"SBPO 2025 {instance.name}, seed {spec.seed}"
    logger.info("converted %s: %d orders, %d zones", name, instance.num_orders, num_zones)
    return {
        "name": name,
        "window": {"start": _iso(spec.start), "end": _iso(end), "slot_minutes": spec.slot_minutes},
        "labor": _labor_document(spec.labor),
        "locations": locations,
        "inventory": inventory,
        "teams": teams,
        "orders": _orders(instance, fields, skus),
    }
