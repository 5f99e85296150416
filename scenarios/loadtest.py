"""A bounded load test of a running service on this machine (loopback only).

``run_load(base_url, ...)`` sends requests from many concurrent clients (threads with
their own HTTP connections) and reports, per operation, how many were sent, how many
failed (transport errors and 5xx; 429 "queue full" is counted apart, it is the service
protecting itself), and the p50 / p95 / max latency. It refuses any address that is not
loopback, and every run is bounded by a request count and a wall-clock limit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx

logger = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

#: One request: (method, path, JSON body or None).
Request = tuple[str, str, Any]


@dataclass
class OperationStats:
    """Latencies and outcomes of one operation."""

    name: str
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    throttled: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def percentile_ms(self, share: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def median_ms(self) -> float | None:
        return 1000 * statistics.median(self.latencies_s) if self.latencies_s else None


def check_loopback(base_url: str) -> None:
    host = urlparse(base_url).hostname or ""
    if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
        raise ValueError(f"load tests run against this machine only, not {host!r}")


class _Sender:
    """Sends one operation's requests; each worker thread keeps its own HTTP connection."""

    def __init__(
        self,
        base_url: str,
        make: Callable[[int], Request],
        stats: OperationStats,
        give_up: float,
        headers: dict[str, str] | None,
    ) -> None:
        self.base_url, self.make, self.stats = base_url, make, stats
        self.give_up, self.headers = give_up, headers
        self.lock = threading.Lock()
        self.local = threading.local()

    def _client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(
                base_url=self.base_url, headers=self.headers, timeout=120
            )
        client: httpx.Client = self.local.client
        return client

    def send(self, k: int) -> None:
        if time.monotonic() > self.give_up:
            return
        method, path, body = self.make(k)
        started = time.perf_counter()
        try:
            code: int | None = self._client().request(method, path, json=body).status_code
        except httpx.HTTPError:
            code = None
        self._record(time.perf_counter() - started, code)

    def _record(self, elapsed_s: float, code: int | None) -> None:
        with self.lock:
            self.stats.latencies_s.append(elapsed_s)
            if code is None or code >= 500:
                self.stats.errors += 1
            elif code == 429:
                self.stats.throttled += 1
            if code is not None:
                self.stats.statuses[code] = self.stats.statuses.get(code, 0) + 1


def run_load(
    base_url: str,
    operations: dict[str, Callable[[int], Request]],
    clients: int,
    requests_per_operation: int,
    time_limit_s: float,
    headers: dict[str, str] | None = None,
) -> list[OperationStats]:
    """Send every operation's requests from ``clients`` concurrent clients, one operation
    after the other; each operation stops early at ``time_limit_s``."""
    check_loopback(base_url)
    results = []
    for name, make in operations.items():
        stats = OperationStats(name)
        sender = _Sender(base_url, make, stats, time.monotonic() + time_limit_s, headers)
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(sender.send, range(requests_per_operation)))
        logger.info("load: %s done, %d requests", name, len(stats.latencies_s))
        results.append(stats)
    return results


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def local_server(command: list[str], db_url: str, port: int) -> Iterator[str]:
    """Start ``command serve --port PORT`` with its own database; yield its base URL."""
    env = {**os.environ, "DATABASE_URL": db_url}
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def markdown(results: list[OperationStats], clients: int, command: str, machine: str) -> str:
    """The figures as a Markdown table, with the command and the machine."""
    rows = [
        "| operation | requests | errors | 429 | p50 ms | p95 ms | max ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in results:
        worst = 1000 * max(s.latencies_s) if s.latencies_s else None
        rows.append(
            f"| {s.name} | {len(s.latencies_s)} | {s.errors} | {s.throttled} | "
            f"{_ms(s.median_ms)} | {_ms(s.percentile_ms(0.95))} | {_ms(worst)} |"
        )
    return f"- Command: `{command}`\n- Clients: {clients}\n- Machine: {machine}\n\n" + "\n".join(
        rows
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"
