"""The benchmark's runs and report, on small documents (the suites themselves are separate
commands that print figures; nothing here asserts a wall time)."""

from __future__ import annotations

import json
from pathlib import Path

from scenarios.adapters.falkenauer import BinPackingInstance, bin_packing_problem
from scenarios.bench.report import markdown
from scenarios.bench.runner import in_fresh_process, run_falkenauer, run_one, run_replan
from scenarios.bench.suite import Case
from scenarios.generator import GeneratorSpec, generate_problem


def _write(tmp_path: Path, name: str, doc: object) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def test_run_one_plans_checks_and_counts(tmp_path: Path) -> None:
    """A calm 40-order window (half load, stock for three times the demand): Zero Backlog
    plans all 40, the plan file checks out."""
    spec = GeneratorSpec(seed=1, num_orders=40, load_factor=0.5, stock_factor=3.0)
    path = _write(tmp_path, "calm", generate_problem(spec))
    result = run_one("calm", path, "zero-backlog", 10.0)
    assert (result.orders, result.planned, result.backlog) == (40, 40, 0)
    assert result.valid
    assert result.first_zero_backlog_s is not None
    assert result.first_zero_backlog_s <= result.total_s
    assert path.with_suffix(".zero-backlog.plan.json").is_file()


def test_run_one_peer_fifo_is_checked_too(tmp_path: Path) -> None:
    """FIFO dispatch on an overloaded window: a valid plan that plans no more than ours."""
    doc = generate_problem(GeneratorSpec(seed=3, num_orders=60, load_factor=1.3))
    path = _write(tmp_path, "busy", doc)
    ours = run_one("busy", path, "zero-backlog", 10.0)
    fifo = run_one("busy", path, "fifo", 10.0)
    assert ours.valid and fifo.valid
    assert fifo.planned <= ours.planned
    assert fifo.first_zero_backlog_s is None  # overloaded: no zero-backlog plan exists


def test_run_replan_times_only_the_new_orders(tmp_path: Path) -> None:
    """Five new orders (copies of five held ones, under new ids) into a window at 40% load
    with stock for three times its demand: all placed, and the merged plan checks out."""
    spec = GeneratorSpec(seed=5, num_orders=50, load_factor=0.4, stock_factor=3.0)
    doc = generate_problem(spec)
    base = _write(tmp_path, "base", doc)
    new = [dict(raw, id=f"NEW-{k}") for k, raw in enumerate(doc["orders"][:5])]
    extra = _write(tmp_path, "new", new)
    result = run_replan("replan", base, extra)
    assert result.valid
    assert result.orders == 55
    assert "5 of 5 new orders placed" in result.note


def test_run_falkenauer_proves_k_too_small_then_plans_k_plus_one(tmp_path: Path) -> None:
    """Three items of 6 in bins of 10: two bins hold two items at most (proven), three
    bins hold all three."""
    items = BinPackingInstance(name="three-sixes", capacity=10, sizes=(6, 6, 6))
    at_k = _write(tmp_path, "k", bin_packing_problem(items, 2))
    at_k1 = _write(tmp_path, "k1", bin_packing_problem(items, 3))
    result = run_falkenauer("three-sixes", at_k, at_k1, 2, 10.0)
    assert result.valid
    assert result.planned == 2
    assert "at most 2 of 3 fit (proven)" in result.note
    assert "K+1: zero backlog" in result.note


def test_in_fresh_process_reports_its_own_peak_memory(tmp_path: Path) -> None:
    """The run happens in a spawned process and comes back whole."""
    path = _write(tmp_path, "small", generate_problem(GeneratorSpec(seed=7, num_orders=20)))
    result = in_fresh_process(run_one, "small", path, "zero-backlog", 10.0)
    assert result.valid and result.planned == 20
    assert result.peak_mb > 0


def test_markdown_report_names_machine_command_and_rows(tmp_path: Path) -> None:
    """The report carries the command, the machine and one row per run."""
    path = _write(tmp_path, "calm", generate_problem(GeneratorSpec(seed=2, num_orders=30)))
    ours = run_one("calm", path, "zero-backlog", 10.0)
    fifo = run_one("calm", path, "fifo", 10.0)
    case = Case("calm", "generated", path, 10.0, "-")
    text = markdown("quick", "zero-backlog bench --only calm", [case], [ours, fifo])
    assert "zero-backlog bench --only calm" in text
    assert "logical CPUs" in text
    assert "| calm | zero-backlog |" in text
    assert "| calm | fifo |" in text
