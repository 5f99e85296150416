"""The seeded generator: deterministic, realistic, and fast enough for 50,000 orders."""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scenarios.generator import GeneratorSpec, generate_problem, load_factors, write_problem
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.loading import load_problem, read_document
from solver.solve import plan
from solver.validation import validate_orders


def _spec(**changes: Any) -> GeneratorSpec:
    base: dict[str, Any] = {
        "seed": 7,
        "num_orders": 200,
        "num_zones": 3,
        "num_teams": 4,
        "num_pack_teams": 1,
        "num_slots": 8,
        "slot_minutes": 15,
    }
    return GeneratorSpec(**(base | changes))


def _checked_plan(document: dict[str, Any], params: PlanParams) -> dict[str, Any]:
    result: dict[str, Any] = plan(document, params).model_dump(mode="json", exclude_none=True)
    assert_plan_valid(document, result)
    return result


def test_generate_problem_same_seed_gives_identical_document() -> None:
    """Every draw comes from default_rng(seed) in a fixed order: same seed, same bytes."""
    first = json.dumps(generate_problem(_spec()))
    assert json.dumps(generate_problem(_spec())) == first


def test_generate_problem_different_seed_gives_different_document() -> None:
    """Another seed draws other orders (the shape stays the same)."""
    assert generate_problem(_spec(seed=1))["orders"] != generate_problem(_spec(seed=2))["orders"]


def test_generate_problem_loads_with_the_requested_counts() -> None:
    """The document is a valid problem with 200 orders, 3 zones, 4 pick + 1 pack teams, 8 slots."""
    document = generate_problem(_spec())
    problem = load_problem(document)
    assert len(problem.orders) == 200
    assert problem.window.num_slots == 8
    assert problem.window.slot_minutes == 15
    assert {loc.zone for loc in problem.locations} == {"A", "B", "C"}
    stages = Counter(team.stage for team in problem.teams)
    assert stages == {"pick": 4, "pack": 1}
    assert len({o["id"] for o in document["orders"]}) == 200


def test_generate_problem_orders_are_all_valid() -> None:
    """Generated addresses, quantities and times are clean: no INVALID_* exception."""
    checked = validate_orders(load_problem(generate_problem(_spec(num_orders=2000))).orders)
    assert checked.exceptions == ()
    assert len(checked.orders) == 2000


def test_generate_problem_lines_per_order_mean_is_about_1_6() -> None:
    """Lines are 1 + Poisson(0.6): over 2,000 orders the mean is 1.6 (standard error 0.02)."""
    document = generate_problem(_spec(num_orders=2000))
    mean = sum(len(o["lines"]) for o in document["orders"]) / 2000
    assert abs(mean - 1.6) <= 0.2
    assert min(len(o["lines"]) for o in document["orders"]) == 1


def test_generate_problem_every_zone_is_worked_by_a_pick_team() -> None:
    """Each pick team works one or two zones, and no zone is left without a team."""
    for num_zones, num_teams in ((3, 4), (5, 3), (1, 2), (8, 4)):
        document = generate_problem(_spec(num_zones=num_zones, num_teams=num_teams))
        zones = {loc["zone"] for loc in document["locations"]}
        picks = [t for t in document["teams"] if t["stage"] == "pick"]
        assert all(1 <= len(t["zones"]) <= 2 for t in picks)
        assert {z for t in picks for z in t["zones"]} == zones
        assert len(zones) == num_zones


def test_generate_problem_skus_sit_in_one_or_two_locations() -> None:
    """locations_per_sku 2 gives some SKUs an overflow location; 1 gives none."""
    two = Counter(r["sku"] for r in generate_problem(_spec())["inventory"])
    assert set(two.values()) == {1, 2}
    one = Counter(r["sku"] for r in generate_problem(_spec(locations_per_sku=1))["inventory"])
    assert set(one.values()) == {1}


def test_generate_problem_teams_have_a_break() -> None:
    """Every team's availability has a gap or a dip in headcount: the staggered break."""
    for team in generate_problem(_spec(num_orders=2000))["teams"]:
        intervals = team["availability"]
        dips = [a for a in intervals if a["headcount"] < team["headcount"]]
        gaps = [a for a, b in itertools.pairwise(intervals) if a["end"] < b["start"]]
        assert dips or gaps, team["id"]


def test_generate_problem_sizes_teams_to_the_load_factor() -> None:
    """At 2,000 orders teams are big enough for whole headcounts: load within 0.05 of 0.8."""
    factors = load_factors(generate_problem(_spec(num_orders=2000)))
    assert factors["pick"] == pytest.approx(0.8, abs=0.05)
    assert factors["pack"] == pytest.approx(0.8, abs=0.05)


def test_generate_problem_due_times_are_cutoffs_the_order_can_make() -> None:
    """About 30 % of orders carry a cutoff; none is earlier than a pick slot + a pack slot."""
    document = generate_problem(_spec(num_orders=2000))
    with_due = [o for o in document["orders"] if "due" in o]
    assert 0.2 <= len(with_due) / 2000 <= 0.35
    assert all(o["due"] > o["received_at"] for o in with_due)


def test_generate_problem_200_orders_plan_and_pass_the_checker() -> None:
    """A 200-order problem at load 0.9 plans; the 5 s limit stops the finish level early,
    but every priority-1 order is planned and the plan keeps the contract."""
    document = generate_problem(_spec(load_factor=0.9))
    result = _checked_plan(document, PlanParams(time_limit_s=5))
    urgent = sum(1 for o in document["orders"] if o["priority"] == 1)
    assert result["kpis"]["planned_by_priority"]["1"] == urgent
    assert result["kpis"]["planned"] >= 190


def test_generate_problem_scarce_stock_gives_stockouts() -> None:
    """stock_factor 0.5 puts half the demand on the shelves: some orders must be STOCKOUT."""
    document = generate_problem(_spec(stock_factor=0.5))
    result = _checked_plan(document, PlanParams(engine="greedy"))
    assert result["kpis"]["backlog_by_code"].get("STOCKOUT", 0) > 0


def test_generate_problem_50000_orders_take_a_few_seconds_at_most() -> None:
    """Draws are vectorised; only the JSON assembly loops: 50,000 orders well under 5 s."""
    started = time.perf_counter()
    document = generate_problem(_spec(num_orders=50_000, num_slots=32, num_zones=6))
    assert time.perf_counter() - started < 5.0
    assert len(document["orders"]) == 50_000


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_write_problem_round_trips(tmp_path: Path, suffix: str) -> None:
    """The written file (JSON or YAML) reads back as the very document generated."""
    path = write_problem(_spec(num_orders=30), tmp_path / f"problem{suffix}")
    assert read_document(path) == generate_problem(_spec(num_orders=30))


@pytest.mark.parametrize(
    "changes",
    [
        {"priority_shares": (0.5, 0.2)},
        {"num_zones": 9, "num_teams": 4},
        {"num_orders": 0},
        {"locations_per_sku": 3},
        {"unknown": 1},
    ],
    ids=["shares_not_1", "too_many_zones", "no_orders", "three_locations", "unknown_field"],
)
def test_generator_spec_rejects_inconsistent_settings(changes: dict[str, Any]) -> None:
    """A spec that cannot be generated as asked is refused up front, not half-generated."""
    with pytest.raises(ValidationError):
        _spec(**changes)


def test_generator_spec_is_frozen() -> None:
    """Specs are inputs: variants are model_copy(update=...), never edits in place."""
    spec = _spec()
    with pytest.raises(ValidationError):
        spec.seed = 3  # type: ignore[misc]
    assert spec.model_copy(update={"seed": 3}).seed == 3
