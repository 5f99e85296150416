"""MIP constraint families, one function each; :func:`add_all` is the table of contents.

The same families as the CP-SAT backend, written as linear rows. All families here are
hard constraints. Soft preferences live in the objective.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pulp

from solver.mip.variables import Expr, Var, Variables
from solver.tasks import Instance

LinearTerms = list[tuple[Var, int]]


#: A team's seconds in a slot as an expression: what the staffing model makes of capacity.
CapacityFn = Callable[[int, int], Expr]


def add_all(
    prob: pulp.LpProblem,
    instance: Instance,
    variables: Variables,
    capacity: CapacityFn | None = None,
) -> None:
    """Every constraint family of the planning contract. ``capacity(team, slot)``, when
    given, replaces the instance's free capacity (the shift-plan model's head counts)."""
    _add_line_sourcing(prob, instance, variables)
    _add_zone_usage(prob, instance, variables)
    _add_one_pick_per_zone(prob, variables)
    _add_one_pack_per_order(prob, instance, variables)
    _add_pack_after_picks(prob, variables)
    _add_flexible_line_loads(prob, variables)
    _add_team_capacity(prob, instance, variables, capacity)
    _add_stock(prob, instance, variables)
    _add_pack_team_zones(prob, instance, variables)


def _add_line_sourcing(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> None:
    """Hard. Each line of a planned order is sourced whole from exactly one stock record:
    sum_s source[l, s] = planned[o(l)]."""
    for line_idx, sources in enumerate(variables.sources):
        order_idx = instance.lines[line_idx].order_idx
        prob += pulp.lpSum(s.var for s in sources) == variables.planned[order_idx]


def _add_zone_usage(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> None:
    """Hard. An order has a pick in zone z iff at least one of its lines is sourced there:
    line_zone[l, z] <= used[o, z] <= sum_l line_zone[l, z]."""
    in_zone: dict[tuple[int, int], list[Expr]] = defaultdict(list)
    for line_idx, zones in enumerate(variables.line_zone):
        order_idx = instance.lines[line_idx].order_idx
        for zone_idx, expr in zones:
            in_zone[(order_idx, zone_idx)].append(expr)
    for pick in variables.picks:
        exprs = in_zone[(pick.order_idx, pick.zone_idx)]
        for expr in exprs:
            prob += expr <= pick.used
        prob += pick.used <= pulp.lpSum(exprs)


def _add_one_pick_per_zone(prob: pulp.LpProblem, variables: Variables) -> None:
    """Hard. A used zone pick goes to exactly one (team, slot): sum_{t,k} pick = used."""
    for pick in variables.picks:
        prob += pulp.lpSum(c.var for c in pick.choices) == pick.used


def _add_one_pack_per_order(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> None:
    """Hard. A planned order is packed by exactly one team in one slot (a pinned pack counts):
    sum_{t,k} pack[o, t, k] = planned[o]."""
    for order_idx, choices in enumerate(variables.packs):
        if instance.orders[order_idx].pinned_pack is None:
            prob += pulp.lpSum(c.var for c in choices) == variables.planned[order_idx]


def _add_pack_after_picks(prob: pulp.LpProblem, variables: Variables) -> None:
    """Hard. Every pick is in a slot strictly before its order's pack:
    for all k, [pick at slot >= k] + [pack at slot <= k] <= 1."""
    for pick in variables.picks:
        packs = variables.packs[pick.order_idx]
        if not packs:
            continue  # pinned pack: pick slots are already cut below it
        slots = sorted({c.slot_idx for c in pick.choices} | {c.slot_idx for c in packs})
        for k in slots:
            late_picks = [c.var for c in pick.choices if c.slot_idx >= k]
            early_packs = [c.var for c in packs if c.slot_idx <= k]
            if late_picks and early_packs:
                prob += pulp.lpSum(late_picks) + pulp.lpSum(early_packs) <= 1


def _add_flexible_line_loads(prob: pulp.LpProblem, variables: Variables) -> None:
    """Hard. A line whose zone is a choice loads (team, slot) iff it is sourced in that zone
    and that zone's pick is there: flex = line_zone AND pick (the three McCormick rows)."""
    zone_expr = {
        (line_idx, zone_idx): expr
        for line_idx, zones in enumerate(variables.line_zone)
        for zone_idx, expr in zones
    }
    pick_var = {
        (pick_idx, c.team_idx, c.slot_idx): c.var
        for pick_idx, pick in enumerate(variables.picks)
        for c in pick.choices
    }
    for flex in variables.flex:
        in_zone = zone_expr[(flex.line_idx, variables.picks[flex.pick_idx].zone_idx)]
        placed = pick_var[(flex.pick_idx, flex.team_idx, flex.slot_idx)]
        prob += flex.var <= in_zone
        prob += flex.var <= placed
        prob += flex.var >= in_zone + placed - 1


def _add_team_capacity(
    prob: pulp.LpProblem,
    instance: Instance,
    variables: Variables,
    capacity: CapacityFn | None = None,
) -> None:
    """Hard. The seconds a team works in a slot fit its free capacity (pinned work taken off):
    sum fixed_s * pick + sum pick_s(l) * flex + sum pack_s * pack <= capacity[t, k]."""
    load: dict[tuple[int, int], LinearTerms] = defaultdict(list)
    for pick in variables.picks:
        for c in pick.choices:
            if pick.fixed_s:
                load[(c.team_idx, c.slot_idx)].append((c.var, pick.fixed_s))
    for flex in variables.flex:
        load[(flex.team_idx, flex.slot_idx)].append(
            (flex.var, instance.lines[flex.line_idx].pick_s)
        )
    for order_idx, choices in enumerate(variables.packs):
        for c in choices:
            load[(c.team_idx, c.slot_idx)].append((c.var, instance.orders[order_idx].pack_s))
    for (team_idx, slot_idx), terms in sorted(load.items()):
        if capacity is not None:
            prob += pulp.lpSum(w * v for v, w in terms) <= capacity(team_idx, slot_idx)
            continue
        free_s = max(0, int(instance.free_capacity_s[team_idx, slot_idx]))
        if sum(w for _, w in terms) > free_s:
            prob += pulp.lpSum(w * v for v, w in terms) <= free_s


def _add_stock(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> None:
    """Hard. The units taken from a stock record fit what is on hand (less pinned picks):
    sum_l qty(l) * source[l, s] <= free_qty[s]."""
    taken: dict[int, LinearTerms] = defaultdict(list)
    for line_idx, sources in enumerate(variables.sources):
        for s in sources:
            taken[s.stock_idx].append((s.var, instance.lines[line_idx].qty))
    for stock_idx, terms in sorted(taken.items()):
        free_qty = instance.stock[stock_idx].free_qty
        if sum(w for _, w in terms) > free_qty:
            prob += pulp.lpSum(w * v for v, w in terms) <= free_qty


def _add_pack_team_zones(prob: pulp.LpProblem, instance: Instance, variables: Variables) -> None:
    """Hard. A pack team with zones packs only orders picked entirely in its zones:
    pack[o, t, .] + used[o, z] <= 1 for every zone z outside team t's zones."""
    for pick in variables.picks:
        for c in variables.packs[pick.order_idx]:
            zones = instance.team_zone_idxs[c.team_idx]
            if zones and pick.zone_idx not in zones:
                prob += c.var + pick.used <= 1
