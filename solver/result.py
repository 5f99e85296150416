"""The plan document: assignments, exceptions, KPIs and the solver report.

Field names follow ``shared/spec/problem-format.md``; fields beyond the contract are
additions only (``pinned``, ``backlog_by_code``, ``levels`` ...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

ExceptionCode = Literal[
    "INVALID_ORDER",
    "INVALID_ADDRESS",
    "PAST_DUE",
    "STOCKOUT",
    "NO_ELIGIBLE_TEAM",
    "CAPACITY",
]

#: The contract's exception codes, in the order in which they apply.
EXCEPTION_CODES: tuple[ExceptionCode, ...] = (
    "INVALID_ORDER",
    "INVALID_ADDRESS",
    "PAST_DUE",
    "STOCKOUT",
    "NO_ELIGIBLE_TEAM",
    "CAPACITY",
)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 with a ``Z`` for UTC, e.g. ``2026-12-04T08:00:00Z``."""
    if moment.utcoffset() is not None and moment.utcoffset() == UTC.utcoffset(None):
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return moment.isoformat()


IsoTimestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]


class Out(BaseModel):
    """Base of the output models."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanWindow(Out):
    start: IsoTimestamp
    end: IsoTimestamp
    slot_minutes: int


class AssignedLine(Out):
    """A picked line and the location it is taken from."""

    sku: str
    qty: int
    location: str


class Assignment(Out):
    """One task (a pick per zone, or the pack) done by one team in one slot."""

    order: str
    stage: Literal["pick", "pack"]
    zone: str | None = None
    team: str
    slot: int
    slot_start: IsoTimestamp
    seconds: int
    lines: tuple[AssignedLine, ...] | None = None
    pinned: bool = Field(default=False, description="Work given as pinned in the problem.")


class Bottleneck(Out):
    """A team and slot short of capacity, and by how many seconds."""

    team: str
    slot: int
    slot_start: IsoTimestamp
    missing_seconds: int


class PlanException(Out):
    """An order that is not planned, with exactly one code and a reason."""

    order: str
    code: ExceptionCode
    message: str
    priority: int | None = None
    field: str | None = Field(default=None, description="Offending field (INVALID_*).")
    sku: str | None = Field(default=None, description="SKU that is short (STOCKOUT).")
    short_qty: int | None = Field(default=None, description="Units missing (STOCKOUT).")
    missing_seconds: int | None = Field(default=None, description="Seconds missing (CAPACITY).")
    bottlenecks: tuple[Bottleneck, ...] | None = Field(
        default=None, description="Teams and slots that would have to grow (CAPACITY)."
    )


class Kpis(Out):
    """Figures recomputed from the problem and the plan."""

    orders: int
    planned: int
    backlog: int
    planned_by_priority: dict[str, int]
    backlog_by_priority: dict[str, int]
    backlog_by_code: dict[str, int]
    on_time_rate: float = Field(description="Share of all orders ready by their deadline.")
    utilization: dict[str, float] = Field(description="Used / available seconds per team.")
    utilization_by_slot: dict[str, list[float | None]] = Field(
        description="Per team, used / available seconds in each slot (null: no capacity)."
    )
    slot_utilization: list[float | None] = Field(
        description="Used / available seconds over all teams, per slot."
    )


class LevelReport(Out):
    """One level of the lexicographic objective."""

    name: str
    sense: Literal["max", "min"]
    value: int
    bound: int
    status: str


class SolverReport(Out):
    """What the engine did and how good the plan is."""

    engine: str
    status: str = Field(description="OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN or GREEDY.")
    wall_seconds: float
    objective: float = Field(description="Unplanned orders (the backlog) of this plan.")
    bound: float = Field(description="Proven lower bound on the backlog.")
    gap: float = Field(description="(objective - bound) / max(1, objective) on the backlog.")
    stop_reason: str
    time_limit_seconds: float | None = None
    seed: int | None = None
    num_workers: int | None = None
    levels: tuple[LevelReport, ...] = ()


class Recommendation(Out):
    """More people for a team over a run of slots, and the CAPACITY orders it plans."""

    team: str
    first_slot: int
    last_slot: int
    start: IsoTimestamp
    end: IsoTimestamp
    people: int = Field(description="Extra people in each slot of the run.")
    extra_seconds: int = Field(description="Seconds of the added capacity the work uses.")
    orders: tuple[str, ...] = Field(description="CAPACITY orders with work in this run.")
    message: str


class Recommendations(Out):
    """The least extra people (by team and slot) under which every CAPACITY order of the
    plan is planned too; ``proven`` when the MIP closed its gap."""

    people_slots: int
    proven: bool
    orders: int = Field(description="CAPACITY orders the extra people plan.")
    items: tuple[Recommendation, ...]
    note: str | None = None


class Plan(Out):
    """The plan document."""

    status: Literal["zero_backlog", "backlog"]
    window: PlanWindow
    assignments: tuple[Assignment, ...]
    exceptions: tuple[PlanException, ...]
    kpis: Kpis
    solver: SolverReport
    recommendations: Recommendations | None = Field(
        default=None, description="For CAPACITY exceptions: extra people that plan them."
    )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)
