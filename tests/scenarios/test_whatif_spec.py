"""Scenario files: strict, every error names its field; the shipped files all load."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import scenarios
from scenarios.examples import example_path
from scenarios.whatif.runner import prepare_cases
from scenarios.whatif.spec import load_scenario, parse_scenario
from solver.loading import DocumentError

SHIPPED = sorted((Path(scenarios.__file__).resolve().parent / "whatif").glob("*.yaml"))

GOOD: dict[str, Any] = {
    "name": "tiny",
    "base": {"problem": "../problems/demo-warehouse.json"},
    "variants": [{"name": "v", "changes": [{"kind": "volume", "multiplier": 2}]}],
}


def _errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as error:
        parse_scenario(data)
    return [(e.field, e.message) for e in error.value.errors]


def _with_change(change: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["variants"][0]["changes"] = [change]
    return data


def test_spec_good_file_parses_with_defaults() -> None:
    """A minimal file: a 10 s limit per run and seed 0 by default; an int is a float."""
    spec = parse_scenario(GOOD)
    assert (spec.time_limit_s, spec.seed) == (10.0, 0)
    assert spec.variants[0].changes[0].kind == "volume"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**GOOD, "extra": 1}, "extra", "is not a field"),
        ({k: v for k, v in GOOD.items() if k != "base"}, "base", "is required"),
        ({**GOOD, "name": "peak day"}, "name", "should match pattern"),
        ({**GOOD, "time_limit_s": "10"}, "time_limit_s", "valid number"),
        ({**GOOD, "base": {"problem": "a.json", "generate": {}}}, "base", "exactly one"),
        ({**GOOD, "base": {"generate": {"num_orders": 0}}}, "base.generate.num_orders",
         "equal to 1"),
        ({**GOOD, "variants": []}, "variants", "at least one"),
        ({**GOOD, "variants": [{"name": "base", "changes": [{"kind": "window",
          "end_earlier_by_min": 15}]}]}, "variants", "names the base run"),
        ({**GOOD, "variants": GOOD["variants"] * 2}, "variants", "unique: v"),
        (_with_change({"kind": "volum", "multiplier": 2}), "variants[0].changes[0]", "'volum'"),
        (_with_change({"kind": "volume", "multiplier": "2"}),
         "variants[0].changes[0].volume.multiplier", "valid number"),
        (_with_change({"kind": "volume", "multiplier": 0}),
         "variants[0].changes[0].volume.multiplier", "greater than 0"),
        (_with_change({"kind": "team", "id": "pick-A"}), "variants[0].changes[0].team",
         "give headcount, availability or absent"),
        (_with_change({"kind": "team", "id": "pick-A", "absent": True, "headcount": 1}),
         "variants[0].changes[0].team", "absent: true takes no headcount"),
        (_with_change({"kind": "stock", "sku": "S", "location": "L", "on_hand": 1, "delta": 1}),
         "variants[0].changes[0].stock", "exactly one of on_hand, delta"),
        (_with_change({"kind": "stock", "sku": "S", "location": "L",
                       "arrives_at": "2026-12-04T09:00:00Z"}),
         "variants[0].changes[0].stock", "needs both arriving_qty and arrives_at"),
        (_with_change({"kind": "cutoff", "at": "9:30"}), "variants[0].changes[0].cutoff.at",
         "not an ISO 8601 timestamp"),
        (_with_change({"kind": "cutoff", "at": "2026-12-04T09:30:00"}),
         "variants[0].changes[0].cutoff.at", "no UTC offset"),
        (_with_change({"kind": "rush_orders", "count": 2, "received_offset_min": 30,
                       "due_offset_min": 30}),
         "variants[0].changes[0].rush_orders", "after received_offset_min"),
        (_with_change({"kind": "window", "end_earlier_by_min": 15, "start": 1}),
         "variants[0].changes[0].window.start", "is not a field"),
    ],
)  # fmt: skip
def test_spec_error_names_the_field(data: dict[str, Any], field: str, words: str) -> None:
    """Each broken file gives one error, on the field that is wrong, saying why."""
    errors = _errors(data)
    assert len(errors) == 1, errors
    assert errors[0][0] == field
    assert words in errors[0][1]


def test_spec_yaml_file_reads_times_as_written(tmp_path: Path) -> None:
    """A YAML file: unquoted times and the generator's start stay what they say."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nbase:\n  generate: {seed: 3, num_orders: 30, start: 2026-12-04T06:00:00Z}\n"
        "variants:\n  - name: cut\n    changes:\n"
        "      - {kind: cutoff, at: 2026-12-04T07:30:00Z}\n"
    )
    spec = load_scenario(path)
    assert spec.base.generate is not None and spec.base.generate.start.hour == 6
    assert spec.variants[0].changes[0].kind == "cutoff"


def test_spec_base_problem_is_relative_to_the_file(tmp_path: Path) -> None:
    """``base.problem`` is read relative to the scenario file's folder; a missing file or a
    change the base cannot take is an error naming the scenario field."""
    folder = tmp_path / "what"
    folder.mkdir()
    (folder / "base.json").write_text(example_path("demo-warehouse").read_text())
    data = {**GOOD, "base": {"problem": "base.json"}}
    cases = prepare_cases(parse_scenario(data), folder)
    assert [c.name for c in cases] == ["base", "v"]
    assert len(cases[1].document["orders"]) == 80
    with pytest.raises(DocumentError) as error:
        prepare_cases(parse_scenario({**GOOD, "base": {"problem": "nope.json"}}), folder)
    assert error.value.errors[0].field == "base.problem"
    team = {"kind": "team", "id": "pick-Z", "absent": True}
    with pytest.raises(DocumentError) as error:
        prepare_cases(parse_scenario({**_with_change(team), "base": {"problem": "base.json"}}),
                      folder)  # fmt: skip
    assert error.value.errors[0].field == "variants[0].changes[0].team.id"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_spec_shipped_scenarios_load_and_apply(path: Path) -> None:
    """Every shipped scenario file parses, says what it is about, and each variant applies
    to its base (no solve here; the docs have the figures of real runs)."""
    spec = load_scenario(path)
    assert spec.name == path.stem and spec.description
    assert all(variant.description for variant in spec.variants)
    cases = prepare_cases(spec, path.parent)
    assert len(cases) == 1 + len(spec.variants)
    assert yaml.safe_load(path.read_text())["name"] == spec.name


def test_spec_shipped_scenarios_are_the_four_stories() -> None:
    """Peak day, a sick team, a late truck, an earlier cutoff."""
    assert [p.stem for p in SHIPPED] == ["early-cutoff", "late-truck", "peak-day", "sick-team"]
