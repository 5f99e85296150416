"""A capacity-aware lower bound on the finish level, from an LP relaxation (HiGHS).

The finish level weighs each order's completion slot (pack slot + 1; unplanned orders
count as the window's end + 1). Completing orders early is limited by capacity: the
orders completed by slot t must have been picked before it, by the pick teams' capacity
in the slots before t, and packed by the pack teams' capacity. The relaxation keeps
exactly that, pooled over teams and zones: x[o, t] is the share of order o completed with
a pack in slot t, within its window; per priority the completed shares add up to the
plan's planned count; per slot t the pick work of orders completed by t fits the pick
capacity before t, and the pack work in t fits the pack capacity of t. Every plan with
those counts is a solution, so the LP optimum bounds the finish level from below.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from solver.highs import quiet_highs
from solver.objective_levels import LevelSpec, finish_weights
from solver.tasks import Instance

logger = logging.getLogger(__name__)


def _pack_window(instance: Instance, order_idx: int) -> range:
    order = instance.orders[order_idx]
    teams = [t for t in instance.pack_teams() if instance.pack_team_allowed(order_idx, t)]
    slots = sorted({k for t in teams for k in instance.pack_slots(order_idx, t)})
    return range(slots[0], order.last_pack_slot + 1) if slots else range(0)


def _work(instance: Instance, order_idx: int) -> tuple[float, float]:
    order = instance.orders[order_idx]
    pick = float(sum(instance.lines[li].pick_s for li in order.line_idxs))
    return pick, float(order.pack_s)


@dataclass(frozen=True)
class _Class:
    """Orders that are interchangeable in the relaxation: same level, weight, pack window
    and work. The LP with one column per class and slot equals the one per order and slot."""

    level: int
    weight: int
    window: range
    pick_s: float
    pack_s: float
    order_idx: int = -1  # set only when orders are not aggregated


def _classes(
    instance: Instance, specs: list[LevelSpec], aggregate: bool = True
) -> tuple[dict[_Class, int], float, list[int]]:
    """Orders per class, the finish value of completing all late, pinned packs per level."""
    weights = finish_weights(instance)
    late = instance.num_slots + 1
    members: dict[_Class, int] = {}
    constant = 0.0
    fixed_by_spec = []
    for level, spec in enumerate(specs):
        fixed = 0
        for o in spec.order_idxs:
            pinned_pack = instance.orders[o].pinned_pack
            if pinned_pack is not None:
                constant += weights[o] * (pinned_pack[1] + 1)
                fixed += 1
                continue
            constant += weights[o] * late
            key = _Class(
                level, weights[o], _pack_window(instance, o), *_work(instance, o),
                order_idx=-1 if aggregate else o,
            )  # fmt: skip
            members[key] = members.get(key, 0) + 1
        fixed_by_spec.append(fixed)
    return members, constant, fixed_by_spec


def finish_lp_bound(
    instance: Instance,
    specs: list[LevelSpec],
    counts: list[int],
    time_limit_s: float,
    aggregate: bool = True,
) -> int | None:
    """Lower bound on the finish level for plans with these counts per priority level.

    ``aggregate=False`` gives every order its own columns (the plain LP, for tests)."""
    members, constant, fixed_by_spec = _classes(instance, specs, aggregate)
    classes = sorted(members, key=lambda c: (c.level, -c.weight, c.window.start, c.pick_s))
    class_col = [(idx, k) for idx, c in enumerate(classes) for k in c.window]
    if not class_col:
        return None
    class_arr = np.asarray([idx for idx, _ in class_col], dtype=np.int64)
    slot_arr = np.asarray([k for _, k in class_col], dtype=np.int64)
    late = instance.num_slots + 1
    weight = np.asarray([c.weight for c in classes], dtype=np.float64)
    cost = weight[class_arr] * (slot_arr + 1 - late)  # the saving against completing late
    table = _ClassTable(
        size=np.asarray([members[c] for c in classes], dtype=np.float64),
        level=np.asarray([c.level for c in classes], dtype=np.int64),
        work=np.asarray([(c.pick_s, c.pack_s) for c in classes], dtype=np.float64),
    )
    return _solve(
        instance, counts, fixed_by_spec, table, class_arr, slot_arr, cost, constant, time_limit_s
    )


@dataclass(frozen=True)
class _ClassTable:
    size: Any
    level: Any
    work: Any


def _solve(
    instance: Instance,
    counts: list[int],
    fixed_by_spec: list[int],
    table: _ClassTable,
    class_arr: Any,
    slot_arr: Any,
    cost: Any,
    constant: float,
    time_limit_s: float,
) -> int | None:
    num_slots = instance.num_slots
    num_x = len(class_arr)
    # columns: x (num_x), then D[t] pick work of orders completed at t (num_slots)
    num_cols = num_x + num_slots
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lower: list[float] = []
    upper: list[float] = []

    def add_rows(r: Any, c: Any, v: Any) -> None:
        rows.append(np.asarray(r, dtype=np.int64))
        cols.append(np.asarray(c, dtype=np.int64))
        vals.append(np.asarray(v, dtype=np.float64))

    # each class completes at most its number of orders
    add_rows(class_arr, np.arange(num_x), np.ones(num_x))
    lower += [0.0] * len(table.size)
    upper += table.size.tolist()
    base = len(lower)
    # per priority level: the plan's planned count (pinned packs aside)
    add_rows(base + table.level[class_arr], np.arange(num_x), np.ones(num_x))
    for count, fixed in zip(counts, fixed_by_spec, strict=True):
        lower.append(float(count - fixed))
        upper.append(float(count - fixed))
    base = len(lower)
    # D[t] = pick work of orders completed at t
    add_rows(base + slot_arr, np.arange(num_x), table.work[class_arr, 0])
    add_rows(base + np.arange(num_slots), num_x + np.arange(num_slots), -np.ones(num_slots))
    lower += [0.0] * num_slots
    upper += [0.0] * num_slots
    base = len(lower)
    # picks of orders completed by t happen before t: sum_{t' <= t} D[t'] <= pick cap before t
    is_pick = np.asarray(instance.team_is_pick, dtype=bool)
    cap = instance.free_capacity_s.clip(min=0).astype(np.float64)
    pick_before = np.concatenate([[0.0], np.cumsum(cap[is_pick].sum(axis=0))])[:num_slots]
    tri_r, tri_c = np.tril_indices(num_slots)
    add_rows(base + tri_r, num_x + tri_c, np.ones(len(tri_r)))
    lower += [-highspy.kHighsInf] * num_slots
    upper += pick_before.tolist()
    base = len(lower)
    # pack work in t fits the pack capacity of t
    add_rows(base + slot_arr, np.arange(num_x), table.work[class_arr, 1])
    lower += [-highspy.kHighsInf] * num_slots
    upper += cap[~is_pick].sum(axis=0).tolist()
    return _run(num_cols, num_x, rows, cols, vals, lower, upper, cost, constant, time_limit_s)


def _run(
    num_cols: int,
    num_x: int,
    rows: list[Any],
    cols: list[Any],
    vals: list[Any],
    lower: list[float],
    upper: list[float],
    cost: Any,
    constant: float,
    time_limit_s: float,
) -> int | None:
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.argsort(r, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = num_cols, len(lower)
    lp.col_cost_ = np.concatenate([cost, np.zeros(num_cols - num_x)])
    lp.col_lower_ = np.zeros(num_cols)
    lp.col_upper_ = np.full(num_cols, highspy.kHighsInf)
    lp.row_lower_, lp.row_upper_ = np.asarray(lower), np.asarray(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = num_cols, len(lower)
    lp.a_matrix_.start_ = np.searchsorted(r[order], np.arange(len(lower) + 1)).astype(np.int32)
    lp.a_matrix_.index_ = c[order].astype(np.int32)
    lp.a_matrix_.value_ = v[order]
    highs = quiet_highs()
    highs.setOptionValue("time_limit", max(0.01, time_limit_s))
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        logger.info("finish relaxation: %s", highs.getModelStatus())
        return None
    value = constant + float(highs.getInfo().objective_function_value)
    return int(np.ceil(value - 1e-6))
