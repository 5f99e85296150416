"""The demo warehouse of ``zero-backlog serve --demo``, and the orders it receives.

A small fulfillment centre: three picking zones (A, B, C) worked by three pick teams, a
mezzanine (D) that no team works, two pack teams, and a catalogue of 16 stocked SKUs (two
with an overflow location in another zone) plus one announced SKU with no stock yet. Its
window starts at the slot holding ``now`` and is short (45 slots of 2 minutes), so work
visibly moves while someone watches. Teams have no availability intervals: they work the
whole window at their headcount, whichever window the service plans (it rolls with the
clock), so nothing goes stale.

:class:`OrderMaker` draws the orders: a first batch received during the last hour, then
one tick of the stream at a time. Most orders are good; a few carry the defects a real
feed has, one of each kind in the first batch:

- ``address``: a US postal code that is no ZIP code (INVALID_ADDRESS: the API rejects it
  and opens its exception record; customer service sends it again corrected),
- ``unstocked``: the SKU with no stock record (STOCKOUT),
- ``mezzanine``: a SKU stored only where no team picks (NO_ELIGIBLE_TEAM),
- ``missed_cutoff``: a carrier cutoff already gone (PAST_DUE).

Every draw comes from ``random.Random`` seeded by the spec, in a fixed order; only the
timestamps depend on ``now``. Order ids carry a run stamp (``DEMO-261204-081530-0001``),
so the orders of a later run never collide with an earlier run's.
"""

from __future__ import annotations

import copy
import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BAD_KINDS",
    "DEMO_PREFIX",
    "DemoSpec",
    "OrderMaker",
    "demo_problem",
    "iso",
    "run_stamp",
    "slot_floor",
    "warehouse_document",
]

BadKind = Literal["address", "unstocked", "mezzanine", "missed_cutoff"]
BAD_KINDS: Final[tuple[BadKind, ...]] = ("address", "unstocked", "mezzanine", "missed_cutoff")
#: The contract code each kind of bad order ends with.
BAD_CODES: Final[dict[BadKind, str]] = {
    "address": "INVALID_ADDRESS",
    "unstocked": "STOCKOUT",
    "mezzanine": "NO_ELIGIBLE_TEAM",
    "missed_cutoff": "PAST_DUE",
}
DEMO_PREFIX: Final = "DEMO-"

LABOR: Final = {
    "pick_seconds_per_line": 20,
    "pick_seconds_per_unit": 5,
    "pack_seconds_per_order": 40,
    "pack_seconds_per_unit": 4,
}
#: Stocked SKUs by zone, most popular first within the catalogue order below.
ZONE_SKUS: Final = {
    "A": ("SKU-TSHIRT-S", "SKU-TSHIRT-M", "SKU-TSHIRT-L", "SKU-HOODIE-M", "SKU-HOODIE-L",
          "SKU-SOCKS-3PK"),
    "B": ("SKU-MUG-WHITE", "SKU-BOTTLE-500", "SKU-TOTE-NAT", "SKU-CANDLE-FIG", "SKU-CAP-BLACK"),
    "C": ("SKU-NOTEBOOK-A5", "SKU-PEN-BLK-10", "SKU-POSTER-A2", "SKU-BEANIE-BLACK",
          "SKU-SCARF-GREY"),
}  # fmt: skip
#: A second location, in another zone, for two popular SKUs.
OVERFLOW: Final = {"SKU-TSHIRT-M": "B", "SKU-MUG-WHITE": "C"}
MEZZANINE_SKU: Final = ("SKU-LAMP-DESK", "D")  # stocked where no pick team works
UNSTOCKED_SKU: Final = "SKU-JACKET-L"  # announced, not received: no stock record
TEAMS: Final = (
    {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 4, "efficiency": 1.0},
    {"id": "pick-B", "stage": "pick", "zones": ["B"], "headcount": 3, "efficiency": 0.9},
    {"id": "pick-CB", "stage": "pick", "zones": ["C", "B"], "headcount": 3, "efficiency": 1.0},
    {"id": "pack-1", "stage": "pack", "headcount": 5, "efficiency": 1.0},
    {"id": "pack-2", "stage": "pack", "headcount": 3, "efficiency": 1.1},
)
NAMES: Final = ("Ada Byron", "Grace Hopper", "Alan Turing", "Emmy Noether", "Carl Gauss",
                "Sophie Germain", "Edsger Dijkstra", "Rosalind Franklin", "Hedy Lamarr",
                "Claude Shannon", "Barbara Liskov", "Donald Knuth")  # fmt: skip
PLACES: Final = (
    ("Main St", "Springfield", "62701", "US"), ("Pine St", "Seattle", "98101-1234", "US"),
    ("King's Parade", "Cambridge", "CB2 1TN", "GB"), ("Hauptstr.", "Berlin", "10115", "DE"),
    ("rue de Rivoli", "Paris", "75004", "FR"), ("Damrak", "Amsterdam", "1012 LG", "NL"),
    ("Queen St W", "Toronto", "M5H 2N2", "CA"), ("George St", "Sydney", "2000", "AU"),
)  # fmt: skip
PRIORITY_WEIGHTS: Final = (0.15, 0.3, 0.55)  # priority 1 (urgent), 2, 3
BAYS_PER_AISLE: Final = 3


class DemoSpec(BaseModel):
    """The demo warehouse and its order stream; every field has a watchable default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=0, ge=0, description="Seeds every draw (orders, stock, events).")
    slot_minutes: int = Field(default=2, ge=1, le=60)
    num_slots: int = Field(default=45, ge=3, le=1000, description="Slots in the window.")
    initial_orders: int = Field(default=30, ge=0, le=10_000, description="Good ones; + 4 bad.")
    tick_s: float = Field(default=3.0, gt=0, description="Seconds between simulator steps.")
    order_every_s: float = Field(default=8.0, gt=0, description="Mean seconds between orders.")
    bad_share: float = Field(default=0.07, ge=0, le=1, description="Stream orders with a defect.")
    stockout_every_s: float | None = Field(
        default=180.0, gt=0, description="A shelf found empty this often (None: never)."
    )
    restock_after_s: float = Field(default=120.0, gt=0, description="Then it is refilled.")
    cancel_bad_after_s: float | None = Field(
        default=300.0, gt=0, description="Customer service cancels a bad order (None: never)."
    )


# --- time ------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """``2026-12-04T08:00:00Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def slot_floor(now: datetime, slot_minutes: int) -> datetime:
    """The start of the slot holding ``now``, slots counted from midnight UTC."""
    now = now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    slot_s = slot_minutes * 60
    return midnight + timedelta(seconds=(now - midnight).total_seconds() // slot_s * slot_s)


def run_stamp(now: datetime) -> str:
    """``261204-081530``: the run's start, to the second, in order ids."""
    return now.astimezone(UTC).strftime("%y%m%d-%H%M%S")


# --- the warehouse -----------------------------------------------------------------------------


def _locations() -> dict[str, tuple[str, str]]:
    """Location id -> (SKU, zone): each stocked SKU's primary, overflow and mezzanine places."""
    placed = [(sku, zone) for zone, skus in ZONE_SKUS.items() for sku in skus]
    placed += [(sku, zone) for sku, zone in OVERFLOW.items()]
    placed.append(MEZZANINE_SKU)
    counters: dict[str, itertools.count[int]] = {}
    out = {}
    for sku, zone in placed:
        k = next(counters.setdefault(zone, itertools.count()))
        out[f"{zone}-{k // BAYS_PER_AISLE + 1:02d}-{k % BAYS_PER_AISLE + 1:02d}"] = (sku, zone)
    return out


def warehouse_document(spec: DemoSpec, now: datetime) -> dict[str, Any]:
    """Everything but the orders: window (from the slot holding now), labor, stock, teams."""
    start = slot_floor(now, spec.slot_minutes)
    end = start + timedelta(minutes=spec.slot_minutes * spec.num_slots)
    rng = random.Random(f"{spec.seed}:stock")
    locations = _locations()
    inventory = [
        {"sku": sku, "location": location, "on_hand": rng.randrange(150, 400)}
        for location, (sku, _zone) in locations.items()
    ]
    return {
        "name": f"demo warehouse (seed {spec.seed})",
        "window": {"start": iso(start), "end": iso(end), "slot_minutes": spec.slot_minutes},
        "labor": dict(LABOR),
        "locations": [{"id": loc, "zone": zone} for loc, (_sku, zone) in locations.items()],
        "inventory": sorted(inventory, key=lambda record: (record["sku"], record["location"])),
        "teams": copy.deepcopy(list(TEAMS)),
    }


def demo_problem(spec: DemoSpec, now: datetime) -> dict[str, Any]:
    """The demo warehouse with its first batch of orders, as one problem document."""
    maker = OrderMaker(spec, run_stamp(now))
    return warehouse_document(spec, now) | {"orders": maker.first_batch(now)}


# --- orders ------------------------------------------------------------------------------------


class OrderMaker:
    """Draws demo orders from one seeded generator, numbered ``DEMO-<stamp>-0001``, ..."""

    def __init__(self, spec: DemoSpec, stamp: str) -> None:
        self.spec, self.stamp = spec, stamp
        self._rng = random.Random(f"{spec.seed}:orders")
        self._count = 0
        self._skus = [sku for skus in ZONE_SKUS.values() for sku in skus]
        self._weights = [1 / (k + 1) ** 0.8 for k in range(len(self._skus))]
        self.bad: dict[str, BadKind] = {}
        """Ids of the bad orders drawn so far, and what is wrong with each."""

    def first_batch(self, now: datetime) -> list[dict[str, Any]]:
        """``initial_orders`` good orders received in the last hour, oldest first, then
        one bad order of each kind."""
        ages_min = sorted(self._rng.randint(1, 60) for _ in range(self.spec.initial_orders))
        orders = [self._good(now - timedelta(minutes=age), now) for age in reversed(ages_min)]
        return orders + [self._bad(kind, now) for kind in BAD_KINDS]

    def corrected(self, order: dict[str, Any]) -> dict[str, Any]:
        """A bad-address order as customer service corrects it (a good order from then on)."""
        self.bad.pop(order["id"], None)
        return {**order, "ship_to": {**order["ship_to"], "postal_code": "62701"}}

    def tick(self, now: datetime) -> list[dict[str, Any]]:
        """The orders arriving in one simulator step (none, one, now and then two)."""
        expected = self.spec.tick_s / self.spec.order_every_s
        count = sum(1 for _ in range(3) if self._rng.random() < expected / 3)
        orders = []
        for _ in range(count):
            if self._rng.random() < self.spec.bad_share:
                orders.append(self._bad(self._rng.choice(BAD_KINDS), now))
            else:
                orders.append(self._good(now, now))
        return orders

    def _next_id(self) -> str:
        self._count += 1
        return f"{DEMO_PREFIX}{self.stamp}-{self._count:04d}"

    def _good(self, received_at: datetime, now: datetime) -> dict[str, Any]:
        priority = self._rng.choices((1, 2, 3), weights=PRIORITY_WEIGHTS)[0]
        order: dict[str, Any] = {
            "id": self._next_id(),
            "received_at": iso(received_at),
            "priority": priority,
        }
        due_min = self._due_minutes(priority)
        if due_min is not None:
            order["due"] = iso(slot_floor(now, self.spec.slot_minutes) + timedelta(minutes=due_min))
        order["ship_to"] = self._ship_to()
        order["lines"] = self._lines()
        return order

    def _due_minutes(self, priority: int) -> int | None:
        """Urgent orders leave with a carrier in 10 to 25 minutes; a quarter of the others
        in 30 to 80 minutes; the rest any time in the window."""
        if priority == 1:
            return self._rng.randint(10, 25)
        if self._rng.random() < 0.25:
            return self._rng.randint(30, 80)
        return None

    def _ship_to(self) -> dict[str, str]:
        street, city, postal_code, country = self._rng.choice(PLACES)
        return {
            "name": self._rng.choice(NAMES),
            "line1": f"{self._rng.randint(1, 200)} {street}",
            "city": city,
            "postal_code": postal_code,
            "country": country,
        }

    def _lines(self) -> list[dict[str, Any]]:
        num_lines = 1 + sum(1 for _ in range(3) if self._rng.random() < 0.2)
        skus = dict.fromkeys(self._rng.choices(self._skus, weights=self._weights, k=num_lines))
        return [{"sku": sku, "qty": 1 + int(self._rng.expovariate(2.0))} for sku in skus]

    def _bad(self, kind: BadKind, now: datetime) -> dict[str, Any]:
        order = self._good(now, now)
        self.bad[order["id"]] = kind
        if kind == "address":
            order["ship_to"] |= {"city": "Springfield", "postal_code": "SPR-1", "country": "US"}
        elif kind == "unstocked":
            order["lines"].append({"sku": UNSTOCKED_SKU, "qty": 1})
        elif kind == "mezzanine":
            order["lines"] = [{"sku": MEZZANINE_SKU[0], "qty": 1}]
        else:  # missed_cutoff: the carrier left five minutes ago
            order["due"] = iso(now - timedelta(minutes=5))
        return order
