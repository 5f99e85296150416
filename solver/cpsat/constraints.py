"""CP-SAT constraint families, one function each; :func:`add_all` is the table of contents.

All families here are hard constraints. Soft preferences live in the objective.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.cpsat.variables import Variables
from solver.tasks import Instance

LinearTerms = list[tuple[cp_model.IntVar, int]]


def add_all(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
    """Every constraint family of the planning contract."""
    _add_line_sourcing(model, instance, variables)
    _add_zone_usage(model, instance, variables)
    _add_one_pick_per_zone(model, variables)
    _add_one_pack_per_order(model, instance, variables)
    _add_pack_after_picks(model, variables)
    _add_flexible_line_loads(model, variables)
    _add_team_capacity(model, instance, variables)
    _add_stock(model, instance, variables)
    _add_pack_team_zones(model, instance, variables)


def _add_line_sourcing(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
    """Hard. Each line of a planned order is sourced whole from exactly one stock record:
    sum_s source[l, s] = planned[o(l)]."""
    for line_idx, sources in enumerate(variables.sources):
        order_idx = instance.lines[line_idx].order_idx
        model.add(sum(s.var for s in sources) == variables.planned[order_idx])


def _add_zone_usage(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
    """Hard. An order has a pick in zone z iff at least one of its lines is sourced there:
    line_zone[l, z] <= used[o, z] <= sum_l line_zone[l, z]."""
    in_zone: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for line_idx, zones in enumerate(variables.line_zone):
        order_idx = instance.lines[line_idx].order_idx
        for zone_idx, literal in zones:
            in_zone[(order_idx, zone_idx)].append(literal)
    for pick in variables.picks:
        literals = in_zone[(pick.order_idx, pick.zone_idx)]
        for literal in literals:
            model.add_implication(literal, pick.used)
        model.add(pick.used <= sum(literals))


def _add_one_pick_per_zone(model: cp_model.CpModel, variables: Variables) -> None:
    """Hard. A used zone pick goes to exactly one (team, slot): sum_{t,k} pick = used."""
    for pick in variables.picks:
        model.add(sum(c.var for c in pick.choices) == pick.used)


def _add_one_pack_per_order(
    model: cp_model.CpModel, instance: Instance, variables: Variables
) -> None:
    """Hard. A planned order is packed by exactly one team in one slot (a pinned pack counts):
    sum_{t,k} pack[o, t, k] = planned[o]."""
    for order_idx, choices in enumerate(variables.packs):
        if instance.orders[order_idx].pinned_pack is None:
            model.add(sum(c.var for c in choices) == variables.planned[order_idx])


def _add_pack_after_picks(model: cp_model.CpModel, variables: Variables) -> None:
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
                model.add(sum(late_picks) + sum(early_packs) <= 1)


def _add_flexible_line_loads(model: cp_model.CpModel, variables: Variables) -> None:
    """Hard. A line whose zone is a choice loads (team, slot) iff it is sourced in that zone
    and that zone's pick is there: flex = line_zone AND pick."""
    zone_literal = {
        (line_idx, zone_idx): literal
        for line_idx, zones in enumerate(variables.line_zone)
        for zone_idx, literal in zones
    }
    pick_var = {
        (pick_idx, c.team_idx, c.slot_idx): c.var
        for pick_idx, pick in enumerate(variables.picks)
        for c in pick.choices
    }
    for flex in variables.flex:
        zone_idx = variables.picks[flex.pick_idx].zone_idx
        in_zone = zone_literal[(flex.line_idx, zone_idx)]
        placed = pick_var[(flex.pick_idx, flex.team_idx, flex.slot_idx)]
        model.add_multiplication_equality(flex.var, [in_zone, placed])


def _add_team_capacity(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
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
        free_s = max(0, int(instance.free_capacity_s[team_idx, slot_idx]))
        if sum(w for _, w in terms) > free_s:
            model.add(sum(w * v for v, w in terms) <= free_s)


def _add_stock(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
    """Hard. The units taken from a stock record fit what is on hand (less pinned picks):
    sum_l qty(l) * source[l, s] <= free_qty[s]."""
    taken: dict[int, LinearTerms] = defaultdict(list)
    for line_idx, sources in enumerate(variables.sources):
        for s in sources:
            taken[s.stock_idx].append((s.var, instance.lines[line_idx].qty))
    for stock_idx, terms in sorted(taken.items()):
        free_qty = instance.stock[stock_idx].free_qty
        if sum(w for _, w in terms) > free_qty:
            model.add(sum(w * v for v, w in terms) <= free_qty)


def _add_pack_team_zones(model: cp_model.CpModel, instance: Instance, variables: Variables) -> None:
    """Hard. A pack team with zones packs only orders picked entirely in its zones:
    pack[o, t, .] + used[o, z] <= 1 for every zone z outside team t's zones."""
    for pick in variables.picks:
        for c in variables.packs[pick.order_idx]:
            if (
                instance.team_zone_idxs[c.team_idx]
                and pick.zone_idx not in instance.team_zone_idxs[c.team_idx]
            ):
                model.add(c.var + pick.used <= 1)
