"""CP-SAT decision variables, named from external ids.

Time windows and eligibility are enforced by the variables' *existence*: a pick or pack
variable is created only for an eligible team in a slot that starts at or after the
order's release, fits its deadline and where the team has capacity. There is no variable
for a choice the contract forbids, so those rules need no constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.tasks import Instance


@dataclass(frozen=True)
class Choice:
    """A boolean that puts a task on (team, slot)."""

    team_idx: int
    slot_idx: int
    var: cp_model.IntVar


@dataclass(frozen=True)
class SourceChoice:
    """A boolean that sources a line from one stock record."""

    stock_idx: int
    var: cp_model.IntVar


@dataclass
class ZonePick:
    """The pick of one order in one zone: whether it exists and where it goes."""

    order_idx: int
    zone_idx: int
    used: cp_model.IntVar
    fixed_s: int
    choices: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class FlexLoad:
    """A line picked in zone z by (team, slot): the line's seconds count there."""

    line_idx: int
    pick_idx: int
    team_idx: int
    slot_idx: int
    var: cp_model.IntVar


@dataclass
class Variables:
    """All decision variables, in flat lists indexed by order, line or pick."""

    planned: list[cp_model.IntVar]
    sources: list[list[SourceChoice]]
    picks: list[ZonePick]
    packs: list[list[Choice]]
    flex: list[FlexLoad]
    line_zone: list[list[tuple[int, cp_model.IntVar]]]
    peaks: list[cp_model.IntVar] = field(default_factory=list)  # (pick, pack), balance level


def _zone_literal(
    model: cp_model.CpModel,
    instance: Instance,
    line_idx: int,
    zone_idx: int,
    sources: list[SourceChoice],
) -> cp_model.IntVar:
    line = instance.lines[line_idx]
    var = model.new_bool_var(
        f"line_zone[{instance.orders[line.order_idx].order_id}:{line.sku}:{instance.zone_ids[zone_idx]}]"
    )
    in_zone = [s.var for s in sources if instance.stock[s.stock_idx].zone_idx == zone_idx]
    model.add(var == sum(in_zone))
    return var


def _source_vars(model: cp_model.CpModel, instance: Instance, line_idx: int) -> list[SourceChoice]:
    line = instance.lines[line_idx]
    order_id = instance.orders[line.order_idx].order_id
    return [
        SourceChoice(
            s, model.new_bool_var(f"source[{order_id}:{line.sku}@{instance.stock[s].location_id}]")
        )
        for s in line.stock_idxs
    ]


def _pick_choices(model: cp_model.CpModel, instance: Instance, pick: ZonePick) -> list[Choice]:
    order_id = instance.orders[pick.order_idx].order_id
    zone_id = instance.zone_ids[pick.zone_idx]
    return [
        Choice(t, k, model.new_bool_var(f"pick[{order_id}:{zone_id}:{instance.team_ids[t]}:{k}]"))
        for t in instance.pick_teams(pick.zone_idx)
        for k in instance.pick_slots(pick.order_idx, t)
    ]


def _pack_choices(model: cp_model.CpModel, instance: Instance, order_idx: int) -> list[Choice]:
    order = instance.orders[order_idx]
    if order.pinned_pack is not None:
        return []
    return [
        Choice(t, k, model.new_bool_var(f"pack[{order.order_id}:{instance.team_ids[t]}:{k}]"))
        for t in instance.pack_teams()
        if instance.pack_team_allowed(order_idx, t)
        for k in instance.pack_slots(order_idx, t)
    ]


def create_variables(model: cp_model.CpModel, instance: Instance) -> Variables:
    """Create every decision variable of the instance."""
    planned = [model.new_bool_var(f"planned[{o.order_id}]") for o in instance.orders]
    sources = [_source_vars(model, instance, li) for li in range(len(instance.lines))]
    line_zone = [
        [(z, _zone_literal(model, instance, li, z, sources[li])) for z in instance.line_zones(li)]
        for li in range(len(instance.lines))
    ]
    picks = _zone_picks(model, instance, planned)
    packs = [_pack_choices(model, instance, o) for o in range(len(instance.orders))]
    flex = _flex_loads(model, instance, picks)
    return Variables(planned, sources, picks, packs, flex, line_zone)


def _zone_picks(
    model: cp_model.CpModel, instance: Instance, planned: list[cp_model.IntVar]
) -> list[ZonePick]:
    picks: list[ZonePick] = []
    for order_idx, order in enumerate(instance.orders):
        for zone_idx in instance.order_zones(order_idx):
            fixed = [li for li in order.line_idxs if instance.line_zones(li) == (zone_idx,)]
            used = (
                planned[order_idx]
                if fixed
                else model.new_bool_var(
                    f"zone_used[{order.order_id}:{instance.zone_ids[zone_idx]}]"
                )
            )
            pick = ZonePick(
                order_idx, zone_idx, used, sum(instance.lines[li].pick_s for li in fixed)
            )
            pick.choices = _pick_choices(model, instance, pick)
            picks.append(pick)
    return picks


def _flex_loads(
    model: cp_model.CpModel, instance: Instance, picks: list[ZonePick]
) -> list[FlexLoad]:
    """Lines whose zone is a choice: their seconds land where their zone's pick goes."""
    flex: list[FlexLoad] = []
    for pick_idx, pick in enumerate(picks):
        for line_idx in instance.orders[pick.order_idx].line_idxs:
            zones = instance.line_zones(line_idx)
            if len(zones) < 2 or pick.zone_idx not in zones:
                continue
            for choice in pick.choices:
                name = f"flex[{line_idx}:{pick.zone_idx}:{choice.team_idx}:{choice.slot_idx}]"
                flex.append(
                    FlexLoad(
                        line_idx,
                        pick_idx,
                        choice.team_idx,
                        choice.slot_idx,
                        model.new_bool_var(name),
                    )
                )
    return flex
