"""Plan the base and every variant of a scenario, in parallel, and compare them.

:func:`scenarios.whatif.case.run_case` is the one pure function every executor runs: plan
the document (fixed seed, one CP-SAT worker: deterministic), check the plan with the
independent checker, and take the figures. The executors:

- ``process`` (default): a local :class:`concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` context (CP-SAT's threads and ``fork`` do not mix);
- ``ray``: the same function as a Ray task, on the cluster at ``RAY_ADDRESS`` or, when it
  is unset, on a local Ray runtime of ``workers`` CPUs (the optional extra ``ray``); every
  node needs Zero Backlog installed;
- ``inline``: one after the other in this process (a caller that may not start processes,
  such as a daemonic worker).

Whatever finishes first, the results come back in the scenario's order: the base, then the
variants as the file lists them.
"""

from __future__ import annotations

import copy
import importlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from scenarios.generator import generate_problem
from scenarios.whatif.case import (
    CaseTask,
    PersonHours,
    StaffingCurve,
    default_person_hours,
    default_staffing_curve,
    run_case,
)
from scenarios.whatif.overrides import LateStock, apply_changes
from scenarios.whatif.results import CaseRun, ScenarioResults, compare
from scenarios.whatif.spec import ScenarioSpec
from solver.loading import DocumentError, FieldError, load_problem, read_document

__all__ = [
    "EXECUTORS",
    "Case",
    "Executor",
    "ExecutorUnavailableError",
    "Progress",
    "execute",
    "executor_named",
    "prepare_cases",
    "run_scenario",
    "with_times_removed",
]

logger = logging.getLogger(__name__)

Executor = Literal["process", "ray", "inline"]
EXECUTORS: tuple[Executor, ...] = ("process", "ray", "inline")
#: (name of the case just finished, cases finished, cases in all)
Progress = Callable[[str, int, int], None]


def executor_named(name: str) -> Executor:
    """The executor of that name; ValueError naming the choices otherwise."""
    for executor in EXECUTORS:
        if executor == name:
            return executor
    raise ValueError(f"unknown executor {name!r}; use {', '.join(EXECUTORS)}")


class ExecutorUnavailableError(RuntimeError):
    """The executor asked for cannot run here (Ray not installed)."""


# --- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A problem document to plan: the base, or a variant with its changes applied."""

    name: str
    description: str
    document: dict[str, Any]
    late_stock: tuple[LateStock, ...] = ()


def _base_document(spec: ScenarioSpec, base_dir: Path | None) -> dict[str, Any]:
    if spec.base.document is not None:
        return copy.deepcopy(spec.base.document)
    if spec.base.generate is not None:
        return generate_problem(spec.base.generate)
    path = Path(spec.base.problem or "")
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    try:
        document = read_document(path)
    except DocumentError as error:
        raise _under("base.problem", str(path), error) from None
    if not isinstance(document, dict):
        raise DocumentError([FieldError("base.problem", f"{path}: not a problem document")])
    return document


def _under(field: str, what: str, error: DocumentError) -> DocumentError:
    """The errors of a problem document, reported under the scenario field they came from."""
    return DocumentError(FieldError(field, f"{what}: {e}") for e in error.errors)


def _valid(document: dict[str, Any], field: str, what: str) -> None:
    try:
        load_problem(document)
    except DocumentError as error:
        raise _under(field, what, error) from None


def prepare_cases(spec: ScenarioSpec, base_dir: Path | None = None) -> list[Case]:
    """The base and every variant's document, each checked to be a valid problem; errors
    name the scenario field (``variants[1].changes[0].team.id``). ``base_dir`` is where a
    ``base.problem`` path is relative to (the scenario file's folder)."""
    base = _base_document(spec, base_dir)
    _valid(base, "base", "the base problem is rejected")
    cases = [Case("base", spec.description, base)]
    for idx, variant in enumerate(spec.variants):
        where = f"variants[{idx}]"
        try:
            applied = apply_changes(base, variant.changes)
        except DocumentError as error:
            raise DocumentError(
                FieldError(f"{where}.{e.field}", e.message) for e in error.errors
            ) from None
        _valid(applied.document, where, f"{variant.name}: the changed problem is rejected")
        cases.append(Case(variant.name, variant.description, applied.document, applied.late_stock))
    return cases


# --- executors -------------------------------------------------------------------------------


Done = Callable[[int, CaseRun], None]


def _run_inline(tasks: Sequence[CaseTask], workers: int, done: Done) -> None:
    del workers  # one at a time
    for idx, task in enumerate(tasks):
        done(idx, run_case(task))


def _run_process(tasks: Sequence[CaseTask], workers: int, done: Done) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_case, task): idx for idx, task in enumerate(tasks)}
        for future in as_completed(futures):
            done(futures[future], future.result())


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ExecutorUnavailableError(
            "the ray executor needs Ray: pip install 'zero-backlog[ray]'"
        ) from None


def _run_ray(tasks: Sequence[CaseTask], workers: int, done: Done) -> None:
    """Ray tasks, at most ``workers`` in flight; a runtime started here is shut down here."""
    ray = _ray()
    owned = not ray.is_initialized()
    if owned:
        address = os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address)
        else:
            ray.init(num_cpus=workers, include_dashboard=False)
    try:
        remote = ray.remote(num_cpus=1)(run_case)
        waiting = list(enumerate(tasks))
        in_flight: dict[Any, int] = {}
        while waiting or in_flight:
            while waiting and len(in_flight) < workers:
                idx, task = waiting.pop(0)
                in_flight[remote.remote(task)] = idx
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            done(in_flight.pop(ready[0]), ray.get(ready[0]))
    finally:
        if owned:
            ray.shutdown()


_EXECUTORS: dict[str, Callable[[Sequence[CaseTask], int, Done], None]] = {
    "process": _run_process,
    "ray": _run_ray,
    "inline": _run_inline,
}


def execute(
    tasks: Sequence[CaseTask], executor: Executor, workers: int, progress: Progress | None = None
) -> list[CaseRun]:
    """Run every task; the runs come back in the order of ``tasks``."""
    if executor not in _EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use {', '.join(EXECUTORS)}")
    runs: list[CaseRun | None] = [None] * len(tasks)

    def done(idx: int, run: CaseRun) -> None:
        runs[idx] = run
        logger.info("%s: %d/%d planned in %.2f s", run.name, run.planned, run.orders, run.solve_s)
        if progress is not None:
            progress(run.name, sum(r is not None for r in runs), len(tasks))

    _EXECUTORS[executor](tasks, workers, done)
    return [run for run in runs if run is not None]


def run_scenario(
    spec: ScenarioSpec,
    executor: Executor = "process",
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    base_dir: Path | None = None,
    time_limit_s: float | None = None,
    person_hours: PersonHours | None = default_person_hours,
    staffing_curve: StaffingCurve | None = default_staffing_curve,
) -> ScenarioResults:
    """Plan the base and every variant and compare each variant with the base.

    ``workers`` defaults to one per case, at most the CPU count; ``time_limit_s`` overrides
    the scenario's. The staffing hooks must be module-level functions (they go to other
    processes); None leaves their figures out. Raises :class:`DocumentError` (naming the
    scenario field) before anything is planned when a document would be rejected."""
    cases = prepare_cases(spec, base_dir)
    limit_s = time_limit_s if time_limit_s is not None else spec.time_limit_s
    num_workers = 1 if executor == "inline" else workers or min(len(cases), os.cpu_count() or 1)
    tasks = [
        CaseTask(
            c.name, c.description, c.document, limit_s, spec.seed, person_hours, staffing_curve
        )
        for c in cases
    ]
    runs = execute(tasks, executor, num_workers, progress)
    comparisons = tuple(
        compare(runs[0], run, case.document, case.late_stock)
        for run, case in zip(runs[1:], cases[1:], strict=True)
    )
    return ScenarioResults(
        scenario=spec.name,
        description=spec.description,
        time_limit_s=limit_s,
        seed=spec.seed,
        executor=executor,
        workers=num_workers,
        runs=tuple(runs),
        comparisons=comparisons,
        notes=_notes(runs, person_hours, staffing_curve),
    )


def _why_missing(hook: Callable[..., Any] | None) -> str:
    return "not asked for" if hook is None else "no figures came back"


def _notes(
    runs: Sequence[CaseRun], person_hours: PersonHours | None, curve: StaffingCurve | None
) -> tuple[str, ...]:
    notes = []
    if all(run.person_hours_needed is None for run in runs):
        notes.append(f"person-hours needed: {_why_missing(person_hours)}")
    if all(not run.staffing_curve for run in runs):
        notes.append(f"staffing curve: {_why_missing(curve)}")
    return tuple(notes)


def with_times_removed(results: ScenarioResults) -> ScenarioResults:
    """The results without wall-clock figures (what two identical runs must share)."""
    return replace(results, runs=tuple(replace(r, solve_s=0.0, wall_s=0.0) for r in results.runs))
