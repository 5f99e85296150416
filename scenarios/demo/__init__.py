"""The demo of ``zero-backlog serve --demo``: a seeded demo warehouse
(:mod:`scenarios.demo.warehouse`) and the simulator that plays its day against a running
service (:mod:`scenarios.demo.simulator`)."""

from scenarios.demo.plans import WindowSummary
from scenarios.demo.simulator import TIMEOUT, Simulator
from scenarios.demo.warehouse import BAD_CODES, DemoSpec, OrderMaker, demo_problem, slot_floor

__all__ = [
    "BAD_CODES",
    "TIMEOUT",
    "DemoSpec",
    "OrderMaker",
    "Simulator",
    "WindowSummary",
    "demo_problem",
    "slot_floor",
]
