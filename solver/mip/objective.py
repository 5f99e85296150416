"""The lexicographic levels as PuLP linear expressions (see :mod:`solver.objective_levels`)."""

from __future__ import annotations

from collections import defaultdict

import pulp

from solver.mip.variables import Expr, Var, Variables
from solver.objective_levels import BALANCE_SCALE, LevelSpec, finish_weights
from solver.tasks import Instance


def level_expression(
    prob: pulp.LpProblem, instance: Instance, variables: Variables, spec: LevelSpec
) -> Expr:
    """The expression a level optimises."""
    if spec.name == "finish":
        return _finish_expression(instance, variables)
    if spec.name == "balance":
        return _balance_expression(prob, instance, variables)
    return pulp.lpSum(variables.planned[o] for o in spec.order_idxs)


def _finish_expression(instance: Instance, variables: Variables) -> Expr:
    """sum_o weight(o) x completion(o); completion is num_slots + 1 when unplanned."""
    late = instance.num_slots + 1
    weights = finish_weights(instance)
    terms: list[Expr] = []
    for order_idx, order in enumerate(instance.orders):
        weight = weights[order_idx]
        planned = variables.planned[order_idx]
        if order.pinned_pack is not None:
            done = order.pinned_pack[1] + 1
            terms.append(weight * (late - (late - done) * planned))
            continue
        packed = pulp.lpSum((c.slot_idx + 1) * c.var for c in variables.packs[order_idx])
        terms.append(weight * (late * (1 - planned) + packed))
    return pulp.lpSum(terms)


def _team_loads(instance: Instance, variables: Variables) -> dict[int, list[tuple[Var, int]]]:
    load: dict[int, list[tuple[Var, int]]] = defaultdict(list)
    for pick in variables.picks:
        for c in pick.choices:
            load[c.team_idx].append((c.var, pick.fixed_s))
    for flex in variables.flex:
        load[flex.team_idx].append((flex.var, instance.lines[flex.line_idx].pick_s))
    for order_idx, choices in enumerate(variables.packs):
        for c in choices:
            load[c.team_idx].append((c.var, instance.orders[order_idx].pack_s))
    return load


def _balance_expression(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> Expr:
    """sum over stages of the peak team utilisation (per mille, whole window).

    A peak is an integer in [0, BALANCE_SCALE], as in the CP-SAT model, so both engines
    report the same value. It starts (for the warm start) at BALANCE_SCALE, which any
    schedule satisfies since no team works beyond its capacity.
    """
    loads = _team_loads(instance, variables)
    peaks = []
    for is_pick in (True, False):
        stage = "pick" if is_pick else "pack"
        peak = prob.add_variable(f"peak_utilisation_{stage}", 0, BALANCE_SCALE, cat=pulp.LpInteger)
        peak.setInitialValue(BALANCE_SCALE)
        for team_idx in range(instance.num_teams):
            capacity = int(instance.free_capacity_s[team_idx].clip(min=0).sum())
            if instance.team_is_pick[team_idx] == is_pick and capacity > 0 and loads[team_idx]:
                load = pulp.lpSum(w * v for v, w in loads[team_idx])
                prob += BALANCE_SCALE * load <= capacity * peak
        peaks.append(peak)
    return pulp.lpSum(peaks)
