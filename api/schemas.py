"""Request and response bodies of the HTTP API (the plan itself is the solver's document)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.models import Job


class FieldProblem(BaseModel):
    """One reason a document was rejected."""

    field: str = Field(description="Path of the field, e.g. 'teams[0].stage' ('' = whole).")
    message: str


class Issue(BaseModel):
    """One entry of FastAPI's 422 ``detail`` list."""

    loc: list[str | int]
    msg: str
    type: str


class Rejected(BaseModel):
    """422: the request was rejected; every problem names its field (``errors``), and
    ``detail`` is FastAPI's usual list, so every 422 of the API has this one shape."""

    detail: list[Issue]
    errors: list[FieldProblem]


class JobBase(BaseModel):
    """What every job shows: where it is and when."""

    id: str
    status: str = Field(description="queued, running, completed, failed or cancelled.")
    time_limit_s: float
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @staticmethod
    def fields_of(job: Job) -> dict[str, Any]:
        return {
            "id": job.id,
            "status": job.status,
            "time_limit_s": job.time_limit_s,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "error": job.error,
        }


class JobOut(JobBase):
    """A planning job as the API shows it."""

    progress: dict[str, Any] | None = Field(
        default=None, description="The last progress event: level, value, bound."
    )
    plan: dict[str, Any] | None = Field(default=None, description="The plan, when there is one.")

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            **cls.fields_of(job),
            progress=json.loads(job.progress) if job.progress else None,
            plan=json.loads(job.plan) if job.plan else None,
        )


class ShiftPlanJobOut(JobBase):
    """A shift-plan job as the API shows it."""

    shift_plan: dict[str, Any] | None = Field(
        default=None, description="The shift plan, when there is one (see zero-backlog staff)."
    )

    @classmethod
    def of(cls, job: Job) -> ShiftPlanJobOut:
        return cls(**cls.fields_of(job), shift_plan=json.loads(job.plan) if job.plan else None)


class ScenarioJobOut(JobBase):
    """A what-if scenario job as the API shows it."""

    results: dict[str, Any] | None = Field(
        default=None, description="The results (as results.json of zero-backlog whatif)."
    )

    @classmethod
    def of(cls, job: Job) -> ScenarioJobOut:
        return cls(**cls.fields_of(job), results=json.loads(job.plan) if job.plan else None)


class Accepted(BaseModel):
    """202: the job was queued; poll ``location``."""

    id: str
    status: str
    location: str


class PromiseOut(BaseModel):
    """Available to promise: can this order still make the current window?"""

    window: int = Field(description="The planned window the answer is read from.")
    order: str
    can_make_it: bool
    pick_slots: list[int] = Field(description="Slots of its picks (one per zone), if it fits.")
    pack_slot: int | None = Field(description="Slot of its pack, if it fits.")
    ready_by: datetime | None = Field(description="End of the pack slot: ready to ship by then.")
    code: str | None = Field(
        description="Why not: the exception code the plan would give it (STOCKOUT, ...)."
    )
    message: str
    millis: float = Field(description="Time the answer took in the service, ms.")
