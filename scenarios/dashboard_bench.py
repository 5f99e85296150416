"""How fast the dashboard answers on a large window, over HTTP.

``python -m scenarios.dashboard_bench [--orders 10000] [--requests 50] [--clients 4]``
starts ``zero-backlog serve`` on a free loopback port with its own SQLite file, loads a
seeded generated warehouse through the API (as ``scenarios.promise_bench`` does), plans
the window, and then times the dashboard's page and fragments: the whole page, the
overview, the plan picture, one cell's orders, an order search and the exception list.
It prints a Markdown table (p50 / p95 / max). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from scenarios.generator import GeneratorSpec, generate_problem
from scenarios.loadtest import Request, free_port, local_server, markdown, run_load
from scenarios.promise_bench import state_requests


def operations(base: str) -> dict[str, Any]:
    """The dashboard's reads, pointed at the busiest cell and a planned order."""
    plan = httpx.get(f"{base}/v1/windows/latest", timeout=60).json()["plan"]
    load: dict[tuple[str, int], int] = {}
    for a in plan["assignments"]:
        load[(a["team"], a["slot"])] = load.get((a["team"], a["slot"]), 0) + a["seconds"]
    team, slot = max(load, key=load.__getitem__)
    order = plan["assignments"][len(plan["assignments"]) // 2]["order"]
    reads: dict[str, Request] = {
        "GET / (the whole page)": ("GET", "/", None),
        "GET /ui/overview": ("GET", "/ui/overview", None),
        "GET /ui/plan": ("GET", "/ui/plan", None),
        "GET /ui/plan/cell (busiest)": ("GET", f"/ui/plan/cell?team={team}&slot={slot}", None),
        "GET /ui/orders?q=": ("GET", f"/ui/orders?q={order}", None),
        "GET /ui/exceptions?status=all": ("GET", "/ui/exceptions?status=all", None),
    }
    return {name: (lambda _k, r=request: r) for name, request in reads.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    doc = generate_problem(GeneratorSpec(seed=1, num_orders=args.orders))
    folder = Path(tempfile.mkdtemp(prefix="zero-backlog-dashboard-"))
    command = [sys.executable, "-m", "api.cli"]
    with local_server(command, f"sqlite:///{folder / 'dashboard.db'}", free_port()) as base:
        run_load(base, {}, 1, 0, args.time_limit, setup=state_requests(doc))
        results = run_load(base, operations(base), args.clients, args.requests, args.time_limit)
    print(f"{args.orders} orders in the window")  # noqa: T201
    print(markdown(results, args.clients, " ".join(sys.argv), "this machine"))  # noqa: T201


if __name__ == "__main__":
    main()
