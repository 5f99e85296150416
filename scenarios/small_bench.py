"""Small is fast: plan generated problems of 50, 100 and 200 orders and time them.

Run ``python -m scenarios.small_bench``. For seeds 1..5 and each size, it generates a
problem (3 zones, 4 pick teams, 1 pack team, 8 slots of 15 minutes, load factor 0.9),
plans it with the default parameters (CP-SAT, 30 s limit, one worker), checks the plan
with the independent checker and prints one row per run: planned / orders, the solver
status, the wall-clock seconds and the status of every lexicographic level.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from scenarios.generator import GeneratorSpec, generate_problem
from solver.check import check_plan
from solver.engine import PlanParams
from solver.result import LevelReport
from solver.solve import plan

__all__ = ["BenchRow", "bench_spec", "main", "run", "run_one"]

logger = logging.getLogger(__name__)

SIZES = (50, 100, 200)
SEEDS = (1, 2, 3, 4, 5)
FAST_S = 2.0  # a 200-order plan should be proven optimal within this


@dataclass(frozen=True)
class LevelTime:
    """One lexicographic level as the planner reported it, and how long it took."""

    name: str
    status: str
    value: int
    bound: int
    seconds: float

    def __str__(self) -> str:
        short = {"OPTIMAL": "opt", "FEASIBLE": "feas"}.get(self.status, self.status)
        gap = "" if self.status == "OPTIMAL" else f" {self.value}/{self.bound}"
        return f"{self.name} {short}{gap} {self.seconds:.2f}s"


@dataclass(frozen=True)
class BenchRow:
    """One planned problem: its size and seed, what was planned and how fast."""

    num_orders: int
    seed: int
    planned: int
    status: str
    wall_s: float
    levels: tuple[LevelTime, ...]
    valid: bool


def bench_spec(num_orders: int, seed: int, load_factor: float = 0.9) -> GeneratorSpec:
    """The benchmark's warehouse: 3 zones, 4 pick teams, 1 pack team, 8 x 15-minute slots."""
    return GeneratorSpec(
        seed=seed,
        num_orders=num_orders,
        num_zones=3,
        num_teams=4,
        num_pack_teams=1,
        num_slots=8,
        slot_minutes=15,
        load_factor=load_factor,
    )


def run_one(
    num_orders: int, seed: int, params: PlanParams | None = None, load_factor: float = 0.9
) -> BenchRow:
    """Generate, plan (timed from the loaded document to the plan) and check one problem."""
    document = generate_problem(bench_spec(num_orders, seed, load_factor))
    level_done: dict[str, float] = {}

    def progress(name: str, _value: float, _bound: float) -> None:
        level_done.setdefault(name, time.perf_counter())

    started = time.perf_counter()
    result = plan(document, params or PlanParams(), progress)
    wall_s = time.perf_counter() - started
    report = check_plan(document, result.model_dump(mode="json", exclude_none=True))
    if not report.ok:
        logger.error("plan of %d orders, seed %d is invalid:\n%s", num_orders, seed, report)
    return BenchRow(
        num_orders=num_orders,
        seed=seed,
        planned=result.kpis.planned,
        status=result.solver.status,
        wall_s=wall_s,
        levels=_level_times(result.solver.levels, level_done, started),
        valid=report.ok,
    )


def _level_times(
    levels: Iterable[LevelReport], done: dict[str, float], started: float
) -> tuple[LevelTime, ...]:
    """Each level with the seconds since the previous one ended. The first level the engine
    solves also carries loading, validation, the greedy start and building the model; a
    level the greedy start already fills (every order of that priority planned) takes 0 s."""
    out = []
    previous = started
    for level in levels:
        end = done.get(level.name, previous)
        out.append(LevelTime(level.name, level.status, level.value, level.bound, end - previous))
        previous = end
    return tuple(out)


def run(
    sizes: Iterable[int] = SIZES,
    seeds: Iterable[int] = SEEDS,
    params: PlanParams | None = None,
    load_factor: float = 0.9,
) -> list[BenchRow]:
    """Every size with every seed, in that order."""
    rows = []
    for num_orders in sizes:
        for seed in seeds:
            rows.append(run_one(num_orders, seed, params, load_factor))
            logger.info("%d orders, seed %d: %.2f s", num_orders, seed, rows[-1].wall_s)
    return rows


def _levels_text(row: BenchRow) -> str:
    return ", ".join(str(level) for level in row.levels)


def table(rows: Iterable[BenchRow], title: str) -> Table:
    """The runs as a rich table."""
    out = Table(title=title)
    for header in ("size", "seed", "planned", "status", "wall s", "valid", "levels"):
        out.add_column(header, justify="right" if header in ("size", "seed", "wall s") else "left")
    for row in rows:
        out.add_row(
            str(row.num_orders),
            str(row.seed),
            f"{row.planned}/{row.num_orders}",
            row.status,
            f"{row.wall_s:.2f}",
            "yes" if row.valid else "NO",
            _levels_text(row),
        )
    return out


def summary(rows: list[BenchRow]) -> list[str]:
    """Per size: median and worst wall seconds, and the levels not proven optimal."""
    lines = []
    for num_orders in sorted({row.num_orders for row in rows}):
        group = [row for row in rows if row.num_orders == num_orders]
        walls = [row.wall_s for row in group]
        open_levels = Counter(
            f"{level.name} {level.status}"
            for row in group
            for level in row.levels
            if level.status != "OPTIMAL"
        )
        not_proven = ", ".join(f"{level} x{count}" for level, count in sorted(open_levels.items()))
        lines.append(
            f"{num_orders} orders: median {statistics.median(walls):.2f} s, "
            f"worst {max(walls):.2f} s, optimal {sum(r.status == 'OPTIMAL' for r in group)}"
            f"/{len(group)}; levels not proven: {not_proven or 'none'}"
        )
    return lines


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scenarios.small_bench", description=__doc__)
    parser.add_argument("--load", type=float, default=0.9, help="work / capacity (0.9)")
    parser.add_argument("--engine", default="cp-sat", choices=["cp-sat", "mip", "greedy"])
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers (1)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds (30)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write the table to stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    args = _arguments(argv)
    params = PlanParams(engine=args.engine, num_workers=args.workers, time_limit_s=args.time_limit)
    rows = run(args.sizes, SEEDS, params, args.load)
    console = Console(file=sys.stdout, width=200)
    title = (
        f"Small is fast: load {args.load:g}, {args.engine}, {args.time_limit:g} s, "
        f"{args.workers} worker(s)"
    )
    console.print(table(rows, title))
    for line in summary(rows):
        console.print(line, highlight=False)
    slow = [r for r in rows if r.num_orders >= 200 and r.wall_s > FAST_S]
    if slow:
        console.print(f"{len(slow)} 200-order run(s) took more than {FAST_S:g} s", highlight=False)


if __name__ == "__main__":
    main()
