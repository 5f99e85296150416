"""``zero-backlog bench``: a seeded suite, Zero Backlog and its peers, one table, a report.

:func:`run_bench` builds the suite's documents (:mod:`scenarios.bench.suite`), runs each
instance with Zero Backlog and with the peers a user would pick instead
(:mod:`scenarios.peers`), each run in its own process (:mod:`scenarios.bench.runner`),
and returns the results for :mod:`scenarios.bench.report` to print and write.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scenarios.bench.runner import (
    Runner,
    RunResult,
    in_fresh_process,
    run_falkenauer,
    run_one,
    run_replan,
)
from scenarios.bench.suite import Case, SuiteName, build_suite

__all__ = ["BenchRun", "Case", "RunResult", "run_bench"]

logger = logging.getLogger(__name__)

PEERS: tuple[Runner, ...] = ("flat-cp-sat", "flat-mip", "fifo", "timefold")


@dataclass(frozen=True)
class BenchRun:
    cases: tuple[Case, ...]
    results: tuple[RunResult, ...]


def _peers(with_peers: bool) -> tuple[Runner, ...]:
    if not with_peers:
        return ()
    from scenarios.peers.timefold import available

    return tuple(p for p in PEERS if p != "timefold" or available())


def _ours(case: Case) -> RunResult:
    if case.kind == "replan":
        assert case.extra_path is not None
        return in_fresh_process(run_replan, case.name, case.path, case.extra_path)
    if case.kind == "falkenauer":
        assert case.extra_path is not None and case.num_bins is not None
        return in_fresh_process(
            run_falkenauer, case.name, case.path, case.extra_path, case.num_bins, case.time_limit_s
        )
    return in_fresh_process(run_one, case.name, case.path, "zero-backlog", case.time_limit_s)


def run_bench(
    suite: SuiteName,
    with_peers: bool = True,
    only: Sequence[str] = (),
    folder: Path | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> BenchRun:
    """Run the suite; every plan goes through the checker (``RunResult.valid``)."""
    workdir = folder or Path(tempfile.mkdtemp(prefix="zero-backlog-bench-"))
    cases = build_suite(suite, workdir, tuple(only))
    results: list[RunResult] = []
    peers = _peers(with_peers)
    for case in cases:
        runs: list[Callable[[], RunResult]] = [functools.partial(_ours, case)]
        if case.kind != "replan":
            runs += [
                functools.partial(
                    in_fresh_process, run_one, case.name, case.path, peer, case.time_limit_s
                )
                for peer in peers
            ]
        for run in runs:
            result = run()
            logger.info("%s / %s: %s", result.instance, result.runner, result)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return BenchRun(tuple(cases), tuple(results))
