"""The HTTP service through FastAPI's TestClient: real SQLite file, real solver processes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_state import wait_for_job
from sqlalchemy import create_engine, text

from api.app import create_app
from api.config import Settings
from scenarios.examples import demo_warehouse
from scenarios.generator import GeneratorSpec, generate_problem
from solver.check import assert_plan_valid


def _slow() -> dict[str, Any]:
    """An overloaded 200-order window: not proven within a second or two."""
    spec = GeneratorSpec(seed=5, num_orders=200, num_zones=3, num_teams=4, load_factor=1.2)
    return generate_problem(spec)


def _client(tmp_path: Path, **settings: Any) -> TestClient:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    return TestClient(create_app(Settings(database_url=url, **settings)))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as test_client:
        yield test_client


def _stored(tmp_path: Path, job_id: str) -> dict[str, Any]:
    """The job's row as the database holds it (read with a separate engine)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT status, plan, attempts FROM jobs WHERE id = :id"), {"id": job_id}
        ).one()
    engine.dispose()
    return {"status": row.status, "plan": row.plan, "attempts": row.attempts}


def _wait(client: TestClient, job_id: str, until: set[str], timeout_s: float = 60) -> Any:
    return wait_for_job(client, f"/v1/plans/{job_id}", until, timeout_s)


def test_solve_answers_a_checked_plan(client: TestClient) -> None:
    """POST /v1/solve: the demo warehouse planned in a solver process, zero backlog."""
    response = client.post("/v1/solve?time_limit=10", json=demo_warehouse())
    assert response.status_code == 200
    assert response.json()["status"] == "zero_backlog"
    assert_plan_valid(demo_warehouse(), response.json())


def test_solve_rejects_a_broken_document_naming_fields(client: TestClient) -> None:
    """422 with one entry per broken field; nothing is queued."""
    response = client.post("/v1/solve", json={"window": 1, "orders": []})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"window", "labor", "teams"} <= fields


def test_solve_rejects_text_that_is_not_json(client: TestClient) -> None:
    response = client.post(
        "/v1/solve", content=b"window: [", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("not JSON")


def test_bad_order_is_an_exception_not_a_rejection(client: TestClient) -> None:
    """One malformed order becomes INVALID_ORDER; the rest is planned."""
    doc = demo_warehouse()
    doc["orders"][0]["lines"] = []
    response = client.post("/v1/solve?time_limit=10", json=doc)
    assert response.status_code == 200
    codes = {e["order"]: e["code"] for e in response.json()["exceptions"]}
    assert codes[doc["orders"][0]["id"]] == "INVALID_ORDER"
    assert_plan_valid(doc, response.json())


def test_plans_job_lifecycle_is_stored(client: TestClient, tmp_path: Path) -> None:
    """202 with Location; the job runs, completes, and its plan is stored as served."""
    response = client.post("/v1/plans?time_limit=10", json=demo_warehouse())
    assert response.status_code == 202
    location = response.headers["Location"]
    job_id = response.json()["id"]
    assert location == f"/v1/plans/{job_id}"
    body = _wait(client, job_id, {"completed", "failed"})
    assert body["status"] == "completed"
    assert_plan_valid(demo_warehouse(), body["plan"])
    stored = _stored(tmp_path, job_id)
    assert stored["status"] == "completed"
    assert json.loads(stored["plan"]) == body["plan"]


def test_delete_stops_a_running_job_and_keeps_its_plan(client: TestClient, tmp_path: Path) -> None:
    """A 60 s job stopped once running: 'cancelled', with a valid plan, long before 60 s."""
    doc = _slow()
    job_id = client.post("/v1/plans?time_limit=60", json=doc).json()["id"]
    _wait(client, job_id, {"running"})
    time.sleep(1.0)
    started = time.monotonic()
    body = client.delete(f"/v1/plans/{job_id}").json()
    body = _wait(client, job_id, {"cancelled", "completed", "failed"}, timeout_s=30)
    assert body["status"] == "cancelled"
    assert time.monotonic() - started < 30
    assert_plan_valid(doc, body["plan"])
    assert _stored(tmp_path, job_id)["status"] == "cancelled"


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/v1/plans/nope").status_code == 404
    assert client.delete("/v1/plans/nope").status_code == 404


def test_full_queue_answers_429_with_retry_after(tmp_path: Path) -> None:
    """One solver process and a queue of one: the third job in a row is refused."""
    with _client(tmp_path, queue_size=1, solver_processes=1) as client:
        first = client.post("/v1/plans?time_limit=20", json=_slow())
        _wait(client, first.json()["id"], {"running"})
        second = client.post("/v1/plans?time_limit=20", json=_slow())
        third = client.post("/v1/plans?time_limit=20", json=_slow())
        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
        assert third.headers["Retry-After"] == "5"
        for response in (first, second):
            client.delete(f"/v1/plans/{response.json()['id']}")


def test_events_stream_progress_until_the_job_ends(client: TestClient) -> None:
    """Server-sent events: progress with value and bound, then the final status."""
    job_id = client.post("/v1/plans?time_limit=10", json=demo_warehouse()).json()["id"]
    events = []
    with client.stream("GET", f"/v1/plans/{job_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                events.append(line.removeprefix("event: "))
    assert "progress" in events
    assert events[-1] == "status"
    assert _wait(client, job_id, {"completed"})["status"] == "completed"


def test_api_keys_are_required_when_configured(tmp_path: Path) -> None:
    """With ZERO_BACKLOG_API_KEYS set: 401 without a key, served with one; /healthz is open."""
    with _client(tmp_path, api_keys="k1, k2") as client:
        assert client.get("/v1/plans/x").status_code == 401
        assert (
            client.get("/v1/plans/x", headers={"Authorization": "Bearer nope"}).status_code == 401
        )
        assert client.get("/v1/plans/x", headers={"Authorization": "Bearer k2"}).status_code == 404
        assert client.get("/healthz").status_code == 200


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    with _client(tmp_path, max_body_bytes=1000) as client:
        response = client.post("/v1/solve", json=demo_warehouse())
        assert response.status_code == 413


def test_time_limit_out_of_bounds_is_422(client: TestClient) -> None:
    assert client.post("/v1/solve?time_limit=0", json=demo_warehouse()).status_code == 422
    assert client.post("/v1/solve?time_limit=100000", json=demo_warehouse()).status_code == 422


def test_metrics_count_jobs_and_backlog(client: TestClient) -> None:
    """After one completed job: the Prometheus text shows it, and the queue depth."""
    client.post("/v1/solve?time_limit=10", json=demo_warehouse())
    text_body = client.get("/metrics").text
    assert 'zero_backlog_jobs_total{status="completed"} 1.0' in text_body
    assert "zero_backlog_queue_depth 0.0" in text_body
    assert "zero_backlog_solve_seconds_count 1.0" in text_body


def test_openapi_lists_the_v1_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/solve", "/v1/plans", "/v1/plans/{job_id}", "/v1/plans/{job_id}/events"} <= set(
        paths
    )


def test_window_of_millions_of_slots_is_rejected_not_planned(client: TestClient) -> None:
    """Eight years of one-minute slots (found by the OpenAPI fuzz): 422 naming the window."""
    doc = demo_warehouse()
    doc["window"] = {
        "start": "1992-01-01T00:00:00Z",
        "end": "2000-01-01T00:00:00Z",
        "slot_minutes": 1,
    }
    response = client.post("/v1/solve", json=doc)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "window"
    assert "slots" in response.json()["errors"][0]["message"]
