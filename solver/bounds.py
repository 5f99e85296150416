"""Proven bounds for large windows, from an aggregated LP relaxation (HiGHS) and a sort.

At ten thousand orders the flat model is too big to build in seconds, but its bounds can
still be proven cheaply by a relaxation that keeps what binds at scale:

- **Counts** (:func:`count_bounds`). Orders with the same time window form a class; a
  class's pick work may be spread over its window's slots and its zones freely (work of
  a line with stock in one zone stays in that zone), teams split their time between their
  zones fractionally, pack teams are pooled, stock is pooled per SKU, and the pick-before-
  pack order is relaxed to the windows. Every plan is a solution of this LP, so its
  optimum per priority level bounds the plan's count at that level (with the levels before
  it held at the values the plan reached, which a lexicographic optimum can only exceed).
- **Finish** (:func:`finish_bound`). Each planned order completes no earlier than its first
  pack slot allows; choosing, per priority, the planned count of orders whose early
  completion saves the most weight bounds the finish level from below.

Model building is vectorised: triplets in numpy arrays, one ``passModel`` call.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from solver.highs import quiet_highs
from solver.objective_levels import LevelSpec, finish_weights
from solver.tasks import Instance

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: LP values are rounded down after this tolerance is added (solver round-off).
LP_TOLERANCE = 1e-6


@dataclass
class _Lp:
    """Columns and row triplets of the relaxation, added piece by piece."""

    col_upper: list[float] = field(default_factory=list)
    col_lower: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)

    def column(self, upper: float = highspy.kHighsInf, lower: float = 0.0) -> int:
        self.col_upper.append(upper)
        self.col_lower.append(lower)
        return len(self.col_upper) - 1

    def row(self, terms: list[tuple[int, float]], lower: float, upper: float) -> int:
        row_idx = len(self.row_lower)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        for col, val in terms:
            self.rows.append(row_idx)
            self.cols.append(col)
            self.vals.append(val)
        return row_idx

    def to_highs(self, time_limit_s: float) -> Any:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.col_upper), len(self.row_lower)
        lp.col_cost_ = np.zeros(lp.num_col_)
        lp.col_lower_ = np.asarray(self.col_lower, dtype=np.float64)
        lp.col_upper_ = np.asarray(self.col_upper, dtype=np.float64)
        lp.row_lower_ = np.asarray(self.row_lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(self.row_upper, dtype=np.float64)
        rows = np.asarray(self.rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_ = np.searchsorted(rows[order], np.arange(lp.num_row_ + 1)).astype(
            np.int32
        )
        lp.a_matrix_.index_ = np.asarray(self.cols, dtype=np.int32)[order]
        lp.a_matrix_.value_ = np.asarray(self.vals, dtype=np.float64)[order]
        lp.sense_ = highspy.ObjSense.kMaximize
        highs = quiet_highs()
        highs.setOptionValue("time_limit", max(0.01, time_limit_s))
        highs.setOptionValue("random_seed", 0)
        highs.passModel(lp)
        return highs


@dataclass(frozen=True)
class _Window:
    """An order class: orders whose picks and pack may use the same slots."""

    first_pick: int
    last_pick: int
    first_pack: int
    last_pack: int


def _window(instance: Instance, order_idx: int) -> _Window:
    order = instance.orders[order_idx]
    last_pick = order.last_pack_slot - 1
    if order.pinned_pack is not None:
        last_pick = min(last_pick, order.pinned_pack[1] - 1)
    return _Window(order.release_slot, last_pick, order.first_pack_slot, order.last_pack_slot)


def _order_work(instance: Instance, order_idx: int) -> tuple[dict[int, float], float]:
    """(pick seconds per zone of lines held to one zone, all pick seconds)."""
    fixed: dict[int, float] = defaultdict(float)
    total = 0.0
    for line_idx in instance.orders[order_idx].line_idxs:
        line = instance.lines[line_idx]
        total += line.pick_s
        zones = instance.line_zones(line_idx)
        if len(zones) == 1:
            fixed[zones[0]] += line.pick_s
    return fixed, total


class CountRelaxation:
    """The aggregated LP of the count levels; solve it level by level."""

    def __init__(self, instance: Instance, time_limit_s: float) -> None:
        self.instance = instance
        self.lp = _Lp()
        self.planned_col = [
            self.lp.column(upper=1.0, lower=1.0 if o.pinned_pack is not None else 0.0)
            for o in instance.orders
        ]
        self._team_rows()
        self._class_rows()
        self._stock_rows()
        self.highs = self.lp.to_highs(time_limit_s)

    def _team_rows(self) -> None:
        """Team time per zone and slot, within the team's free capacity."""
        inst = self.instance
        self.zone_slot_cols: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.pack_cap_s = np.zeros(inst.num_slots)
        for team_idx in range(inst.num_teams):
            for slot_idx in range(inst.num_slots):
                cap = float(max(0, inst.free_capacity_s[team_idx, slot_idx]))
                if cap <= 0:
                    continue
                if not inst.team_is_pick[team_idx]:
                    self.pack_cap_s[slot_idx] += cap
                    continue
                split = [self.lp.column() for _ in inst.team_zone_idxs[team_idx]]
                for zone_idx, col in zip(sorted(inst.team_zone_idxs[team_idx]), split, strict=True):
                    self.zone_slot_cols[zone_idx, slot_idx].append(col)
                self.lp.row([(c, 1.0) for c in split], -highspy.kHighsInf, cap)

    def _class_rows(self) -> None:
        """Each class's pick work per zone and pack work, spread over its window."""
        members: dict[_Window, list[int]] = defaultdict(list)
        for order_idx in range(len(self.instance.orders)):
            members[_window(self.instance, order_idx)].append(order_idx)
        zone_slot_work: dict[tuple[int, int], list[int]] = defaultdict(list)
        pack_slot_work: dict[int, list[int]] = defaultdict(list)
        for window, order_idxs in sorted(members.items(), key=lambda kv: kv[1][0]):
            self._one_class(window, order_idxs, zone_slot_work, pack_slot_work)
        for (zone_idx, slot_idx), work_cols in zone_slot_work.items():
            team_cols = self.zone_slot_cols.get((zone_idx, slot_idx), [])
            terms = [(c, 1.0) for c in work_cols] + [(c, -1.0) for c in team_cols]
            self.lp.row(terms, -highspy.kHighsInf, 0.0)
        for slot_idx, work_cols in pack_slot_work.items():
            cap = float(self.pack_cap_s[slot_idx])
            self.lp.row([(c, 1.0) for c in work_cols], -highspy.kHighsInf, cap)

    def _one_class(
        self,
        window: _Window,
        order_idxs: list[int],
        zone_slot_work: dict[tuple[int, int], list[int]],
        pack_slot_work: dict[int, list[int]],
    ) -> None:
        fixed: dict[int, list[tuple[int, float]]] = defaultdict(list)
        total: list[tuple[int, float]] = []
        pack: list[tuple[int, float]] = []
        for order_idx in order_idxs:
            y = self.planned_col[order_idx]
            zone_work, total_s = _order_work(self.instance, order_idx)
            for zone_idx, seconds in zone_work.items():
                fixed[zone_idx].append((y, -seconds))
            total.append((y, -total_s))
            pack.append((y, -float(self.instance.orders[order_idx].pack_s)))
        zones = sorted({z for o in order_idxs for z in self.instance.order_zones(o)})
        pick_slots = range(window.first_pick, window.last_pick + 1)
        all_work: list[tuple[int, float]] = []
        for zone_idx in zones:
            cols = [self.lp.column() for _ in pick_slots]
            for slot_idx, col in zip(pick_slots, cols, strict=True):
                zone_slot_work[zone_idx, slot_idx].append(col)
            all_work += [(c, 1.0) for c in cols]
            if fixed[zone_idx]:
                self.lp.row([(c, 1.0) for c in cols] + fixed[zone_idx], 0.0, highspy.kHighsInf)
        self.lp.row(all_work + total, 0.0, highspy.kHighsInf)
        pack_slots = range(window.first_pack, window.last_pack + 1)
        pack_cols = [self.lp.column() for _ in pack_slots]
        for slot_idx, col in zip(pack_slots, pack_cols, strict=True):
            pack_slot_work[slot_idx].append(col)
        self.lp.row([(c, 1.0) for c in pack_cols] + pack, 0.0, highspy.kHighsInf)

    def _stock_rows(self) -> None:
        """Units of each SKU taken by planned orders, within its free stock (pooled)."""
        on_hand: dict[str, int] = defaultdict(int)
        for record in self.instance.stock:
            on_hand[record.sku] += record.free_qty
        wanted: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for line in self.instance.lines:
            wanted[line.sku].append((self.planned_col[line.order_idx], float(line.qty)))
        for sku, terms in sorted(wanted.items()):
            if sum(q for _, q in terms) > on_hand[sku]:
                self.lp.row(terms, -highspy.kHighsInf, float(on_hand[sku]))

    def level_bound(self, spec: LevelSpec) -> int | None:
        """Upper bound on the level's count, given the rows fixed so far (None: LP failed)."""
        if not spec.order_idxs:
            return 0  # nothing at this level (HiGHS calls a model without columns empty)
        cost = np.zeros(len(self.lp.col_upper))
        cost[[self.planned_col[o] for o in spec.order_idxs]] = 1.0
        self.highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            logger.warning("count relaxation for %s: %s", spec.name, self.highs.getModelStatus())
            return None
        value = float(self.highs.getInfo().objective_function_value)
        return int(np.floor(value + LP_TOLERANCE))

    def hold(self, spec: LevelSpec, at_least: int) -> None:
        """Keep the level at or above a count (the plan's) when bounding later levels."""
        cols = np.asarray([self.planned_col[o] for o in spec.order_idxs], dtype=np.int32)
        self.highs.addRow(float(at_least), highspy.kHighsInf, len(cols), cols, np.ones(len(cols)))


def count_bounds(
    instance: Instance, specs: list[LevelSpec], reached: list[int], time_limit_s: float
) -> list[int]:
    """Per count level, an upper bound on its count in a lexicographically optimal plan.

    ``reached`` holds the counts a known plan has on these levels; levels the plan fills
    completely are bounded by their size without solving. A level whose LP does not finish
    within ``time_limit_s`` (all levels together) keeps the trivial bound, its size.
    """
    relaxation: CountRelaxation | None = None
    bounds = []
    for k, (spec, count) in enumerate(zip(specs, reached, strict=True)):
        bound: int | None = len(spec.order_idxs)
        if count < len(spec.order_idxs):
            if relaxation is None:
                relaxation = CountRelaxation(instance, time_limit_s)
                for before, held in zip(specs[:k], reached[:k], strict=True):
                    relaxation.hold(before, held)
            bound = relaxation.level_bound(spec)
        bounds.append(len(spec.order_idxs) if bound is None else max(count, bound))
        if relaxation is not None:
            relaxation.hold(spec, count)
    return bounds


def earliest_done_slot(instance: Instance) -> IntArray:
    """Per order, the earliest completion (pack slot + 1) any pack team allows; capacity aside."""
    done = np.full(len(instance.orders), instance.num_slots + 1, dtype=np.int64)
    pack_teams = instance.pack_teams()
    for order_idx, order in enumerate(instance.orders):
        if order.pinned_pack is not None:
            done[order_idx] = order.pinned_pack[1] + 1
            continue
        firsts = [
            slots[0]
            for t in pack_teams
            if instance.pack_team_allowed(order_idx, t)
            and (slots := instance.pack_slots(order_idx, t))
        ]
        if firsts:
            done[order_idx] = min(firsts) + 1
    return done


def finish_bound(instance: Instance, specs: list[LevelSpec], counts: list[int]) -> int:
    """Lower bound on the finish level when each count level plans ``counts`` orders."""
    weights = np.asarray(finish_weights(instance), dtype=np.int64)
    late = instance.num_slots + 1
    saving = weights * (late - earliest_done_slot(instance))
    total = int(weights.sum()) * late
    for spec, count in zip(specs, counts, strict=True):
        if spec.name == "pinned":
            continue
        best = np.sort(saving[list(spec.order_idxs)])[::-1]
        total -= int(best[:count].sum())
    return total
