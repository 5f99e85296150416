"""What-if scenarios in the service: /v1/scenarios (jobs: submit, poll).

The body is a scenario (the shape of ``zero-backlog whatif`` files, as JSON) whose base is
a document given inline (``base.document``) or a generator spec (``base.generate``); a
path on the server (``base.problem``) is refused. The scenario runs in a solver process,
its runs one after another (``inline``), and the job's answer is the same results as
``results.json``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import Runner, TimeLimit
from api.routers.plans import FULL, NOT_FOUND, accept, job_of_kind
from api.schemas import Accepted, Rejected, ScenarioJobOut
from scenarios.whatif.runner import prepare_cases
from scenarios.whatif.spec import ScenarioSpec, parse_scenario
from solver.loading import DocumentError, FieldError

router = APIRouter(prefix="/v1", tags=["what-if scenarios"])

KIND = "scenario"
#: A run plans once, and with staffing also plans shifts (which plan twice themselves).
STAFFING_FACTOR = 3
GRACE_S = 30.0


async def scenario_body(request: Request) -> ScenarioSpec:
    """The body as a scenario, validated whole (422 names each field)."""
    try:
        parsed = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DocumentError([FieldError("", f"not JSON: {error}")]) from None
    spec = parse_scenario(parsed)
    if spec.base.problem is not None:
        message = "a path on the server is not read: give base.document or base.generate"
        raise DocumentError([FieldError("base.problem", message)])
    prepare_cases(spec)  # every variant's document is valid, or 422 naming the change
    return spec


Scenario = Annotated[ScenarioSpec, Depends(scenario_body)]
_SCENARIO_BODY = {"type": "object", "description": "A what-if scenario (docs/whatif.md)."}


@router.post(
    "/scenarios",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={422: {"model": Rejected}, 429: FULL},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _SCENARIO_BODY}},
        }
    },
)
def submit_scenario(
    spec: Scenario,
    limit: TimeLimit,
    runner: Runner,
    response: Response,
    staffing: bool = True,
) -> Accepted:
    """Queue a scenario: the base and every variant planned (``time_limit`` seconds each)
    and compared; with ``staffing`` the person-hours needed and the staffing curve too."""
    job_input, budget_s = scenario_job(spec, limit, staffing)
    return accept(runner, response, job_input, budget_s, KIND, "/v1/scenarios")


def scenario_job(
    spec: ScenarioSpec, limit_s: float, staffing: bool
) -> tuple[dict[str, Any], float]:
    """A scenario job's input and its budget: every run's time limit, thrice with
    staffing, and a grace."""
    runs = 1 + len(spec.variants)
    budget_s = runs * limit_s * (STAFFING_FACTOR if staffing else 1) + GRACE_S
    job_input: dict[str, Any] = {
        "scenario": spec.model_dump(mode="json", exclude_none=True),
        "time_limit_s": limit_s,
        "staffing": staffing,
    }
    return job_input, budget_s


@router.get("/scenarios/{job_id}", response_model=ScenarioJobOut, responses=NOT_FOUND)
def get_scenario(job_id: str, runner: Runner) -> ScenarioJobOut:
    """The job's status and, when done, the results (every run's figures, the
    comparisons with the base, the orders each variant gains or loses)."""
    return ScenarioJobOut.of(job_of_kind(runner, job_id, KIND))
