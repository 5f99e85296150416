"""Deterministic large-neighbourhood search for a count level, on one CP-SAT worker.

Under overload the hard part of a count level is *finding* the plan that reaches the LP
bound, not proving the bound. CP-SAT's own LNS needs several workers, whose thread
timing makes plans differ from run to run. Here the neighbourhoods are drawn from a
seeded generator and each sub-solve has a deterministic-time limit, so the same input
and settings give the same plan: fix every order outside a random subset (and outside
the orders still unplanned) to its current value, ask for a strictly better plan (a
neighbourhood without one is proven so in milliseconds), keep it, repeat until the level
reaches its bound or the budget is spent.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.cpsat.variables import Variables
from solver.tasks import Instance

logger = logging.getLogger(__name__)

#: Share of the planned orders set free in the first neighbourhood, its bounds, and how
#: it grows after a proven sub-solve and shrinks after one that ran out of effort.
INITIAL_SHARE = 0.5
MIN_SHARE = 0.05
MAX_SHARE = 0.9
GROW = 1.25
SHRINK = 0.8
#: Deterministic seconds of one neighbourhood solve.
STEP_EFFORT_S = 0.2


def order_variables(instance: Instance, variables: Variables) -> list[list[cp_model.IntVar]]:
    """Per order, the decision variables that place it (planned, sources, picks, packs)."""
    by_order: list[list[cp_model.IntVar]] = [[var] for var in variables.planned]
    for line_idx, sources in enumerate(variables.sources):
        by_order[instance.lines[line_idx].order_idx] += [s.var for s in sources]
    for pick in variables.picks:
        by_order[pick.order_idx] += [c.var for c in pick.choices]
    for order_idx, choices in enumerate(variables.packs):
        by_order[order_idx] += [c.var for c in choices]
    return by_order


@dataclass
class Neighbourhoods:
    """Seeded neighbourhoods whose size adapts: a sub-solve that runs out of effort shrinks
    the next one, a sub-solve that proves quickly (improved or nothing to find) grows it."""

    num_orders: int
    rng: random.Random
    share: float = INITIAL_SHARE

    def draw(self, planned: frozenset[int]) -> frozenset[int]:
        """Every unplanned order, and the current share of the planned ones."""
        placed = sorted(planned)
        count = min(len(placed), max(1, round(self.share * len(placed))))
        unplanned = frozenset(range(self.num_orders)) - planned
        return unplanned | frozenset(self.rng.sample(placed, count))

    def adapt(self, solved: bool) -> None:
        factor = GROW if solved else SHRINK
        self.share = min(MAX_SHARE, max(MIN_SHARE, self.share * factor))


def fixed_copy(
    model: cp_model.CpModel,
    by_order: list[list[cp_model.IntVar]],
    values: list[int],
    free: frozenset[int],
) -> cp_model.CpModel:
    """A copy of the model with every variable of the orders outside ``free`` fixed."""
    trial = model.clone()
    domains = trial.proto.variables
    for order_idx, order_vars in enumerate(by_order):
        if order_idx in free:
            continue
        for var in order_vars:
            domain = domains[var.index].domain  # a boolean's [0, 1]: pin both ends
            domain.clear()
            domain.extend([values[var.index], values[var.index]])
    return trial
