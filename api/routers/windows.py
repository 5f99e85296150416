"""Rolling windows and exception records: plan now, the latest plan, acknowledge, resolve,
and the service-wide event stream."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import OrderBody
from api.jobs import QueueFullError
from api.models import Job
from api.routers.plans import sse_lines
from api.schemas import PromiseOut, Rejected
from api.window_models import PlannedWindow
from api.windows import (
    WindowError,
    WindowPlanner,
    latest_window,
    record_view,
    records_query,
    set_status,
)
from solver.result import ExceptionCode

router = APIRouter(prefix="/v1", tags=["windows"])

#: Record ids are database integers: larger path values are rejected (422), not looked up.
MAX_ID = 2**31 - 1

RecordStatus = Literal["open", "acknowledged", "resolved"]


def get_planner(request: Request) -> WindowPlanner:
    planner: WindowPlanner = request.app.state.windows
    return planner


Planner = Annotated[WindowPlanner, Depends(get_planner)]


def _window_view(window: PlannedWindow) -> dict[str, Any]:
    return {
        "id": window.id,
        "job": window.job_id,
        "trigger": window.trigger,
        "planned": window.planned,
        "backlog": window.backlog,
        "churn": window.churn,
        "created_at": window.created_at.isoformat(),
        "plan": json.loads(window.plan),
    }


@router.post("/windows", responses={409: {"description": "The state is incomplete."}, 429: {}})
async def plan_window_now(planner: Planner) -> dict[str, Any]:
    """Plan the current window from the stored teams, stock and pending orders now."""
    try:
        window = await run_in_threadpool(planner.plan_now, "request")
    except WindowError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except QueueFullError:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "the job queue is full") from None
    return _window_view(window)


def _latest(planner: WindowPlanner) -> PlannedWindow:
    with planner.sessions() as session:
        window = latest_window(session)
    if window is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no window planned yet")
    return window


@router.get("/windows/latest", responses={404: {"description": "No window planned yet."}})
def get_latest_window(planner: Planner) -> dict[str, Any]:
    return _window_view(_latest(planner))


@router.get("/windows/latest/problem", responses={404: {"description": "No window planned yet."}})
def latest_window_problem(planner: Planner) -> dict[str, Any]:
    """The problem document the latest window planned: the window as rolled, the work
    under way pinned, the previous plan offered (``previous_assignments``). Plan it again,
    or check the window's plan against it."""
    window = _latest(planner)
    with planner.sessions() as session:
        job = session.get(Job, window.job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the window's job is gone")
    problem: dict[str, Any] = json.loads(job.problem)
    return problem


_ORDER = {"type": "object", "description": "A would-be order (the contract's order shape)."}


@router.post(
    "/promise",
    response_model=PromiseOut,
    responses={409: {"description": "No window planned yet."}, 422: {"model": Rejected}},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ORDER}}}
    },
)
def promise(planner: Planner, order: OrderBody) -> dict[str, Any]:
    """Can this order still make the current window, in which slot, or why not? Read from
    the latest window plan's free capacity and stock (nothing is re-solved; nothing is
    reserved). A malformed order is answered with its INVALID_* code, not refused."""
    try:
        return planner.promise(order)
    except WindowError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


@router.get("/exceptions")
def list_exceptions(
    planner: Planner,
    status_: Annotated[RecordStatus | None, Query(alias="status")] = None,
    code: ExceptionCode | None = None,
) -> list[dict[str, Any]]:
    """Exception records, newest first; filter by status (open, acknowledged, resolved)
    and by code."""
    with planner.sessions() as session:
        return [record_view(r) for r in session.scalars(records_query(status_, code))]


@router.post(
    "/exceptions/{record_id}/{action}", responses={404: {"description": "No such record."}}
)
def change_exception(
    record_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    action: Literal["acknowledge", "resolve"],
    planner: Planner,
) -> dict[str, Any]:
    """Acknowledge (someone is on it) or resolve (dealt with) an exception record."""
    new_status = "acknowledged" if action == "acknowledge" else "resolved"
    with planner.sessions.begin() as session:
        record = set_status(session, record_id, new_status)
        if record is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no exception record {record_id}")
        return record_view(record)


@router.get("/events", response_class=StreamingResponse)
def service_events(planner: Planner) -> StreamingResponse:
    """Server-sent events: every new window plan and every newly opened exception."""
    return StreamingResponse(sse_lines(planner.events()), media_type="text/event-stream")
