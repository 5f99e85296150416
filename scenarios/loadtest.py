"""A bounded load test of a running service on this machine (loopback only).

``run_load(base_url, ...)`` sends requests from many concurrent clients (threads with
their own HTTP connections) and reports, per operation, how many were sent, how many
failed (transport errors and 5xx; 429 "queue full" is counted apart, it is the service
protecting itself; other 4xx are counted apart too, they mean the load tool sent a bad
request), the p50 / p95 / max latency and the requests per second. A few setup requests
(seeding the live state) may be sent first, one after the other and untimed; any of them
not answered 2xx stops the run. It refuses any address that is not loopback, and every
run is bounded by a request count and a wall-clock limit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx

logger = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

#: One request: (method, path, body) or (method, path, body, headers). The body is sent as
#: JSON, or as it is when it is ``bytes`` (a signed body must be sent byte for byte).
Request = tuple[str, str, Any] | tuple[str, str, Any, Mapping[str, str]]


class SetupError(RuntimeError):
    """A setup request was not answered 2xx: the run would measure nothing useful."""


@dataclass
class OperationStats:
    """Latencies and outcomes of one operation."""

    name: str
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    """Transport errors and 5xx."""
    throttled: int = 0
    """429: the service refusing work it has no room for."""
    rejected: int = 0
    """Other 4xx: the load tool sent a request the service refuses (a bug of the tool)."""
    replayed: int = 0
    """Answers marked ``Idempotent-Replayed: true`` (a request sent again with its key)."""
    statuses: dict[int, int] = field(default_factory=dict)
    transport_errors: dict[str, int] = field(default_factory=dict)
    """Requests with no answer, by the client's exception (ReadTimeout, ...)."""
    wall_s: float = 0.0
    """Wall-clock time of the whole operation, every client."""

    def percentile_ms(self, share: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def median_ms(self) -> float | None:
        return 1000 * statistics.median(self.latencies_s) if self.latencies_s else None

    @property
    def succeeded(self) -> int:
        """Requests answered 2xx."""
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300)

    @property
    def per_second(self) -> float | None:
        """Requests answered per second of the operation's wall-clock time."""
        return len(self.latencies_s) / self.wall_s if self.wall_s > 0 else None


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
        request = self.make(k)
        started = time.perf_counter()
        try:
            response: httpx.Response | None = _send(self._client(), request)
        except httpx.HTTPError as error:
            response = None
            with self.lock:
                name = type(error).__name__
                self.stats.transport_errors[name] = self.stats.transport_errors.get(name, 0) + 1
        self._record(time.perf_counter() - started, response)

    def _record(self, elapsed_s: float, response: httpx.Response | None) -> None:
        code = None if response is None else response.status_code
        with self.lock:
            self.stats.latencies_s.append(elapsed_s)
            if code is None or code >= 500:
                self.stats.errors += 1
            elif code == 429:
                self.stats.throttled += 1
            elif code >= 400:
                self.stats.rejected += 1
            if response is not None:
                self.stats.statuses[response.status_code] = (
                    self.stats.statuses.get(response.status_code, 0) + 1
                )
                if response.headers.get("Idempotent-Replayed") == "true":
                    self.stats.replayed += 1


def _send(client: httpx.Client, request: Request) -> httpx.Response:
    method, path, body, *rest = request
    headers = rest[0] if rest else None
    if isinstance(body, bytes):
        return client.request(method, path, content=body, headers=headers)
    return client.request(method, path, json=body, headers=headers)


def _run_setup(base_url: str, setup: Sequence[Request], headers: dict[str, str] | None) -> None:
    """Send the setup requests in order; stop at the first one not answered 2xx."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for request in setup:
            response = _send(client, request)
            if not response.is_success:
                raise SetupError(
                    f"setup {request[0]} {request[1]} answered {response.status_code}: "
                    f"{response.text[:500]}"
                )


def run_load(
    base_url: str,
    operations: dict[str, Callable[[int], Request]],
    clients: int,
    requests_per_operation: int,
    time_limit_s: float,
    headers: dict[str, str] | None = None,
    setup: Sequence[Request] = (),
) -> list[OperationStats]:
    """Send the ``setup`` requests (in order, untimed), then every operation's requests
    from ``clients`` concurrent clients, one operation after the other; each operation
    stops early at ``time_limit_s``. Request ``k`` of an operation is ``make(k)``."""
    check_loopback(base_url)
    _run_setup(base_url, setup, headers)
    results = []
    for name, make in operations.items():
        stats = OperationStats(name)
        sender = _Sender(base_url, make, stats, time.monotonic() + time_limit_s, headers)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(sender.send, range(requests_per_operation)))
        stats.wall_s = time.perf_counter() - started
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
        "| operation | requests | errors | 4xx | 429 | p50 ms | p95 ms | max ms | req/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in results:
        worst = 1000 * max(s.latencies_s) if s.latencies_s else None
        rows.append(
            f"| {s.name} | {len(s.latencies_s)} | {s.errors} | {s.rejected} | {s.throttled} | "
            f"{_ms(s.median_ms)} | {_ms(s.percentile_ms(0.95))} | {_ms(worst)} | "
            f"{_ms(s.per_second)} |"
        )
    head = f"- Command: `{command}`\n- Clients: {clients}\n- Machine: {machine}\n\n"
    return head + "\n".join(rows) + _failures(results)


def _failures(results: list[OperationStats]) -> str:
    """Below the table, what the failed and refused requests were answered, if any."""
    lines = []
    for s in results:
        codes = {code: n for code, n in sorted(s.statuses.items()) if code >= 400}
        if codes or s.transport_errors:
            what = [f"HTTP {code}: {n}" for code, n in codes.items()]
            what += [f"{name}: {n}" for name, n in sorted(s.transport_errors.items())]
            lines.append(f"- {s.name}: {', '.join(what)}")
    return "\n\n" + "\n".join(lines) if lines else ""


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"
