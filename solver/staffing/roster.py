"""Roster rules and staffed problems: what a shift plan may change, and the documents it
plans under.

A shift plan decides each team's head count slot by slot. The rules a real roster needs
come from the team (fields added to the contract, all optional):

- ``max_headcount``: at most this many people in any slot (default: no limit, in
  practice as many as all the team's eligible work could use in one slot);
- ``min_shift_minutes``: a person works one contiguous block at least this long, rounded
  up to whole slots (default: one slot). Blocks may run on past either end of the window,
  which is only the planning horizon;
- ``cost_per_person_slot``: what one person in one slot costs (default 1: person-slots).

A staffed problem is the problem with each team's availability replaced by a head count
per slot (whole slots; the efficiency stays). The plannable orders are those a plan at
every team's maximum head count in every slot includes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from solver.domain import Problem, Team
from solver.timegrid import exact, line_pick_s, pack_s

#: Seconds of work one order can add at most, when no team limit is given: a bound only.
_NO_LIMIT_FLOOR = 1


@dataclass(frozen=True)
class Roster:
    """One team's roster rules, in slots."""

    team_id: str
    max_headcount: int
    min_shift_slots: int
    cost_per_person_slot: float
    person_s: float
    """Seconds one person gives in one slot (efficiency applied, exactly; a team's capacity
    is this times its head count, rounded down)."""


def rosters(problem: Problem) -> tuple[Roster, ...]:
    """Each team's rules; a team without ``max_headcount`` may grow as far as its
    stage's whole work could use in one slot."""
    slot_s = problem.window.slot_s
    work_s = _stage_work_s(problem)
    result = []
    for team in problem.teams:
        person_s = float(exact(team.efficiency) * slot_s)
        limit = team.max_headcount
        if limit is None:
            limit = max(_NO_LIMIT_FLOOR, math.ceil(work_s[team.stage] / max(1, person_s)))
        min_slots = math.ceil((team.min_shift_minutes or 0) / problem.window.slot_minutes)
        cost = 1.0 if team.cost_per_person_slot is None else team.cost_per_person_slot
        result.append(Roster(team.id, limit, max(1, min_slots), cost, person_s))
    return tuple(result)


def _stage_work_s(problem: Problem) -> dict[str, int]:
    """All pick and all pack seconds the raw orders could ask for (a generous bound)."""
    pick, pack = 0, 0
    for raw in problem.orders:
        lines = raw.get("lines") if isinstance(raw, dict) else None
        qtys = [ln.get("qty") for ln in lines or () if isinstance(ln, dict)]
        units = [q for q in qtys if isinstance(q, int) and q > 0]
        pick += sum(line_pick_s(problem.labor, q) for q in units)
        pack += pack_s(problem.labor, sum(units))
    return {"pick": pick, "pack": pack}


def staffed_problem(problem: Problem, headcount_by_slot: Sequence[Sequence[int]]) -> dict[str, Any]:
    """The problem document with each team working its head count slot by slot."""
    document = problem.model_dump(mode="json", exclude_none=True)
    document["teams"] = [
        _staffed_team(problem, team, counts)
        for team, counts in zip(problem.teams, headcount_by_slot, strict=True)
    ]
    return document


def at_most(problem: Problem) -> dict[str, Any]:
    """The problem document with every team at its maximum head count in every slot."""
    limits = [r.max_headcount for r in rosters(problem)]
    return staffed_problem(problem, [[m] * problem.window.num_slots for m in limits])


def _staffed_team(problem: Problem, team: Team, counts: Sequence[int]) -> dict[str, Any]:
    window = problem.window
    slot = timedelta(minutes=window.slot_minutes)
    intervals = []
    for first, last, people in runs(counts):
        start = window.start + first * slot
        end = window.start + (last + 1) * slot
        intervals.append({"start": start.isoformat(), "end": end.isoformat(), "headcount": people})
    document = team.model_dump(mode="json", exclude_none=True)
    document["availability"] = intervals
    document["headcount"] = max(counts, default=0)
    return document


def runs(counts: Sequence[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero counts: (first slot, last slot, count)."""
    found: list[tuple[int, int, int]] = []
    for k, people in enumerate(counts):
        if people and found and found[-1][2] == people and found[-1][1] == k - 1:
            found[-1] = (found[-1][0], k, people)
        elif people:
            found.append((k, k, people))
    return found


@dataclass(frozen=True)
class Shift:
    """People working slots ``first_slot`` .. ``last_slot`` (inclusive)."""

    first_slot: int
    last_slot: int
    people: int


def shifts(starts: Sequence[int], ends: Sequence[int]) -> list[Shift]:
    """The blocks that starts and ends per slot make, first in first out: the i-th person
    to start is the i-th to leave (``ends[k]``: people whose last slot is ``k - 1``;
    whoever has not left works to the window's end)."""
    open_blocks: list[list[int]] = []  # [first slot, people]
    found: list[Shift] = []
    num_slots = len(starts)
    for k in range(num_slots + 1):
        leaving = ends[k] if k < len(ends) else sum(p for _, p in open_blocks)
        while leaving and open_blocks:
            first, people = open_blocks[0]
            gone = min(people, leaving)
            found.append(Shift(first, k - 1, gone))
            leaving -= gone
            if gone == people:
                open_blocks.pop(0)
            else:
                open_blocks[0][1] -= gone
        if k < num_slots and starts[k]:
            open_blocks.append([k, starts[k]])
    merged: dict[tuple[int, int], int] = {}
    for shift in found:
        merged[(shift.first_slot, shift.last_slot)] = (
            merged.get((shift.first_slot, shift.last_slot), 0) + shift.people
        )
    return [Shift(a, b, n) for (a, b), n in sorted(merged.items())]


def shift_cover(needed: Sequence[int], min_shift_slots: int) -> tuple[list[int], list[int]]:
    """Starts and ends (as :func:`shifts` reads them) of blocks of at least
    ``min_shift_slots`` slots covering ``needed`` people per slot: people start when more
    are needed and leave, first in first out, once needed no more and their block is long
    enough (greedy: a feasible roster, not always the cheapest)."""
    num_slots = len(needed)
    starts, ends = [0] * num_slots, [0] * (num_slots + 1)
    on: list[list[int]] = []  # [earliest slot to leave, people], in start order
    for k, people in enumerate(needed):
        present = sum(n for _, n in on)
        while present > people and on and on[0][0] <= k:
            leaving = min(on[0][1], present - people)
            ends[k] += leaving
            present -= leaving
            on[0][1] -= leaving
            if on[0][1] == 0:
                on.pop(0)
        if present < people:
            starts[k] = people - present
            on.append([k + min_shift_slots, people - present])
    return starts, ends[:num_slots]


def headcounts(starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """People on in each slot, from starts and ends."""
    counts, on = [], 0
    for began, left in zip(starts, ends, strict=True):
        on += began - left
        counts.append(on)
    return counts
