"""The plan checker's own arithmetic, and its rules for exception codes.

:class:`Facts` recomputes from the problem document alone what every rule of the checker
needs: slot times, each team's capacity per slot, work content in whole seconds, each
order's release slot and last usable pack slot. It shares no code with the planner's
model builder on purpose: the checker is the specification, so a mistake in the model
cannot hide behind the same mistake here. Arithmetic is exact: floats from the document
go through ``Decimal(str(value))``, times through whole microseconds.

The second half checks each exception of a plan against the contract's code table: the
code must be the first that applies (``INVALID_*`` as :mod:`solver.validation` says, then
``PAST_DUE``, ``STOCKOUT``, ``NO_ELIGIBLE_TEAM``, ``CAPACITY``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from solver.domain import InventoryRecord, Order, Problem, Team, parse_timestamp
from solver.result import EXCEPTION_CODES, ExceptionCode
from solver.validation import ValidatedOrders, validate_orders

#: Above this many lines of one SKU, STOCKOUT falls back to the aggregate stock test.
EXACT_COVER_MAX_LINES: Final = 10

_ONE_US: Final = timedelta(microseconds=1)
_US_PER_S: Final = 1_000_000
_VALIDATION_CODES: Final = frozenset({"INVALID_ORDER", "INVALID_ADDRESS"})
_WHY: Final[Mapping[str, str]] = {
    "PAST_DUE": "no pick slot at or after its release is followed by a pack slot ending by "
    "its deadline",
    "STOCKOUT": "the stock the plan leaves unallocated cannot cover its lines",
    "NO_ELIGIBLE_TEAM": "a line or its pack has no team with capacity in a usable slot",
    "CAPACITY": "stock, time and teams all exist; only labor capacity is short",
}

StockKey = tuple[str, str]
"""(location id, sku)."""


@dataclass(frozen=True)
class Violation:
    """One broken rule of the contract, saying exactly what is wrong."""

    rule: str
    message: str
    order: str | None = None


# --- facts recomputed from the problem ------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the checker knows from the problem document, computed independently."""

    problem: Problem
    validated: ValidatedOrders
    orders: Mapping[str, Order]
    teams: Mapping[str, Team]
    zone_of: Mapping[str, str]
    on_hand: Mapping[StockKey, int]
    records_of: Mapping[str, tuple[InventoryRecord, ...]]
    capacity_s: Mapping[str, tuple[int, ...]]

    @property
    def num_slots(self) -> int:
        return self.problem.window.num_slots

    def slot_start(self, slot: int) -> datetime:
        return self.problem.window.slot_start(slot)

    def capacity(self, team_id: str, slot: int) -> int:
        """The team's capacity in seconds in the slot; 0 for an unknown team or slot."""
        per_slot = self.capacity_s.get(team_id, ())
        return per_slot[slot] if 0 <= slot < len(per_slot) else 0

    def release_slot(self, order: Order) -> int:
        """The first slot starting at or after ``received_at`` (may be past the window)."""
        if order.received_at is None:
            return 0
        offset_us = _offset_us(self.problem.window.start, order.received_at)
        return max(0, -(-offset_us // (self.problem.window.slot_s * _US_PER_S)))

    def deadline(self, order: Order) -> datetime:
        """``min(due, window.end)``; ``window.end`` without a due time."""
        end = self.problem.window.end
        return end if order.due is None else min(end, order.due)

    def last_pack_slot(self, order: Order) -> int:
        """The last slot ending by the deadline; below 0 when none does."""
        offset_us = _offset_us(self.problem.window.start, self.deadline(order))
        return offset_us // (self.problem.window.slot_s * _US_PER_S) - 1

    def line_pick_s(self, qty: int) -> int:
        labor = self.problem.labor
        per_unit = _exact(labor.pick_seconds_per_unit)
        return math.ceil(_exact(labor.pick_seconds_per_line) + qty * per_unit)

    def pack_s(self, order: Order) -> int:
        labor = self.problem.labor
        units = sum(line.qty for line in order.lines)
        return math.ceil(
            _exact(labor.pack_seconds_per_order) + units * _exact(labor.pack_seconds_per_unit)
        )

    def stocked_zones(self, sku: str) -> set[str]:
        """Zones of the locations holding the SKU with ``on_hand > 0``."""
        return {self.zone_of[r.location] for r in self.records_of.get(sku, ()) if r.on_hand > 0}


def build_facts(problem: Problem) -> Facts:
    """Recompute the checker's facts from a loaded problem."""
    validated = validate_orders(problem.orders)
    records_of: defaultdict[str, list[InventoryRecord]] = defaultdict(list)
    for record in problem.inventory:
        records_of[record.sku].append(record)
    return Facts(
        problem=problem,
        validated=validated,
        orders={order.id: order for order in validated.orders},
        teams={team.id: team for team in problem.teams},
        zone_of={loc.id: loc.zone for loc in problem.locations},
        on_hand={(r.location, r.sku): r.on_hand for r in problem.inventory},
        records_of={sku: tuple(records) for sku, records in records_of.items()},
        capacity_s={team.id: _capacity_per_slot(team, problem) for team in problem.teams},
    )


def _exact(value: float) -> Decimal:
    return Decimal(str(value))


def _offset_us(start: datetime, moment: datetime) -> int:
    return (moment - start) // _ONE_US


def _capacity_per_slot(team: Team, problem: Problem) -> tuple[int, ...]:
    """floor(efficiency * sum over intervals of overlap seconds * headcount), per slot.

    An explicit empty ``availability`` list means the team never works (decision: only
    an absent list defaults to the whole window).
    """
    window = problem.window
    intervals = [(window.start, window.end, team.headcount)]
    if team.availability is not None:
        intervals = [(a.start, a.end, a.headcount) for a in team.availability]
    efficiency = _exact(team.efficiency)
    return tuple(
        math.floor(efficiency * _person_seconds(intervals, window.slot_start(k), window.slot_s))
        for k in range(window.num_slots)
    )


def _person_seconds(
    intervals: Iterable[tuple[datetime, datetime, int]], slot_start: datetime, slot_s: int
) -> Decimal:
    slot_end = slot_start + timedelta(seconds=slot_s)
    person_us = 0
    for start, end, headcount in intervals:
        overlap_us = (min(end, slot_end) - max(start, slot_start)) // _ONE_US
        person_us += max(0, overlap_us) * headcount
    return Decimal(person_us) / _US_PER_S


# --- which code applies ----------------------------------------------------------------------


def first_applicable_code(
    facts: Facts, order: Order, taken: Mapping[StockKey, int]
) -> ExceptionCode:
    """The first of PAST_DUE, STOCKOUT, NO_ELIGIBLE_TEAM, CAPACITY that applies to a valid order."""
    if is_past_due(facts, order):
        return "PAST_DUE"
    if short_skus(facts, order, taken):
        return "STOCKOUT"
    if lacks_eligible_team(facts, order):
        return "NO_ELIGIBLE_TEAM"
    return "CAPACITY"


def is_past_due(facts: Facts, order: Order) -> bool:
    """No pick slot p >= release with a pack slot q > p ending by the deadline."""
    return facts.release_slot(order) >= facts.last_pack_slot(order)


def short_skus(facts: Facts, order: Order, taken: Mapping[StockKey, int]) -> tuple[str, ...]:
    """The order's SKUs whose lines the stock left by the plan cannot cover (lines whole)."""
    qtys_of: defaultdict[str, list[int]] = defaultdict(list)
    for line in order.lines:
        qtys_of[line.sku].append(line.qty)
    return tuple(
        sku for sku, qtys in qtys_of.items() if not can_cover(qtys, _remaining(facts, sku, taken))
    )


def _remaining(facts: Facts, sku: str, taken: Mapping[StockKey, int]) -> list[int]:
    """Per location holding the SKU: on_hand minus what the plan takes (never below 0)."""
    records = facts.records_of.get(sku, ())
    return [max(0, r.on_hand - taken.get((r.location, sku), 0)) for r in records]


def can_cover(qtys: Sequence[int], rooms: Sequence[int]) -> bool:
    """Whether each quantity fits whole into one room, rooms shared, none overfilled.

    Exact (a small search) up to :data:`EXACT_COVER_MAX_LINES` quantities, else the
    aggregate test ``sum(qtys) <= sum(rooms)``.
    """
    wanted = sorted(qtys, reverse=True)
    free = sorted((room for room in rooms if room > 0), reverse=True)
    if sum(wanted) > sum(free):
        return False
    if len(wanted) > EXACT_COVER_MAX_LINES:
        return True
    return _fits(wanted, free)


def _fits(wanted: list[int], free: list[int]) -> bool:
    """Depth-first: place the largest quantity in each distinct room size that holds it."""
    if not wanted:
        return True
    qty, rest = wanted[0], wanted[1:]
    tried: set[int] = set()
    for idx, room in enumerate(free):
        if room < qty or room in tried:
            continue
        tried.add(room)
        free[idx] -= qty
        found = _fits(rest, free)
        free[idx] += qty
        if found:
            return True
    return False


def lacks_eligible_team(facts: Facts, order: Order) -> bool:
    """Some line has no stocked zone worked by a pick team with capacity in a usable pick
    slot, or no eligible pack team has capacity in a usable pack slot (plan-independent)."""
    release, last_pack = facts.release_slot(order), facts.last_pack_slot(order)
    pick_zones = _zones_with_pick_capacity(facts, range(release, last_pack))
    if any(not facts.stocked_zones(line.sku) & pick_zones for line in order.lines):
        return True
    pack_slots = range(release + 1, last_pack + 1)
    return not any(
        _may_pack(facts, team, order) and any(facts.capacity(team.id, q) > 0 for q in pack_slots)
        for team in facts.problem.teams
        if team.stage == "pack"
    )


def _zones_with_pick_capacity(facts: Facts, slots: range) -> set[str]:
    zones: set[str] = set()
    for team in facts.problem.teams:
        if team.stage == "pick" and any(facts.capacity(team.id, p) > 0 for p in slots):
            zones.update(team.zones or ())
    return zones


def _may_pack(facts: Facts, team: Team, order: Order) -> bool:
    """No zones, or its zones hold stock (on_hand > 0) of every line of the order."""
    if not team.zones:
        return True
    zones = set(team.zones)
    return all(facts.stocked_zones(line.sku) & zones for line in order.lines)


# --- the exceptions of a plan -----------------------------------------------------------------


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


def check_exceptions(
    facts: Facts, exceptions: Sequence[ClaimedException], taken: Mapping[StockKey, int]
) -> Iterator[Violation]:
    """Rule 10: fields present, and each code the first of the table that applies."""
    invalid = {exc.order: exc.code for exc in facts.validated.exceptions}
    for exc in exceptions:
        yield from _field_violations(exc)
        if exc.order in invalid:
            yield from _invalid_code_violations(exc, invalid[exc.order])
        elif exc.order in facts.orders:
            yield from _valid_order_code_violations(facts, exc, taken)
    reported = {exc.order for exc in exceptions}
    for order_id, code in invalid.items():
        if order_id not in reported:
            message = f"order {order_id!r} is invalid ({code}) but has no exception"
            yield Violation("exception_code", message, order_id)


def _field_violations(exc: ClaimedException) -> Iterator[Violation]:
    if exc.code not in EXCEPTION_CODES:
        message = f"{exc.where}: code {exc.code!r} is not one of {', '.join(EXCEPTION_CODES)}"
        yield Violation("exception_fields", message, exc.order)
    text = exc.raw.get("message")
    if not isinstance(text, str) or not text.strip():
        yield Violation("exception_fields", f"{exc.where}: needs a non-empty message", exc.order)


def _invalid_code_violations(exc: ClaimedException, expected: str) -> Iterator[Violation]:
    if exc.code in EXCEPTION_CODES and exc.code != expected:
        message = f"{exc.where}: the order is {expected} (per-order validation), not {exc.code}"
        yield Violation("exception_code", message, exc.order)


def _valid_order_code_violations(
    facts: Facts, exc: ClaimedException, taken: Mapping[StockKey, int]
) -> Iterator[Violation]:
    code = exc.code
    if code not in EXCEPTION_CODES:
        return
    if code in _VALIDATION_CODES:
        message = f"{exc.where}: the order passes per-order validation, so it cannot be {code}"
        yield Violation("exception_code", message, exc.order)
        return
    order = facts.orders[exc.order]
    expected = first_applicable_code(facts, order, taken)
    if code != expected:
        yield Violation("exception_code", _wrong_code_message(exc, expected), exc.order)
    elif code == "STOCKOUT":
        yield from _stockout_fields(exc, short_skus(facts, order, taken))
    elif code == "CAPACITY":
        yield from _capacity_fields(facts, exc)


def _wrong_code_message(exc: ClaimedException, expected: ExceptionCode) -> str:
    claimed = str(exc.code)
    if EXCEPTION_CODES.index(expected) < EXCEPTION_CODES.index(claimed):
        return f"{exc.where}: coded {claimed}, but {expected} applies first ({_WHY[expected]})"
    return (
        f"{exc.where}: coded {claimed}, which does not apply; the first code that applies "
        f"is {expected} ({_WHY[expected]})"
    )


def _stockout_fields(exc: ClaimedException, short: Sequence[str]) -> Iterator[Violation]:
    sku = exc.raw.get("sku")
    if sku not in short:
        message = f"{exc.where}: STOCKOUT sku {sku!r} is not a short SKU of the order {list(short)}"
        yield Violation("exception_fields", message, exc.order)
    if whole_number(exc.raw.get("short_qty"), minimum=1) is None:
        message = f"{exc.where}: STOCKOUT needs short_qty >= 1, got {exc.raw.get('short_qty')!r}"
        yield Violation("exception_fields", message, exc.order)


def _capacity_fields(facts: Facts, exc: ClaimedException) -> Iterator[Violation]:
    if whole_number(exc.raw.get("missing_seconds"), minimum=1) is None:
        got = exc.raw.get("missing_seconds")
        message = f"{exc.where}: CAPACITY needs missing_seconds >= 1, got {got!r}"
        yield Violation("exception_fields", message, exc.order)
    bottlenecks = exc.raw.get("bottlenecks")
    if not isinstance(bottlenecks, list | tuple) or not bottlenecks:
        message = f"{exc.where}: CAPACITY needs a non-empty list of bottlenecks"
        yield Violation("exception_fields", message, exc.order)
        return
    for idx, bottleneck in enumerate(bottlenecks):
        problem = _bottleneck_problem(facts, bottleneck)
        if problem is not None:
            message = f"{exc.where}: bottlenecks[{idx}] {problem}"
            yield Violation("exception_fields", message, exc.order)


def _bottleneck_problem(facts: Facts, bottleneck: object) -> str | None:
    """What is wrong with one {team, slot, slot_start, missing_seconds} entry, if anything."""
    if not isinstance(bottleneck, Mapping):
        return "is not an object"
    team, slot = bottleneck.get("team"), whole_number(bottleneck.get("slot"), minimum=0)
    if not isinstance(team, str) or team not in facts.teams:
        return f"names unknown team {team!r}"
    if slot is None or slot >= facts.num_slots:
        return f"slot {bottleneck.get('slot')!r} is not in 0..{facts.num_slots - 1}"
    if timestamp_or_none(bottleneck.get("slot_start")) != facts.slot_start(slot):
        return f"slot_start {bottleneck.get('slot_start')!r} is not the start of slot {slot}"
    if whole_number(bottleneck.get("missing_seconds"), minimum=0) is None:
        return f"missing_seconds {bottleneck.get('missing_seconds')!r} is not a whole number >= 0"
    return None


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
