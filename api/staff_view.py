"""The terminal summary of a shift plan (``zero-backlog staff``): head counts by team and
slot, shifts, person-hours and how proven, the trade-off curve."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from solver.staffing import ShiftPlan


def render_shift_plan(shift_plan: ShiftPlan, console: Console) -> None:
    """Print the shift plan for a person."""
    status = {
        "minimal": "MINIMAL (proven)",
        "feasible": f"FEASIBLE (gap {100 * (shift_plan.gap or 0):.1f} % to the bound)",
        "none": "NO STAFFING FOUND in the time limit",
    }[shift_plan.status]
    console.print(f"[bold]SHIFT PLAN[/]: {status}")
    if shift_plan.teams:
        console.print(_headcount_table(shift_plan))
        console.print(
            f"{shift_plan.person_hours:g} person-hours (cost {shift_plan.cost:g}, bound "
            f"{shift_plan.cost_bound:g}); {shift_plan.plannable} orders plannable, "
            f"{len(shift_plan.excluded)} that no staffing plans"
        )
    for excluded in shift_plan.excluded[:10]:
        console.print(f"  {excluded.order}: {excluded.code} {excluded.message}", highlight=False)
    if shift_plan.curve:
        console.print(_curve_table(shift_plan))
    console.print(f"{shift_plan.wall_seconds:.1f} s (limit {shift_plan.time_limit_seconds:g} s)")


def _headcount_table(shift_plan: ShiftPlan) -> Table:
    table = Table(title="People by team and slot")
    table.add_column("team")
    table.add_column("by slot")
    table.add_column("shifts (slots: people)")
    table.add_column("person-h", justify="right")
    for team in shift_plan.teams:
        table.add_row(
            team.id,
            " ".join(f"{n:>2}" for n in team.headcount_by_slot),
            ", ".join(f"{s.first_slot}-{s.last_slot}: {s.people}" for s in team.shifts) or "-",
            f"{team.person_hours:g}",
        )
    return table


def _curve_table(shift_plan: ShiftPlan) -> Table:
    table = Table(title="Orders planned against person-hours")
    table.add_column("person-hours", justify="right")
    table.add_column("planned", justify="right")
    table.add_column("at most", justify="right")
    for point in shift_plan.curve:
        table.add_row(f"{point.person_hours:g}", str(point.planned), str(point.planned_bound))
    return table
