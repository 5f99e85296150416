"""POST /v1/scenarios: a what-if scenario run as a job in a solver process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_state import wait_for_job

from api.app import create_app
from api.config import Settings
from scenarios.examples import demo_warehouse


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", window_minutes=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _scenario() -> dict[str, Any]:
    demo = demo_warehouse()
    return {
        "name": "pick-A-out",
        "description": "Nobody picks zone A.",
        "base": {"document": demo},
        "time_limit_s": 2,
        "variants": [
            {"name": "pick-A-out", "changes": [{"kind": "team", "id": "pick-A", "absent": True}]}
        ],
    }


def test_a_scenario_job_compares_its_variants(client: TestClient) -> None:
    accepted = client.post("/v1/scenarios?time_limit=2&staffing=false", json=_scenario())
    assert accepted.status_code == 202
    body = wait_for_job(client, accepted.headers["Location"])
    assert body["status"] == "completed", body.get("error")
    results = body["results"]
    assert [run["name"] for run in results["runs"]] == ["base", "pick-A-out"]
    assert all(run["valid"] for run in results["runs"])
    base, absent = results["runs"]
    assert base["planned"] == 40
    assert absent["planned"] < base["planned"]
    lost = results["comparisons"][0]["lost"]
    assert len(lost) == base["planned"] - absent["planned"]
    assert client.get(f"/v1/plans/{body['id']}").status_code == 404


def test_scenarios_refuse_paths_and_name_bad_fields(client: TestClient) -> None:
    on_disk = {**_scenario(), "base": {"problem": "/etc/passwd"}}
    refused = client.post("/v1/scenarios", json=on_disk)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "base.problem"
    unknown_team = _scenario()
    unknown_team["variants"][0]["changes"][0]["id"] = "pick-Z"
    refused = client.post("/v1/scenarios", json=unknown_team)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "variants[0].changes[0].team.id"
