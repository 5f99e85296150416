"""Bin completion: a bounded depth-first search for a plan that leaves no room unused.

When the work of the open orders nearly equals the capacity of the slots they can use,
first-fit and even minimum-slack filling (:mod:`solver.fill`) strand one order at the end
(Falkenauer's triplets are built to make them). This search fills the (team, slot) pairs
one by one; each takes the largest open order that fits there plus a subset of others,
and the total idle time of the pairs filled so far may never exceed the capacity to spare
(capacity minus work): a branch that wastes more cannot place every order and is cut.
Korf's bin completion, with the spare-capacity bound of Martello and Toth's L1.

It places the pick stage of single-pick orders only, looking for every order placed; the
caller turns its answer into tasks and falls back to the other passes when it finds none
within its node budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from solver.engine import Deadline

logger = logging.getLogger(__name__)

#: Search nodes (pairs tried) per attempt before it gives up.
NODE_LIMIT = 60_000
#: Subsets tried per pair, one attempt each: narrow first (deep and fast), then wider.
WIDTHS = (4, 64, 16)


@dataclass(frozen=True)
class Bin:
    """A (team, slot) pair and its capacity, in the search's units."""

    team_idx: int
    slot_idx: int
    capacity: int


class _BudgetSpentError(Exception):
    """The node budget ran out."""


def _subsets(
    items: Sequence[int], sizes: Sequence[int], room: int, max_waste: int, width: int
) -> Iterator[tuple[list[int], int]]:
    """Subsets holding items[0] (the largest), with room - sum <= max_waste; fullest first."""
    found: list[tuple[int, list[int]]] = []

    def grow(pos: int, chosen: list[int], total: int) -> None:
        if len(found) >= width * 4:
            return
        if room - total <= max_waste:
            found.append((room - total, list(chosen)))
        for nxt in range(pos, len(items)):
            size = sizes[items[nxt]]
            if total + size <= room and (nxt == pos or size != sizes[items[nxt - 1]]):
                chosen.append(items[nxt])
                grow(nxt + 1, chosen, total + size)
                chosen.pop()

    first = items[0]
    if sizes[first] <= room:
        grow(1, [first], sizes[first])
    found.sort(key=lambda f: f[0])
    for waste, subset in found[:width]:
        yield subset, waste


def complete(
    bins: Sequence[Bin],
    sizes: Sequence[int],
    eligible: Callable[[int, Bin], bool],
    deadline: Deadline | None = None,
) -> dict[int, Bin] | None:
    """A bin for every item, or None (no such plan, or every attempt ran out of nodes or
    time)."""
    if sum(b.capacity for b in bins) < sum(sizes):
        return None
    for width in WIDTHS:
        try:
            return _attempt(bins, sizes, eligible, width, deadline)
        except _BudgetSpentError:
            logger.debug("bin completion, width %d: no plan within %d nodes", width, NODE_LIMIT)
    return None


def _attempt(
    bins: Sequence[Bin],
    sizes: Sequence[int],
    eligible: Callable[[int, Bin], bool],
    width: int,
    deadline: Deadline | None,
) -> dict[int, Bin] | None:
    nodes = [0]

    def search(bin_pos: int, open_items: frozenset[int], spare_left: int) -> dict[int, Bin] | None:
        if not open_items:
            return {}
        if bin_pos == len(bins):
            return None
        nodes[0] += 1
        if nodes[0] > NODE_LIMIT or (nodes[0] % 256 == 0 and deadline and deadline.expired()):
            raise _BudgetSpentError
        here = bins[bin_pos]
        cands = sorted((i for i in open_items if eligible(i, here)), key=lambda i: (-sizes[i], i))
        if not cands:
            return search(bin_pos + 1, open_items, spare_left - here.capacity)
        for subset, waste in _subsets(cands, sizes, here.capacity, spare_left, width):
            rest = search(bin_pos + 1, open_items - frozenset(subset), spare_left - waste)
            if rest is not None:
                return rest | dict.fromkeys(subset, here)
        return None

    spare = sum(b.capacity for b in bins) - sum(sizes)
    return search(0, frozenset(range(len(sizes))), spare)
