"""Shift plans: /v1/shift-plans (jobs: submit, poll). The least staffing under which every
plannable order is done in the window; computed in a solver process like any plan."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import Problem, Runner, TimeLimit
from api.jobs import QueueFullError
from api.routers.plans import FULL, NOT_FOUND, queue_full
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
    try:
        job = runner.submit(problem, limit, kind=KIND)
    except QueueFullError:
        raise queue_full(runner) from None
    location = f"/v1/shift-plans/{job.id}"
    response.headers["Location"] = location
    return Accepted(id=job.id, status=job.status, location=location)


@router.get("/shift-plans/{job_id}", response_model=ShiftPlanJobOut, responses=NOT_FOUND)
def get_shift_plan(job_id: str, runner: Runner) -> ShiftPlanJobOut:
    """The job's status and the shift plan when there is one: head counts per team and
    slot, shifts, person-hours, the plan under that staffing and the trade-off curve."""
    job = runner.get(job_id)
    if job is None or job.kind != KIND:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no shift-plan job {job_id}")
    return ShiftPlanJobOut.of(job)
