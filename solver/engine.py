"""What every engine takes and returns: parameters, deadline, level outcomes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from solver.schedule import Schedule

logger = logging.getLogger(__name__)

EngineName = Literal["cp-sat", "mip", "greedy"]


class PlanParams(BaseModel):
    """Validated planner settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: EngineName = Field(default="cp-sat", description="cp-sat (default), mip or greedy.")
    time_limit_s: float = Field(default=30.0, gt=0, le=24 * 3600, description="Wall-clock limit.")
    seed: int = Field(default=0, ge=0, description="Solver random seed.")
    num_workers: int = Field(
        default=1, ge=1, le=64, description="CP-SAT search workers; 1 is deterministic."
    )
    balance: bool = Field(default=True, description="Solve the team-balance level.")
    secondary_gap: float = Field(
        default=0.005,
        ge=0,
        le=1,
        description="Relative gap at which the secondary levels (finish, balance) may stop.",
    )
    secondary_effort_s: float = Field(
        default=0.5,
        gt=0,
        description="Effort per secondary level: CP-SAT deterministic seconds, MIP seconds.",
    )
    exact_limit: int = Field(
        default=100_000,
        ge=0,
        description=(
            "Largest flat model (pick and pack team-slot choices) solved exactly; larger "
            "windows get the greedy plan, shifted early, with proven LP bounds."
        ),
    )
    recommendation_effort_s: float = Field(
        default=1.0,
        ge=0,
        description=(
            "At most this long (within the time limit) for the least extra people that"
            " would plan the CAPACITY exceptions (0: no recommendations)."
        ),
    )
    log_search: bool = Field(default=False, description="Log the engine's search progress.")


@dataclass(frozen=True)
class Deadline:
    """A wall-clock deadline on the monotonic clock, that a stop signal can bring forward.

    ``stop`` (optional) is set by whoever wants the plan now (a cancelled job): the deadline
    then counts as passed, and every solve polling it ends with the best plan so far.
    """

    at: float
    stop: threading.Event | None = field(default=None, compare=False)

    @classmethod
    def after(cls, seconds: float, stop: threading.Event | None = None) -> Deadline:
        return cls(time.monotonic() + seconds, stop)

    def earlier(self, seconds: float) -> Deadline:
        """This deadline moved ``seconds`` earlier, with the same stop signal."""
        return Deadline(self.at - seconds, self.stop)

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def remaining_s(self) -> float:
        if self.stopped():
            return 0.0
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return self.remaining_s() <= 0.0


def watch(deadline: Deadline, done: threading.Event, on_expiry: Callable[[], None]) -> None:
    """Call ``on_expiry`` once the deadline passes (or is stopped), unless ``done`` is set
    first; run it in a daemon thread. Polls, so a stop signal is seen within 20 ms."""

    def poll() -> None:
        while not done.wait(min(0.02, max(deadline.remaining_s(), 0.001))):
            if deadline.expired():
                on_expiry()
                return

    threading.Thread(target=poll, name="zero-backlog-watchdog", daemon=True).start()


@dataclass(frozen=True)
class LevelOutcome:
    """One lexicographic level as solved: value, proven bound, status."""

    name: str
    sense: str
    value: int
    bound: int
    status: str


@dataclass(frozen=True)
class EngineResult:
    """The best schedule an engine found and how far it got."""

    schedule: Schedule
    status: str  # OPTIMAL, FEASIBLE, UNKNOWN
    stop_reason: str
    levels: tuple[LevelOutcome, ...]


#: Seconds past the deadline allowed for an engine to hand back its result.
RETURN_GRACE_S = 0.1


def run_within(deadline: Deadline, run: Callable[[], EngineResult]) -> EngineResult | None:
    """Run an engine in a worker thread; give up on it at the deadline (it stops itself)."""
    box: list[EngineResult] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            box.append(run())
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=target, name="zero-backlog-engine", daemon=True)
    worker.start()
    worker.join(timeout=deadline.remaining_s() + RETURN_GRACE_S)
    if failure:
        raise failure[0]
    if worker.is_alive():
        logger.warning("engine overran the wall-clock limit; its result is not waited for")
        return None
    return box[0]
