"""Shift plans: /v1/shift-plans (jobs: submit, poll). The least staffing under which every
plannable order is done in the window; computed in a solver process like any plan."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import Problem, Runner, TimeLimit
from api.routers.plans import FULL, NOT_FOUND, accept, job_of_kind
from api.schemas import Accepted, Rejected, ShiftPlanJobOut

router = APIRouter(prefix="/v1", tags=["shift plans"])

KIND = "shift-plan"


@router.post(
    "/shift-plans",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={422: {"model": Rejected}, 429: FULL},
)
def submit_shift_plan(
    problem: Problem, limit: TimeLimit, runner: Runner, response: Response
) -> Accepted:
    """Queue a shift plan of the document (teams may carry ``max_headcount``,
    ``min_shift_minutes``, ``cost_per_person_slot``); poll the ``Location`` given."""
    return accept(runner, response, problem, limit, KIND, "/v1/shift-plans")


@router.get("/shift-plans/{job_id}", response_model=ShiftPlanJobOut, responses=NOT_FOUND)
def get_shift_plan(job_id: str, runner: Runner) -> ShiftPlanJobOut:
    """The job's status and the shift plan when there is one: head counts per team and
    slot, shifts, person-hours, the plan under that staffing and the trade-off curve."""
    return ShiftPlanJobOut.of(job_of_kind(runner, job_id, KIND))
