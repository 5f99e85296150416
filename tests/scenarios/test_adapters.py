"""The benchmark adapters: SBPO 2025 and Falkenauer files become faithful problem documents.

Totals are checked against the files with a parser written here (not the adapter's), and
every plan goes through the independent checker (``plan_checked``).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scenarios.adapters import (
    SECONDS_PER_SIZE_UNIT,
    SbpoFormatError,
    SbpoSpec,
    default_num_bins,
    falkenauer_problem,
    read_falkenauer,
    read_sbpo,
    sbpo_problem,
    split_oversized_lines,
)
from scenarios.generator import load_factors
from solver.loading import load_problem
from solver.timegrid import line_pick_s, pack_s, team_capacity_s
from solver.validation import validate_orders

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "solver"))
from planning import codes, plan_checked

BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
SBPO = BENCHMARKS / "sbpo2025"
FALKENAUER = BENCHMARKS / "falkenauer"
TINY = Path(__file__).resolve().parent.parent / "data" / "adapters" / "tiny_sbpo.txt"

needs_benchmarks = pytest.mark.skipif(
    not BENCHMARKS.is_dir(), reason=f"benchmark data not at {BENCHMARKS}"
)


def _sbpo_file(name: str) -> Path:
    return SBPO / f"instance_{name}.txt"


def _falkenauer_file(name: str) -> Path:
    return FALKENAUER / f"Falkenauer_{name}.txt"


def _file_totals(path: Path) -> dict[str, Any]:
    """Orders, lines, units and stock by (item, aisle), read straight from the file."""
    rows = [[int(v) for v in line.split()] for line in path.read_text().splitlines() if line]
    num_orders, _, num_aisles = rows[0]
    orders, aisles = rows[1 : 1 + num_orders], rows[1 + num_orders : 1 + num_orders + num_aisles]
    return {
        "orders": num_orders,
        "lines": sum(row[0] for row in orders),
        "units": sum(sum(row[2::2]) for row in orders),
        "stock": {
            (item, aisle): qty
            for aisle, row in enumerate(aisles)
            for item, qty in zip(row[1::2], row[2::2], strict=True)
        },
    }


def _document_totals(document: dict[str, Any]) -> dict[str, Any]:
    """The same totals from a document (SKU-00042 is item 42, location Z-007 is aisle 7)."""
    lines = [line for order in document["orders"] for line in order["lines"]]
    return {
        "orders": len(document["orders"]),
        "lines": len(lines),
        "units": sum(line["qty"] for line in lines),
        "stock": {
            (int(r["sku"].split("-")[1]), int(r["location"].split("-")[1])): r["on_hand"]
            for r in document["inventory"]
        },
    }


# --- SBPO: the hand-made file -----------------------------------------------------------------


def test_sbpo_problem_tiny_file_maps_orders_aisles_and_zones() -> None:
    """3 aisles in 2 zones: aisles 0 and 1 (j * 2 // 3 = 0) in A, aisle 2 in B; lines kept."""
    document = sbpo_problem(TINY, SbpoSpec(num_zones=2))
    assert document["locations"] == [
        {"id": "A-000", "zone": "A"},
        {"id": "A-001", "zone": "A"},
        {"id": "B-002", "zone": "B"},
    ]
    assert [(r["sku"], r["location"], r["on_hand"]) for r in document["inventory"]] == [
        ("SKU-00000", "A-000", 5),
        ("SKU-00001", "A-000", 2),
        ("SKU-00002", "A-001", 4),
        ("SKU-00003", "A-001", 1),
        ("SKU-00000", "B-002", 1),
        ("SKU-00001", "B-002", 4),
    ]
    assert [o["id"] for o in document["orders"]] == ["SO-00000", "SO-00001", "SO-00002"]
    assert document["orders"][2]["lines"] == [
        {"sku": "SKU-00000", "qty": 1},
        {"sku": "SKU-00003", "qty": 1},
        {"sku": "SKU-00001", "qty": 1},
    ]
    teams = Counter((t["stage"], tuple(t.get("zones", ()))) for t in document["teams"])
    assert teams == {("pick", ("A",)): 1, ("pick", ("B",)): 1, ("pack", ()): 2}


def test_read_sbpo_tiny_file_keeps_the_wave_bounds() -> None:
    """The last line, '2 4', is the challenge's wave bounds (read, not used)."""
    instance = read_sbpo(TINY)
    assert (instance.num_orders, instance.num_items, instance.num_aisles) == (3, 4, 3)
    assert instance.wave_bounds == (2, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 1 1\n1 0 1\n", "ends before order 1"),
        ("1 1 1\n1 0 1\n1 0 5 9\n", "expected 'LB UB'"),
        ("1 2 1\n1 2 1\n1 0 5\n0 1\n", "item 2 not in 0..1"),
        ("1 1 1\n1 0 0\n1 0 5\n0 1\n", "amount 0 < 1"),
        ("1 1 1\n1 0 1\n2 0 5 0 1\n0 1\n", "aisle 0 lists item 0 twice"),
        ("1 1 1\n1 0 x\n", "not a list of whole numbers"),
    ],
)
def test_read_sbpo_malformed_file_names_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    """A file that is not an instance raises SbpoFormatError saying where it goes wrong."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(SbpoFormatError, match=message):
        read_sbpo(path)


def test_split_oversized_lines_fills_aisle_by_aisle() -> None:
    """Order 1 wants 3 of item 2 (one aisle of 4: no split); order 0's 2 of item 0 fit aisle
    0 (5). Ask 6 of item 1 (aisles of 2 and 4): lines of 4 and 2, units kept."""
    instance = read_sbpo(TINY)
    assert split_oversized_lines(instance) is instance
    qty = instance.line_qty.copy()
    qty[1] = 6  # order 0's line of item 1
    bigger = split_oversized_lines(type(instance)(**{**vars(instance), "line_qty": qty}))
    assert bigger.order_start.tolist() == [0, 3, 4, 7]
    assert bigger.line_item.tolist() == [0, 1, 1, 2, 0, 3, 1]
    assert bigger.line_qty.tolist() == [2, 4, 2, 3, 1, 1, 1]


# --- SBPO: real instances -------------------------------------------------------------------------


@needs_benchmarks
@pytest.mark.parametrize("name", ["0020", "0002", "0011"])
def test_sbpo_problem_totals_equal_the_file(name: str) -> None:
    """Every order, line, unit and (item, aisle) stock record of the file is in the document."""
    document = sbpo_problem(_sbpo_file(name))
    assert _document_totals(document) == _file_totals(_sbpo_file(name))


@needs_benchmarks
def test_sbpo_problem_same_seed_gives_identical_document() -> None:
    """Every draw comes from default_rng(seed) in a fixed order: same seed, same bytes."""
    spec = SbpoSpec(seed=3)
    first = json.dumps(sbpo_problem(_sbpo_file("0011"), spec))
    assert json.dumps(sbpo_problem(_sbpo_file("0011"), spec)) == first


@needs_benchmarks
def test_sbpo_problem_other_seed_draws_other_times_same_lines() -> None:
    """The seed draws times and priorities; the file decides the lines."""
    one, two = (sbpo_problem(_sbpo_file("0011"), SbpoSpec(seed=s)) for s in (1, 2))
    assert [o["lines"] for o in one["orders"]] == [o["lines"] for o in two["orders"]]
    assert [o["received_at"] for o in one["orders"]] != [o["received_at"] for o in two["orders"]]


@needs_benchmarks
def test_sbpo_problem_mid_size_loads_with_valid_orders_at_the_load_factor() -> None:
    """1,029 orders: a valid document, no INVALID_* order, 8 zones of contiguous aisles, and
    2-3 people a zone so headcount rounding leaves work / capacity within 0.05 of 0.8."""
    document = sbpo_problem(_sbpo_file("0011"))
    problem = load_problem(document)
    assert validate_orders(problem.orders).exceptions == ()
    assert {loc.zone for loc in problem.locations} == set("ABCDEFGH")
    aisles_by_zone = Counter(loc.zone for loc in problem.locations)
    assert max(aisles_by_zone.values()) - min(aisles_by_zone.values()) <= 1
    for stage, factor in load_factors(document).items():
        assert factor == pytest.approx(0.8, abs=0.05), stage


@needs_benchmarks
def test_sbpo_problem_largest_instance_converts_fast() -> None:
    """12,402 orders: numpy for the arrays, one loop to assemble JSON; far under 2 s."""
    started = time.perf_counter()
    document = sbpo_problem(_sbpo_file("0014"))
    assert time.perf_counter() - started < 2.0
    assert len(document["orders"]) == 12_402


@needs_benchmarks
def test_sbpo_problem_0002_plans_zero_backlog() -> None:
    """7 single-line orders, every item stocked in some aisle, load far below 0.8."""
    result = plan_checked(sbpo_problem(_sbpo_file("0002")), time_limit_s=20)
    assert result.status == "zero_backlog"


@needs_benchmarks
def test_sbpo_problem_0020_line_no_aisle_fills_is_a_stockout() -> None:
    """SO-00000 wants 3 of item 0, held 2 + 2 + 2 in three aisles; a line is sourced whole
    from one location, so it alone is a STOCKOUT (the other 4 orders are planned)."""
    result = plan_checked(sbpo_problem(_sbpo_file("0020")), time_limit_s=20)
    assert codes(result) == {"SO-00000": "STOCKOUT"}


@needs_benchmarks
def test_sbpo_problem_0020_with_split_lines_plans_zero_backlog() -> None:
    """Split into lines of 2 and 1 from two aisles, SO-00000 fits: all 5 orders planned."""
    document = sbpo_problem(_sbpo_file("0020"), SbpoSpec(split_lines=True))
    assert [line["qty"] for line in document["orders"][0]["lines"]] == [2, 1, 1]
    result = plan_checked(document, time_limit_s=20)
    assert result.status == "zero_backlog"


# --- Falkenauer --------------------------------------------------------------------------------


@needs_benchmarks
@pytest.mark.parametrize(("name", "bins"), [("t60_00", 20), ("u120_00", 48), ("u250_00", 99)])
def test_default_num_bins_is_the_size_bound(name: str, bins: int) -> None:
    """ceil(sum of sizes / C): t60 triplets fill 20 bins of 1000 exactly."""
    instance = read_falkenauer(_falkenauer_file(name))
    assert default_num_bins(instance) == math.ceil(sum(instance.sizes) / instance.capacity)
    assert default_num_bins(instance) == bins


@needs_benchmarks
@pytest.mark.parametrize("name", ["t60_00", "u120_00"])
def test_falkenauer_problem_work_is_60_s_a_size_unit(name: str) -> None:
    """One single-line order per item: pick 60 s x size, pack 0 s; all in zone A."""
    instance = read_falkenauer(_falkenauer_file(name))
    document = falkenauer_problem(_falkenauer_file(name))
    labor = load_problem(document).labor
    picks = [line_pick_s(labor, o["lines"][0]["qty"]) for o in document["orders"]]
    assert picks == [SECONDS_PER_SIZE_UNIT * size for size in instance.sizes]
    assert {pack_s(labor, size) for size in instance.sizes} == {0}
    assert {loc["zone"] for loc in document["locations"]} == {"A"}


@needs_benchmarks
@pytest.mark.parametrize(("name", "bins"), [("t60_00", 20), ("t60_00", 23), ("u120_00", None)])
def test_falkenauer_problem_bins_are_team_slots_of_60_c_seconds(
    name: str, bins: int | None
) -> None:
    """Each pick team has 60 x C s in slot 0 and none elsewhere: K bins, K x C x 60 s in all."""
    instance = read_falkenauer(_falkenauer_file(name))
    problem = load_problem(falkenauer_problem(_falkenauer_file(name), bins))
    expected_bins = bins or default_num_bins(instance)
    per_team = [
        team_capacity_s(problem.window, t).tolist() for t in problem.teams if t.stage == "pick"
    ]
    assert per_team == [[60 * instance.capacity, 0]] * expected_bins
    (pack,) = (t for t in problem.teams if t.stage == "pack")
    assert team_capacity_s(problem.window, pack).tolist() == [0, 60 * instance.capacity]


@needs_benchmarks
def test_falkenauer_problem_same_file_gives_identical_document() -> None:
    """Nothing is drawn: the same file and K give the same bytes."""
    first = json.dumps(falkenauer_problem(_falkenauer_file("u120_00")))
    assert json.dumps(falkenauer_problem(_falkenauer_file("u120_00"))) == first


@needs_benchmarks
@pytest.mark.parametrize(
    ("name", "bins"), [("t60_00", 20), ("t60_14", 20), ("u120_00", None), ("u120_08", None)]
)
def test_falkenauer_problem_known_optimum_plans_zero_backlog(name: str, bins: int | None) -> None:
    """At the published optimum every item fits: t60 is 20 triplets filling bins of 1000
    exactly; u120_00 and u120_08 pack into ceil(sum / C) bins (48, 50), the lower bound.
    First fit strands one item on each; bin completion places them all."""
    result = plan_checked(falkenauer_problem(_falkenauer_file(name), bins), time_limit_s=30)
    assert result.status == "zero_backlog"


def test_read_falkenauer_rejects_a_short_file(tmp_path: Path) -> None:
    """n = 3 but two sizes: not an instance."""
    path = tmp_path / "bad.txt"
    path.write_text("3\n100\n40\n50\n")
    with pytest.raises(ValueError, match="expected n, C and n sizes"):
        read_falkenauer(path)
