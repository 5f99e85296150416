"""A seeded generator of realistic problem documents, from 50 to 50,000 orders.

``generate_problem(spec)`` returns a plain JSON dict in the contract's format
(``shared/spec/problem-format.md``); the same spec gives the same document, byte for byte.
Every random draw comes from one ``numpy.random.default_rng(spec.seed)``, in a fixed order,
and is vectorised: only the final assembly of the JSON dicts loops in Python.

What it models:

- **Orders** arrive overnight and during the window (``received_at``); about
  ``lines_per_order_mean`` lines each (1 + Poisson), units per line geometric, SKUs drawn
  with a long-tailed (Zipf-like) popularity, a share with a carrier cutoff (``due``, mostly
  late in the window; never one the order could not make), priorities by share.
- **Stock**: each SKU in one location, some (``second_location_share``) also in an overflow
  location, usually in another zone; on hand ``stock_factor`` x the demand, so below 1.0
  some orders run short.
- **Teams**: pick teams each work one or two zones, every zone is worked by at least one
  team; pack teams pack any order and start one slot late (nothing is picked before).
  Every team with a shift of an hour or more takes a 15-minute break in the middle third of
  the window, during which half of it (all of a team of one) is off; breaks are staggered
  so that teams sharing a zone rest in different slots where they can.
- **Sizing**: headcounts are sized so that, per stage, the work divided by the capacity of
  the slots the stage can use (picks: all but the last slot; packs: all but the first) is
  about ``load_factor``. Whole headcounts cannot hit that ratio for small teams, so each
  team's ``efficiency`` (kept within 0.5 .. 1.5) absorbs the rounding; below a few hundred
  orders per team the headcount floor of one person makes the real load lower.
  :func:`load_factors` measures it on any document.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from solver.loading import load_problem
from solver.timegrid import team_capacity_s

__all__ = ["GeneratorSpec", "generate_problem", "load_factors", "write_problem"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

START: Final = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
LABOR: Final = {
    "pick_seconds_per_line": 30,
    "pick_seconds_per_unit": 6,
    "pack_seconds_per_order": 90,
    "pack_seconds_per_unit": 3,
}
BREAK_MIN: Final = 15
OVERNIGHT_MIN: Final = 12 * 60  # orders received up to 12 h before the window opens
BAYS_PER_AISLE: Final = 20
EFFICIENCY_RANGE: Final = (0.5, 1.5)
IDLE_STOCK: Final = 12
PRIMARY_SHARE: Final = 0.7  # of a SKU's stock, when it also has an overflow location

# product families and their variants: SKU-TSHIRT-S, SKU-MUG-WHITE, ...
_FAMILIES: Final = (
    ("TSHIRT", "S M L XL"), ("HOODIE", "S M L XL"), ("MUG", "WHITE BLACK"), ("SOCKS", "3PK 6PK"),
    ("CAP", "BLACK NAVY RED"), ("BOTTLE", "500 750"), ("TOTE", "NAT BLACK"),
    ("NOTEBOOK", "A5 A4"), ("CANDLE", "FIG CEDAR"), ("POSTER", "A2 A3"), ("JACKET", "M L"),
    ("SCARF", "GREY RED"), ("PEN", "BLK-10 BLU-10"), ("BEANIE", "BLACK GREEN"),
    ("LAMP", "DESK"), ("PLANT", "POT-S POT-M"),
)  # fmt: skip
_PRODUCTS: Final = tuple(f"SKU-{f}-{v}" for f, variants in _FAMILIES for v in variants.split())
_FIRST: Final = (
    "Ada", "Grace", "Alan", "Mary", "Emmy", "Carl", "Sophie", "Edsger", "Kurt", "Rosalind",
    "Katherine", "John", "Hedy", "Claude", "Barbara", "Donald", "Frances", "Tim",
)  # fmt: skip
_LAST: Final = (
    "Byron", "Hopper", "Turing", "Somerville", "Noether", "Gauss", "Germain", "Dijkstra",
    "Goedel", "Franklin", "Johnson", "Napier", "Lamarr", "Shannon", "Liskov", "Knuth",
)  # fmt: skip
# (street, city, postal code, country): every postal code fits its country's format
_PLACES: Final = (
    ("Main St", "Springfield", "62701", "US"), ("Pine St", "Seattle", "98101-1234", "US"),
    ("Congress Ave", "Austin", "73301", "US"), ("King's Parade", "Cambridge", "CB2 1TN", "GB"),
    ("Princes St", "Edinburgh", "EH2 2AN", "GB"), ("Hauptstr.", "Berlin", "10115", "DE"),
    ("Marienplatz", "Munich", "80331", "DE"), ("rue de Rivoli", "Paris", "75004", "FR"),
    ("rue de la Republique", "Lyon", "69002", "FR"), ("Damrak", "Amsterdam", "1012 LG", "NL"),
    ("Queen St W", "Toronto", "M5H 2N2", "CA"), ("George St", "Sydney", "2000", "AU"),
    ("Marunouchi", "Tokyo", "100-0001", "JP"),
)  # fmt: skip


def check_shares_and_start(priority_shares: tuple[float, ...], start: datetime) -> None:
    """Priority shares are a distribution and the window start has a UTC offset (raises
    ValueError otherwise); shared by the seeded specs that draw priorities and times."""
    if any(share < 0 for share in priority_shares):
        raise ValueError("priority_shares must not be negative")
    if not math.isclose(sum(priority_shares), 1.0, abs_tol=1e-6):
        raise ValueError("priority_shares must sum to 1")
    if start.utcoffset() is None:
        raise ValueError("start needs a UTC offset")


class GeneratorSpec(BaseModel):
    """What to generate; every field has a realistic default. Frozen and validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=0, ge=0, description="Seed of numpy.random.default_rng.")
    name: str | None = Field(default=None, description="Document name (default: derived).")
    num_orders: int = Field(default=200, ge=1, le=1_000_000)
    num_zones: int = Field(default=3, ge=1, le=26 * 27, description="Zones A, B, ..., AA, ...")
    num_teams: int = Field(default=4, ge=1, le=1000, description="Pick teams.")
    num_pack_teams: int = Field(default=1, ge=1, le=1000)
    num_slots: int = Field(default=8, ge=2, le=10_000)
    slot_minutes: int = Field(default=15, ge=1, le=24 * 60)
    lines_per_order_mean: float = Field(default=1.6, ge=1.0, le=50.0)
    units_per_line_mean: float = Field(default=1.5, ge=1.0, le=100.0)
    load_factor: float = Field(default=0.8, gt=0, le=10, description="Work / usable capacity.")
    priority_shares: tuple[float, ...] = Field(
        default=(0.1, 0.3, 0.6), min_length=1, description="Share of priority 1, 2, ..."
    )
    due_share: float = Field(default=0.3, ge=0, le=1, description="Orders with a cutoff.")
    arrivals_in_window_share: float = Field(
        default=0.3, ge=0, le=1, description="Orders received during the window."
    )
    num_skus: int | None = Field(
        default=None, ge=1, description="Default: half the orders, within 30 .. 5000."
    )
    locations_per_sku: Literal[1, 2] = Field(default=2, description="At most this many.")
    second_location_share: float = Field(
        default=0.3, ge=0, le=1, description="SKUs with an overflow location (if 2 allowed)."
    )
    stock_factor: float = Field(default=1.5, ge=0, le=100, description="On hand / demand.")
    start: datetime = Field(default=START, description="Window start (with an offset).")

    @model_validator(mode="after")
    def _consistent(self) -> GeneratorSpec:
        check_shares_and_start(self.priority_shares, self.start)
        if self.num_zones > 2 * self.num_teams:
            raise ValueError("each pick team works at most 2 zones: num_zones <= 2 * num_teams")
        return self

    @property
    def sku_count(self) -> int:
        return self.num_skus or min(5000, max(30, self.num_orders // 2))

    @property
    def slot_s(self) -> int:
        return self.slot_minutes * 60


# --- names ---------------------------------------------------------------------------------


def zone_name(zone_idx: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    letters = ""
    zone_idx += 1
    while zone_idx:
        zone_idx, rest = divmod(zone_idx - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sku_name(sku_idx: int) -> str:
    """SKU-TSHIRT-S, SKU-TSHIRT-M, ...; a style number once the catalogue runs out."""
    base, style = _PRODUCTS[sku_idx % len(_PRODUCTS)], sku_idx // len(_PRODUCTS)
    return f"{base}-{style + 1}" if style else base


def order_ids(num_orders: int) -> list[str]:
    """SO-1001, SO-1002, ... (wider numbers for bigger documents)."""
    width = max(4, len(str(num_orders)) + 1)
    first = 10 ** (width - 1) + 1
    return [f"SO-{first + k}" for k in range(num_orders)]


def _iso(moment: datetime) -> str:
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _iso_offsets(start: datetime, offsets_s: IntArray) -> list[str]:
    """ISO timestamps of start + offset, formatted once per distinct offset."""
    unique, inverse = np.unique(offsets_s, return_inverse=True)
    texts = [_iso(start + timedelta(seconds=int(s))) for s in unique.tolist()]
    return [texts[k] for k in inverse.ravel().tolist()]


# --- the catalogue: SKUs, locations, stock ----------------------------------------------------


def _popularity(num_skus: int) -> FloatArray:
    weights = 1.0 / np.arange(1, num_skus + 1) ** 0.9
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _sku_zones(spec: GeneratorSpec, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Primary zone of every SKU, and the overflow zone (-1: none)."""
    num_skus, num_zones = spec.sku_count, spec.num_zones
    primary = rng.integers(0, num_zones, size=num_skus)
    has_second = rng.random(num_skus) < spec.second_location_share
    shift = rng.integers(1, num_zones, size=num_skus) if num_zones > 1 else np.zeros(num_skus)
    second = (primary + shift) % num_zones
    if spec.locations_per_sku == 1:
        has_second[:] = False
    return primary.astype(np.int64), np.where(has_second, second, -1).astype(np.int64)


def _location_ids(zones: IntArray) -> list[str]:
    """One id per location row, numbered aisle by aisle within its zone: A-01-01, ..."""
    order = np.argsort(zones, kind="stable")
    sorted_zones = zones[order]
    group_start = np.searchsorted(sorted_zones, sorted_zones, side="left")
    local = np.empty_like(zones)
    local[order] = np.arange(len(zones)) - group_start
    aisles = (local // BAYS_PER_AISLE + 1).tolist()
    bays = (local % BAYS_PER_AISLE + 1).tolist()
    return [
        f"{zone_name(z)}-{a:02d}-{b:02d}"
        for z, a, b in zip(zones.tolist(), aisles, bays, strict=True)
    ]


def _catalogue(
    spec: GeneratorSpec, primary: IntArray, second: IntArray, demand: IntArray
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Locations and inventory: stock_factor x demand, 70 % in the primary location."""
    skus = np.concatenate([np.arange(len(primary)), np.flatnonzero(second >= 0)])
    zones = np.concatenate([primary, second[second >= 0]])
    ids = _location_ids(zones)
    total = np.ceil(demand * spec.stock_factor).astype(np.int64)
    total[demand == 0] = IDLE_STOCK  # SKUs nobody ordered today still sit on a shelf
    split = np.where(second >= 0, np.ceil(total * PRIMARY_SHARE).astype(np.int64), total)
    on_hand = np.concatenate([split, (total - split)[second >= 0]]).tolist()
    names = [sku_name(k) for k in range(len(primary))]
    zone_list = zones.tolist()
    locations = [
        {"id": ids[k], "zone": zone_name(zone_list[k])}
        for k in np.argsort(zones, kind="stable").tolist()  # zone by zone, aisle by aisle
    ]
    sku_list = skus.tolist()
    inventory = [
        {"sku": names[sku_list[k]], "location": ids[k], "on_hand": on_hand[k]}
        for k in np.argsort(skus, kind="stable").tolist()  # a SKU's records together
    ]
    return locations, inventory


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Orders:
    """The orders as parallel arrays (lines flattened, ``line_start`` has num_orders + 1)."""

    line_start: IntArray
    line_sku: IntArray
    line_qty: IntArray
    priority: IntArray
    received_s: IntArray  # seconds from the window start; negative: before it opened
    due_slot: IntArray  # due = start + due_slot * slot length; -1: no cutoff
    address: IntArray  # columns: place, first name, last name, house number


def _received_s(spec: GeneratorSpec, rng: np.random.Generator) -> IntArray:
    """Arrival times, sorted: overnight, or during the window early enough to be planned."""
    num_orders = spec.num_orders
    in_window = rng.random(num_orders) < spec.arrivals_in_window_share
    before_min = rng.integers(1, OVERNIGHT_MIN + 1, size=num_orders)
    latest_min = (spec.num_slots - 2) * spec.slot_minutes  # a pick slot and a pack slot after
    during_min = rng.integers(0, latest_min + 1, size=num_orders)
    return np.sort(np.where(in_window, during_min, -before_min) * 60).astype(np.int64)


def _due_slots(spec: GeneratorSpec, rng: np.random.Generator, received_s: IntArray) -> IntArray:
    """Carrier cutoffs, mostly late in the window; none the order could not make."""
    n = spec.num_slots
    cutoffs = np.array([n, n - 1, n - 2, math.ceil(0.6 * n)], dtype=np.int64)
    cutoff = cutoffs[rng.choice(len(cutoffs), size=spec.num_orders, p=[0.4, 0.3, 0.2, 0.1])]
    has_due = rng.random(spec.num_orders) < spec.due_share
    release = np.maximum(0, -(-received_s // spec.slot_s))  # ceil, first slot at or after
    return np.where(has_due & (cutoff >= release + 2), cutoff, -1).astype(np.int64)


def _draw_orders(spec: GeneratorSpec, rng: np.random.Generator) -> _Orders:
    num_orders = spec.num_orders
    num_lines = 1 + rng.poisson(spec.lines_per_order_mean - 1.0, size=num_orders)
    line_start = np.concatenate([[0], np.cumsum(num_lines)]).astype(np.int64)
    total_lines = int(line_start[-1])
    line_sku = rng.choice(spec.sku_count, size=total_lines, p=_popularity(spec.sku_count))
    line_qty = rng.geometric(1.0 / spec.units_per_line_mean, size=total_lines)
    shares = np.asarray(spec.priority_shares, dtype=np.float64)
    priority = 1 + rng.choice(len(shares), size=num_orders, p=shares / shares.sum())
    received_s = _received_s(spec, rng)
    due_slot = _due_slots(spec, rng, received_s)
    pools = (len(_PLACES), len(_FIRST), len(_LAST), 200)
    address = np.stack([rng.integers(0, size, size=num_orders) for size in pools], axis=1)
    return _Orders(
        line_start=line_start,
        line_sku=line_sku.astype(np.int64),
        line_qty=line_qty.astype(np.int64),
        priority=priority.astype(np.int64),
        received_s=received_s,
        due_slot=due_slot,
        address=address.astype(np.int64),
    )


def _ship_to(place: int, first: int, last: int, house: int) -> dict[str, str]:
    street, city, postal_code, country = _PLACES[place]
    return {
        "name": f"{_FIRST[first]} {_LAST[last]}",
        "line1": f"{house + 1} {street}",
        "city": city,
        "postal_code": postal_code,
        "country": country,
    }


def _order_documents(spec: GeneratorSpec, orders: _Orders) -> list[dict[str, Any]]:
    """The orders as JSON dicts: the only per-order Python loop."""
    names = [sku_name(k) for k in range(spec.sku_count)]
    skus = [names[s] for s in orders.line_sku.tolist()]
    qtys = orders.line_qty.tolist()
    starts = orders.line_start.tolist()
    received = _iso_offsets(spec.start, orders.received_s)
    due = _iso_offsets(spec.start, orders.due_slot * spec.slot_s)
    out = []
    rows = zip(
        order_ids(spec.num_orders),
        orders.priority.tolist(),
        orders.due_slot.tolist(),
        orders.address.tolist(),
        strict=True,
    )
    for k, (order_id, priority, due_slot, address) in enumerate(rows):
        document: dict[str, Any] = {
            "id": order_id,
            "received_at": received[k],
            "priority": priority,
        }
        if due_slot >= 0:
            document["due"] = due[k]
        document["ship_to"] = _ship_to(*address)
        document["lines"] = [
            {"sku": skus[j], "qty": qtys[j]} for j in range(starts[k], starts[k + 1])
        ]
        out.append(document)
    return out


# --- teams -------------------------------------------------------------------------------------


def _pick_team_zones(spec: GeneratorSpec, rng: np.random.Generator) -> list[list[int]]:
    """Zones per pick team: 1 or 2 each, every zone worked; some teams cross-trained."""
    num_teams, num_zones = spec.num_teams, spec.num_zones
    zones: list[list[int]] = [[] for _ in range(num_teams)]
    for zone_idx in range(num_zones):  # num_zones <= 2 * num_teams: at most two each
        zones[zone_idx % num_teams].append(zone_idx)
    for team_idx in range(num_zones, num_teams):  # more teams than zones: share a zone
        zones[team_idx].append(team_idx % num_zones)
    cross_trained = rng.random(num_teams) < 0.4
    for team_idx, team_zones in enumerate(zones):
        if len(team_zones) == 1 and cross_trained[team_idx] and num_zones > 1:
            team_zones.append((team_zones[0] + 1) % num_zones)
    return zones


def _team_ids(prefix: str, labels: list[str]) -> list[str]:
    """pick-A, pick-AB, pick-A-2 (a second team on the same zones)."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        suffix = f"-{seen[label]}" if seen[label] > 1 else ""
        out.append(f"{prefix}-{label}{suffix}")
    return out


def _size_team(required_s: float, usable_s: int, break_s: int) -> tuple[int, float]:
    """Headcount and efficiency with efficiency * (h * usable - ceil(h/2) * break) ~ required."""
    per_person_s = usable_s - break_s / 2
    headcount = max(1, round(required_s / per_person_s))
    capacity_s = headcount * usable_s - math.ceil(headcount / 2) * break_s
    low, high = EFFICIENCY_RANGE
    return headcount, round(min(high, max(low, float(required_s / capacity_s))), 2)


def _break_slots(spec: GeneratorSpec, stage: str, groups: list[set[int]]) -> list[int]:
    """Staggered breaks in the middle third of the stage's slots: each team takes the slot
    where the fewest teams sharing a zone with it (all teams, for packing) already rest."""
    first_slot, n = (0 if stage == "pick" else 1), spec.num_slots
    low = max(first_slot, n // 3)
    choices = range(low, max(low, min(first_slot + n - 2, 2 * n // 3)) + 1)
    resting: dict[int, list[set[int]]] = {slot: [] for slot in choices}
    out = []
    for team_idx, zones in enumerate(groups):
        slot = min(
            choices,
            key=lambda s: (
                sum(1 for other in resting[s] if other & zones),
                len(resting[s]),
                (s - low - team_idx) % len(choices),
            ),
        )
        resting[slot].append(zones)
        out.append(slot)
    return out


def _team(
    spec: GeneratorSpec, team_id: str, stage: str, required_s: float, break_slot: int
) -> dict[str, Any]:
    """A team working its stage's usable slots, half of it on a break at ``break_slot``."""
    n = spec.num_slots
    first_slot = 0 if stage == "pick" else 1
    usable_min = (n - 1) * spec.slot_minutes
    break_min = BREAK_MIN if usable_min >= 4 * BREAK_MIN else 0  # no break in a short shift
    headcount, efficiency = _size_team(required_s, usable_min * 60, break_min * 60)
    shift_start = spec.start + timedelta(minutes=first_slot * spec.slot_minutes)
    break_start = spec.start + timedelta(minutes=break_slot * spec.slot_minutes)
    break_end = break_start + timedelta(minutes=break_min)
    shift_end = spec.start + timedelta(minutes=n * spec.slot_minutes)
    spans = [
        (shift_start, break_start, headcount),
        (break_start, break_end, headcount // 2),  # half the team (all of a team of one) rests
        (break_end, shift_end, headcount),
    ]
    return {
        "id": team_id,
        "stage": stage,
        "headcount": headcount,
        "efficiency": efficiency,
        "availability": [
            {"start": _iso(a), "end": _iso(b), "headcount": h} for a, b, h in spans if b > a and h
        ],
    }


def _teams(
    spec: GeneratorSpec, rng: np.random.Generator, orders: _Orders, sku_zone: IntArray
) -> list[dict[str, Any]]:
    """Pick teams sized to their zones' work, pack teams to the packing, at load_factor."""
    pick_s = LABOR["pick_seconds_per_line"] + orders.line_qty * LABOR["pick_seconds_per_unit"]
    zone_work_s = np.bincount(sku_zone[orders.line_sku], weights=pick_s, minlength=spec.num_zones)
    pack_work_s = float(
        spec.num_orders * LABOR["pack_seconds_per_order"]
        + orders.line_qty.sum() * LABOR["pack_seconds_per_unit"]
    )
    team_zones = _pick_team_zones(spec, rng)
    cover = np.bincount(
        np.concatenate([np.array(z) for z in team_zones]), minlength=len(zone_work_s)
    )
    labels = ["".join(zone_name(z) for z in zones) for zones in team_zones]
    breaks = _break_slots(spec, "pick", [set(zones) for zones in team_zones])
    teams = []
    for team_id, zones, break_slot in zip(
        _team_ids("pick", labels), team_zones, breaks, strict=True
    ):
        required_s = sum(zone_work_s[z] / cover[z] for z in zones) / spec.load_factor
        team = _team(spec, team_id, "pick", required_s, break_slot)
        teams.append({**team, "zones": [zone_name(z) for z in zones]})
    pack_breaks = _break_slots(spec, "pack", [{0}] * spec.num_pack_teams)
    for k, break_slot in enumerate(pack_breaks):
        required_s = pack_work_s / spec.num_pack_teams / spec.load_factor
        teams.append(_team(spec, f"pack-{k + 1}", "pack", required_s, break_slot))
    return teams


# --- the document -------------------------------------------------------------------------------


def generate_problem(spec: GeneratorSpec) -> dict[str, Any]:
    """A problem document (plain JSON values), the same for the same spec."""
    rng = np.random.default_rng(spec.seed)
    primary, second = _sku_zones(spec, rng)
    orders = _draw_orders(spec, rng)
    demand = np.bincount(orders.line_sku, weights=orders.line_qty, minlength=spec.sku_count)
    locations, inventory = _catalogue(spec, primary, second, demand.astype(np.int64))
    teams = _teams(spec, rng, orders, primary)
    end = spec.start + timedelta(minutes=spec.num_slots * spec.slot_minutes)
    name = spec.name or f"generated: {spec.num_orders} orders, seed {spec.seed}"
    logger.info("generated %s: %d lines", name, len(orders.line_sku))
    return {
        "name": name,
        "window": {"start": _iso(spec.start), "end": _iso(end), "slot_minutes": spec.slot_minutes},
        "labor": dict(LABOR),
        "locations": locations,
        "inventory": inventory,
        "teams": teams,
        "orders": _order_documents(spec, orders),
    }


def write_problem(spec: GeneratorSpec, path: Path | str) -> Path:
    """Generate and write the document: YAML for .yaml/.yml, JSON otherwise."""
    path = Path(path)
    document = generate_problem(spec)
    if path.suffix.lower() in {".yaml", ".yml"}:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def load_factors(document: dict[str, Any]) -> dict[str, float]:
    """Work / capacity per stage, over the slots it can use (picks: all but the last;
    packs: all but the first). The orders must be valid."""
    problem = load_problem(document)
    labor = problem.labor
    lines = [line for order in document["orders"] for line in order["lines"]]
    pick_work_s = sum(
        labor.pick_seconds_per_line + line["qty"] * labor.pick_seconds_per_unit for line in lines
    )
    units = sum(line["qty"] for line in lines)
    pack_work_s = len(document["orders"]) * labor.pack_seconds_per_order
    pack_work_s += units * labor.pack_seconds_per_unit
    capacity = {"pick": 0, "pack": 0}
    for team in problem.teams:
        per_slot = team_capacity_s(problem.window, team)
        capacity[team.stage] += int(
            per_slot[:-1].sum() if team.stage == "pick" else per_slot[1:].sum()
        )
    return {
        "pick": pick_work_s / max(1, capacity["pick"]),
        "pack": pack_work_s / max(1, capacity["pack"]),
    }
