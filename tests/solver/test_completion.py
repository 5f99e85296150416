"""Bin completion and bin filling on their own: tiny feasible and infeasible packings."""

from __future__ import annotations

from solver.completion import Bin, complete
from solver.fill import best_subset


def _bins(count: int, capacity: int) -> list[Bin]:
    return [Bin(team_idx=t, slot_idx=0, capacity=capacity) for t in range(count)]


def test_complete_finds_the_exact_triplet_packing() -> None:
    """Two bins of 10: {6, 2, 2} and {5, 3, 2} is the only full packing; first fit by size
    (6+3, 5+2+2, one 2 left over) misses it."""
    sizes = [6, 5, 3, 2, 2, 2]
    found = complete(_bins(2, 10), sizes, lambda item, where: True)
    assert found is not None
    loads = {b.team_idx: 0 for b in _bins(2, 10)}
    for item, where in found.items():
        loads[where.team_idx] += sizes[item]
    assert sorted(found) == list(range(6))
    assert sorted(loads.values()) == [10, 10]


def test_complete_no_packing_when_total_exceeds_capacity() -> None:
    """21 units of work cannot go into 2 bins of 10."""
    assert complete(_bins(2, 10), [7, 7, 7], lambda item, where: True) is None


def test_complete_no_packing_when_items_do_not_combine() -> None:
    """Three items of 6 in two bins of 10: the capacity (20) suffices, no bin holds two."""
    assert complete(_bins(2, 10), [6, 6, 6], lambda item, where: True) is None


def test_complete_respects_eligibility() -> None:
    """Item 0 may only go to bin 1."""
    found = complete(_bins(2, 10), [5, 5], lambda item, where: item != 0 or where.team_idx == 1)
    assert found is not None and found[0].team_idx == 1


def test_best_subset_fills_exactly_when_it_can() -> None:
    """From 8, 5, 4, 3 the fullest subset within 12 is 8 + 4 (or 5 + 4 + 3): 12."""
    sizes = [8, 5, 4, 3]
    chosen = best_subset(sizes, 12)
    assert sum(sizes[i] for i in chosen) == 12
    assert len(set(chosen)) == len(chosen)
