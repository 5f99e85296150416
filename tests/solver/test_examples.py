"""Acceptance: the contract's worked examples reach their exact lexicographic optimum.

The files and their optima (``expected.json``) are copied from ``shared/spec/examples``;
the optima there were computed by two independent exact models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.solve import plan

EXAMPLES = Path(__file__).parent.parent / "data" / "examples"
EXPECTED: dict[str, Any] = json.loads((EXAMPLES / "expected.json").read_text())


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_examples_reach_exact_optimum(name: str) -> None:
    """planned_by_priority must equal the published lexicographic optimum, proven optimal."""
    document = json.loads((EXAMPLES / name).read_text())
    result = plan(document, PlanParams(time_limit_s=60))
    assert_plan_valid(document, json.loads(result.to_json()))
    expected = EXPECTED[name]
    assert _nonzero(result.kpis.planned_by_priority) == _nonzero(expected["planned_by_priority"])
    assert result.kpis.orders == expected["orders"]
    assert result.solver.status == "OPTIMAL"
    assert result.solver.gap == 0


@pytest.mark.parametrize(
    "name", sorted(n for n in EXPECTED if EXPECTED[n]["codes_known_in_advance"])
)
def test_examples_known_codes(name: str) -> None:
    """Codes that no plan choice can change (INVALID_*, PAST_DUE) are exactly as published."""
    document = json.loads((EXAMPLES / name).read_text())
    result = plan(document, PlanParams(time_limit_s=60))
    assert_plan_valid(document, json.loads(result.to_json()))
    codes = {e.order: e.code for e in result.exceptions}
    for order_id, code in EXPECTED[name]["codes_known_in_advance"].items():
        assert codes.get(order_id) == code, order_id
    fixed = {"INVALID_ORDER", "INVALID_ADDRESS", "PAST_DUE"}
    assert {o for o, c in codes.items() if c in fixed} == set(
        EXPECTED[name]["codes_known_in_advance"]
    )
