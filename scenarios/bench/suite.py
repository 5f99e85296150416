"""The benchmark suites: which instances, how each is built, and its wall-clock target.

Every instance is seeded, so the same suite gives the same documents on every machine.
Documents are written to a folder first: a run's time includes reading the document from
disk and writing the plan, as a user's would (issue 3's "load and write included").
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scenarios.adapters.falkenauer import default_num_bins, falkenauer_problem, read_falkenauer
from scenarios.adapters.sbpo import sbpo_problem
from scenarios.generator import GeneratorSpec, generate_problem

logger = logging.getLogger(__name__)

SuiteName = Literal["quick", "full"]
Kind = Literal["generated", "replan", "sbpo", "falkenauer"]

#: The shared benchmark data, beside the project (``../shared/benchmarks``).
BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@dataclass(frozen=True)
class Case:
    """One benchmark instance: its name, kind, document file and wall-clock target."""

    name: str
    kind: Kind
    path: Path
    time_limit_s: float
    target: str
    num_bins: int | None = None  # Falkenauer: the K the document was built for
    extra_path: Path | None = None  # replan: the new orders; falkenauer: the K + 1 document


def _generated_spec(num_orders: int, load: float, seed: int = 1) -> GeneratorSpec:
    """Issue 3's shape: 8 zones, 40 pick teams, 8 pack teams, 16 fifteen-minute slots."""
    return GeneratorSpec(
        seed=seed,
        num_orders=num_orders,
        num_zones=8,
        num_teams=40,
        num_pack_teams=8,
        num_slots=16,
        load_factor=load,
    )


def _write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def _generated(folder: Path, num_orders: int, load: float, limit_s: float, target: str) -> Case:
    label = f"{num_orders // 1000}k" if num_orders >= 1000 else str(num_orders)
    name = f"generated-{label}" + ("-overload" if load > 1 else "")
    doc = generate_problem(_generated_spec(num_orders, load))
    return Case(name, "generated", _write(folder, name, doc), limit_s, target)


def _replan(folder: Path) -> Case:
    base = _generated(folder, 10_000, 0.8, 10.0, "")
    new = generate_problem(_generated_spec(100, 0.8, seed=2))["orders"]
    for k, raw in enumerate(new):
        raw["id"] = f"NEW-{k + 1:03d}"
    extra = folder / "replan-new-orders.json"
    extra.write_text(json.dumps(new))
    return Case("replan-10k+100", "replan", base.path, 1.0, "<= 1 s", extra_path=extra)


def _sbpo(folder: Path, number: int) -> Case:
    source = BENCHMARKS / "sbpo2025" / f"instance_{number:04d}.txt"
    name = f"sbpo-{number:04d}"
    path = _write(folder, name, sbpo_problem(source))
    return Case(name, "sbpo", path, 15.0, "<= 15 s")


def _falkenauer(folder: Path, instance: str) -> Case:
    source = BENCHMARKS / "falkenauer" / f"Falkenauer_{instance}.txt"
    bins = default_num_bins(read_falkenauer(source))
    if instance.startswith("t"):
        bins = int(instance[1:].split("_")[0]) // 3  # triplets: exactly n/3 bins, all full
    name = f"falkenauer-{instance}"
    path = _write(folder, name, falkenauer_problem(source, bins))
    extra = _write(folder, f"{name}-k+1", falkenauer_problem(source, bins + 1))
    target = f"zero backlog at K={bins}" + ("" if instance.startswith("t") else " or proof")
    return Case(name, "falkenauer", path, 10.0, target, num_bins=bins, extra_path=extra)


def _quick(folder: Path) -> list[Callable[[], Case]]:
    return [
        lambda: _generated(folder, 1_000, 0.8, 10.0, "-"),
        lambda: _generated(folder, 10_000, 0.8, 10.0, "<= 10 s, <= 2 GB"),
        lambda: _generated(folder, 10_000, 1.2, 10.0, "<= 10 s (overload)"),
        lambda: _replan(folder),
        lambda: _sbpo(folder, 14),
        lambda: _falkenauer(folder, "t60_00"),
        lambda: _falkenauer(folder, "u120_00"),
    ]


def _full(folder: Path) -> list[Callable[[], Case]]:
    makers = [
        lambda: _generated(folder, 1_000, 0.8, 10.0, "-"),
        lambda: _generated(folder, 10_000, 0.8, 10.0, "<= 10 s, <= 2 GB"),
        lambda: _generated(folder, 10_000, 1.2, 10.0, "<= 10 s (overload)"),
        lambda: _generated(folder, 50_000, 0.8, 60.0, "<= 60 s"),
        lambda: _replan(folder),
    ]
    makers += [functools.partial(_sbpo, folder, n) for n in range(1, 21)]
    for family in ("t60", "u120"):
        makers += [functools.partial(_falkenauer, folder, f"{family}_{k:02d}") for k in range(20)]
    return makers


def build_suite(suite: SuiteName, folder: Path, only: tuple[str, ...] = ()) -> list[Case]:
    """Write the suite's documents into ``folder``; ``only`` keeps cases whose name contains
    one of the given strings."""
    cases = []
    for make in _quick(folder) if suite == "quick" else _full(folder):
        case = make()
        if not only or any(part in case.name for part in only):
            cases.append(case)
    logger.info("benchmark suite %s: %d instances in %s", suite, len(cases), folder)
    return cases
