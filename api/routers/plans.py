"""Solving: /v1/solve (wait for the plan) and /v1/plans (jobs: submit, poll, stop, stream)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Problem, Runner, TimeLimit
from api.jobs import QueueFullError
from api.models import Job
from api.schemas import Accepted, JobOut, Rejected

router = APIRouter(prefix="/v1", tags=["planning"])

#: Seconds /v1/solve waits past the time limit for the stored plan.
SOLVE_WAIT_GRACE_S = 60.0


def queue_full(runner: Runner) -> HTTPException:
    retry = str(runner.settings.retry_after_s)
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, "the job queue is full", headers={"Retry-After": retry}
    )


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such job."}}
FULL: dict[str, Any] = {"description": "The job queue is full; retry after Retry-After s."}
SOLVE_FAILED: dict[str, Any] = {"description": "The solver process failed (the reason)."}


@router.post(
    "/solve",
    responses={422: {"model": Rejected}, 429: FULL, 500: SOLVE_FAILED},
)
async def solve(problem: Problem, limit: TimeLimit, runner: Runner) -> Any:
    """Plan the document and answer the plan (the solve runs in a solver process)."""
    try:
        job = runner.submit(problem, limit)
    except QueueFullError:
        raise queue_full(runner) from None
    done = await run_in_threadpool(runner.wait, job.id, limit + SOLVE_WAIT_GRACE_S)
    if done is None or done.plan is None:
        reason = done.error if done is not None else "the job disappeared"
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"no plan: {reason}")
    return JSONResponse(json.loads(done.plan))


@router.post(
    "/plans",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={422: {"model": Rejected}, 429: FULL},
)
def submit(problem: Problem, limit: TimeLimit, runner: Runner, response: Response) -> Accepted:
    """Queue a planning job; its status and plan are at the ``Location`` given."""
    return accept(runner, response, problem, limit, "plan", "/v1/plans")


def accept(
    runner: Runner,
    response: Response,
    job_input: dict[str, Any],
    limit_s: float,
    kind: str,
    path: str,
) -> Accepted:
    """Queue a job of this kind: 202 with its ``Location`` (under ``path``), or 429."""
    try:
        job = runner.submit(job_input, limit_s, kind=kind)
    except QueueFullError:
        raise queue_full(runner) from None
    location = f"{path}/{job.id}"
    response.headers["Location"] = location
    return Accepted(id=job.id, status=job.status, location=location)


def job_of_kind(runner: Runner, job_id: str, kind: str) -> Job:
    """The job, if it is one of this kind (a shift-plan job is no plan job); else 404."""
    job = runner.get(job_id)
    if job is None or job.kind != kind:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} job {job_id}")
    return job


def _job(runner: Runner, job_id: str) -> JobOut:
    return JobOut.of(job_of_kind(runner, job_id, "plan"))


@router.get("/plans/{job_id}", response_model=JobOut, responses=NOT_FOUND)
def get_plan(job_id: str, runner: Runner) -> JobOut:
    """The job's status, its last progress event, and the plan when there is one."""
    return _job(runner, job_id)


@router.delete("/plans/{job_id}", response_model=JobOut, responses=NOT_FOUND)
def stop_plan(job_id: str, runner: Runner) -> JobOut:
    """Stop the job; a running one ends 'cancelled' with the best plan found so far."""
    _job(runner, job_id)
    if runner.cancel(job_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    done = runner.wait(job_id, 10.0)
    return JobOut.of(done) if done is not None else _job(runner, job_id)


def sse_lines(events: Iterator[dict[str, Any]]) -> Iterator[str]:
    for event in events:
        yield f"event: {event['event']}\ndata: {json.dumps(event['data'])}\n\n"


@router.get(
    "/plans/{job_id}/events",
    responses={**NOT_FOUND, 200: {"content": {"text/event-stream": {}}}},
    response_class=StreamingResponse,
)
def plan_events(job_id: str, runner: Runner) -> StreamingResponse:
    """Server-sent events: status changes and progress (level, value, bound) until it ends."""
    _job(runner, job_id)
    return StreamingResponse(sse_lines(runner.events(job_id)), media_type="text/event-stream")
