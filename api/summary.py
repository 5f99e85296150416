"""The human summary of a plan, printed on stderr by the CLI (rich tables)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from solver.result import Plan, Recommendations


def _table(title: str, *columns: str) -> Table:
    """A titled table; a column named with a trailing '>' is right-aligned."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        name = column.rstrip(">")
        table.add_column(name, justify="right" if column.endswith(">") else "left")
    return table


def _priorities_table(plan: Plan) -> Table:
    table = _table("Orders by priority", "priority>", "planned>", "unplanned>")
    keys = sorted(
        set(plan.kpis.planned_by_priority) | set(plan.kpis.backlog_by_priority),
        key=lambda p: (not p.isdigit(), int(p) if p.isdigit() else 0, p),
    )
    for key in keys:
        table.add_row(
            key,
            str(plan.kpis.planned_by_priority.get(key, 0)),
            str(plan.kpis.backlog_by_priority.get(key, 0)),
        )
    unprioritised = plan.kpis.backlog - sum(plan.kpis.backlog_by_priority.values())
    if unprioritised:
        table.add_row("?", "0", str(unprioritised))
    table.add_row("all", str(plan.kpis.planned), str(plan.kpis.backlog), style="bold")
    return table


def _codes_table(plan: Plan) -> Table:
    table = _table("Exceptions by code", "code", "orders>", "example")
    for code, count in plan.kpis.backlog_by_code.items():
        example = next(e for e in plan.exceptions if e.code == code)
        table.add_row(code, str(count), f"{example.order}: {example.message}")
    return table


def _bottlenecks_table(plan: Plan) -> Table:
    """Where capacity would have to grow: (team, slot) named by CAPACITY exceptions."""
    table = _table("Bottlenecks (CAPACITY)", "team", "slot", "orders>", "seconds short>")
    named: dict[tuple[str, int, str], list[int]] = {}
    for exc in plan.exceptions:
        for b in exc.bottlenecks or ():
            named.setdefault((b.team, b.slot, f"{b.slot_start:%H:%M}"), []).append(
                b.missing_seconds
            )
    for (team, slot, start), seconds in sorted(named.items(), key=lambda kv: -sum(kv[1]))[:8]:
        table.add_row(team, f"{slot} ({start})", str(len(seconds)), f"{sum(seconds):,}")
    return table


def _utilization_table(plan: Plan) -> Table:
    table = _table("Utilization by team", "team", "used>", "by slot")
    for team, share in plan.kpis.utilization.items():
        slots = " ".join(
            "  -" if u is None else f"{round(u * 100):3d}"
            for u in plan.kpis.utilization_by_slot[team]
        )
        table.add_row(team, f"{share:.0%}", slots)
    return table


def _solver_text(plan: Plan) -> Text:
    report = plan.solver
    line = (
        f"engine {report.engine}: {report.status} in {report.wall_seconds:.2f} s "
        f"(limit {report.time_limit_seconds:g} s); backlog {report.objective:g}, "
        f"bound {report.bound:g}, gap {report.gap:.1%}; stopped: {report.stop_reason}"
    )
    return Text(line)


def _recommendations_text(found: Recommendations) -> Text:
    least = "the least" if found.proven else "a (not proven least)"
    lines = [
        f"Recommended: {least} {found.people_slots} extra person-slots plan "
        f"{found.orders} CAPACITY orders"
    ]
    lines += [f"  {item.message}" for item in found.items]
    return Text("\n".join(lines), style="bold")


def render_summary(plan: Plan, console: Console) -> None:
    """Print the plan's summary: status, priorities, exceptions, utilization, solver."""
    headline = (
        Text("ZERO BACKLOG", style="bold green")
        if plan.status == "zero_backlog"
        else Text(
            f"BACKLOG: {plan.kpis.backlog} of {plan.kpis.orders} orders cannot make the window",
            style="bold red",
        )
    )
    parts: list[Table | Text] = [headline, _priorities_table(plan)]
    if plan.exceptions:
        parts.append(_codes_table(plan))
    if any(exc.bottlenecks for exc in plan.exceptions):
        parts.append(_bottlenecks_table(plan))
    if plan.recommendations is not None:
        parts.append(_recommendations_text(plan.recommendations))
    parts += [_utilization_table(plan), _solver_text(plan)]
    console.print(Group(*parts))
