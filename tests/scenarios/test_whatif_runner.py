"""The what-if runner end to end: every case planned and checked, compared with the base,
the same results whatever the executor, and the report files.

Every plan the runner makes goes through the independent checker inside the run
(``solver.check.check_plan``); ``valid`` is what it said, asserted here for every run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from whatif_data import DEMO, demo_scenario, tiny_document, work_curve, work_hours

from scenarios.examples import demo_warehouse
from scenarios.whatif import case
from scenarios.whatif.report import results_json, write_report
from scenarios.whatif.results import ScenarioResults
from scenarios.whatif.runner import run_scenario, with_times_removed
from scenarios.whatif.spec import parse_scenario
from solver.loading import DocumentError

CLI = Path(sys.executable).parent / "zero-backlog"
HOOKS: dict[str, Any] = {"person_hours": work_hours, "staffing_curve": work_curve}


@pytest.fixture(scope="module")
def progress_calls() -> list[tuple[str, int, int]]:
    return []


@pytest.fixture(scope="module")
def by_process(progress_calls: list[tuple[str, int, int]]) -> ScenarioResults:
    """The demo scenario on a pool of two spawned processes."""
    return run_scenario(
        demo_scenario(),
        "process",
        workers=2,
        progress=lambda *call: progress_calls.append(call),
        **HOOKS,
    )


def _zone_a_only_orders() -> set[str]:
    """Orders with a line whose SKU lies only in zone A (pick-A is zone A's only team)."""
    document = demo_warehouse()
    zone = {loc["id"]: loc["zone"] for loc in document["locations"]}
    zones: dict[str, set[str]] = {}
    for record in document["inventory"]:
        zones.setdefault(record["sku"], set()).add(zone[record["location"]])
    return {
        o["id"]
        for o in document["orders"]
        if any(zones.get(line["sku"]) == {"A"} for line in o["lines"])
    }


def test_runner_plans_and_checks_every_case_in_order(by_process: ScenarioResults) -> None:
    """The base, then the variants in the file's order; every plan valid; the base is the
    demo's zero backlog, 40 of 40."""
    assert [run.name for run in by_process.runs] == ["base", "pick-A-out", "plus-40"]
    assert all(run.valid and not run.violations for run in by_process.runs)
    base = by_process.base
    assert (base.orders, base.planned, base.backlog) == (40, 40, 0)
    assert base.on_time_rate == 1.0
    assert by_process.executor == "process" and by_process.workers == 2


def test_runner_sick_team_loses_exactly_its_new_exceptions(by_process: ScenarioResults) -> None:
    """pick-A out: the 24 orders with a line stocked only in zone A become NO_ELIGIBLE_TEAM,
    and exactly those are lost; nothing is gained, added or removed."""
    sick, base = by_process.run("pick-A-out"), by_process.base
    comparison = by_process.comparison("pick-A-out")
    assert sick.planned <= base.planned
    assert set(comparison.lost) == set(sick.exceptions) - set(base.exceptions)
    assert set(comparison.lost) == _zone_a_only_orders() and len(comparison.lost) == 24
    assert set(comparison.lost.values()) == {"NO_ELIGIBLE_TEAM"}
    assert sick.backlog_by_code == {"NO_ELIGIBLE_TEAM": 24}
    assert comparison.planned_delta == -24
    assert (comparison.gained, comparison.added, comparison.removed) == ((), (), ())
    assert all(slot == 0 for slot in sick.capacity_s["pick-A"])
    assert sick.person_hours_scheduled < base.person_hours_scheduled


def test_runner_volume_copies_are_added_not_gained(by_process: ScenarioResults) -> None:
    """x1.4 of 40 orders: 16 copies under new ids, reported as added (all planned: the demo
    is calm), never as gained; the 40 originals stay planned."""
    peak = by_process.run("plus-40")
    comparison = by_process.comparison("plus-40")
    assert peak.orders == 56
    assert len(comparison.added) == 16 and comparison.added_planned == 16
    assert not set(comparison.added) & set(by_process.base.planned_ids)
    assert comparison.gained == () and comparison.lost == {}
    assert comparison.planned_delta == 16


def test_runner_figures_load_capacity_and_staffing(by_process: ScenarioResults) -> None:
    """Loads never exceed capacity; the utilization is their ratio; person-hours scheduled
    are the teams' head count x hours (the demo: 10.75); the hooks' figures are kept."""
    base = by_process.base
    for team, capacity in base.capacity_s.items():
        assert all(0 <= load <= cap for load, cap in zip(base.load_s[team], capacity, strict=True))
    total_load = sum(sum(v) for v in base.load_s.values())
    total_capacity = sum(sum(v) for v in base.capacity_s.values())
    assert base.utilization == round(total_load / total_capacity, 4)
    assert len(base.slot_starts) == 8 and base.slot_starts[0] == "2026-12-04T08:00:00Z"
    # pick-A 2x8 slots less a half-person slot = 3.75 h, pick-B 3.75 h, pack-1 3.25 h
    assert base.person_hours_scheduled == 10.75
    document = demo_warehouse()
    assert base.person_hours_needed == work_hours(document, 0)
    assert base.staffing_curve == work_curve(document, 0)
    assert by_process.notes == ()


def test_runner_progress_reports_each_run_once(
    by_process: ScenarioResults, progress_calls: list[tuple[str, int, int]]
) -> None:
    """One call per run, counting up to three."""
    assert sorted(name for name, _, _ in progress_calls) == ["base", "pick-A-out", "plus-40"]
    assert [done for _, done, _ in progress_calls] == [1, 2, 3]
    assert {total for _, _, total in progress_calls} == {3}


def test_runner_is_deterministic_whatever_the_executor(by_process: ScenarioResults) -> None:
    """Run again one case after another in this process: the same figures, orders and
    results.json text, wall times aside."""
    again = run_scenario(demo_scenario(), "inline", **HOOKS)
    assert again.executor == "inline"
    first = with_times_removed(by_process)
    second = with_times_removed(again)
    assert first.runs == second.runs and first.comparisons == second.comparisons
    same_settings = ScenarioResults(**{**first.__dict__, "executor": "inline", "workers": 1})
    assert results_json(second) == results_json(same_settings)


def test_runner_report_files(by_process: ScenarioResults, tmp_path: Path) -> None:
    """results.json holds every figure (parseable, the same as to_dict); report.html is one
    self-contained page with the three charts as inline SVG and nothing to fetch."""
    json_path, html_path = write_report(by_process, tmp_path / "out")
    assert json.loads(json_path.read_text()) == by_process.to_dict()
    data = json.loads(json_path.read_text())
    assert list(data) == [
        "scenario", "description", "time_limit_s", "seed", "executor", "workers", "runs",
        "comparisons", "notes",
    ]  # fmt: skip
    assert set(data["comparisons"][0]["lost"].values()) == {"NO_ELIGIBLE_TEAM"}
    assert data["runs"][0]["load_s"] == by_process.base.load_s
    html = html_path.read_text()
    assert html.count("<svg") == 3
    assert "Load against capacity" in html and "Backlog by variant" in html
    assert "Staffing curve" in html and "pick-A-out" in html
    assert "<script" not in html and "src=" not in html and 'href="http' not in html


def test_runner_without_staffing_says_so(tmp_path: Path) -> None:
    """No hooks: no person-hours needed, no curve chart, and a note saying why."""
    spec = parse_scenario(
        {
            "name": "tiny",
            "base": {"document": tiny_document()},
            "time_limit_s": 5,
            "variants": [{"name": "cut", "changes": [{"kind": "cutoff", "earlier_by_min": 15}]}],
        }
    )
    results = run_scenario(spec, "inline", person_hours=None, staffing_curve=None)
    assert all(run.person_hours_needed is None for run in results.runs)
    assert results.notes == (
        "person-hours needed: not asked for",
        "staffing curve: not asked for",
    )
    _, html_path = write_report(results, tmp_path)
    html = html_path.read_text()
    assert html.count("<svg") == 2 and "No staffing curve" in html


def test_runner_late_truck_reports_the_orders_waiting() -> None:
    """36 of the 40 units of SKU-1 arrive at 08:30: 4 are on hand, so 6 of the 10 one-unit
    orders are STOCKOUT. They all wait for the truck; those whose deadline still leaves a
    pick slot from 08:30 and a later pack slot could be picked after it (not SO-1, due
    08:45, nor SO-2, due 08:30)."""
    late = {
        "kind": "stock",
        "sku": "SKU-1",
        "location": "A-01",
        "arriving_qty": 36,
        "arrives_at": "2026-12-04T08:30:00Z",
    }
    spec = parse_scenario(
        {
            "name": "tiny",
            "base": {"document": tiny_document()},
            "time_limit_s": 5,
            "variants": [{"name": "truck", "changes": [late]}],
        }
    )
    results = run_scenario(spec, "inline", person_hours=None, staffing_curve=None)
    assert all(run.valid for run in results.runs)
    truck = results.run("truck")
    assert truck.backlog_by_code == {"STOCKOUT": 6}
    impact = results.comparison("truck").late_stock[0]
    assert (impact.sku, impact.qty, impact.arrives_at) == ("SKU-1", 36, "2026-12-04T08:30:00Z")
    assert set(impact.orders_waiting) == set(truck.exceptions)
    expected = [o for o in impact.orders_waiting if o not in ("SO-1", "SO-2")]
    assert list(impact.could_make_it_after_arrival) == expected


def test_runner_rejects_a_bad_variant_before_planning() -> None:
    """A change the base cannot take fails the whole scenario up front, naming the field."""
    spec = demo_scenario(
        variants=[{"name": "x", "changes": [{"kind": "team", "id": "pick-Z", "absent": True}]}]
    )
    with pytest.raises(DocumentError) as error:
        run_scenario(spec, "inline")
    assert error.value.errors[0].field == "variants[0].changes[0].team.id"


def test_staffing_hooks_call_solver_staffing() -> None:
    """With solver.staffing: the tiny window's least staffing is some positive number of
    person-hours, and its curve's points plan at most the ten orders."""
    needed = case.default_person_hours(tiny_document(), 2.0)
    assert needed is not None and needed > 0
    curve = case.default_staffing_curve(tiny_document(), 2.0)
    assert all(isinstance(h, float) and 0 <= n <= 10 for h, n in curve)


# --- the command ----------------------------------------------------------------------------


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd,
        check=False,
    )  # fmt: skip


def _scenario_file(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "name": "cli-demo",
        "description": "the demo warehouse, 08:00-09:45",
        "base": {"problem": str(DEMO)},
        "time_limit_s": 5,
        "variants": [{"name": "short", "changes": [{"kind": "window", "end_earlier_by_min": 15}]}],
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data | changes))
    return path


def test_cli_whatif_writes_the_report_and_prints_the_comparison(tmp_path: Path) -> None:
    """Exit 0; whatif-<name>/ in the current folder holds results.json and report.html;
    the comparison is on stdout."""
    path = _scenario_file(tmp_path)
    done = _cli("whatif", path, "--no-staffing", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "What-if: cli-demo" in done.stdout and "short" in done.stdout
    out = tmp_path / "whatif-cli-demo"
    data = json.loads((out / "results.json").read_text())
    assert [run["name"] for run in data["runs"]] == ["base", "short"]
    assert all(run["valid"] for run in data["runs"])
    assert (out / "report.html").read_text().count("<svg") == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_limit_s": "ten"}, "time_limit_s"),
        ({"variants": [{"name": "x", "changes": [{"kind": "team", "id": "nobody",
                                                  "absent": True}]}]},
         "variants[0].changes[0].team.id"),
        ({"base": {"problem": "missing.json"}}, "base.problem"),
    ],
)  # fmt: skip
def test_cli_whatif_bad_file_exits_2_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    """A rejected scenario: exit 2, the field named on stderr, no traceback, nothing written."""
    path = _scenario_file(tmp_path, **changes)
    done = _cli("whatif", path, "--no-staffing", cwd=tmp_path)
    assert done.returncode == 2
    assert f"- {field}:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "whatif-cli-demo").exists()


def test_cli_whatif_unknown_executor_exits_2(tmp_path: Path) -> None:
    path = _scenario_file(tmp_path)
    done = _cli("whatif", path, "--executor", "dask", cwd=tmp_path)
    assert done.returncode == 2 and "executor: unknown executor 'dask'" in done.stderr
