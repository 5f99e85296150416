"""One benchmark run in a fresh process: read the document, plan, write the plan, check it.

Each run gets its own spawned process so that its peak memory (``ru_maxrss``) is its own
and no run warms another's caches. The wall time covers reading the document, planning
and writing the plan; the checker runs afterwards, outside the time.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from solver.check import check_plan
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.result import Plan
from solver.solve import plan_window, plan_with_engine

logger = logging.getLogger(__name__)

Runner = Literal["zero-backlog", "flat-cp-sat", "flat-mip", "fifo", "timefold"]
RUNNERS: tuple[Runner, ...] = ("zero-backlog", "flat-cp-sat", "flat-mip", "fifo", "timefold")


@dataclass(frozen=True)
class RunResult:
    """What one runner did on one instance."""

    instance: str
    runner: str
    orders: int
    planned: int
    backlog: int
    first_zero_backlog_s: float | None
    total_s: float
    gap: float | None
    finish_gap: float | None
    status: str
    peak_mb: float
    valid: bool
    note: str = ""


def _peer_engine(runner: Runner) -> Any:
    if runner == "flat-cp-sat":
        from scenarios.peers.flat_cpsat import flat_cpsat_engine

        return flat_cpsat_engine()
    if runner == "flat-mip":
        from scenarios.peers.flat_mip import flat_mip_engine

        return flat_mip_engine()
    if runner == "fifo":
        from scenarios.peers.fifo import run

        return run
    from scenarios.peers.timefold import timefold_engine

    return timefold_engine()


def _finish_gap(result: Plan) -> float | None:
    finish = next((lv for lv in result.solver.levels if lv.name == "finish"), None)
    if finish is None or finish.bound <= 0:
        return None
    return round((finish.value - finish.bound) / max(1.0, finish.value), 4)


def _summary(
    name: str, runner: str, result: Plan, total_s: float, first_s: float | None, valid: bool
) -> RunResult:
    kpis = result.kpis
    zero = kpis.backlog == 0
    return RunResult(
        instance=name,
        runner=runner,
        orders=kpis.orders,
        planned=kpis.planned,
        backlog=kpis.backlog,
        first_zero_backlog_s=(first_s if first_s is not None else total_s) if zero else None,
        total_s=round(total_s, 3),
        gap=result.solver.gap if result.solver.levels else None,  # no levels: no bound
        finish_gap=_finish_gap(result),
        status=result.solver.status,
        peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        valid=valid,
    )


def _plan_file(
    path: Path, runner: Runner, limit_s: float, out: Path
) -> tuple[Plan, float, float | None]:
    """(plan, wall seconds from reading to written, seconds to a first full plan or None).

    Timefold's JVM is started before the clock: a user would keep it running."""
    if runner == "timefold":
        from scenarios.peers.timefold import warm_up

        warm_up()
    started = time.monotonic()
    first: list[float] = []

    def progress(level: str, value: float, bound: float) -> None:
        if level == "start" and value >= bound and not first:
            first.append(time.monotonic() - started)

    doc = json.loads(path.read_text())
    if runner == "zero-backlog":
        result = plan_window(doc, PlanParams(time_limit_s=limit_s), progress).plan
    else:
        result = plan_with_engine(doc, runner, _peer_engine(runner), limit_s)
    out.write_text(result.to_json())
    return result, time.monotonic() - started, first[0] if first else None


def _valid(path: Path, plan_path: Path) -> bool:
    report = check_plan(
        load_problem(json.loads(path.read_text())), json.loads(plan_path.read_text())
    )
    return report.ok


def run_one(name: str, path: Path, runner: Runner, limit_s: float) -> RunResult:
    """Plan one document with one runner (in this process)."""
    out = path.with_suffix(f".{runner}.plan.json")
    result, total_s, first_s = _plan_file(path, runner, limit_s, out)
    return _summary(name, runner, result, total_s, first_s, _valid(path, out))


def run_replan(name: str, path: Path, new_orders: Path) -> RunResult:
    """Plan the window (untimed), then time adding the new orders, warm-started."""
    from solver.replan import add_orders

    window = plan_window(json.loads(path.read_text()), PlanParams(time_limit_s=30))
    new = json.loads(new_orders.read_text())
    started = time.monotonic()
    after = add_orders(window, new)
    total_s = time.monotonic() - started
    doc = json.loads(path.read_text())
    doc["orders"] += new
    valid = check_plan(load_problem(doc), json.loads(after.plan.to_json())).ok
    summary = _summary(name, "zero-backlog", after.plan, total_s, total_s, valid)
    placed = after.plan.kpis.planned - window.plan.kpis.planned
    return _with_note(summary, f"{placed} of {len(new)} new orders placed, warm start")


def run_falkenauer(name: str, path: Path, k_plus_one: Path, bins: int, limit_s: float) -> RunResult:
    """At K bins: zero backlog, or a proof that K cannot hold all items and a plan at K + 1."""
    result = run_one(name, path, "zero-backlog", limit_s)
    if result.backlog == 0:
        return _with_note(result, f"K={bins}: all items fit")
    plan_doc = json.loads(path.with_suffix(".zero-backlog.plan.json").read_text())
    levels = {lv["name"]: lv for lv in plan_doc["solver"]["levels"]}
    proven = levels.get("priority-1", {}).get("status") == "OPTIMAL"
    again = run_one(f"{name}-k+1", k_plus_one, "zero-backlog", limit_s)
    note = (
        f"K={bins}: at most {result.planned} of {result.orders} fit"
        f" ({'proven' if proven else 'not proven'}); K+1: "
        + ("zero backlog" if again.backlog == 0 else f"backlog {again.backlog}")
        + f" in {again.total_s:.2f} s"
    )
    return _with_note(result, note)


def _with_note(result: RunResult, note: str) -> RunResult:
    return RunResult(**{**result.__dict__, "note": note})


def in_fresh_process(function: Any, *args: Any) -> RunResult:
    """Run ``function(*args)`` in a new spawned process and return its result."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        result: RunResult = pool.submit(function, *args).result()
    return result
