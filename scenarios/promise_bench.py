"""Available-to-promise latency on a large window, in process and over HTTP.

``python -m scenarios.promise_bench [--orders 10000] [--requests 1000] [--clients 8]``
generates a seeded warehouse, then
1. in process: plans it, builds the promise book and times ``PromiseBook.promise`` for
   would-be orders from another seed;
2. over HTTP: starts ``zero-backlog serve`` on a free loopback port with its own SQLite
   file, loads the same warehouse through the API (set-up, teams, stock, orders in
   batches), plans the window (``POST /v1/windows``) and sends the would-be orders to
   ``POST /v1/promise`` from concurrent clients.
It prints p50 / p95 / max per part. Figures, not assertions: wall times vary by machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scenarios.generator import GeneratorSpec, generate_problem
from scenarios.loadtest import Request, free_port, local_server, markdown, run_load
from solver.engine import PlanParams
from solver.promise import PromiseBook
from solver.solve import plan_window

logger = logging.getLogger(__name__)

BATCH = 1000


def would_be_orders(count: int, seed: int) -> list[dict[str, Any]]:
    """Would-be orders from another seed, with their own ids."""
    orders: list[dict[str, Any]] = generate_problem(GeneratorSpec(seed=seed, num_orders=count))[
        "orders"
    ]
    for k, raw in enumerate(orders):
        raw["id"] = f"ATP-{seed}-{k}"
    return orders


def _percentiles(millis: list[float]) -> str:
    ordered = sorted(millis)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def in_process(doc: dict[str, Any], asks: list[dict[str, Any]]) -> str:
    started = time.monotonic()
    window = plan_window(doc, PlanParams(time_limit_s=10))
    planned_s = time.monotonic() - started
    started = time.monotonic()
    book = PromiseBook.from_plan(window.problem, json.loads(window.plan.to_json()))
    book_s = time.monotonic() - started
    answers = [book.promise(raw) for raw in asks]
    yes = sum(a.can_make_it for a in answers)
    return (
        f"in process: plan {planned_s:.2f} s, promise book {book_s:.2f} s; "
        f"{len(answers)} promises ({yes} yes): {_percentiles([a.millis for a in answers])}"
    )


def state_requests(doc: dict[str, Any]) -> list[Request]:
    """The warehouse through the API, then a window plan."""
    setup: list[Request] = [
        ("PUT", "/v1/warehouse", {"name": "promise bench", "window": doc["window"],
                                  "labor": doc["labor"]}),
        ("PUT", "/v1/teams", doc["teams"]),
        ("PUT", "/v1/inventory", {"locations": doc["locations"], "inventory": doc["inventory"]}),
    ]  # fmt: skip
    orders = doc["orders"]
    setup += [("POST", "/v1/orders", orders[i : i + BATCH]) for i in range(0, len(orders), BATCH)]
    return [*setup, ("POST", "/v1/windows", None)]


def over_http(
    doc: dict[str, Any], asks: list[dict[str, Any]], clients: int, time_limit_s: float
) -> str:
    folder = Path(tempfile.mkdtemp(prefix="zero-backlog-promise-"))
    command = [sys.executable, "-m", "api.cli"]
    with local_server(command, f"sqlite:///{folder / 'promise.db'}", free_port()) as base:
        results = run_load(
            base,
            {"POST /v1/promise": lambda k: ("POST", "/v1/promise", asks[k % len(asks)])},
            clients,
            len(asks),
            time_limit_s,
            setup=state_requests(doc),
        )
    return markdown(results, clients, " ".join(sys.argv), "this machine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    doc = generate_problem(GeneratorSpec(seed=1, num_orders=args.orders))
    asks = would_be_orders(args.requests, seed=2)
    print(f"{args.orders} orders in the window; {len(asks)} would-be orders")  # noqa: T201
    print(in_process(doc, asks))  # noqa: T201
    print(over_http(doc, asks, args.clients, args.time_limit))  # noqa: T201


if __name__ == "__main__":
    main()
