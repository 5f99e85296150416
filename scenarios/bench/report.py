"""The benchmark table (rich, on the terminal) and its Markdown twin for docs/benchmarks.md."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version

from rich.table import Table

from scenarios.bench.runner import RunResult
from scenarios.bench.suite import Case

COLUMNS = (
    "instance", "runner", "orders", "planned", "backlog", "first zero-backlog s", "total s",
    "gap", "finish gap", "status", "peak MB", "valid", "target", "note",
)  # fmt: skip


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _row(result: RunResult, target: str) -> list[str]:
    return [
        result.instance,
        result.runner,
        f"{result.orders:,}",
        f"{result.planned:,}",
        f"{result.backlog:,}",
        _num(result.first_zero_backlog_s),
        _num(result.total_s),
        "-" if result.gap is None else f"{result.gap:.2%}",
        "-" if result.finish_gap is None else f"{result.finish_gap:.1%}",
        result.status,
        _num(result.peak_mb, 0),
        "yes" if result.valid else "NO",
        target,
        result.note,
    ]


def _ratio_rows(results: Sequence[RunResult]) -> list[list[str]]:
    """Per instance and peer: planned and time relative to Zero Backlog's run."""
    ours = {r.instance: r for r in results if r.runner == "zero-backlog"}
    rows = []
    for peer in results:
        base = ours.get(peer.instance)
        if peer.runner == "zero-backlog" or base is None:
            continue
        planned = peer.planned / base.planned if base.planned else None
        speed = peer.total_s / base.total_s if base.total_s else None
        rows.append(
            [peer.instance, peer.runner, _num(planned, 3), _num(speed, 1), peer.status, peer.note]
        )
    return rows


RATIO_COLUMNS = ("instance", "peer", "planned / ours", "time / ours", "peer status", "note")


def rich_tables(cases: Sequence[Case], results: Sequence[RunResult]) -> list[Table]:
    targets = {c.name: c.target for c in cases}
    main = Table(title="Zero Backlog benchmark")
    for column in COLUMNS:
        main.add_column(column, overflow="fold")
    for result in results:
        main.add_row(
            *_row(
                result, targets.get(result.instance, "") if result.runner == "zero-backlog" else ""
            )
        )
    ratios = Table(title="Peers against Zero Backlog")
    for column in RATIO_COLUMNS:
        ratios.add_column(column, overflow="fold")
    for row in _ratio_rows(results):
        ratios.add_row(*row)
    return [main, ratios]


def _md_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "| " + " | ".join(columns) + " |\n| " + " | ".join("---" for _ in columns) + " |\n"
    return head + "".join(
        "| " + " | ".join(c.replace("|", "/") for c in row) + " |\n" for row in rows
    )


def machine() -> str:
    import os

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}, ortools {version('ortools')}, "
        f"highspy {version('highspy')}, PuLP {version('pulp')}"
    )


def markdown(suite: str, command: str, cases: Sequence[Case], results: Sequence[RunResult]) -> str:
    targets = {c.name: c.target for c in cases}
    rows = [
        _row(r, targets.get(r.instance, "") if r.runner == "zero-backlog" else "") for r in results
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"### Suite `{suite}`, {when}\n\n"
        f"- Command: `{command}`\n- Machine: {machine()}\n\n"
        + _md_table(COLUMNS, rows)
        + "\n"
        + _md_table(RATIO_COLUMNS, _ratio_rows(results))
    )
