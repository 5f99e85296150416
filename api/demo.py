"""``zero-backlog serve --demo``: the service, the demo warehouse seeded into its database,
and the simulator (:mod:`scenarios.demo.simulator`) playing an order stream against it over
loopback HTTP; the console says what to look at and summarises every window plan.

The server runs in the main thread (uvicorn handles Ctrl-C there); the simulator runs in
a thread of its own, started once the server listens. Ctrl-C (or SIGTERM) stops the
simulator at once and the server gracefully; the command then returns normally.
"""

from __future__ import annotations

import logging
import socket
import threading
from types import FrameType
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.markup import escape

from api.app import create_app
from api.config import GRACEFUL_SHUTDOWN_S, Settings
from scenarios.demo import TIMEOUT, DemoSpec, Simulator, WindowSummary

logger = logging.getLogger(__name__)

#: What the demo changes unless the environment sets it: rolling windows, planned often.
DEMO_DEFAULTS: dict[str, Any] = {"rolling_window": True, "window_minutes": 1.0}
#: The order statuses in the order an order goes through them.
STATUS_ORDER = ("pending", "picked", "packed", "shipped", "cancelled")
#: Seconds to wait for the simulator's last request once the server has stopped.
JOIN_TIMEOUT_S = 15.0


def demo_settings(settings: Settings) -> Settings:
    """The settings with :data:`DEMO_DEFAULTS` for every field the environment left unset."""
    update = {k: v for k, v in DEMO_DEFAULTS.items() if k not in settings.model_fields_set}
    return settings.model_copy(update=update)


def loopback_url(host: str, port: int) -> str:
    """Where the simulator reaches a server listening on ``host``."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, starting the simulator once it listens (not before: another
    service may hold the port) and stopping it when told to exit (Ctrl-C, SIGTERM)."""

    def __init__(self, config: uvicorn.Config, simulator: Simulator) -> None:
        super().__init__(config)
        self.simulator = simulator
        self.simulator_thread: threading.Thread | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.simulator_thread = self.simulator.start()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.simulator.stop.set()
        super().handle_exit(sig, frame)


def serve_demo(
    settings: Settings, host: str, port: int, seed: int, console: Console, log_level: str
) -> None:
    """Run the service with the simulator until Ctrl-C."""
    base = loopback_url(host, port)
    keys = sorted(settings.keys)
    headers = {"Authorization": f"Bearer {keys[0]}"} if keys else {}
    logging.getLogger("scenarios.demo").setLevel(logging.INFO)
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as http:
        simulator = Simulator(
            http, DemoSpec(seed=seed), on_window=lambda s: console.print(window_line(s))
        )
        server = _Server(config, simulator)
        print_guide(console, base, settings, seed)
        try:
            server.run()
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down for
            pass
        finally:
            simulator.stop.set()
            if server.simulator_thread is not None:
                server.simulator_thread.join(timeout=JOIN_TIMEOUT_S)
    console.print("demo stopped")


def print_guide(console: Console, base: str, settings: Settings, seed: int) -> None:
    """What a newcomer should look at."""
    rolling = "rolls with the clock" if settings.rolling_window else "is planned as stored"
    every = f"every {settings.window_minutes:g} min" if settings.window_minutes > 0 else "on demand"
    console.print(
        f"[bold]Demo warehouse[/] (seed {seed}): orders arrive every few seconds and are "
        f"picked, packed and shipped on the clock as planned; the window {rolling} and is "
        f"planned {every}.",
        highlight=False,
    )
    rows = (
        ("dashboard", f"{base}/"),
        ("API docs", f"{base}/docs"),
        ("latest window plan", f"{base}/v1/windows/latest"),
        ("open exceptions", f"{base}/v1/exceptions?status=open"),
        ("orders", f"{base}/v1/orders"),
        ("live events", f"curl -N {base}/v1/events"),
    )
    for label, where in rows:
        console.print(f"  {label:<19} {escape(where)}", highlight=False)
    console.print("Ctrl-C stops the demo.", highlight=False)


def window_line(summary: WindowSummary) -> str:
    """One console line per window plan (rich markup)."""
    opened = ", ".join(f"{order} {code}" for order, code in summary.opened[:4])
    if len(summary.opened) > 4:
        opened += f", +{len(summary.opened) - 4} more"
    statuses = ", ".join(
        f"{summary.statuses[s]} {s}" for s in STATUS_ORDER if summary.statuses.get(s)
    )
    return (
        f"[bold]window {summary.window_id}[/]: {summary.planned} planned, "
        f"backlog {summary.backlog}, {len(summary.opened)} exceptions opened"
        f"{escape(f' ({opened})') if opened else ''}, {summary.open_records} open, "
        f"churn {summary.churn} | orders: {statuses or 'none yet'}"
    )
