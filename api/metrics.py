"""Prometheus metrics of one app (its own registry: no module-global state)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """Solve time, queue depth, jobs by status, backlog and exceptions by code."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.solve_seconds = Histogram(
            "zero_backlog_solve_seconds",
            "Wall seconds of a planning job, from start to stored plan.",
            registry=self.registry,
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
        )
        self.jobs = Counter(
            "zero_backlog_jobs", "Planning jobs that ended, by status.", ["status"],
            registry=self.registry,
        )  # fmt: skip
        self.queue_depth = Gauge(
            "zero_backlog_queue_depth", "Jobs waiting for a solver process.",
            registry=self.registry,
        )  # fmt: skip
        self.backlog = Gauge(
            "zero_backlog_backlog_orders", "Unplanned orders in the latest plan.",
            registry=self.registry,
        )  # fmt: skip
        self.exceptions = Counter(
            "zero_backlog_exceptions", "Exceptions in stored plans, by code.", ["code"],
            registry=self.registry,
        )  # fmt: skip

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))
