"""Zero Backlog's planning library: problem document in, plan out.

>>> from solver import plan, PlanParams
>>> result = plan(document, PlanParams(time_limit_s=10))  # doctest: +SKIP
"""

from solver.check import assert_plan_valid, check_plan
from solver.engine import PlanParams
from solver.loading import DocumentError, load_problem
from solver.result import Plan
from solver.solve import plan

__all__ = [
    "DocumentError",
    "Plan",
    "PlanParams",
    "assert_plan_valid",
    "check_plan",
    "load_problem",
    "plan",
]
