"""One tiny feasible and one tiny infeasible problem per constraint family, on both engines.

Each case is a file in ``tests/data/families/`` named ``<family>-feasible*.json`` or
``<family>-infeasible*.json``. Its top-level ``expect`` key (stripped before planning, the
loader rejects unknown keys) says what the plan must hold and why:

- ``why``: the arithmetic that makes the family binding;
- ``planned``: exactly the planned order ids; ``codes``: exactly the exception codes;
- ``assignments`` / ``exceptions``: partial matches, each must match some entry of the plan
  (nested lists of objects are matched the same way, entry by entry);
- ``xfail``: a known solver bug; the case is a strict xfail until it is fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from planning import DATA, engine_params, plan_checked, plan_dict

FAMILIES = DATA / "families"
FAMILY_NAMES = (
    "line-sourcing",
    "one-pick-per-zone",
    "one-pack-per-order",
    "pack-after-picks",
    "team-capacity",
    "stock",
    "release",
    "deadline",
    "zone-eligibility",
    "pack-team-zones",
    "pinned",
)


def _case_params() -> list[Any]:
    params = []
    for path in sorted(FAMILIES.glob("*.json")):
        xfail = json.loads(path.read_text())["expect"].get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        params.append(pytest.param(path, marks=marks, id=path.stem))
    return params


def _matches(expected: object, actual: object) -> bool:
    """Objects match when every expected key matches; lists entry by entry, in order."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


def _assert_all_present(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> None:
    for wanted in expected:
        assert any(_matches(wanted, got) for got in actual), f"no match for {wanted} in {actual}"


def test_families_every_family_has_a_feasible_and_an_infeasible_case() -> None:
    """The house rule: one tiny feasible and one tiny infeasible problem per family."""
    stems = {path.stem for path in FAMILIES.glob("*.json")}
    for family in FAMILY_NAMES:
        for kind in ("feasible", "infeasible"):
            assert any(s == f"{family}-{kind}" or s.startswith(f"{family}-{kind}-") for s in stems)
    assert all(any(s.startswith(f"{f}-") for f in FAMILY_NAMES) for s in stems)


@pytest.mark.parametrize("engine", engine_params("cp-sat", "mip"))
@pytest.mark.parametrize("path", _case_params())
def test_family_case_plans_as_expected(path: Path, engine: str) -> None:
    """The numbers in the case file's ``expect.why`` decide the planned orders and the codes."""
    doc = json.loads(path.read_text())
    expect = doc.pop("expect")
    result = plan_dict(plan_checked(doc, engine=engine, time_limit_s=10))
    codes = {e["order"]: e["code"] for e in result["exceptions"]}
    planned = {a["order"] for a in result["assignments"]} - set(codes)
    assert codes == expect["codes"], expect["why"]
    assert planned == set(expect["planned"]), expect["why"]
    _assert_all_present(expect.get("assignments", []), result["assignments"])
    _assert_all_present(expect.get("exceptions", []), result["exceptions"])
