"""The service as users run it: a real `zero-backlog serve` process, stopped and started
again with a job in flight (the job is not lost: it runs again and completes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from scenarios.generator import GeneratorSpec, generate_problem
from scenarios.loadtest import free_port, local_server
from solver.check import assert_plan_valid

CLI = Path(sys.executable).with_name("zero-backlog")


def _attempts(db_path: Path, job_id: str) -> int:
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as connection:
        attempts: int = connection.execute(
            text("SELECT attempts FROM jobs WHERE id = :id"), {"id": job_id}
        ).scalar_one()
    engine.dispose()
    return attempts


def _poll(base: str, job_id: str, until: set[str], timeout_s: float) -> dict[str, Any]:
    give_up = time.monotonic() + timeout_s
    body: dict[str, Any] = httpx.get(f"{base}/v1/plans/{job_id}").json()
    while body["status"] not in until and time.monotonic() < give_up:
        time.sleep(0.2)
        body = httpx.get(f"{base}/v1/plans/{job_id}").json()
    return body


def test_job_in_flight_survives_a_server_restart(tmp_path: Path) -> None:
    """Submitted, running, server stopped: after the restart the job runs again (second
    attempt) and completes with a valid plan."""
    db_path, port = tmp_path / "service.db", free_port()
    db_url = f"sqlite:///{db_path}"
    doc = generate_problem(
        GeneratorSpec(seed=5, num_orders=200, num_zones=3, num_teams=4, load_factor=1.2)
    )
    with local_server([str(CLI)], db_url, port) as base:
        response = httpx.post(f"{base}/v1/plans?time_limit=6", json=doc, timeout=30)
        assert response.status_code == 202
        job_id = response.json()["id"]
        assert _poll(base, job_id, {"running"}, 30)["status"] == "running"
    with local_server([str(CLI)], db_url, port) as base:
        body = _poll(base, job_id, {"completed", "failed", "cancelled"}, 90)
        assert body["status"] == "completed"
        assert_plan_valid(doc, body["plan"])
    assert _attempts(db_path, job_id) == 2
