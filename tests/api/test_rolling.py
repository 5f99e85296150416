"""Rolling windows: the window moves with the clock, work under way is pinned, picked
orders keep their picks, the previous plan is kept, churn is counted by slot time."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from service_state import load_state

from api.app import create_app
from api.config import Settings
from api.rolling import Previous, rolled_window, window_problem
from api.windows import churn
from scenarios.examples import demo_warehouse
from solver.check import assert_plan_valid
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan

PARAMS = PlanParams(time_limit_s=5)


def _start(doc: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(doc["window"]["start"].replace("Z", "+00:00"))


def _planned(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(plan(doc, PARAMS).to_json())
    assert_plan_valid(doc, result)
    return result


def _slot_minutes(doc: dict[str, Any]) -> int:
    minutes: int = doc["window"]["slot_minutes"]
    return minutes


def test_the_window_rolls_to_the_slot_holding_now() -> None:
    window = {"start": "2026-12-04T08:00:00Z", "end": "2026-12-04T10:00:00Z", "slot_minutes": 15}
    at = datetime(2026, 12, 4, 8, 40, 10, tzinfo=UTC)
    assert rolled_window(window, at) == {
        "start": "2026-12-04T08:30:00Z", "end": "2026-12-04T10:30:00Z", "slot_minutes": 15,
    }  # fmt: skip
    assert rolled_window(window, datetime(2026, 12, 4, 7, 0, tzinfo=UTC)) == window


def test_work_under_way_is_pinned_and_the_rest_kept() -> None:
    """Five minutes into the second slot: orders packed in the first slot are gone, orders
    whose picks were all there are picked. The window now runs from the done slot (the
    first) to one slot past the stored end; picks under way are pinned in the current
    slot, picked orders' picks in the done slot and their packs under way in the current
    one; the later work is offered at its new slot numbers and none of it moves."""
    doc = demo_warehouse()
    first = _planned(doc)
    slot = timedelta(minutes=_slot_minutes(doc))
    now = _start(doc) + slot + timedelta(minutes=5)
    tasks = [(a["order"], a["stage"], a["slot"]) for a in first["assignments"]]
    gone = {o for o, stage, k in tasks if stage == "pack" and k == 0}
    late_pick = {o for o, stage, k in tasks if stage == "pick" and k > 0}
    picked = [o for o in doc["orders"] if o["id"] not in gone | late_pick]
    picked_ids = {o["id"] for o in picked}
    pending = copy.deepcopy(doc)
    pending["orders"] = [o for o in doc["orders"] if o["id"] not in gone | picked_ids]
    problem = window_problem(pending, Previous(first, picked), now, rolling=True)
    load_problem(problem)
    assert problem["window"]["start"] == doc["window"]["start"]  # the done slot
    end = datetime.fromisoformat(doc["window"]["end"].replace("Z", "+00:00")) + slot
    assert problem["window"]["end"] == end.isoformat().replace("+00:00", "Z")
    expected = {(o, stage, 0) for o, stage, _ in tasks if o in picked_ids and stage == "pick"}
    expected |= {(o, stage, 1) for o, stage, k in tasks if o in picked_ids and k == 1}
    pending_ids = {o["id"] for o in pending["orders"]}
    expected |= {(o, stage, 1) for o, stage, k in tasks if o in pending_ids and k == 1}
    expected -= {(o, "pack", 1) for o in pending_ids}
    assert {(stage, k) for _, stage, k in expected} == {("pick", 0), ("pick", 1), ("pack", 1)}
    assert {(p["order"], p["stage"], p["slot"]) for p in problem["pinned"]} == expected
    assert all(a["slot"] >= 1 for a in problem["previous_assignments"])
    second = _planned(problem)
    assert len([a for a in second["assignments"] if a.get("pinned")]) == len(problem["pinned"])
    assert all(a["slot"] >= 1 for a in second["assignments"] if not a.get("pinned"))
    assert churn(first, second) == 0
    assert second["kpis"]["planned"] == len(problem["orders"]) - len(first["exceptions"])


def test_a_picked_order_keeps_its_picks_and_its_stock() -> None:
    """A picked order is planned for packing only: its picks are pinned in the first slot,
    and the stock they took is counted back into the document (it has left the shelf)."""
    doc = demo_warehouse()
    first = _planned(doc)
    picked_id = next(a["order"] for a in first["assignments"] if a["stage"] == "pick")
    picked = next(o for o in doc["orders"] if o["id"] == picked_id)
    picks = [a for a in first["assignments"] if a["order"] == picked_id and a["stage"] == "pick"]
    shelf = copy.deepcopy(doc)
    shelf["orders"] = [o for o in doc["orders"] if o["id"] != picked_id]
    taken = {(ln["sku"], ln["location"]): ln["qty"] for a in picks for ln in a["lines"]}
    for record in shelf["inventory"]:
        record["on_hand"] -= taken.get((record["sku"], record["location"]), 0)
    now = _start(doc) + timedelta(minutes=2 * _slot_minutes(doc))
    problem = window_problem(shelf, Previous(first, [picked]), now, rolling=True)
    mine = [p for p in problem["pinned"] if p["order"] == picked_id and p["stage"] == "pick"]
    assert len(mine) == len(picks) and all(p["slot"] == 0 for p in mine)  # the done slot
    on_hand = {(r["sku"], r["location"]): r["on_hand"] for r in problem["inventory"]}
    for key, qty in taken.items():
        original = next(r for r in doc["inventory"] if (r["sku"], r["location"]) == key)
        assert on_hand[key] == original["on_hand"] - qty + qty
    second = _planned(problem)
    pack = [a for a in second["assignments"] if a["order"] == picked_id and a["stage"] == "pack"]
    assert len(pack) == 1 and pack[0]["slot"] >= 1


def test_pins_the_state_no_longer_allows_are_dropped() -> None:
    """The team of a pick under way was replaced: that work is planned again, the window
    is not refused."""
    doc = demo_warehouse()
    first = _planned(doc)
    now = _start(doc) + timedelta(minutes=_slot_minutes(doc))
    team = next(a["team"] for a in first["assignments"] if a["stage"] == "pick" and a["slot"] == 1)
    changed = copy.deepcopy(doc)
    for record in changed["teams"]:
        if record["id"] == team:
            record["id"] = f"{team}-new"
    problem = window_problem(changed, Previous(first), now, rolling=True)
    load_problem(problem)
    assert all(p["team"] != team for p in problem["pinned"])
    _planned(problem)


def test_a_window_that_does_not_roll_pins_nothing_new() -> None:
    doc = demo_warehouse()
    first = _planned(doc)
    problem = window_problem(doc, Previous(first), _start(doc) + timedelta(hours=1), False)
    assert problem["window"] == doc["window"]
    assert problem["pinned"] == []
    assert len(problem["previous_assignments"]) == len(first["assignments"])
    assert churn(first, _planned(problem)) == 0


def test_the_service_rolls_pins_and_keeps(tmp_path: Path) -> None:
    """Through the API, the clock 20 then 50 minutes into the stored window: each window's
    plan passes the checker against the problem it planned; orders picked keep their picks
    pinned in the done slot; packed ones are gone; nothing planned moves."""
    doc = demo_warehouse()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}", window_minutes=0, rolling_window=True
    )
    with TestClient(create_app(settings)) as client:
        planner = client.app.state.windows  # type: ignore[attr-defined]
        load_state(client, doc)
        planner.clock = lambda: _start(doc) + timedelta(minutes=20)
        first = client.post("/v1/windows").json()
        problem = client.get("/v1/windows/latest/problem").json()
        assert problem["window"]["start"] == doc["window"]["start"]  # the done slot, 08:00
        assert_plan_valid(problem, first["plan"])
        assert all(a["slot"] >= 1 for a in first["plan"]["assignments"])
        # the 08:15 and 08:30 slots' work is done: their picks are reported, packs too
        tasks = [(a["order"], a["stage"], a["slot"]) for a in first["plan"]["assignments"]]
        later = {o for o, stage, k in tasks if stage == "pick" and k > 2}
        picked = sorted({o for o, stage, k in tasks if stage == "pick"} - later)
        packed = {o for o, stage, k in tasks if stage == "pack" and k <= 2}
        assert picked and packed
        for order_id in picked:
            for event in ["picked", "packed"] if order_id in packed else ["picked"]:
                reply = client.post(f"/v1/orders/{order_id}/events", json={"event": event})
                assert reply.status_code == 200
        planner.clock = lambda: _start(doc) + timedelta(minutes=50)
        second = client.post("/v1/windows").json()
        problem = client.get("/v1/windows/latest/problem").json()
        assert_plan_valid(problem, second["plan"])
        assert problem["window"]["start"] == "2026-12-04T08:30:00Z"
        still_picked = [o for o in picked if o not in packed]
        assert still_picked
        for a in second["plan"]["assignments"]:
            assert a["order"] not in packed
            if a["order"] in still_picked and a["stage"] == "pick":
                assert (a["slot"], a.get("pinned")) == (0, True)
        assert second["churn"] == 0
