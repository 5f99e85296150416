"""The comparison of a what-if run: rich tables on the terminal, ``results.json`` (every
figure, machine-readable) and ``report.html`` (:mod:`scenarios.whatif.html`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich import progress as rich_progress
from rich.console import Console
from rich.table import Table

from scenarios.whatif.results import CaseRun, Comparison, ScenarioResults

__all__ = [
    "COLUMNS",
    "changes_rows",
    "changes_table",
    "comparison_rows",
    "comparison_table",
    "print_results",
    "progress_bar",
    "results_json",
    "write_report",
]

COLUMNS = (
    "run", "orders", "planned", "backlog by code", "on time", "utilization",
    "person-h scheduled", "person-h needed", "solve s", "valid",
)  # fmt: skip
CHANGE_COLUMNS = ("variant", "planned vs base", "lost", "gained", "added", "removed", "note")
#: Order ids shown per cell; the counts are always whole.
SHOWN_IDS = 4


def _codes(backlog_by_code: dict[str, int]) -> str:
    if not backlog_by_code:
        return "-"
    return ", ".join(f"{code} {n}" for code, n in backlog_by_code.items())


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _planned(run: CaseRun, base: CaseRun) -> str:
    if run is base:
        return f"{run.planned}"
    return f"{run.planned} ({run.planned - base.planned:+d})"


def comparison_rows(results: ScenarioResults) -> list[list[str]]:
    """One row per run, the base first: the figures of :data:`COLUMNS`."""
    base = results.base
    return [
        [
            run.name,
            str(run.orders),
            _planned(run, base),
            _codes(run.backlog_by_code),
            f"{run.on_time_rate:.1%}",
            f"{run.utilization:.1%}",
            _hours(run.person_hours_scheduled),
            _hours(run.person_hours_needed),
            f"{run.solve_s:.2f}",
            "yes" if run.valid else "NO",
        ]
        for run in results.runs
    ]


def _ids(ids: Sequence[str], detail: str = "") -> str:
    """``12 (detail): SO-1, SO-2, SO-3, SO-4 +8 more``."""
    if not ids:
        return "-"
    shown = ", ".join(ids[:SHOWN_IDS])
    more = f" +{len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f"{len(ids)}{f' ({detail})' if detail else ''}: {shown}{more}"


def _lost(comparison: Comparison) -> str:
    """``15 (PAST_DUE 14, STOCKOUT 1): SO-1030, SO-1446 +13 more``."""
    if not comparison.lost:
        return "-"
    codes = Counter(comparison.lost.values())
    by_code = ", ".join(f"{code} {n}" for code, n in sorted(codes.items()))
    return _ids(list(comparison.lost), by_code)


def late_note(comparison: Comparison) -> str:
    """What a late truck cost: the orders waiting for its SKU, and how many of them could
    have been picked after it came (were stock timed in the contract)."""
    notes = [
        f"{late.qty} x {late.sku} at {late.location} arrive {late.arrives_at[11:16]}: "
        f"{len(late.orders_waiting)} lost orders need them, "
        f"{len(late.could_make_it_after_arrival)} of which could be picked after the arrival"
        for late in comparison.late_stock
    ]
    return "; ".join(notes)


def changes_rows(results: ScenarioResults) -> list[list[str]]:
    """One row per variant: the orders it gains, loses, adds and removes against the base."""
    return [
        [
            c.variant,
            f"{c.planned_delta:+d}",
            _lost(c),
            _ids(c.gained),
            f"{len(c.added)} ({c.added_planned} planned)" if c.added else "-",
            _ids(c.removed),
            late_note(c),
        ]
        for c in results.comparisons
    ]


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def comparison_table(results: ScenarioResults) -> Table:
    return _table(f"What-if: {results.scenario}", COLUMNS, comparison_rows(results))


def changes_table(results: ScenarioResults) -> Table:
    return _table("Orders against the base", CHANGE_COLUMNS, changes_rows(results))


def results_json(results: ScenarioResults) -> str:
    """Every figure, as JSON; the same results give the same text."""
    return json.dumps(results.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_report(results: ScenarioResults, out_dir: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``report.html`` into ``out_dir`` (created if need be)."""
    from scenarios.whatif.html import render_html  # matplotlib: only when a report is made

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "results.json", out_dir / "report.html"
    json_path.write_text(results_json(results), encoding="utf-8")
    html_path.write_text(render_html(results), encoding="utf-8")
    return json_path, html_path


def print_results(console: Console, results: ScenarioResults) -> None:
    """The comparison, the orders against the base, and the notes."""
    console.print(comparison_table(results))
    console.print(changes_table(results))
    for run in results.runs:
        for note in run.notes:
            console.print(f"{run.name}: {note}", highlight=False, markup=False)
        if not run.valid:
            message = f"{run.name}: the plan FAILED the checker: " + "; ".join(run.violations)
            console.print(message, highlight=False, markup=False)
    for note in results.notes:
        console.print(note, highlight=False, markup=False)


@contextmanager
def progress_bar(console: Console, total: int) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar over the runs; yields the runner's progress callback."""
    columns = (
        rich_progress.TextColumn("{task.description}"),
        rich_progress.BarColumn(),
        rich_progress.MofNCompleteColumn(),
        rich_progress.TimeElapsedColumn(),
    )
    with rich_progress.Progress(*columns, console=console) as bar:
        task = bar.add_task("planning", total=total)

        def advance(name: str, done: int, num_runs: int) -> None:
            bar.update(task, completed=done, total=num_runs, description=f"{name} planned")

        yield advance
