"""The benchmark peers: valid plans, the same optimum as the planner, honest limits.

Every plan a peer produces here goes through the independent checker. The flat CP-SAT and
flat MIP models must reach the planner's planned counts per priority on the small problems
they solve to optimality; FIFO dispatch never beats the planner lexicographically.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scenarios.examples import PROBLEMS_DIR, example_path
from scenarios.generator import GeneratorSpec, generate_problem
from scenarios.peers import fifo, flat_cpsat, flat_mip, timefold
from solver.check import assert_plan_valid
from solver.engine import Deadline, EngineResult
from solver.loading import load_problem
from solver.result import Plan
from solver.schedule import Schedule
from solver.solve import plan_with_engine
from solver.tasks import Instance, build_instance
from solver.validation import validate_orders

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "solver"))
from planning import (  # the helpers live beside the solver tests
    DATA,
    at,
    generated_problem,
    order,
    pinned_pack_problem,
    plan_checked,
    plan_dict,
    tiny_problem,
)

Engine = Callable[[Instance, Schedule, Deadline], EngineResult]
EXACT_PEERS: dict[str, Engine] = {"flat-cp-sat": flat_cpsat.run, "flat-mip": flat_mip.run}


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    document.pop("expect", None)
    return document


@functools.cache
def _case_documents() -> dict[str, dict[str, Any]]:
    """Small problems every exact peer closes in well under a second, by name."""
    cases = {"tiny": tiny_problem(), "pinned-pack": pinned_pack_problem()}
    cases |= {f"generated-{seed}": generated_problem(seed) for seed in range(3)}
    examples = [
        p for p in sorted((DATA / "examples").glob("*-[01].json")) if "medium" not in p.stem
    ]
    for path in [*examples, *sorted((DATA / "families").glob("*.json"))]:
        cases[path.stem] = _document(path)
    for path in sorted(PROBLEMS_DIR.glob("*.json")):
        if path.stem != "capacity-crunch":  # the flat CP-SAT model does not close it in seconds
            cases[f"scenario-{path.stem}"] = _document(path)
    return cases


CASES = list(_case_documents())


@functools.cache
def _ours(case: str) -> Plan:
    """The planner's checked plan of a case (planned once per session)."""
    return plan_checked(_case_documents()[case])


def _peer_plan(doc: dict[str, Any], name: str, run: Engine, limit_s: float = 10.0) -> Plan:
    """Plan with a peer and put the plan through the checker."""
    result = plan_with_engine(dict(doc), name, run, limit_s)
    assert_plan_valid(doc, plan_dict(result))
    return result


def _lexicographic(doc: dict[str, Any], result: Plan) -> tuple[int, ...]:
    """Planned orders with pinned work, then planned orders per priority (1 first)."""
    unplanned = {e.order for e in result.exceptions}
    planned = {a.order for a in result.assignments} - unplanned
    pinned = {p["order"] for p in doc.get("pinned", [])}
    by_priority = result.kpis.planned_by_priority
    top = max((int(p) for p in by_priority), default=0)
    return (len(planned & pinned), *(by_priority.get(str(p), 0) for p in range(1, top + 1)))


@pytest.mark.parametrize("case", CASES)
def test_exact_peers_reach_the_planners_optimum(case: str) -> None:
    doc, ours = _case_documents()[case], _ours(case)
    assert ours.solver.status == "OPTIMAL"
    for name, run in EXACT_PEERS.items():
        result = _peer_plan(doc, name, run)
        assert result.solver.engine == name
        assert result.solver.status == "OPTIMAL", result.solver.stop_reason
        assert result.kpis.planned_by_priority == ours.kpis.planned_by_priority, name
        assert all(level.status == "OPTIMAL" for level in result.solver.levels)


@pytest.mark.parametrize("case", CASES)
def test_fifo_never_beats_the_planner(case: str) -> None:
    doc, ours = _case_documents()[case], _ours(case)
    result = _peer_plan(doc, "fifo", fifo.run)
    assert result.solver.status == "FEASIBLE"
    assert _lexicographic(doc, result) <= _lexicographic(doc, ours)


def test_fifo_releases_by_arrival_not_priority() -> None:
    """The pack team has 100 s: one 96 s pack fits. FIFO packs the older priority-3 order;
    the planner packs the newer priority-1 one."""
    doc = tiny_problem(
        teams=[
            {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 1},
            {
                "id": "pack-1",
                "stage": "pack",
                "headcount": 1,
                "availability": [{"start": at(30), "end": at(31 + 40 / 60), "headcount": 1}],
            },
        ],
        orders=[
            order("SO-NEW", priority=1, received_at=at(-30)),
            order("SO-OLD", priority=3, received_at=at(-60)),
        ],
    )
    assert _peer_plan(doc, "fifo", fifo.run).kpis.planned_by_priority == {"3": 1}
    assert plan_checked(doc).kpis.planned_by_priority == {"1": 1}


def test_fifo_sequence_is_arrival_then_id_with_pinned_work_first() -> None:
    doc = tiny_problem(
        orders=[
            order("SO-B", received_at=at(-10)),
            order("SO-A", received_at=at(-10)),
            order("SO-LATE", priority=1, received_at=at(5)),
            order("SO-NONE"),
            order("SO-PINNED", received_at=at(10)),
        ],
        pinned=[{"order": "SO-PINNED", "stage": "pack", "team": "pack-1", "slot": 2}],
    )
    problem = load_problem(doc)
    instance = build_instance(problem, validate_orders(problem.orders).orders)
    ids = [instance.orders[o].order_id for o in fifo.fifo_sequence(instance)]
    assert ids == ["SO-PINNED", "SO-NONE", "SO-A", "SO-B", "SO-LATE"]


@pytest.mark.parametrize(
    ("name", "run", "doc"),
    [
        pytest.param(
            "flat-cp-sat",
            flat_cpsat.run,
            _document(example_path("capacity-crunch")),
            id="flat-cp-sat-capacity-crunch",
        ),
        pytest.param(
            "flat-mip",
            flat_mip.run,
            generate_problem(GeneratorSpec(num_orders=300, load_factor=1.2, seed=1)),
            id="flat-mip-generated-300",
        ),
    ],
)
def test_time_limit_is_honoured_by_the_wall_clock(
    name: str, run: Engine, doc: dict[str, Any]
) -> None:
    started = time.monotonic()
    result = _peer_plan(doc, name, run, limit_s=2.0)
    assert time.monotonic() - started < 3.5  # the 2 s limit, and room for a loaded machine
    assert result.solver.status in ("FEASIBLE", "UNKNOWN")
    for level in result.solver.levels:
        assert level.bound >= level.value


@pytest.mark.parametrize(
    ("name", "engine"),
    [
        ("flat-cp-sat", flat_cpsat.flat_cpsat_engine(max_booleans=10)),
        ("flat-mip", flat_mip.flat_mip_engine(max_booleans=10)),
    ],
)
def test_too_large_flat_model_is_not_built(name: str, engine: Engine) -> None:
    doc = generated_problem(0)
    result = _peer_plan(doc, name, engine)
    assert result.solver.status == "UNKNOWN"
    assert "flat model too large" in (result.solver.stop_reason or "")
    assert result.kpis.planned == 0


def test_timefold_says_why_it_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timefold, "unavailable_reason", lambda: "no timefold here")
    assert not timefold.available()
    result = _peer_plan(tiny_problem(), "timefold", timefold.run)
    assert result.solver.status == "UNKNOWN"
    assert result.solver.stop_reason == "no timefold here"


@pytest.mark.slow
@pytest.mark.skipif(not timefold.available(), reason="timefold (and a JDK 17+) not installed")
def test_timefold_plans_a_small_problem() -> None:
    """The first call starts the JVM (about 7 s); the problem is solved well within 20 s."""
    doc = pinned_pack_problem()
    result = _peer_plan(doc, "timefold", timefold.run, limit_s=20.0)
    assert result.solver.status == "FEASIBLE"
    assert result.kpis.planned > 0
    assert _lexicographic(doc, result) <= _lexicographic(doc, plan_checked(doc))
