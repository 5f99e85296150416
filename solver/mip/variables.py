"""MIP decision variables (PuLP binaries), named from dense indices.

The same variables as :mod:`solver.cpsat.variables`. Time windows and eligibility are
enforced by the variables' *existence*: a pick or pack variable is created only for an
eligible team in a slot that starts at or after the order's release, fits its deadline
and where the team has capacity, so those rules need no constraint.

Two differences from the CP-SAT model, both for the MIP's sake:

- Names are built from dense indices (``pick_{o}_{z}_{t}_{k}``): PuLP rewrites characters
  such as ``-``, ``[`` or ``:`` to ``_``, which could make names built from external ids
  collide.
- A line's zone is an *expression* (the sum of its source choices in that zone), not a
  variable tied to that sum by an equality: it is the same quantity without extra columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import pulp

from solver.tasks import Instance

#: A ``pulp.LpVariable``; PuLP ships no type information, so it is ``Any`` to mypy.
Var: TypeAlias = Any
#: A ``pulp.LpAffineExpression`` (``Any`` to mypy, as above).
Expr: TypeAlias = Any


@dataclass(frozen=True)
class Choice:
    """A binary that puts a task on (team, slot)."""

    team_idx: int
    slot_idx: int
    var: Var


@dataclass(frozen=True)
class SourceChoice:
    """A binary that sources a line from one stock record."""

    stock_idx: int
    var: Var


@dataclass
class ZonePick:
    """The pick of one order in one zone: whether it exists and where it goes."""

    order_idx: int
    zone_idx: int
    used: Var
    fixed_s: int
    choices: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class FlexLoad:
    """A line picked in zone z by (team, slot): the line's seconds count there."""

    line_idx: int
    pick_idx: int
    team_idx: int
    slot_idx: int
    var: Var


@dataclass
class Variables:
    """All decision variables, in flat lists indexed by order, line or pick."""

    planned: list[Var]
    sources: list[list[SourceChoice]]
    picks: list[ZonePick]
    packs: list[list[Choice]]
    flex: list[FlexLoad]
    line_zone: list[list[tuple[int, Expr]]]


def _binary(prob: pulp.LpProblem, name: str) -> Var:
    return prob.add_variable(name, 0, 1, cat=pulp.LpBinary)


def _source_vars(prob: pulp.LpProblem, instance: Instance, line_idx: int) -> list[SourceChoice]:
    return [
        SourceChoice(s, _binary(prob, f"source_{line_idx}_{s}"))
        for s in instance.lines[line_idx].stock_idxs
    ]


def _zone_expression(instance: Instance, zone_idx: int, sources: list[SourceChoice]) -> Expr:
    """line_zone[l, z] = sum of the line's source choices located in zone z."""
    return pulp.lpSum(s.var for s in sources if instance.stock[s.stock_idx].zone_idx == zone_idx)


def _pick_choices(prob: pulp.LpProblem, instance: Instance, pick: ZonePick) -> list[Choice]:
    o, z = pick.order_idx, pick.zone_idx
    return [
        Choice(t, k, _binary(prob, f"pick_{o}_{z}_{t}_{k}"))
        for t in instance.pick_teams(z)
        for k in instance.pick_slots(o, t)
    ]


def _pack_choices(prob: pulp.LpProblem, instance: Instance, order_idx: int) -> list[Choice]:
    if instance.orders[order_idx].pinned_pack is not None:
        return []
    return [
        Choice(t, k, _binary(prob, f"pack_{order_idx}_{t}_{k}"))
        for t in instance.pack_teams()
        if instance.pack_team_allowed(order_idx, t)
        for k in instance.pack_slots(order_idx, t)
    ]


def create_variables(prob: pulp.LpProblem, instance: Instance) -> Variables:
    """Create every decision variable of the instance."""
    planned = [_binary(prob, f"planned_{o}") for o in range(len(instance.orders))]
    sources = [_source_vars(prob, instance, li) for li in range(len(instance.lines))]
    line_zone = [
        [(z, _zone_expression(instance, z, sources[li])) for z in instance.line_zones(li)]
        for li in range(len(instance.lines))
    ]
    picks = _zone_picks(prob, instance, planned)
    packs = [_pack_choices(prob, instance, o) for o in range(len(instance.orders))]
    flex = _flex_loads(prob, instance, picks)
    return Variables(planned, sources, picks, packs, flex, line_zone)


def _zone_picks(prob: pulp.LpProblem, instance: Instance, planned: list[Var]) -> list[ZonePick]:
    """One pick per (order, zone it may be sourced from); a zone some line must use is
    used exactly when the order is planned."""
    picks: list[ZonePick] = []
    for order_idx, order in enumerate(instance.orders):
        for zone_idx in instance.order_zones(order_idx):
            fixed = [li for li in order.line_idxs if instance.line_zones(li) == (zone_idx,)]
            used = (
                planned[order_idx] if fixed else _binary(prob, f"zone_used_{order_idx}_{zone_idx}")
            )
            fixed_s = sum(instance.lines[li].pick_s for li in fixed)
            pick = ZonePick(order_idx, zone_idx, used, fixed_s)
            pick.choices = _pick_choices(prob, instance, pick)
            picks.append(pick)
    return picks


def _flex_loads(prob: pulp.LpProblem, instance: Instance, picks: list[ZonePick]) -> list[FlexLoad]:
    """Lines whose zone is a choice: their seconds land where their zone's pick goes."""
    flex: list[FlexLoad] = []
    for pick_idx, pick in enumerate(picks):
        for line_idx in instance.orders[pick.order_idx].line_idxs:
            zones = instance.line_zones(line_idx)
            if len(zones) < 2 or pick.zone_idx not in zones:
                continue
            for c in pick.choices:
                var = _binary(prob, f"flex_{line_idx}_{pick.zone_idx}_{c.team_idx}_{c.slot_idx}")
                flex.append(FlexLoad(line_idx, pick_idx, c.team_idx, c.slot_idx, var))
    return flex
