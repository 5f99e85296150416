"""The live state through the HTTP API: set-up, teams, stock, orders, events, Shopify.

Each test runs the app (lifespan and migrations) on a SQLite file of its own; after every
change the state is read back through the API and through a separate SQLAlchemy engine
on the same file. Plans made from ``GET /v1/problem`` go through the independent checker.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api import order_state, shopify, state
from api.app import create_app
from api.config import Settings
from api.db import make_engine, session_factory
from api.models import Base
from api.state_models import TeamRecord
from api.state_schemas import Adjustment
from scenarios.examples import demo_warehouse
from solver import DocumentError, PlanParams, assert_plan_valid, load_problem, plan

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY = ROOT / "tests" / "data" / "shopify"
STATE_TABLES = {
    "warehouse_config",
    "teams",
    "inventory",
    "inventory_adjustments",
    "orders",
    "order_events",
    "idempotency_keys",
}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def client(database: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=f"sqlite:///{database}"))) as test_client:
        yield test_client


def _rows(database: Path, query: str, **params: Any) -> list[dict[str, Any]]:
    """Rows as the database holds them, read through an engine of their own."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(text(query), params).mappings()]
    finally:
        engine.dispose()


def _set_up(client: TestClient) -> dict[str, Any]:
    """The demo warehouse's window, labor, teams, locations and stock, stored."""
    demo = demo_warehouse()
    assert client.put("/v1/warehouse", json=_setup_body(demo)).status_code == 200
    assert client.put("/v1/teams", json=demo["teams"]).status_code == 200
    stock = {"locations": demo["locations"], "inventory": demo["inventory"]}
    assert client.put("/v1/inventory", json=stock).status_code == 200
    return demo


def _setup_body(demo: dict[str, Any]) -> dict[str, Any]:
    return {"name": "demo", "window": demo["window"], "labor": demo["labor"]}


def _on_hand(database: Path, sku: str, location: str) -> int:
    query = "SELECT on_hand FROM inventory WHERE sku = :sku AND location = :location"
    rows = _rows(database, query, sku=sku, location=location)
    return int(rows[0]["on_hand"])


def _stored_orders(database: Path) -> dict[str, dict[str, Any]]:
    rows = _rows(database, "SELECT id, status, document FROM orders")
    return {r["id"]: {"status": r["status"], "document": json.loads(r["document"])} for r in rows}


def _events(database: Path, order_id: str) -> list[tuple[str, str | None, str]]:
    query = (
        "SELECT event, from_status, to_status FROM order_events WHERE order_id = :id ORDER BY id"
    )
    return [
        (r["event"], r["from_status"], r["to_status"]) for r in _rows(database, query, id=order_id)
    ]


def _plan_checked(problem: dict[str, Any]) -> dict[str, Any]:
    """Plan the document (CP-SAT, a few seconds at most) and check the plan independently."""
    load_problem(problem)
    planned: dict[str, Any] = json.loads(plan(problem, PlanParams(time_limit_s=5)).to_json())
    assert_plan_valid(problem, planned)
    return planned


# --- schema --------------------------------------------------------------------------------


def test_migration_builds_the_state_tables_the_models_declare(
    client: TestClient, database: Path
) -> None:
    """Migration 0002 creates every live-state table exactly as the ORM declares it."""
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diffs = compare_metadata(context, Base.metadata)
        tables = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
    assert tables >= STATE_TABLES
    assert diffs == []


# --- warehouse, teams, stock ---------------------------------------------------------------


def test_warehouse_put_is_stored_and_read_back(client: TestClient, database: Path) -> None:
    """PUT /v1/warehouse stores the window and labor; GET and the row hold the same."""
    demo = demo_warehouse()
    response = client.put("/v1/warehouse", json=_setup_body(demo))
    assert response.status_code == 200
    assert client.get("/v1/warehouse").json() == response.json()
    assert response.json()["window"] == demo["window"]
    row = _rows(database, "SELECT name, planning_window, labor FROM warehouse_config")[0]
    assert row["name"] == "demo"
    assert json.loads(row["planning_window"]) == demo["window"]
    assert json.loads(row["labor"]) == {k: float(v) for k, v in demo["labor"].items()}


def test_warehouse_rejects_a_bad_window_naming_the_field(
    client: TestClient, database: Path
) -> None:
    """A 0-minute slot is refused (422 names window.slot_minutes); nothing is stored."""
    body = _setup_body(demo_warehouse())
    body["window"] = {**body["window"], "slot_minutes": 0}
    response = client.put("/v1/warehouse", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["window.slot_minutes"]
    assert _rows(database, "SELECT id FROM warehouse_config") == []


def test_teams_put_replaces_the_stored_teams(client: TestClient, database: Path) -> None:
    """Three demo teams, then one: the second PUT leaves exactly that one."""
    teams = demo_warehouse()["teams"]
    assert client.put("/v1/teams", json=teams).status_code == 200
    assert [t["id"] for t in client.get("/v1/teams").json()] == ["pick-A", "pick-B", "pack-1"]
    assert client.get("/v1/teams").json() == teams
    assert [r["id"] for r in _rows(database, "SELECT id FROM teams ORDER BY position")] == [
        "pick-A",
        "pick-B",
        "pack-1",
    ]
    assert client.put("/v1/teams", json=teams[2:]).status_code == 200
    assert client.get("/v1/teams").json() == teams[2:]
    assert [json.loads(r["document"]) for r in _rows(database, "SELECT document FROM teams")] == [
        teams[2]
    ]


def test_teams_put_rejects_bad_teams_and_keeps_the_stored_ones(
    client: TestClient, database: Path
) -> None:
    """An unknown stage and a repeated id: 422 naming both fields; the old teams stay."""
    teams = demo_warehouse()["teams"]
    client.put("/v1/teams", json=teams)
    bad_stage = copy.deepcopy(teams)
    bad_stage[0]["stage"] = "sort"
    response = client.put("/v1/teams", json=bad_stage)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "teams[0].stage"
    response = client.put("/v1/teams", json=[teams[0], teams[0]])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["teams[1].id"]
    assert len(_rows(database, "SELECT id FROM teams")) == 3


def test_inventory_snapshot_replaces_records_and_locations(
    client: TestClient, database: Path
) -> None:
    """A full snapshot, then one record at a kept location: only that record remains."""
    demo = _set_up(client)
    body = client.get("/v1/inventory").json()
    assert body["locations"] == demo["locations"]
    assert len(body["inventory"]) == len(demo["inventory"]) == 16
    assert _on_hand(database, "SKU-TSHIRT-S", "A-01-01") == 60
    snapshot = {"inventory": [{"sku": "SKU-TSHIRT-S", "location": "A-01-01", "on_hand": 7}]}
    response = client.put("/v1/inventory", json=snapshot)
    assert response.status_code == 200
    assert response.json()["inventory"] == snapshot["inventory"]
    assert response.json()["locations"] == demo["locations"]
    assert _rows(database, "SELECT sku, location, on_hand FROM inventory") == snapshot["inventory"]


def test_inventory_snapshot_rejects_an_unknown_location(client: TestClient, database: Path) -> None:
    """A record at a location not listed: 422 naming it; the stored stock is kept."""
    _set_up(client)
    snapshot = {"inventory": [{"sku": "SKU-X", "location": "Z-99", "on_hand": 1}]}
    response = client.put("/v1/inventory", json=snapshot)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "inventory[0].location"
    assert len(_rows(database, "SELECT sku FROM inventory")) == 16


def test_adjustments_apply_in_order_and_are_logged(client: TestClient, database: Path) -> None:
    """60 - 5 + 2 = 57 on one record; a new SKU at a known location starts at its delta."""
    _set_up(client)
    adjustments = [
        {"sku": "SKU-TSHIRT-S", "location": "A-01-01", "delta": -5, "reason": "damaged"},
        {"sku": "SKU-TSHIRT-S", "location": "A-01-01", "delta": 2, "reason": "found"},
        {"sku": "SKU-NEW", "location": "A-01-01", "delta": 4, "reason": "received"},
    ]
    response = client.post("/v1/inventory/adjustments", json=adjustments)
    assert response.status_code == 200
    assert response.json() == [
        {"sku": "SKU-NEW", "location": "A-01-01", "on_hand": 4},
        {"sku": "SKU-TSHIRT-S", "location": "A-01-01", "on_hand": 57},
    ]
    assert _on_hand(database, "SKU-TSHIRT-S", "A-01-01") == 57
    assert _on_hand(database, "SKU-NEW", "A-01-01") == 4
    log = _rows(database, "SELECT delta, reason, on_hand_after FROM inventory_adjustments")
    assert [(r["delta"], r["on_hand_after"]) for r in log] == [(-5, 55), (2, 57), (4, 4)]
    stock = {
        (r["sku"], r["location"]): r["on_hand"]
        for r in client.get("/v1/inventory").json()["inventory"]
    }
    assert stock[("SKU-TSHIRT-S", "A-01-01")] == 57


def test_adjustments_never_leave_stock_below_zero(client: TestClient, database: Path) -> None:
    """-50 then -20 of 60 units: the second entry is named, and neither is applied."""
    _set_up(client)
    adjustments = [
        {"sku": "SKU-TSHIRT-S", "location": "A-01-01", "delta": -50, "reason": "sold"},
        {"sku": "SKU-TSHIRT-S", "location": "A-01-01", "delta": -20, "reason": "sold"},
    ]
    response = client.post("/v1/inventory/adjustments", json=adjustments)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "adjustments[1].delta"
    assert "10 on hand" in error["message"]
    assert _on_hand(database, "SKU-TSHIRT-S", "A-01-01") == 60
    assert _rows(database, "SELECT id FROM inventory_adjustments") == []
    missing = [{"sku": "SKU-NONE", "location": "A-01-01", "delta": -1, "reason": "count"}]
    response = client.post("/v1/inventory/adjustments", json=missing)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "adjustments[0].delta"


def test_adjustments_with_an_idempotency_key_apply_once(client: TestClient, database: Path) -> None:
    """The same request sent twice with its key: applied once (55, not 50), answered the
    same; the key with another body is refused."""
    _set_up(client)
    body = [{"sku": "SKU-TSHIRT-S", "location": "A-01-01", "delta": -5, "reason": "sold"}]
    headers = {"Idempotency-Key": "adj-1"}
    first = client.post("/v1/inventory/adjustments", json=body, headers=headers)
    again = client.post("/v1/inventory/adjustments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (
        again.json()
        == first.json()
        == [{"sku": "SKU-TSHIRT-S", "location": "A-01-01", "on_hand": 55}]
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _on_hand(database, "SKU-TSHIRT-S", "A-01-01") == 55
    other = client.post(
        "/v1/inventory/adjustments", json=[{**body[0], "delta": -1}], headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _on_hand(database, "SKU-TSHIRT-S", "A-01-01") == 55
    assert [r["key"] for r in _rows(database, "SELECT key FROM idempotency_keys")] == ["adj-1"]


def test_adjustments_racing_never_oversell(client: TestClient, database: Path) -> None:
    """16 takes of one unit from 10 on hand, from 4 threads at once: exactly 10 succeed and
    the stock ends at 0 (each take is one conditional UPDATE, so none is lost)."""
    _set_up(client)
    client.put(
        "/v1/inventory", json={"inventory": [{"sku": "S", "location": "A-01-01", "on_hand": 10}]}
    )
    engine = make_engine(f"sqlite:///{database}")
    sessions = session_factory(engine)
    take = Adjustment(sku="S", location="A-01-01", delta=-1, reason="race")

    def attempt(_: int) -> bool:
        try:
            with sessions.begin() as session:
                state.adjust_stock(session, [take])
        except DocumentError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    engine.dispose()
    assert outcomes.count(True) == 10
    assert _on_hand(database, "S", "A-01-01") == 0
    assert len(_rows(database, "SELECT id FROM inventory_adjustments")) == 10


# --- orders ----------------------------------------------------------------------------------


def test_orders_batch_stores_the_valid_and_reports_the_bad(
    client: TestClient, database: Path
) -> None:
    """Five orders, two bad (no lines; a German postal code of 4 digits): three stored,
    each bad one reported with its contract exception and field."""
    orders = demo_warehouse()["orders"][:3]
    no_lines = {**orders[0], "id": "SO-BAD-1", "lines": []}
    bad_zip = copy.deepcopy(orders[0]) | {"id": "SO-BAD-2"}
    bad_zip["ship_to"] |= {"country": "DE", "postal_code": "1234"}
    response = client.post("/v1/orders", json=[orders[0], no_lines, *orders[1:], bad_zip])
    assert response.status_code == 200
    report = response.json()
    assert report["received"] == 5
    assert report["counts"] == {"created": 3, "rejected": 2}
    results = {e["id"]: e for e in report["orders"]}
    assert results["SO-BAD-1"]["exception"]["code"] == "INVALID_ORDER"
    assert results["SO-BAD-1"]["exception"]["field"] == "lines"
    assert results["SO-BAD-2"]["exception"]["code"] == "INVALID_ADDRESS"
    assert results["SO-BAD-2"]["exception"]["field"] == "ship_to.postal_code"
    stored = _stored_orders(database)
    assert set(stored) == {o["id"] for o in orders}
    assert all(stored[o["id"]] == {"status": "pending", "document": o} for o in orders)
    listed = client.get("/v1/orders").json()["orders"]
    assert [o["order"] for o in listed] == sorted(orders, key=lambda o: o["received_at"])
    assert _events(database, orders[0]["id"]) == [("received", None, "pending")]


def test_orders_upsert_is_idempotent_by_id(client: TestClient, database: Path) -> None:
    """The same order again is unchanged; a changed pending order is updated; a changed
    order already picked is a conflict and keeps its contents."""
    first, second = demo_warehouse()["orders"][:2]
    client.post("/v1/orders", json=[first, second])
    again = client.post("/v1/orders", json=[first]).json()
    assert again["orders"] == [{"id": first["id"], "result": "unchanged"}]
    changed = {**first, "priority": 1}
    assert client.post("/v1/orders", json=[changed]).json()["counts"] == {"updated": 1}
    assert _stored_orders(database)[first["id"]]["document"] == changed
    assert client.get(f"/v1/orders/{first['id']}").json()["order"] == changed
    client.post(f"/v1/orders/{second['id']}/events", json={"event": "picked"})
    late = client.post("/v1/orders", json=[{**second, "priority": 1}]).json()["orders"][0]
    assert late["result"] == "conflict"
    assert "picked" in late["message"]
    assert _stored_orders(database)[second["id"]]["document"] == second
    assert [e[0] for e in _events(database, first["id"])] == ["received", "updated"]


def test_orders_idempotency_key_replays_and_refuses_another_body(
    client: TestClient, database: Path
) -> None:
    """Same key and body: the first report replayed ('created', not 'unchanged'); same
    key, another body: 422 and nothing stored from it."""
    first, second = demo_warehouse()["orders"][:2]
    headers = {"Idempotency-Key": "batch-7"}
    original = client.post("/v1/orders", json=[first], headers=headers)
    replay = client.post("/v1/orders", json=[first], headers=headers)
    assert replay.status_code == 200
    assert replay.json() == original.json()
    assert replay.json()["orders"][0]["result"] == "created"
    assert replay.headers["Idempotent-Replayed"] == "true"
    conflict = client.post("/v1/orders", json=[second], headers=headers)
    assert conflict.status_code == 422
    assert conflict.json()["errors"][0]["field"] == "Idempotency-Key"
    assert set(_stored_orders(database)) == {first["id"]}
    stored = _rows(database, "SELECT key, status_code, response FROM idempotency_keys")
    assert [(r["key"], r["status_code"]) for r in stored] == [("batch-7", 200)]
    assert json.loads(stored[0]["response"]) == original.json()


def test_orders_body_must_be_a_list(client: TestClient) -> None:
    """An object, text that is not JSON, or JSON with NaN is rejected whole (422), unlike a
    bad order."""
    assert client.post("/v1/orders", json={"id": "SO-1"}).status_code == 422
    nan = b'[{"id": "SO-1", "lines": [{"sku": "S", "qty": NaN}]}]'
    response = client.post("/v1/orders", content=nan, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "NaN is not a JSON value" in response.json()["errors"][0]["message"]
    response = client.post(
        "/v1/orders", content=b"[{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("not JSON")


def test_order_events_follow_the_allowed_transitions(client: TestClient, database: Path) -> None:
    """pending -> picked -> packed -> shipped; skipping a step or cancelling a shipped order
    is 409; repeating the last event changes nothing; unknown orders 404."""
    order = demo_warehouse()["orders"][0]
    order_id = order["id"]
    client.post("/v1/orders", json=[order])
    skip = client.post(f"/v1/orders/{order_id}/events", json={"event": "shipped"})
    assert skip.status_code == 409
    assert _stored_orders(database)[order_id]["status"] == "pending"
    for event in ("picked", "picked", "packed", "shipped"):
        response = client.post(f"/v1/orders/{order_id}/events", json={"event": event})
        assert response.status_code == 200
        assert response.json()["status"] == event
        assert _stored_orders(database)[order_id]["status"] == event
    assert (
        client.post(f"/v1/orders/{order_id}/events", json={"event": "cancelled"}).status_code == 409
    )
    assert _events(database, order_id) == [
        ("received", None, "pending"),
        ("picked", "pending", "picked"),
        ("packed", "picked", "packed"),
        ("shipped", "packed", "shipped"),
    ]
    detail = client.get(f"/v1/orders/{order_id}").json()
    assert [e["event"] for e in detail["events"]] == ["received", "picked", "packed", "shipped"]
    assert client.post("/v1/orders/nope/events", json={"event": "picked"}).status_code == 404
    assert client.get("/v1/orders/nope").status_code == 404
    bad = client.post(f"/v1/orders/{order_id}/events", json={"event": "lost"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "event"


def test_orders_list_filters_by_status(client: TestClient, database: Path) -> None:
    """Three orders, one picked, one cancelled: ?status= lists each group, oldest first."""
    orders = demo_warehouse()["orders"][:3]
    client.post("/v1/orders", json=orders)
    client.post(f"/v1/orders/{orders[0]['id']}/events", json={"event": "picked"})
    client.post(f"/v1/orders/{orders[1]['id']}/events", json={"event": "cancelled"})

    def ids(status: str) -> list[str]:
        return [o["id"] for o in client.get(f"/v1/orders?status={status}").json()["orders"]]

    assert ids("picked") == [orders[0]["id"]]
    assert ids("cancelled") == [orders[1]["id"]]
    assert ids("pending") == [orders[2]["id"]]
    assert ids("shipped") == []
    assert client.get("/v1/orders?status=lost").json()["errors"][0]["field"] == "status"
    mistyped = client.get("/v1/orders?stauts=picked")
    assert mistyped.status_code == 422
    assert [e["field"] for e in mistyped.json()["errors"]] == ["stauts"]
    twice = client.get("/v1/orders?status=picked&status=pending")
    assert [e["field"] for e in twice.json()["errors"]] == ["status"]
    rows = _rows(database, "SELECT status, COUNT(*) AS n FROM orders GROUP BY status")
    assert {r["status"]: r["n"] for r in rows} == {"picked": 1, "cancelled": 1, "pending": 1}


def test_a_commit_that_fails_is_a_409_and_stores_nothing(
    client: TestClient, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unique key broken at commit (as two racing inserts of one new id would) answers
    409 'retry', not 500, and the whole request is rolled back."""
    real_import = order_state.import_orders

    def import_and_clash(session: Session, incoming: order_state.Incoming) -> Any:
        report = real_import(session, incoming)
        session.add_all(TeamRecord(id="twin", position=p, document={}) for p in (0, 1))
        return report

    monkeypatch.setattr(order_state, "import_orders", import_and_clash)
    response = client.post("/v1/orders", json=demo_warehouse()["orders"][:1])
    assert response.status_code == 409
    assert "retry" in response.json()["detail"]
    assert _stored_orders(database) == {}
    assert _rows(database, "SELECT id FROM teams") == []


# --- the problem document ------------------------------------------------------------------


def test_problem_needs_a_window_first(client: TestClient) -> None:
    """Without PUT /v1/warehouse there is no window to plan: 409 saying what to do."""
    response = client.get("/v1/problem")
    assert response.status_code == 409
    assert "PUT /v1/warehouse" in response.json()["detail"]


def test_problem_holds_the_pending_orders_and_plans(client: TestClient) -> None:
    """The demo warehouse with its 40 orders, 2 of them picked and cancelled: the problem
    has the other 38, the set-up as stored, and plans with zero backlog."""
    demo = _set_up(client)
    client.post("/v1/orders", json=demo["orders"])
    client.post(f"/v1/orders/{demo['orders'][0]['id']}/events", json={"event": "picked"})
    client.post(f"/v1/orders/{demo['orders'][1]['id']}/events", json={"event": "cancelled"})
    problem = client.get("/v1/problem").json()
    assert problem["window"] == demo["window"]
    assert problem["teams"] == demo["teams"]
    assert problem["locations"] == demo["locations"]
    by_key = sorted(demo["inventory"], key=lambda r: (r["sku"], r["location"]))
    assert problem["inventory"] == by_key
    pending = {o["id"] for o in demo["orders"][2:]}
    assert {o["id"] for o in problem["orders"]} == pending
    planned = _plan_checked(problem)
    assert planned["status"] == "zero_backlog"
    assert {a["order"] for a in planned["assignments"]} == pending


# --- Shopify -----------------------------------------------------------------------------------


def _webhook() -> bytes:
    return (SHOPIFY / "order-webhook.json").read_bytes()


def _signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }


EXPECTED_WEBHOOK_ORDER = {
    "id": "#1001",
    "received_at": "2026-12-04T02:55:00-05:00",
    "priority": 1,
    "ship_to": {
        "name": "Grace Hopper",
        "line1": "1 Navy Yard Pl",
        "line2": "Suite 200",
        "city": "Arlington",
        "postal_code": "22202",
        "country": "US",
    },
    "lines": [{"sku": "SKU-HOODIE-L", "qty": 2}, {"sku": "SKU-MUG-WHITE", "qty": 1}],
}


def test_shopify_webhook_is_stored_as_a_contract_order(client: TestClient, database: Path) -> None:
    """Order #1001: name as id, Express shipping -> priority 1, the gift card (no
    shipping) left out, address2 kept as line2."""
    headers = {"content-type": "application/json"}
    response = client.post("/v1/integrations/shopify/orders", content=_webhook(), headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "received": 1,
        "counts": {"created": 1},
        "orders": [{"id": "#1001", "result": "created"}],
    }
    assert _stored_orders(database) == {
        "#1001": {"status": "pending", "document": EXPECTED_WEBHOOK_ORDER}
    }
    assert client.get("/v1/orders/%231001").json()["order"] == EXPECTED_WEBHOOK_ORDER
    again = client.post("/v1/integrations/shopify/orders", content=_webhook(), headers=headers)
    assert again.json()["orders"] == [{"id": "#1001", "result": "unchanged"}]


def test_shopify_webhook_hmac_is_checked_when_a_secret_is_set(
    client: TestClient, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a secret: the right signature is served, a wrong or missing one is 401 and
    stores nothing."""
    monkeypatch.setenv(shopify.SECRET_ENV, "shpss_test_secret")
    body = _webhook()
    path = "/v1/integrations/shopify/orders"
    wrong = client.post(path, content=body, headers=_signed(body, "another secret"))
    missing = client.post(path, content=body, headers={"content-type": "application/json"})
    tampered = client.post(
        path,
        content=body.replace(b'"quantity": 2', b'"quantity": 20'),
        headers=_signed(body, "shpss_test_secret"),
    )
    assert (wrong.status_code, missing.status_code, tampered.status_code) == (401, 401, 401)
    assert _stored_orders(database) == {}
    good = client.post(path, content=body, headers=_signed(body, "shpss_test_secret"))
    assert good.status_code == 200
    assert set(_stored_orders(database)) == {"#1001"}


def test_shopify_hmac_matches_a_known_signature() -> None:
    """The signature of b'{}' with secret 'hush', computed independently (openssl dgst
    -sha256 -hmac hush -binary | base64)."""
    signature = base64.b64encode(hmac.new(b"hush", b"{}", hashlib.sha256).digest()).decode()
    assert shopify.hmac_valid(b"{}", signature, "hush")
    assert not shopify.hmac_valid(b"{} ", signature, "hush")
    assert not shopify.hmac_valid(b"{}", None, "hush")


def test_shopify_cancelled_webhook_cancels_the_stored_order(
    client: TestClient, database: Path
) -> None:
    """orders/cancelled for a stored order cancels it; for an unknown one it is skipped."""
    headers = {"content-type": "application/json"}
    client.post("/v1/integrations/shopify/orders", content=_webhook(), headers=headers)
    cancelled = json.loads(_webhook()) | {"cancelled_at": "2026-12-04T03:30:00-05:00"}
    response = client.post("/v1/integrations/shopify/orders", json=cancelled)
    assert response.json()["orders"] == [{"id": "#1001", "result": "cancelled"}]
    assert _stored_orders(database)["#1001"]["status"] == "cancelled"
    unknown = cancelled | {"name": "#9999"}
    entry = client.post("/v1/integrations/shopify/orders", json=unknown).json()["orders"][0]
    assert entry["result"] == "skipped"
    assert "#9999" not in _stored_orders(database)


CSV_RESULTS = {
    "#1002": "created",
    "#1003": "created",
    "#1004": "rejected",
    "#1007": "created",
    "#1008": "rejected",
    "#1005": "skipped",
    "#1006": "skipped",
}


def test_shopify_csv_import_reports_each_order(client: TestClient, database: Path) -> None:
    """The export's 8 rows are 7 orders: 3 stored, 2 rejected (no SKU; ZIP ABCDE), the
    cancelled #1005 and the gift-card-only #1006 skipped."""
    body = (SHOPIFY / "orders-export.csv").read_bytes()
    response = client.post(
        "/v1/integrations/shopify/orders.csv", content=body, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200
    report = response.json()
    assert {e["id"]: e["result"] for e in report["orders"]} == CSV_RESULTS
    assert report["counts"] == {"created": 3, "rejected": 2, "skipped": 2}
    entries = {e["id"]: e for e in report["orders"]}
    assert (entries["#1004"]["exception"]["code"], entries["#1004"]["exception"]["field"]) == (
        "INVALID_ORDER",
        "lines[0].sku",
    )
    assert (entries["#1008"]["exception"]["code"], entries["#1008"]["exception"]["field"]) == (
        "INVALID_ADDRESS",
        "ship_to.postal_code",
    )
    stored = _stored_orders(database)
    assert set(stored) == {"#1002", "#1003", "#1007"}
    assert stored["#1002"]["document"] == {
        "id": "#1002",
        "received_at": "2026-12-04T03:10:00-05:00",
        "ship_to": {
            "name": "Ada Byron",
            "line1": "12 Beacon St",
            "city": "Boston",
            "postal_code": "02134",
            "country": "US",
        },
        "lines": [{"sku": "SKU-TSHIRT-M", "qty": 2}, {"sku": "SKU-NOTEBOOK-A5", "qty": 1}],
    }
    assert stored["#1003"]["document"]["priority"] == 2  # UPS 2nd Day Air
    assert stored["#1007"]["document"]["priority"] == 1  # tag priority:1


def test_shopify_csv_without_a_required_column_is_rejected(client: TestClient) -> None:
    """No 'Lineitem sku' column: 422 naming the column, nothing imported."""
    body = b"Name,Lineitem quantity\n#1,2\n"
    response = client.post(
        "/v1/integrations/shopify/orders.csv", content=body, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["Lineitem sku"]


def test_shopify_priority_mapping() -> None:
    """A priority:N tag wins; else express-like shipping 1, two-day-like 2, other None."""
    assert shopify.priority_of("vip, Priority:2", ["Express"]) == 2
    assert shopify.priority_of("", ["UPS Next Day Air"]) == 1
    assert shopify.priority_of("", ["USPS Priority Mail"]) == 2
    assert shopify.priority_of("", ["Standard Shipping"]) is None
    assert shopify.priority_of("priority:high", []) == "high"  # reported as INVALID_ORDER


def test_shopify_orders_plan_in_the_demo_warehouse(client: TestClient) -> None:
    """Webhook #1001 and the export's three good orders, beside the demo's 40: every
    Shopify order is planned in the problem the service builds, and the plan checks."""
    demo = _set_up(client)
    client.post("/v1/orders", json=demo["orders"])
    client.post(
        "/v1/integrations/shopify/orders",
        content=_webhook(),
        headers={"content-type": "application/json"},
    )
    client.post(
        "/v1/integrations/shopify/orders.csv",
        content=(SHOPIFY / "orders-export.csv").read_bytes(),
        headers={"content-type": "text/csv"},
    )
    problem = client.get("/v1/problem").json()
    assert len(problem["orders"]) == 44
    planned = _plan_checked(problem)
    planned_ids = {a["order"] for a in planned["assignments"]}
    assert {"#1001", "#1002", "#1003", "#1007"} <= planned_ids
    assert planned["exceptions"] == []


# --- access ------------------------------------------------------------------------------------


def test_state_routes_need_the_api_key_when_keys_are_set(tmp_path: Path) -> None:
    """With API keys configured every live-state route answers 401 without one."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'keys.db'}", api_keys="k1")
    with TestClient(create_app(settings)) as keyed:
        assert keyed.get("/v1/orders").status_code == 401
        assert keyed.put("/v1/teams", json=[]).status_code == 401
        assert keyed.post("/v1/integrations/shopify/orders", json={}).status_code == 401
        authorised = {"Authorization": "Bearer k1"}
        assert keyed.get("/v1/orders", headers=authorised).status_code == 200


def test_shopify_webhook_needs_no_api_key_when_signed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API keys configured and a Shopify secret set: Shopify cannot send a key, so its
    signed webhook is served on the HMAC alone; unsigned it is 401, and every other route
    still wants the key."""
    monkeypatch.setenv(shopify.SECRET_ENV, "shpss_test_secret")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'keys.db'}", api_keys="k1")
    with TestClient(create_app(settings)) as keyed:
        body = _webhook()
        path = "/v1/integrations/shopify/orders"
        signed = keyed.post(path, content=body, headers=_signed(body, "shpss_test_secret"))
        unsigned = keyed.post(path, content=body, headers={"content-type": "application/json"})
        assert (signed.status_code, unsigned.status_code) == (200, 401)
        assert keyed.get("/v1/orders").status_code == 401
        assert keyed.get("/v1/orders", headers={"Authorization": "Bearer k1"}).status_code == 200


def test_shopify_webhook_without_a_secret_falls_back_to_the_api_key(tmp_path: Path) -> None:
    """No Shopify secret: the webhook route is guarded by the API key like the others."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'keys.db'}", api_keys="k1")
    with TestClient(create_app(settings)) as keyed:
        path = "/v1/integrations/shopify/orders"
        assert keyed.post(path, content=_webhook()).status_code == 401
        keyed_headers = {"Authorization": "Bearer k1", "content-type": "application/json"}
        assert keyed.post(path, content=_webhook(), headers=keyed_headers).status_code == 200
