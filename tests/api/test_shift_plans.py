"""POST /v1/shift-plans: a shift plan computed in a solver process, polled, checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_state import wait_for_job

from api.app import create_app
from api.config import Settings
from scenarios.examples import demo_warehouse
from solver.check import assert_plan_valid
from solver.loading import load_problem
from solver.staffing.roster import staffed_problem


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", window_minutes=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_shift_plan_job_answers_the_least_staffing(client: TestClient) -> None:
    doc = demo_warehouse()
    accepted = client.post("/v1/shift-plans?time_limit=8", json=doc)
    assert accepted.status_code == 202
    body = wait_for_job(client, accepted.headers["Location"])
    assert body["status"] == "completed", body.get("error")
    shift_plan = body["shift_plan"]
    assert [t["id"] for t in shift_plan["teams"]] == [t["id"] for t in doc["teams"]]
    num_slots = len(shift_plan["teams"][0]["headcount_by_slot"])
    assert num_slots == 8
    counts = [t["headcount_by_slot"] for t in shift_plan["teams"]]
    hours = sum(map(sum, counts)) * doc["window"]["slot_minutes"] / 60
    assert shift_plan["person_hours"] == pytest.approx(hours)
    assert_plan_valid(staffed_problem(load_problem(doc), counts), shift_plan["plan"])
    assert shift_plan["plan"]["kpis"]["planned"] == shift_plan["plannable"] == 40
    # a shift-plan job is not a plan job, and the other way round
    assert client.get(f"/v1/plans/{body['id']}").status_code == 404
    planned = client.post("/v1/plans?time_limit=2", json=doc).json()
    assert client.get(f"/v1/shift-plans/{planned['id']}").status_code == 404


def test_a_bad_document_is_refused_naming_the_field(client: TestClient) -> None:
    doc = demo_warehouse()
    doc["teams"][0]["max_headcount"] = -1
    refused = client.post("/v1/shift-plans", json=doc)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "teams[0].max_headcount"
