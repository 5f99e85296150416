"""Test helpers: hand a service the live state of a problem document through its API;
poll a job until it is done.

Test modules in this folder import them as ``from service_state import ...`` (pytest puts
this folder on ``sys.path``: ``tests/`` has no ``__init__.py``).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from fastapi.testclient import TestClient


def load_state(client: TestClient, doc: dict[str, Any]) -> None:
    """The document's set-up, teams, stock and orders, each accepted by the service."""
    setup = {"window": doc["window"], "labor": doc["labor"]}
    assert client.put("/v1/warehouse", json=setup).status_code == 200
    assert client.put("/v1/teams", json=doc["teams"]).status_code == 200
    stock = {"locations": doc["locations"], "inventory": doc["inventory"]}
    assert client.put("/v1/inventory", json=stock).status_code == 200
    assert client.post("/v1/orders", json=doc["orders"]).status_code == 200


def wait_for_job(
    client: TestClient,
    location: str,
    until: Collection[str] = ("completed", "failed"),
    timeout_s: float = 60,
) -> Any:
    """The job at ``location`` once its status is one of ``until`` (or at the timeout)."""
    give_up = time.monotonic() + timeout_s
    body = client.get(location).json()
    while body["status"] not in until and time.monotonic() < give_up:
        time.sleep(0.1)
        body = client.get(location).json()
    return body
