"""The demo of ``zero-backlog serve --demo``: its warehouse plans and checks out, and its
simulator, played against the real service with a clock the test moves, sends orders,
does the planned work when its slots end, takes the stock, and loses nothing.

The service runs with ``rolling_window`` on and no scheduled plans (the test plans with
``POST /v1/windows``). The simulator and the window planner share one clock, which the
test moves, so the windows roll with the simulated time and nothing depends on the wall
clock. Every window plan is checked against the document it planned
(``GET /v1/windows/latest/problem``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.demo import demo_settings, loopback_url, window_line
from scenarios.demo import (
    BAD_CODES,
    DemoSpec,
    OrderMaker,
    Simulator,
    WindowSummary,
    demo_problem,
    slot_floor,
)
from solver.check import check_plan
from solver.engine import PlanParams
from solver.loading import load_problem
from solver.solve import plan

NOW = datetime(2026, 12, 4, 8, 3, 20, tzinfo=UTC)
#: No stockouts and no cancellations unless a test asks: the statuses follow the plan only.
QUIET = DemoSpec(seed=5, initial_orders=12, stockout_every_s=None, cancel_bad_after_s=None)


class FakeClock:
    """A clock the test moves; ``sleep`` advances it and never asks to stop."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.now += timedelta(seconds=seconds)
        return False


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def client(tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        window_minutes=0,
        rolling_window=True,
        window_time_limit_s=2,
    )
    with TestClient(create_app(settings)) as test_client:
        test_client.app.state.windows.clock = clock  # type: ignore[attr-defined]
        yield test_client


def _simulator(client: TestClient, spec: DemoSpec, clock: FakeClock) -> Simulator:
    return Simulator(client, spec, clock=clock, sleep=clock.sleep)


def _statuses(client: TestClient) -> dict[str, str]:
    return {o["id"]: o["status"] for o in client.get("/v1/orders").json()["orders"]}


def _units_on_hand(client: TestClient) -> int:
    return sum(r["on_hand"] for r in client.get("/v1/inventory").json()["inventory"])


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ends(window: dict[str, Any]) -> dict[str, dict[str, datetime]]:
    """Per order the plan places: when its last pick slot and its pack slot end."""
    slot = timedelta(minutes=window["plan"]["window"]["slot_minutes"])
    ends: dict[str, dict[str, datetime]] = {}
    for a in window["plan"]["assignments"]:
        end = _at(a["slot_start"]) + slot
        stages = ends.setdefault(a["order"], {})
        stages[a["stage"]] = max(end, stages.get(a["stage"], end))
    return ends


def _done_by(window: dict[str, Any], at: datetime) -> dict[str, str]:
    """What the floor has done by ``at`` for each order the plan places."""
    return {
        order: "shipped" if e["pack"] <= at else "picked" if e["pick"] <= at else "pending"
        for order, e in _ends(window).items()
    }


def _units(orders: list[dict[str, Any]]) -> int:
    return sum(line["qty"] for order in orders for line in order["order"]["lines"])


def _latest_checked(client: TestClient) -> dict[str, Any]:
    """The latest window plan, checked against the document it planned (rolled, work
    under way and picked orders pinned)."""
    window: dict[str, Any] = client.get("/v1/windows/latest").json()
    report = check_plan(client.get("/v1/windows/latest/problem").json(), window["plan"])
    assert report.ok, str(report)
    return window


def _inventory(client: TestClient) -> list[dict[str, Any]]:
    inventory: list[dict[str, Any]] = client.get("/v1/inventory").json()["inventory"]
    return inventory


def _on_hand(client: TestClient, shelf: dict[str, Any]) -> int:
    key = (shelf["sku"], shelf["location"])
    return sum(int(r["on_hand"]) for r in _inventory(client) if (r["sku"], r["location"]) == key)


# --- the warehouse ------------------------------------------------------------------------------


def test_demo_problem_plans_every_good_order_and_passes_the_checker() -> None:
    """30 good orders fit with room to spare; the four bad ones get the four codes."""
    document = demo_problem(DemoSpec(), NOW)
    problem = load_problem(document)
    assert problem.window.start == slot_floor(NOW, 2) and problem.window.num_slots == 45
    result = plan(document, PlanParams(time_limit_s=10)).model_dump(mode="json", exclude_none=True)
    report = check_plan(document, result)
    assert report.ok, str(report)
    assert result["kpis"]["planned"] == 30
    codes = sorted(e["code"] for e in result["exceptions"])
    assert codes == sorted(BAD_CODES.values())


def test_demo_orders_are_deterministic_given_the_seed() -> None:
    """Same seed and stamp: the same batch and stream; another seed: other orders."""

    def draw(seed: int) -> list[dict[str, Any]]:
        maker = OrderMaker(DemoSpec(seed=seed), "run")
        return maker.first_batch(NOW) + [o for _ in range(20) for o in maker.tick(NOW)]

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)
    assert len({o["id"] for o in draw(3)}) == len(draw(3))


def test_demo_settings_keep_what_the_environment_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rolling windows every minute by default; an explicit environment value wins."""
    defaults = demo_settings(Settings())
    assert (defaults.rolling_window, defaults.window_minutes) == (True, 1.0)
    monkeypatch.setenv("ZERO_BACKLOG_WINDOW_MINUTES", "5")
    monkeypatch.setenv("ZERO_BACKLOG_ROLLING_WINDOW", "false")
    chosen = demo_settings(Settings())
    assert (chosen.rolling_window, chosen.window_minutes) == (False, 5.0)
    assert loopback_url("0.0.0.0", 8765) == "http://127.0.0.1:8765"


# --- the simulator against the service -----------------------------------------------------------


def test_simulator_seeds_the_service_and_bad_orders_become_exceptions(
    client: TestClient, clock: FakeClock
) -> None:
    """The bad address is refused at the door and its record opens at once; the other three
    bad orders are stored and their records open with the codes the contract gives them;
    the rest is planned."""
    sim = _simulator(client, QUIET, clock)
    assert sim.seed()
    bad = sim.orders.bad
    address = next(order for order, kind in bad.items() if kind == "address")
    assert sim.rejected == {address: "INVALID_ADDRESS"}
    assert set(_statuses(client)) == set(sim.sent) - {address}
    records = client.get("/v1/exceptions?status=open").json()
    expected = {order: BAD_CODES[kind] for order, kind in bad.items()}
    assert {r["order"]: r["code"] for r in records} == expected
    window = _latest_checked(client)
    assert window["planned"] == QUIET.initial_orders


def test_simulator_works_the_plan_on_the_clock_and_loses_nothing(
    client: TestClient, clock: FakeClock
) -> None:
    """At the first pack slot's end the floor has done exactly what the plan put before it,
    and each pick took its units off the shelves; past the window's end every planned order
    is shipped, customer service has cancelled the bad ones and sent the refused one again
    corrected (every record resolved), and every order sent is stored once."""
    spec = QUIET.model_copy(update={"cancel_bad_after_s": 600.0})
    sim = _simulator(client, spec, clock)
    assert sim.seed()
    first = _latest_checked(client)
    stock_before = _units_on_hand(client)
    clock.now = min(e["pack"] for e in _ends(first).values())
    expected = _done_by(first, clock.now)
    sim.step()
    statuses = _statuses(client)
    assert {order: statuses[order] for order in expected} == expected
    assert "shipped" in expected.values()
    orders = client.get("/v1/orders").json()["orders"]
    taken = _units([o for o in orders if o["status"] in ("picked", "shipped")])
    assert _units_on_hand(client) == stock_before - taken

    client.post("/v1/windows")
    second = _latest_checked(client)
    assert _at(second["plan"]["window"]["start"]) > _at(first["plan"]["window"]["start"])
    bad = {order for order in sim.orders.bad if order not in sim.rejected}  # sent by now
    clock.now = _at(second["plan"]["window"]["end"])
    sim.step()  # the work of the first plan is done, then the second plan is taken
    sim.step()  # the work of the second plan
    statuses = _statuses(client)
    planned = {a["order"] for w in (first, second) for a in w["plan"]["assignments"]}
    assert {statuses[order] for order in planned} == {"shipped"}
    assert {statuses[order] for order in bad} == {"cancelled"}
    client.post("/v1/windows")
    _latest_checked(client)
    records = {r["order"]: r["status"] for r in client.get("/v1/exceptions").json()}
    assert {records[order] for order in bad | set(sim.rejected)} == {"resolved"}
    assert set(sim.sent.values()) == {1}
    assert set(statuses) == set(sim.sent)  # the refused one once corrected
    assert all(statuses[order] == "pending" for order in sim.rejected)
    assert Counter(statuses.values()) == Counter(sim.status.values())


def test_simulator_empties_a_needed_shelf_and_refills_it(
    client: TestClient, clock: FakeClock
) -> None:
    """A stockout writes off every unit of a SKU that a pending order needs, at its only
    location; ``restock_after_s`` later the same units come back."""
    sim = _simulator(client, QUIET.model_copy(update={"restock_after_s": 120.0}), clock)
    assert sim.seed()
    pending = client.get("/v1/orders?status=pending").json()["orders"]
    needed = {line["sku"] for order in pending for line in order["order"]["lines"]}
    take = sim.empty_a_shelf(clock.now)
    assert take is not None and take["sku"] in needed and take["delta"] < 0
    shelves = [r for r in _inventory(client) if r["sku"] == take["sku"]]
    assert shelves == [{"sku": take["sku"], "location": take["location"], "on_hand": 0}]
    clock.sleep(119)
    sim.step()
    assert _on_hand(client, take) == 0
    clock.sleep(1)
    sim.step()
    assert _on_hand(client, take) == -take["delta"]


def test_simulator_run_loop_seeds_steps_and_reports_windows(
    client: TestClient, clock: FakeClock
) -> None:
    """``run`` waits for the service, seeds it and steps until ``sleep`` says stop; every
    window plan it takes is summarised once for the console."""
    summaries: list[WindowSummary] = []
    naps = iter([False, False, False, True])
    sim = Simulator(
        client, QUIET, clock=clock, sleep=lambda s: next(naps), on_window=summaries.append
    )
    sim.run()
    assert [s.window_id for s in summaries] == [1]
    assert summaries[0].planned == QUIET.initial_orders
    assert sorted(code for _order, code in summaries[0].opened) == sorted(BAD_CODES.values())
    line = window_line(summaries[0])
    assert f"{QUIET.initial_orders} planned" in line and "4 exceptions opened" in line
