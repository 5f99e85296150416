"""Test helper: hand a service the live state of a problem document through its API.

Test modules in this folder import it as ``from service_state import load_state``
(pytest puts this folder on ``sys.path``: ``tests/`` has no ``__init__.py``).
"""

from __future__ import annotations

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
