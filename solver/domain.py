"""The problem document as plain, frozen pydantic models.

These models describe the *structure* of a problem document (window, labor, locations,
inventory, teams, pinned work). A malformed structure is rejected whole. Orders are kept
as raw JSON values here: a malformed order must not reject the document, so orders are
checked one by one in :mod:`solver.validation`, which turns each into an :class:`Order`
or an exception.

Nothing here imports a solver.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

DEFAULT_PRIORITY = 3


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 timestamp with a UTC offset, e.g. ``2026-12-04T08:00:00Z``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    else:
        raise ValueError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset (write e.g. 2026-12-04T08:00:00Z)")
    return parsed


def timestamp_or_none(value: object) -> datetime | None:
    """The timestamp, or None when there is none or it does not parse (raw documents)."""
    try:
        return parse_timestamp(value) if value is not None else None
    except ValueError:
        return None


Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Id = Annotated[str, Field(min_length=1), AfterValidator(_non_blank)]


def _whole_number(value: object) -> object:
    """Accept 15 and 15.0; refuse 15.5, "15" and true."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    return value


class Frozen(BaseModel):
    """Base of every document model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


#: The most slots a window may hold (a week of one-minute slots): beyond it a document is
#: rejected rather than planned, since capacity arrays grow with the slot count.
MAX_SLOTS = 10_080


class Window(Frozen):
    """The planning window, cut into slots of equal length."""

    start: Timestamp = Field(description="Start of the window (ISO 8601 with offset).")
    end: Timestamp = Field(description="End of the window; end - start is a whole number of slots.")
    slot_minutes: Annotated[int, BeforeValidator(_whole_number)] = Field(
        gt=0, le=24 * 60, description="Slot length in minutes (a whole number)."
    )

    @model_validator(mode="after")
    def _whole_slots(self) -> Window:
        length_s = (self.end - self.start).total_seconds()
        if length_s <= 0:
            raise ValueError("window.end must be after window.start")
        if length_s % (self.slot_minutes * 60) != 0:
            raise ValueError(
                f"window length ({length_s / 60:g} min) is not a whole multiple of "
                f"slot_minutes ({self.slot_minutes})"
            )
        if length_s / (self.slot_minutes * 60) > MAX_SLOTS:
            raise ValueError(
                f"window holds {length_s / (self.slot_minutes * 60):,.0f} slots; at most "
                f"{MAX_SLOTS:,} (a shorter window, or longer slots)"
            )
        return self

    @property
    def slot_s(self) -> int:
        return self.slot_minutes * 60

    @property
    def num_slots(self) -> int:
        return int((self.end - self.start).total_seconds()) // self.slot_s

    def slot_start(self, slot_idx: int) -> datetime:
        return self.start + timedelta(seconds=slot_idx * self.slot_s)


NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Labor(Frozen):
    """Labor standards: how many seconds picking and packing take."""

    pick_seconds_per_line: NonNegative = Field(description="Seconds to pick one order line.")
    pick_seconds_per_unit: NonNegative = Field(description="Extra seconds per unit picked.")
    pack_seconds_per_order: NonNegative = Field(description="Seconds to pack one order.")
    pack_seconds_per_unit: NonNegative = Field(description="Extra seconds per unit packed.")


class Location(Frozen):
    """A storage location; its zone decides which pick teams can reach it."""

    id: Id = Field(description="Location id, e.g. A-01-01.")
    zone: Id = Field(description="Zone the location lies in.")


class InventoryRecord(Frozen):
    """Stock of one SKU at one location."""

    sku: Id = Field(description="Stock keeping unit.")
    location: Id = Field(description="Location id (must be listed in locations).")
    on_hand: int = Field(ge=0, strict=True, description="Units on hand, a whole number >= 0.")


class Availability(Frozen):
    """An interval in which a team works with a given head count."""

    start: Timestamp
    end: Timestamp
    headcount: int = Field(ge=0, strict=True)

    @model_validator(mode="after")
    def _ordered(self) -> Availability:
        if self.end <= self.start:
            raise ValueError("availability end must be after its start")
        return self


class Team(Frozen):
    """A picking or packing team."""

    id: Id
    stage: Literal["pick", "pack"] = Field(description="'pick' or 'pack'.")
    zones: tuple[Id, ...] | None = Field(
        default=None,
        description="Zones the team works. Required for pick teams; a pack team without zones "
        "packs any order, with zones only orders picked entirely in those zones.",
    )
    headcount: int = Field(ge=0, strict=True, description="People in the team.")
    efficiency: float = Field(
        default=1.0, ge=0, le=10, allow_inf_nan=False, description="Productivity factor."
    )
    availability: tuple[Availability, ...] | None = Field(
        default=None, description="Working intervals; default the whole window at headcount."
    )
    max_headcount: int | None = Field(
        default=None,
        ge=0,
        strict=True,
        description="Shift plans: at most this many people in any slot (default: no limit).",
    )
    min_shift_minutes: int | None = Field(
        default=None,
        ge=1,
        strict=True,
        description="Shift plans: a person works a contiguous block at least this long.",
    )
    cost_per_person_slot: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="Shift plans: what one person in one slot costs (default 1).",
    )

    @model_validator(mode="after")
    def _pick_teams_have_zones(self) -> Team:
        if self.stage == "pick" and not self.zones:
            raise ValueError("a pick team needs a non-empty 'zones' list")
        return self


class PinnedLine(Frozen):
    """A line of a pinned pick assignment, with the location it is sourced from."""

    sku: Id
    qty: int = Field(gt=0, strict=True)
    location: Id


class PinnedAssignment(Frozen):
    """Work already under way: kept as given, uses capacity and stock."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order: Id
    stage: Literal["pick", "pack"]
    team: Id
    slot: int = Field(ge=0, strict=True)
    zone: Id | None = None
    lines: tuple[PinnedLine, ...] | None = None


class Problem(Frozen):
    """A whole problem document. Orders stay raw; see :mod:`solver.validation`."""

    name: str | None = Field(default=None, description="Optional name of the problem.")
    window: Window
    labor: Labor
    locations: tuple[Location, ...] = ()
    inventory: tuple[InventoryRecord, ...] = ()
    teams: tuple[Team, ...]
    orders: tuple[Any, ...] = Field(
        default=(), description="Orders; each is validated on its own (see the contract)."
    )
    pinned: tuple[PinnedAssignment, ...] = ()
    previous_assignments: tuple[Any, ...] = Field(
        default=(),
        description=(
            "Assignments of a previous plan (plan-document shape, slots of this window):"
            " each order whose whole remaining work they still place validly is kept there"
            " unless moving work plans more orders by priority (stable re-plans)."
        ),
    )


class Address(BaseModel):
    """A ship-to address (checked in :mod:`solver.validation`)."""

    model_config = ConfigDict(frozen=True)

    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class OrderLine(BaseModel):
    """One order line: a SKU and a positive whole quantity."""

    model_config = ConfigDict(frozen=True)

    sku: str
    qty: int


class Order(BaseModel):
    """A validated order, ready for planning."""

    model_config = ConfigDict(frozen=True)

    id: str
    received_at: datetime | None
    priority: int
    due: datetime | None
    ship_to: Address
    lines: tuple[OrderLine, ...]
