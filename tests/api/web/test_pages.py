"""The dashboard's pages and fragments over HTTP (no browser): before any window, with a
planned window, the guards (a dashboard write needs its page's htmx header; with API
keys, a sign-in), and the state-change events the page listens to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_state import load_state

from api.app import create_app
from api.config import Settings
from scenarios.examples import example_problem
from solver.check import assert_plan_valid

HTMX = {"HX-Request": "true"}


def _client(database_url: str, **settings: Any) -> TestClient:
    return TestClient(
        create_app(
            Settings(
                database_url=database_url,
                window_minutes=0,
                window_time_limit_s=5,
                **settings,
            )
        )
    )


@pytest.fixture
def planned(database_url: str) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """A service holding capacity-crunch, its window planned (and checked), on SQLite and
    on PostgreSQL."""
    with _client(database_url) as client:
        load_state(client, example_problem("capacity-crunch"))
        window = client.post("/v1/windows").json()
        problem = client.get("/v1/windows/latest/problem").json()
        assert_plan_valid(problem, window["plan"])
        yield client, window


def test_before_any_window_the_page_says_so(tmp_path: Path) -> None:
    with _client(f"sqlite:///{tmp_path / 'web.db'}") as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "No window planned yet." in page.text
        assert "/static/htmx.min.js" in page.text
        assert client.get("/static/htmx.min.js").status_code == 200
        for path in ("/ui/overview", "/ui/plan", "/shifts", "/whatif", "/ui/orders?q=x"):
            assert client.get(path).status_code == 200, path
        started = client.post("/ui/shift-plans", data={"time_limit_s": "5"}, headers=HTMX)
        assert "No window planned yet" in started.text


def test_the_page_shows_the_windows_figures(planned: Any) -> None:
    client, window = planned
    kpis = window["plan"]["kpis"]
    page = client.get("/").text
    assert f"{kpis['backlog']} of {kpis['orders']} orders at risk" in page
    assert f'data-window="{window["id"]}"' in page
    assert (
        len(re.findall(r'<button type="button" id="cell-[\w-]+-\d+" class="cell"', page)) == 3 * 8
    )
    record_rows = re.findall(r'<tr id="record-(\d+)" data-status="open"', page)
    assert len(record_rows) == kpis["backlog"]


def test_a_cells_orders_and_a_search(planned: Any) -> None:
    client, window = planned
    assignment = window["plan"]["assignments"][0]
    cell = client.get(f"/ui/plan/cell?team={assignment['team']}&slot={assignment['slot']}")
    assert cell.status_code == 200 and assignment["order"] in cell.text
    assert client.get("/ui/plan/cell?team=nobody&slot=0").status_code == 404
    assert client.get("/ui/plan/cell?team=pick-A&slot=-1").status_code == 422
    assert client.get("/ui/orders?q=x&typo=1").json()["errors"][0]["field"] == "typo"
    found = client.get(f"/ui/orders?q={assignment['order']}").text
    assert "Planned" in found and assignment["team"] in found
    excepted = window["plan"]["exceptions"][0]
    why = client.get(f"/ui/orders?q={excepted['order']}").text
    assert "Not planned" in why and "CAPACITY" in why and "short in the" in why
    assert "No order “nope” in the window or the store." in client.get("/ui/orders?q=nope").text


def test_acknowledge_and_resolve_from_the_page(planned: Any) -> None:
    client, _ = planned
    record = client.get("/v1/exceptions?status=open").json()[0]
    path = f"/ui/exceptions/{record['id']}/acknowledge?status=open"
    assert client.post(path).status_code == 403  # not from the page: refused
    listed = client.post(path, headers=HTMX)
    assert listed.status_code == 200 and f'id="record-{record["id"]}"' not in listed.text
    assert client.get("/v1/exceptions?status=acknowledged").json()[0]["id"] == record["id"]
    resolved = client.post(f"/ui/exceptions/{record['id']}/resolve?status=all", headers=HTMX)
    assert f'<tr id="record-{record["id"]}" data-status="resolved"' in resolved.text
    assert client.post("/ui/exceptions/99999/resolve", headers=HTMX).status_code == 404


def test_writes_tell_the_page_what_changed(planned: Any) -> None:
    client, _ = planned
    inbox = client.app.state.windows.subscribers.subscribe("*")  # type: ignore[attr-defined]
    assert client.post("/v1/inventory/adjustments", json=[]).status_code == 200
    assert inbox.get(timeout=2) == {"event": "state", "data": {"what": "stock"}}
    assert client.post("/v1/orders", json="not a list").status_code == 422
    assert inbox.empty()


def test_a_bad_form_is_named(planned: Any) -> None:
    client, _ = planned
    bad = client.post("/ui/scenarios", data={"volume": "lots"}, headers=HTMX)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "volume"
    empty = client.post("/ui/scenarios", data={"time_limit_s": "3"}, headers=HTMX)
    assert empty.status_code == 422 and "fill in at least one change" in empty.text
    unknown_team = client.post("/ui/scenarios", data={"absent_team": "ghost"}, headers=HTMX)
    assert unknown_team.status_code == 422 and "ghost" in unknown_team.text


def test_with_api_keys_the_page_asks_for_one(tmp_path: Path) -> None:
    with _client(f"sqlite:///{tmp_path / 'web.db'}", api_keys="s3cret") as client:
        to_login = client.get("/", follow_redirects=False)
        assert to_login.status_code == 303 and to_login.headers["location"] == "/login?next=/"
        fragment = client.get("/ui/overview", headers=HTMX)
        assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/login"
        wrong = client.post("/login", data={"key": "guess", "next": "/whatif"})
        assert wrong.status_code == 401 and "That key is not valid." in wrong.text
        away = client.post("/login", data={"key": "s3cret", "next": "//evil.example"},
                           follow_redirects=False)  # fmt: skip
        assert away.status_code == 303 and away.headers["location"] == "/"
        assert client.get("/").status_code == 200  # the cookie
        assert client.get("/v1/teams").status_code == 401  # the API still wants the header
        client.post("/logout")
        assert client.get("/", follow_redirects=False).status_code == 303
