"""What the demo simulator reads from a window plan: when each order's work is done, and
the summary of a new plan for the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["PlannedWork", "WindowSummary", "planned_work"]


@dataclass(frozen=True)
class WindowSummary:
    """A new window plan, as the console shows it."""

    window_id: int
    planned: int
    backlog: int
    churn: int
    opened: tuple[tuple[str, str], ...]
    """(order, code) of the exception records opened since the previous summary."""
    open_records: int
    statuses: dict[str, int]
    """This run's orders by status, as the simulator last set or saw them."""


@dataclass(frozen=True)
class PlannedWork:
    """When an order's planned work is done, and where its picks take stock from."""

    picks_end: datetime
    pack_end: datetime
    lines: tuple[dict[str, Any], ...] = ()


def planned_work(plan: dict[str, Any]) -> dict[str, PlannedWork]:
    """Per planned order: when its last pick slot and its pack slot end, its pick lines."""
    slot = timedelta(minutes=plan["window"]["slot_minutes"])
    picks: dict[str, list[dict[str, Any]]] = {}
    for assignment in plan["assignments"]:
        if assignment["stage"] == "pick":
            picks.setdefault(assignment["order"], []).append(assignment)
    tasks = {}
    for assignment in plan["assignments"]:
        order_id = assignment["order"]
        if assignment["stage"] != "pack" or order_id not in picks:
            continue
        tasks[order_id] = PlannedWork(
            picks_end=max(datetime.fromisoformat(a["slot_start"]) for a in picks[order_id]) + slot,
            pack_end=datetime.fromisoformat(assignment["slot_start"]) + slot,
            lines=tuple(line for a in picks[order_id] for line in a.get("lines", [])),
        )
    return tasks
