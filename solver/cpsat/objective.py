"""The lexicographic levels as CP-SAT linear expressions (see :mod:`solver.objective_levels`)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.cpsat.variables import Variables
from solver.objective_levels import BALANCE_SCALE, LevelSpec, finish_weights
from solver.tasks import Instance


def level_expression(
    model: cp_model.CpModel, instance: Instance, variables: Variables, spec: LevelSpec
) -> cp_model.LinearExprT:
    """The expression a level optimises."""
    if spec.name == "finish":
        return _finish_expression(instance, variables)
    if spec.name == "balance":
        return _balance_expression(model, instance, variables)
    return sum(variables.planned[o] for o in spec.order_idxs)


def _finish_expression(instance: Instance, variables: Variables) -> cp_model.LinearExprT:
    """sum_o weight(o) x completion(o); completion is num_slots + 1 when unplanned."""
    late = instance.num_slots + 1
    weights = finish_weights(instance)
    terms: list[cp_model.LinearExprT] = []
    for order_idx, order in enumerate(instance.orders):
        weight = weights[order_idx]
        planned = variables.planned[order_idx]
        if order.pinned_pack is not None:
            done = order.pinned_pack[1] + 1
            terms.append(weight * (late - (late - done) * planned))
            continue
        packed = sum((c.slot_idx + 1) * c.var for c in variables.packs[order_idx])
        terms.append(weight * (late * (1 - planned) + packed))
    return sum(terms)


def _team_loads(instance: Instance, variables: Variables) -> dict[int, list[cp_model.LinearExprT]]:
    load: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
    for pick in variables.picks:
        for c in pick.choices:
            load[c.team_idx].append(pick.fixed_s * c.var)
    for flex in variables.flex:
        load[flex.team_idx].append(instance.lines[flex.line_idx].pick_s * flex.var)
    for order_idx, choices in enumerate(variables.packs):
        for c in choices:
            load[c.team_idx].append(instance.orders[order_idx].pack_s * c.var)
    return load


def _balance_expression(
    model: cp_model.CpModel, instance: Instance, variables: Variables
) -> cp_model.LinearExprT:
    """sum over stages of the peak team utilisation (per mille, whole window)."""
    loads = _team_loads(instance, variables)
    peaks = []
    for is_pick in (True, False):
        peak = model.new_int_var(
            0, BALANCE_SCALE, f"peak_utilisation[{'pick' if is_pick else 'pack'}]"
        )
        for team_idx in range(instance.num_teams):
            capacity = int(instance.free_capacity_s[team_idx].clip(min=0).sum())
            if instance.team_is_pick[team_idx] == is_pick and capacity > 0 and loads[team_idx]:
                model.add(BALANCE_SCALE * sum(loads[team_idx]) <= capacity * peak)
        peaks.append(peak)
    variables.peaks = peaks
    return sum(peaks)
