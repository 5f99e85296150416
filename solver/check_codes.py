"""The plan checker's rules for exception codes.

Each exception of a plan is checked against the contract's code table: the code must be
the first that applies (``INVALID_*`` as :mod:`solver.validation` says, then
``PAST_DUE``, ``STOCKOUT``, ``NO_ELIGIBLE_TEAM``, ``CAPACITY``), and carry the fields its
code needs. The arithmetic behind each test lives in :mod:`solver.check_facts`; like it,
this module shares no code with the planner's diagnosis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from solver.check_facts import Facts, StockKey, build_facts
from solver.check_view import ClaimedException, Violation, timestamp_or_none, whole_number
from solver.domain import Order, Team
from solver.result import EXCEPTION_CODES, ExceptionCode

# Re-exported from check_facts and check_view (public here before the checker was split):
# ClaimedException, Facts, StockKey, Violation, build_facts, timestamp_or_none, whole_number.
__all__ = [
    "EXACT_COVER_MAX_LINES",
    "ClaimedException",
    "Facts",
    "StockKey",
    "Violation",
    "build_facts",
    "can_cover",
    "check_exceptions",
    "first_applicable_code",
    "is_past_due",
    "lacks_eligible_team",
    "short_skus",
    "timestamp_or_none",
    "whole_number",
]

#: Above this many lines of one SKU, STOCKOUT falls back to the aggregate stock test.
EXACT_COVER_MAX_LINES: Final = 10

_VALIDATION_CODES: Final = frozenset({"INVALID_ORDER", "INVALID_ADDRESS"})
_WHY: Final[Mapping[str, str]] = {
    "PAST_DUE": "no pick slot at or after its release is followed by a pack slot ending by "
    "its deadline",
    "STOCKOUT": "the stock the plan leaves unallocated cannot cover its lines",
    "NO_ELIGIBLE_TEAM": "a line or its pack has no team with capacity in a usable slot",
    "CAPACITY": "stock, time and teams all exist; only labor capacity is short",
}


# --- which code applies ----------------------------------------------------------------------


def first_applicable_code(
    facts: Facts, order: Order, taken: Mapping[StockKey, int]
) -> ExceptionCode:
    """The first of PAST_DUE, STOCKOUT, NO_ELIGIBLE_TEAM, CAPACITY that applies to a valid order."""
    if is_past_due(facts, order):
        return "PAST_DUE"
    if short_skus(facts, order, taken):
        return "STOCKOUT"
    if lacks_eligible_team(facts, order, taken):
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


def _remaining(
    facts: Facts, sku: str, taken: Mapping[StockKey, int], zones: set[str] | None = None
) -> list[int]:
    """Per location holding the SKU (in these zones, if given): on_hand minus what the plan
    takes (never below 0)."""
    records = facts.records_of.get(sku, ())
    return [
        max(0, r.on_hand - taken.get((r.location, sku), 0))
        for r in records
        if zones is None or facts.zone_of[r.location] in zones
    ]


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


def lacks_eligible_team(facts: Facts, order: Order, taken: Mapping[StockKey, int]) -> bool:
    """No team can reach what the order needs in time.

    The stock the plan leaves in zones worked by a pick team with capacity in a usable pick
    slot cannot cover the order (lines whole); or no pack team that may pack it (no zones,
    or zones whose reachable stock covers the order) has capacity in a usable pack slot.
    """
    release, last_pack = facts.release_slot(order), facts.last_pack_slot(order)
    pick_zones = _zones_with_pick_capacity(facts, range(release, last_pack))
    if not _covered_within(facts, order, taken, pick_zones):
        return True
    pack_slots = range(release + 1, last_pack + 1)
    return not any(
        _may_pack(facts, team, order, taken, pick_zones)
        and any(facts.capacity(team.id, q) > 0 for q in pack_slots)
        for team in facts.problem.teams
        if team.stage == "pack"
    )


def _covered_within(
    facts: Facts, order: Order, taken: Mapping[StockKey, int], zones: set[str]
) -> bool:
    """Whether the stock left in these zones covers every line of the order (lines whole)."""
    qtys_of: defaultdict[str, list[int]] = defaultdict(list)
    for line in order.lines:
        qtys_of[line.sku].append(line.qty)
    return all(
        can_cover(qtys, _remaining(facts, sku, taken, zones)) for sku, qtys in qtys_of.items()
    )


def _zones_with_pick_capacity(facts: Facts, slots: range) -> set[str]:
    zones: set[str] = set()
    for team in facts.problem.teams:
        if team.stage == "pick" and any(facts.capacity(team.id, p) > 0 for p in slots):
            zones.update(team.zones or ())
    return zones


def _may_pack(
    facts: Facts, team: Team, order: Order, taken: Mapping[StockKey, int], pick_zones: set[str]
) -> bool:
    """No zones, or the stock left in its zones (that are worked in time) covers the order."""
    if not team.zones:
        return True
    return _covered_within(facts, order, taken, pick_zones & set(team.zones))


# --- the exceptions of a plan -----------------------------------------------------------------


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
    """missing_seconds >= 0 and a list of bottlenecks, non-empty when seconds are missing."""
    missing = whole_number(exc.raw.get("missing_seconds"), minimum=0)
    if missing is None:
        got = exc.raw.get("missing_seconds")
        message = f"{exc.where}: CAPACITY needs missing_seconds >= 0, got {got!r}"
        yield Violation("exception_fields", message, exc.order)
    bottlenecks = exc.raw.get("bottlenecks")
    if not isinstance(bottlenecks, list | tuple) or (missing and not bottlenecks):
        message = f"{exc.where}: CAPACITY with missing seconds needs a list of bottlenecks"
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
