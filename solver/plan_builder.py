"""Turn a schedule into the plan document's assignments, and recompute the KPIs.

KPIs are recomputed from the problem and the assignments, never read off a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from solver.domain import Problem
from solver.result import AssignedLine, Assignment, Kpis, PlanException
from solver.schedule import Schedule
from solver.tasks import Instance


def schedule_assignments(instance: Instance, schedule: Schedule) -> list[Assignment]:
    """The planned picks and packs, in order of order, stage, zone.

    Built with ``model_construct``: every value comes from the validated instance, and
    re-validating tens of thousands of assignments would cost more than planning them.
    """
    window = instance.problem.window
    slot_start = [window.slot_start(k) for k in range(instance.num_slots)]
    out = [_pinned_assignment(instance, idx) for idx in range(len(instance.problem.pinned))]
    for pick in schedule.picks:
        lines = tuple(
            AssignedLine.model_construct(
                sku=instance.lines[li].sku,
                qty=instance.lines[li].qty,
                location=instance.stock[s].location_id,
            )
            for li, s in pick.line_stock
        )
        out.append(
            Assignment.model_construct(
                order=instance.orders[pick.order_idx].order_id,
                stage="pick",
                zone=instance.zone_ids[pick.zone_idx],
                team=instance.team_ids[pick.team_idx],
                slot=pick.slot_idx,
                slot_start=slot_start[pick.slot_idx],
                seconds=sum(instance.lines[li].pick_s for li, _ in pick.line_stock),
                lines=lines,
            )
        )
    for pack in schedule.packs:
        order = instance.orders[pack.order_idx]
        out.append(
            Assignment.model_construct(
                order=order.order_id,
                stage="pack",
                team=instance.team_ids[pack.team_idx],
                slot=pack.slot_idx,
                slot_start=slot_start[pack.slot_idx],
                seconds=order.pack_s,
            )
        )
    return sorted(out, key=lambda a: (a.order, a.stage == "pack", a.zone or "", a.slot))


def _pinned_assignment(instance: Instance, pin_idx: int) -> Assignment:
    problem = instance.problem
    pin = problem.pinned[pin_idx]
    lines = None
    if pin.stage == "pick":
        lines = tuple(
            AssignedLine(sku=ln.sku, qty=ln.qty, location=ln.location) for ln in pin.lines or ()
        )
    return Assignment(
        order=pin.order,
        stage=pin.stage,
        zone=pin.zone if pin.stage == "pick" else None,
        team=pin.team,
        slot=pin.slot,
        slot_start=problem.window.slot_start(pin.slot),
        seconds=instance.pinned_s[pin_idx],
        lines=lines,
        pinned=True,
    )


def _ratio(used: float, available: float) -> float | None:
    return round(used / available, 4) if available > 0 else None


def compute_kpis(
    instance: Instance,
    order_ids: Sequence[str],
    priorities: dict[str, int],
    assignments: Sequence[Assignment],
    exceptions: Sequence[PlanException],
) -> Kpis:
    """Counts, on-time rate and utilisation, from the assignments and the problem."""
    problem: Problem = instance.problem
    unplanned = {e.order for e in exceptions}
    planned_ids = [o for o in order_ids if o not in unplanned]
    team_idx = {t: i for i, t in enumerate(instance.team_ids)}
    used = np.zeros_like(instance.capacity_s)
    for a in assignments:
        used[team_idx[a.team], a.slot] += a.seconds
    capacity = instance.capacity_s
    return Kpis(
        orders=len(order_ids),
        planned=len(planned_ids),
        backlog=len(exceptions),
        planned_by_priority=_by_priority(planned_ids, priorities),
        backlog_by_priority=_by_priority([e.order for e in exceptions], priorities),
        backlog_by_code=dict(sorted(Counter(e.code for e in exceptions).items())),
        on_time_rate=round(len(planned_ids) / len(order_ids), 4) if order_ids else 1.0,
        utilization={
            t: _ratio(float(used[i].sum()), float(capacity[i].sum())) or 0.0
            for t, i in team_idx.items()
        },
        utilization_by_slot={
            t: [
                _ratio(float(used[i, k]), float(capacity[i, k]))
                for k in range(problem.window.num_slots)
            ]
            for t, i in team_idx.items()
        },
        slot_utilization=[
            _ratio(float(used[:, k].sum()), float(capacity[:, k].sum()))
            for k in range(problem.window.num_slots)
        ],
    )


def _by_priority(order_ids: Sequence[str], priorities: dict[str, int]) -> dict[str, int]:
    counts = Counter(priorities.get(o) for o in order_ids)
    return {str(p): counts[p] for p in sorted(k for k in counts if k is not None)}
