"""The load tool against a real `zero-backlog serve` process on this machine: the
ingestion operations store exactly the orders they send (none lost, none doubled by the
re-sent batches), every request is answered 2xx, and refused requests are counted apart.
Small request counts; nothing here asserts a wall time."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from scenarios.examples import demo_warehouse
from scenarios.ingestion import RESENT_BATCH, Ingestion, summary
from scenarios.loadtest import (
    OperationStats,
    SetupError,
    free_port,
    local_server,
    markdown,
    run_load,
)

CLI = Path(sys.executable).with_name("zero-backlog")
REQUESTS, CLIENTS, BATCH = 6, 4, 5


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A service of its own (SQLite file), open to local requests without a key."""
    monkeypatch.delenv("ZERO_BACKLOG_API_KEYS", raising=False)
    with local_server([str(CLI)], f"sqlite:///{tmp_path / 'load.db'}", free_port()) as base:
        yield base


def _ingest(base: str, ingestion: Ingestion) -> list[OperationStats]:
    return run_load(base, ingestion.operations(), CLIENTS, REQUESTS, 120.0, setup=ingestion.setup())


def _sent(ingestion: Ingestion) -> dict[str, dict[str, Any]]:
    """Every order the run sends, by id, as the batches carry it."""
    orders: dict[str, dict[str, Any]] = {}
    for name, make in ingestion.operations().items():
        if name == RESENT_BATCH or not name.startswith("POST /v1/orders ("):
            continue
        for k in range(REQUESTS):
            orders.update((order["id"], order) for order in make(k)[2])
    return orders


@pytest.mark.slow
def test_ingestion_stores_each_order_once(server: str) -> None:
    """Batches, their re-sends, picked events, stock adjustments and Shopify webhooks from
    4 clients: all 2xx, every re-send replayed, and the stored orders are exactly the
    unique orders sent, each received once; stock moved by exactly the adjustments."""
    ingestion = Ingestion("test", batch_size=BATCH)
    before = {(r["sku"], r["location"]): r["on_hand"] for r in demo_warehouse()["inventory"]}
    results = _ingest(server, ingestion)

    for stats in results:
        assert len(stats.latencies_s) == REQUESTS
        assert (stats.errors, stats.rejected, stats.throttled) == (0, 0, 0), stats
        assert stats.succeeded == REQUESTS
    assert {s.name: s.replayed for s in results}[RESENT_BATCH] == REQUESTS

    stored = {o["id"]: o for o in httpx.get(f"{server}/v1/orders").json()["orders"]}
    batch_orders = _sent(ingestion)
    webhook_ids = {ingestion.webhook_order_id(k) for k in range(REQUESTS)}
    assert len(batch_orders) == REQUESTS * BATCH
    assert set(stored) == set(batch_orders) | webhook_ids
    assert all(stored[i]["order"] == order for i, order in batch_orders.items())
    picked = {ingestion.order_id(k, 0) for k in range(REQUESTS)}
    assert {i for i, o in stored.items() if o["status"] == "picked"} == picked
    assert {o["status"] for i, o in stored.items() if i not in picked} == {"pending"}

    for order_id in stored:
        events = httpx.get(f"{server}/v1/orders/{quote(order_id, safe='')}").json()["events"]
        expected = ["received", "picked"] if order_id in picked else ["received"]
        assert [e["event"] for e in events] == expected, order_id

    after = httpx.get(f"{server}/v1/inventory").json()["inventory"]
    moved = {
        (r["sku"], r["location"]): r["on_hand"] - before[r["sku"], r["location"]] for r in after
    }
    assert sum(moved.values()) == REQUESTS
    assert set(moved.values()) <= {0, 1}


@pytest.mark.slow
def test_refused_requests_are_counted_apart_and_a_bad_setup_stops_the_run(server: str) -> None:
    """A body the service refuses (422) counts as 4xx, not as an error or a 429; a setup
    request that is refused stops the run before any operation."""
    bad = {"POST /v1/orders (not a list)": lambda _k: ("POST", "/v1/orders", {"id": "x"})}
    [stats] = run_load(server, bad, CLIENTS, REQUESTS, 60.0)
    assert (stats.rejected, stats.errors, stats.throttled) == (REQUESTS, 0, 0)
    assert stats.statuses == {422: REQUESTS}
    text = markdown([stats], CLIENTS, "command", "machine")
    assert "| POST /v1/orders (not a list) | 6 | 0 | 6 | 0 |" in text
    assert text.endswith("- POST /v1/orders (not a list): HTTP 422: 6")

    with pytest.raises(SetupError, match="PUT /v1/teams answered 422"):
        run_load(server, bad, CLIENTS, REQUESTS, 60.0, setup=[("PUT", "/v1/teams", {})])


def test_summary_counts_orders_per_second_and_replays() -> None:
    """Orders per second come from the 2xx batches and the operation's wall time."""
    ingestion = Ingestion("t", batch_size=10)
    names = list(ingestion.operations())
    batch = OperationStats(names[0], latencies_s=[0.1] * 4, statuses={200: 4}, wall_s=2.0)
    resent = OperationStats(names[1], latencies_s=[0.1] * 4, replayed=3, statuses={200: 4})
    text = summary([batch, resent], 10)
    assert "- Batch ingestion: 40 orders in 2.0 s, 20 orders/s" in text
    assert "answered from the stored response: 3 of 4" in text


def test_only_loopback_addresses_are_loaded() -> None:
    with pytest.raises(ValueError, match="this machine only"):
        run_load("http://example.com", {}, 1, 1, 1.0)
