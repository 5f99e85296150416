"""The real ``zero-backlog`` command, run as a subprocess: exit codes, streams, messages.

Exit codes (see ``api/cli.py``): 0 a plan was produced / the plan checks out; 1 an internal
error or ``check`` found violations; 2 the document was rejected, with a message naming the
field and never a traceback. Every plan the CLI prints goes through the checker here.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios.examples import example_path
from solver.check import assert_plan_valid

CLI = Path(sys.executable).parent / "zero-backlog"
DEMO = example_path("demo-warehouse")
STOCKOUT = example_path("stockout")

#: A tiny valid problem: one zone, one SKU, a pick and a pack team, one order.
TINY: dict[str, Any] = {
    "window": {"start": "2026-12-04T08:00:00Z", "end": "2026-12-04T09:00:00Z", "slot_minutes": 15},
    "labor": {
        "pick_seconds_per_line": 30,
        "pick_seconds_per_unit": 6,
        "pack_seconds_per_order": 90,
        "pack_seconds_per_unit": 3,
    },
    "locations": [{"id": "A-01-01", "zone": "A"}],
    "inventory": [{"sku": "SKU-TSHIRT-M", "location": "A-01-01", "on_hand": 10}],
    "teams": [
        {"id": "pick-A", "stage": "pick", "zones": ["A"], "headcount": 1},
        {"id": "pack-1", "stage": "pack", "headcount": 1},
    ],
    "orders": [
        {
            "id": "SO-1001",
            "received_at": "2026-12-04T07:55:00Z",
            "priority": 1,
            "ship_to": {
                "name": "Ada Byron",
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "62701",
                "country": "US",
            },
            "lines": [{"sku": "SKU-TSHIRT-M", "qty": 2}],
        }
    ],
}


def run_cli(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed script; a generous timeout so a hang fails instead of blocking."""
    return subprocess.run(
        [str(CLI), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def _checked(problem: Path | dict[str, Any], plan_text: str) -> dict[str, Any]:
    """Parse a plan the CLI printed and put it through the checker."""
    plan: dict[str, Any] = json.loads(plan_text)
    assert_plan_valid(_document(problem) if isinstance(problem, Path) else problem, plan)
    return plan


def _write(tmp_path: Path, document: object, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- plan -------------------------------------------------------------------------------------


def test_cli_plan_demo_prints_json_and_a_summary() -> None:
    """The README's first command: exit 0, the plan on stdout, ZERO BACKLOG on stderr."""
    result = run_cli("plan", DEMO)
    assert result.returncode == 0, result.stderr
    plan = _checked(DEMO, result.stdout)
    assert plan["status"] == "zero_backlog"
    assert plan["kpis"]["planned"] == 40
    assert "ZERO BACKLOG" in result.stderr


def test_cli_plan_output_option_writes_the_file(tmp_path: Path) -> None:
    """-o writes the plan to the file and leaves stdout empty (the summary stays on stderr)."""
    out = tmp_path / "plan.json"
    result = run_cli("plan", DEMO, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert _checked(DEMO, out.read_text("utf-8"))["kpis"]["planned"] == 40


def test_cli_plan_quiet_prints_no_summary() -> None:
    """-q is for scripts: the plan on stdout and nothing on stderr."""
    result = run_cli("plan", DEMO, "-q")
    assert result.returncode == 0
    assert result.stderr == ""
    _checked(DEMO, result.stdout)


def test_cli_plan_engine_mip_plans_the_demo() -> None:
    """The MIP engine reaches the same zero backlog on the calm demo (40 of 40)."""
    result = run_cli("plan", DEMO, "--engine", "mip")
    assert result.returncode == 0, result.stderr
    plan = _checked(DEMO, result.stdout)
    assert plan["solver"]["engine"] == "mip"
    assert plan["kpis"]["planned"] == 40


def test_cli_plan_reads_stdin_with_dash() -> None:
    """`plan -` reads the document from stdin, as in `cat problem.json | zero-backlog plan -`."""
    result = run_cli("plan", "-", stdin=DEMO.read_text("utf-8"))
    assert result.returncode == 0, result.stderr
    assert _checked(DEMO, result.stdout)["kpis"]["planned"] == 40


def test_cli_plan_yaml_gives_the_same_plan_counts(tmp_path: Path) -> None:
    """YAML with the same structure is the same problem: 37 planned, 5 STOCKOUT, either way."""
    document = _document(STOCKOUT)
    yaml_path = tmp_path / "stockout.yaml"
    yaml_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    from_json = _checked(STOCKOUT, run_cli("plan", STOCKOUT, "-q").stdout)
    from_yaml = _checked(document, run_cli("plan", yaml_path, "-q").stdout)
    for key in ("planned", "backlog", "planned_by_priority", "backlog_by_code"):
        assert from_yaml["kpis"][key] == from_json["kpis"][key]
    assert from_yaml["kpis"]["planned"] == 37


def test_cli_plan_yaml_from_stdin(tmp_path: Path) -> None:
    """stdin accepts YAML too (it is tried when the text is not JSON)."""
    result = run_cli("plan", "-", "-q", stdin=yaml.safe_dump(TINY, sort_keys=False))
    assert result.returncode == 0, result.stderr
    assert _checked(TINY, result.stdout)["status"] == "zero_backlog"


def test_cli_plan_unknown_engine_exits_2() -> None:
    """--engine foo is a rejected input, not an internal error: exit 2 naming the engine."""
    result = run_cli("plan", DEMO, "--engine", "foo")
    assert result.returncode == 2
    assert "engine" in result.stderr
    assert "Traceback" not in result.stderr


# --- check ------------------------------------------------------------------------------------


def test_cli_check_accepts_a_good_plan(tmp_path: Path) -> None:
    """The planner's own plan keeps every rule: exit 0, "valid" on stderr."""
    out = tmp_path / "plan.json"
    assert run_cli("plan", DEMO, "-q", "-o", out).returncode == 0
    result = run_cli("check", DEMO, out)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stderr


def test_cli_check_rejects_a_plan_over_capacity(tmp_path: Path) -> None:
    """All 40 packs (about 3,900 s) moved into the last slot, where pack-1 has 2 x 900 s:
    capacity is exceeded, so check exits 1 and names the capacity rule."""
    out = tmp_path / "plan.json"
    assert run_cli("plan", DEMO, "-q", "-o", out).returncode == 0
    plan = json.loads(out.read_text("utf-8"))
    for assignment in plan["assignments"]:
        if assignment["stage"] == "pack":
            assignment["slot"] = 7
            assignment["slot_start"] = "2026-12-04T09:45:00Z"
    tampered = _write(tmp_path, plan, "tampered.json")
    result = run_cli("check", DEMO, tampered)
    assert result.returncode == 1
    assert "[capacity]" in result.stderr
    assert "pack-1" in result.stderr


def test_cli_check_reads_the_plan_from_stdin(tmp_path: Path) -> None:
    """`zero-backlog plan p.json | zero-backlog check p.json -` works as a pipeline."""
    plan_text = run_cli("plan", DEMO, "-q").stdout
    result = run_cli("check", DEMO, "-", stdin=plan_text)
    assert result.returncode == 0, result.stderr


def test_cli_check_plan_not_an_object_exits_2(tmp_path: Path) -> None:
    """A plan that is a JSON array is rejected as a document (exit 2), not checked."""
    result = run_cli("check", DEMO, _write(tmp_path, [1, 2], "plan.json"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# --- schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["problem", "plan"])
def test_cli_schema_prints_a_json_schema(document: str) -> None:
    """Both documents have a JSON Schema whose properties name the contract's fields."""
    result = run_cli("schema", document)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    expected = {"window", "teams", "orders"} if document == "problem" else {"status", "kpis"}
    assert expected <= set(schema["properties"])


def test_cli_schema_unknown_document_exits_2() -> None:
    """Only problem and plan have schemas; anything else is a rejected argument."""
    result = run_cli("schema", "order")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# --- rejected documents -----------------------------------------------------------------------


def _without_window() -> dict[str, Any]:
    document = copy.deepcopy(TINY)
    del document["window"]
    return document


def _with(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    document = copy.deepcopy(TINY)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


BROKEN_DOCUMENTS = {
    "missing_window": (_without_window(), ["window", "required"]),
    "slots_do_not_divide_window": (_with(("window", "slot_minutes"), 25), ["window", "25"]),
    "slot_minutes_zero": (_with(("window", "slot_minutes"), 0), ["window.slot_minutes"]),
    "unknown_stage": (_with(("teams", 0, "stage"), "ship"), ["teams[0].stage"]),
    "slot_minutes_fraction": (_with(("window", "slot_minutes"), 15.5), ["window.slot_minutes"]),
    "orders_not_a_list": (_with(("orders",), "x"), ["orders", "valid list"]),
    "json_array": ([TINY], ["JSON object"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN_DOCUMENTS))
def test_cli_plan_rejects_a_broken_document_naming_the_field(tmp_path: Path, case: str) -> None:
    """A malformed structure is rejected whole: exit 2, the field named, no traceback."""
    document, expected = BROKEN_DOCUMENTS[case]
    result = run_cli("plan", _write(tmp_path, document))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json at all", "not valid JSON"), ("", "empty"), ("   \n", "empty")],
    ids=["not_json", "empty_file", "blank_file"],
)
def test_cli_plan_rejects_unreadable_text(tmp_path: Path, content: str, expected: str) -> None:
    """Text that is not a JSON document is exit 2 with the reason, never a traceback."""
    path = tmp_path / "problem.json"
    path.write_text(content, encoding="utf-8")
    result = run_cli("plan", path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_plan_rejects_a_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is a rejected document (exit 2) that names the path."""
    result = run_cli("plan", tmp_path / "nowhere.json")
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert "nowhere.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_check_rejects_a_broken_problem(tmp_path: Path) -> None:
    """check validates the problem like plan does: a bad slot length is exit 2."""
    problem = _write(tmp_path, _with(("window", "slot_minutes"), 0))
    plan = _write(tmp_path, {"status": "zero_backlog"}, "plan.json")
    result = run_cli("check", problem, plan)
    assert result.returncode == 2
    assert "window.slot_minutes" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_plan_output_in_a_missing_folder_exits_2_before_planning(tmp_path: Path) -> None:
    """-o into a folder that does not exist is refused up front (exit 2), not after solving."""
    result = run_cli("plan", DEMO, "-o", tmp_path / "missing" / "plan.json", "-q")
    assert result.returncode == 2
    assert "no such folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_plan_yaml_keeps_norway_and_numeric_zip(tmp_path: Path) -> None:
    """YAML 1.1 would read country NO as false and 62701 as a number; both orders plan."""
    document = copy.deepcopy(TINY)
    norway = copy.deepcopy(document["orders"][0])
    norway["id"] = "SO-1002"
    norway["ship_to"] = {**norway["ship_to"], "country": "NO", "postal_code": "0150"}
    document["orders"].append(norway)
    text = json.dumps(document).replace('"country": "NO"', '"country": NO')
    text = text.replace('"postal_code": "62701"', '"postal_code": 62701')
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")  # JSON is YAML; the two values are now bare
    result = run_cli("plan", path, "-q")
    assert result.returncode == 0, result.stderr
    plan = _checked(document, result.stdout)
    assert plan["kpis"]["planned"] == 2
    assert plan["exceptions"] == []


def test_cli_plan_accepts_a_whole_float_slot_length(tmp_path: Path) -> None:
    """slot_minutes 15.0 is the whole number 15, as a spreadsheet export writes it."""
    result = run_cli("plan", _write(tmp_path, _with(("window", "slot_minutes"), 15.0)), "-q")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["window"]["slot_minutes"] == 15
