"""Plays the demo warehouse's day against a running service, over its HTTP API.

:class:`Simulator` is the rest of the warehouse around the planner: the shop sending
orders, the floor doing the planned work, the stock clerk and customer service. It seeds
the demo warehouse (:mod:`scenarios.demo.warehouse`) through the API (so it passes the same
validation as any client's), then, every ``tick_s``:

1. **orders arrive** (``POST /v1/orders``): seeded, some urgent, now and then a bad one;
2. **work on the clock**: an order is ``picked`` once the slots of its pick tasks have
   ended, ``packed`` and ``shipped`` once its pack slot has, as the plan it was last
   seen in (``GET /v1/windows/latest``) had them; a pick takes its units from the
   locations the plan chose (``POST /v1/inventory/adjustments``);
3. **a new window plan** is taken as the plan from now on, and summarised (planned,
   backlog, exceptions opened, churn) for whoever watches (``on_window``);
4. **stock events**: now and then a shelf is found empty (a stockout of a SKU that
   pending orders need), refilled a while later; bad orders are cancelled by customer
   service after a while, so their exception records get resolved.

Work is done before a new plan is taken: work whose slot ended under the plan of its
time is done, whatever a later plan says. Given its seed the simulator sends the same
requests in the same order; only the wall clock decides when. The clock and the sleep are
injectable, so a test can move time without waiting. An HTTP error is logged and the
simulator goes on; it stops when its ``stop`` event is set.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from scenarios.demo.plans import PlannedWork, WindowSummary, planned_work
from scenarios.demo.warehouse import (
    DEMO_PREFIX,
    DemoSpec,
    OrderMaker,
    run_stamp,
    warehouse_document,
)

__all__ = ["Simulator", "WindowSummary"]

logger = logging.getLogger(__name__)

#: Seconds a request may take to connect and to answer (planning a window waits for its
#: solve); for the client the simulator is given.
TIMEOUT = httpx.Timeout(10.0, read=120.0)
OPEN_STATUSES = ("pending", "picked", "packed")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Simulator:
    """The warehouse around the planner, played against the service at ``http``."""

    def __init__(
        self,
        http: httpx.Client,
        spec: DemoSpec,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], bool] | None = None,
        on_window: Callable[[WindowSummary], None] | None = None,
    ) -> None:
        """``sleep(seconds)`` waits and says whether to stop (default: ``stop.wait``)."""
        self.http, self.spec, self.clock = http, spec, clock
        self.stop = threading.Event()
        self.sleep = sleep or self.stop.wait
        self.on_window = on_window
        self.orders = OrderMaker(spec, run_stamp(clock()))
        self.sent: Counter[str] = Counter()
        """Every order id this run sent, and how many times (once each)."""
        self.rejected: dict[str, str] = {}
        """Orders the API refused at the door, and the contract code it gave."""
        self.status: dict[str, str] = {}
        """This run's stored orders by their last known status."""
        self._tasks: dict[str, PlannedWork] = {}
        self._taken: set[str] = set()  # orders whose units left the shelves
        self._window_id: int | None = None
        self._seen_records: set[int] = set()
        self._events_rng = random.Random(f"{spec.seed}:events")
        self._next_stockout: datetime | None = None
        self._restocks: list[tuple[datetime, dict[str, Any]]] = []
        self._cancel_at: dict[str, datetime] = {}
        self._fix_at: dict[str, tuple[datetime, dict[str, Any]]] = {}

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Wait for the service, seed it, then step every ``tick_s`` until stopped."""
        while not self._up():
            if self.sleep(0.5):
                return
        while not self.seed():
            if self.sleep(self.spec.tick_s):
                return
        while not self.sleep(self.spec.tick_s):
            try:
                self.step()
            except Exception:  # the demo goes on; the traceback says what to fix
                logger.exception("demo step failed; going on")

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="demo-simulator", daemon=True)
        thread.start()
        return thread

    def _up(self) -> bool:
        response = self._call("GET", "/healthz", quiet=True)
        return response is not None and response.status_code == 200

    def step(self) -> None:
        """One tick: orders arrive, planned work is done, a new plan is taken, stock moves."""
        now = self.clock()
        self.send_orders(self.orders.tick(now))
        self._work(now)
        self.watch_window()
        self._stock_events(now)
        self._customer_service(now)

    # --- seeding --------------------------------------------------------------------------

    def seed(self) -> bool:
        """Store the demo warehouse, close earlier runs' orders, send the first batch and
        plan the window now. False when the service refused the set-up (logged)."""
        now = self.clock()
        document = warehouse_document(self.spec, now)
        setup = {key: document[key] for key in ("name", "window", "labor")}
        stock = {key: document[key] for key in ("locations", "inventory")}
        for method, path, body in (
            ("PUT", "/v1/warehouse", setup),
            ("PUT", "/v1/teams", document["teams"]),
            ("PUT", "/v1/inventory", stock),
        ):
            if self._json(method, path, body) is None:
                return False
        logger.info("demo warehouse stored: window %s", document["window"])
        self._close_earlier_runs()
        self.send_orders(self.orders.first_batch(now))
        if self.spec.stockout_every_s is not None:
            self._next_stockout = now + timedelta(seconds=self.spec.stockout_every_s)
        self.plan_now()
        return True

    def _close_earlier_runs(self) -> None:
        """Cancel the open orders of earlier demo runs: this run starts afresh."""
        ours = f"{DEMO_PREFIX}{self.orders.stamp}-"
        closed: Counter[str] = Counter()
        for status in OPEN_STATUSES:
            listed = self._json("GET", f"/v1/orders?status={status}")
            for order in listed["orders"] if listed else []:
                order_id = order["id"]
                if order_id.startswith(DEMO_PREFIX) and not order_id.startswith(ours):
                    event = {"event": "cancelled"}
                    if self._json("POST", f"/v1/orders/{order_id}/events", event) is not None:
                        closed[status] += 1
        if closed:
            logger.info("earlier demo runs' open orders cancelled: %s", dict(closed))

    def plan_now(self) -> None:
        """Plan the window now (``POST /v1/windows``) and take the plan."""
        window = self._json("POST", "/v1/windows")
        if window is not None:
            self._take_plan(window)

    # --- orders ---------------------------------------------------------------------------

    def send_orders(self, orders: list[dict[str, Any]]) -> None:
        """POST the orders; note what became of each (a batch is logged as counts, its
        bad orders one by one)."""
        if not orders:
            return
        self.sent.update(order["id"] for order in orders)
        key = f"demo-orders-{orders[0]['id']}"
        report = self._json("POST", "/v1/orders", orders, headers={"Idempotency-Key": key})
        if report is None:
            return
        by_id = {order["id"]: order for order in orders}
        for entry in report["orders"]:
            self._note_import(entry, by_id.get(entry["id"], {}), one_by_one=len(orders) <= 3)
        if len(orders) > 3:
            logger.info("%d orders sent: %s", len(orders), report["counts"])

    def _note_import(self, entry: dict[str, Any], order: dict[str, Any], one_by_one: bool) -> None:
        order_id = entry["id"]
        if entry["result"] == "rejected":
            exception = entry.get("exception") or {}
            self.rejected[order_id] = exception.get("code", "")
            logger.info("order %s rejected at the door: %s", order_id, exception.get("message"))
            if order and self.spec.cancel_bad_after_s is not None:
                fix_at = self.clock() + timedelta(seconds=self.spec.cancel_bad_after_s)
                self._fix_at[order_id] = (fix_at, self.orders.corrected(order))
            return
        self.status.setdefault(order_id, "pending")
        kind = self.orders.bad.get(order_id)
        if kind is not None and self.spec.cancel_bad_after_s is not None:
            cancel_at = self.clock() + timedelta(seconds=self.spec.cancel_bad_after_s)
            self._cancel_at[order_id] = cancel_at
        if one_by_one or kind is not None:
            due = f", due {order['due'][11:16]}" if "due" in order else ""
            what = f"bad: {kind}" if kind else f"priority {order.get('priority')}{due}"
            logger.info("order %s %s (%s)", order_id, entry["result"], what)

    def _event(self, order_id: str, event: str, why: str = "") -> bool:
        """Send the order's event; True when it now has that status."""
        response = self._call("POST", f"/v1/orders/{order_id}/events", {"event": event})
        if response is not None and response.status_code == 200:
            self.status[order_id] = response.json()["status"]
            logger.info("order %s %s%s", order_id, event, why)
            return self.status[order_id] == event
        if response is not None and response.status_code in (404, 409):
            self._resync(order_id)
        return False

    def _resync(self, order_id: str) -> None:
        """Someone else moved the order: take its stored status, stop working it if closed."""
        order = self._json("GET", f"/v1/orders/{order_id}")
        status = order["status"] if order else "unknown"
        self.status[order_id] = status
        if status not in OPEN_STATUSES:
            self._tasks.pop(order_id, None)

    # --- work on the clock ------------------------------------------------------------------

    def _work(self, now: datetime) -> None:
        """Pick, pack and ship what the plan had done by now, order by order."""
        for order_id in sorted(self._tasks):
            tasks = self._tasks[order_id]
            if self.status.get(order_id) == "pending" and now >= tasks.picks_end:
                if not self._take_stock(order_id, tasks.lines):
                    del self._tasks[order_id]  # the pick waits for the next plan
                    continue
                if not self._event(order_id, "picked"):
                    continue
            if self.status.get(order_id) == "picked" and now >= tasks.pack_end:
                self._event(order_id, "packed")
            if self.status.get(order_id) == "packed" and self._event(order_id, "shipped"):
                del self._tasks[order_id]

    def _take_stock(self, order_id: str, lines: tuple[dict[str, Any], ...]) -> bool:
        """The units leave their shelves (once per order); False when a shelf is short."""
        if order_id in self._taken:
            return True
        taken: Counter[tuple[str, str]] = Counter()
        for line in lines:
            taken[(line["sku"], line["location"])] += line["qty"]
        body = [
            {"sku": sku, "location": location, "delta": -qty, "reason": f"picked for {order_id}"}
            for (sku, location), qty in sorted(taken.items())
        ]
        key = f"demo-pick-{order_id}"
        response = self._call(
            "POST", "/v1/inventory/adjustments", body, headers={"Idempotency-Key": key}, quiet=True
        )
        if response is None or not response.is_success:
            reason = response.text[:300] if response is not None else "no answer"
            logger.info("order %s not picked: its stock could not be taken: %s", order_id, reason)
            return False
        self._taken.add(order_id)
        return True

    # --- window plans -----------------------------------------------------------------------

    def watch_window(self) -> None:
        """Take the newest window plan, if there is one this simulator has not seen."""
        response = self._call("GET", "/v1/windows/latest")
        if response is None or response.status_code != 200:
            return
        window = response.json()
        if window["id"] != self._window_id:
            self._take_plan(window)

    def _take_plan(self, window: dict[str, Any]) -> None:
        """From now on the plan says when the pending orders are picked and packed."""
        self._window_id = window["id"]
        planned = planned_work(window["plan"])
        for order_id, status in self.status.items():
            if status != "pending":
                continue
            if order_id in planned:
                self._tasks[order_id] = planned[order_id]
            else:
                self._tasks.pop(order_id, None)
        if self.on_window is not None:
            self.on_window(self._summary(window))

    def _summary(self, window: dict[str, Any]) -> WindowSummary:
        records = self._json("GET", "/v1/exceptions?status=open") or []
        opened = [r for r in records if r["id"] not in self._seen_records]
        self._seen_records.update(r["id"] for r in records)
        return WindowSummary(
            window_id=window["id"],
            planned=window["planned"],
            backlog=window["backlog"],
            churn=window["churn"],
            opened=tuple((r["order"], r["code"]) for r in reversed(opened)),
            open_records=len(records),
            statuses=dict(Counter(self.status.values())),
        )

    # --- stock and customer service ------------------------------------------------------------

    def _stock_events(self, now: datetime) -> None:
        """A shelf found empty now and then; refilled ``restock_after_s`` later."""
        due = [body for at, body in self._restocks if now >= at]
        self._restocks = [(at, body) for at, body in self._restocks if now < at]
        for body in due:
            self._call("POST", "/v1/inventory/adjustments", [body])
            logger.info("refilled %s at %s: +%d", body["sku"], body["location"], body["delta"])
        if self._next_stockout is None or now < self._next_stockout:
            return
        assert self.spec.stockout_every_s is not None
        self._next_stockout = now + timedelta(seconds=self.spec.stockout_every_s)
        self.empty_a_shelf(now)

    def empty_a_shelf(self, now: datetime) -> dict[str, Any] | None:
        """Write off every unit of a SKU that pending orders need, at its only location;
        refill it ``restock_after_s`` later. The adjustment made, or None."""
        stock = self._json("GET", "/v1/inventory")
        if stock is None:
            return None
        places = Counter(r["sku"] for r in stock["inventory"])
        single = [r for r in stock["inventory"] if places[r["sku"]] == 1 and r["on_hand"] > 0]
        wanted = self._pending_skus()
        candidates = [r for r in single if r["sku"] in wanted] or single
        if not candidates:
            return None
        shelf = self._events_rng.choice(candidates)  # listed by SKU, then location
        sku, location, on_hand = shelf["sku"], shelf["location"], shelf["on_hand"]
        take = {"sku": sku, "location": location, "delta": -on_hand, "reason": "found empty"}
        if self._json("POST", "/v1/inventory/adjustments", [take]) is None:
            return None
        logger.info("stockout: %s at %s found empty, %d units written off", sku, location, on_hand)
        refill = take | {"delta": on_hand, "reason": "replenished"}
        self._restocks.append((now + timedelta(seconds=self.spec.restock_after_s), refill))
        return take

    def _pending_skus(self) -> set[str]:
        pending = self._json("GET", "/v1/orders?status=pending")
        return {
            line.get("sku")
            for order in (pending["orders"] if pending else [])
            if order["id"] in self.status
            for line in order["order"].get("lines", [])
        }

    def _customer_service(self, now: datetime) -> None:
        """Bad orders still open after ``cancel_bad_after_s`` are cancelled; an order
        refused at the door (its exception record open) is sent again, corrected."""
        for order_id in sorted(o for o, (at, _) in self._fix_at.items() if now >= at):
            _, corrected = self._fix_at.pop(order_id)
            logger.info("order %s sent again by customer service, address corrected", order_id)
            key = {"Idempotency-Key": f"demo-fix-{order_id}"}
            report = self._json("POST", "/v1/orders", [corrected], headers=key)
            for entry in report["orders"] if report is not None else ():
                self._note_import(entry, corrected, one_by_one=True)
        for order_id in sorted(o for o, at in self._cancel_at.items() if now >= at):
            del self._cancel_at[order_id]
            why = f" by customer service ({self.orders.bad[order_id]})"
            if self.status.get(order_id) in OPEN_STATUSES and self._event(
                order_id, "cancelled", why
            ):
                self._tasks.pop(order_id, None)

    # --- HTTP -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        quiet: bool = False,
    ) -> httpx.Response | None:
        """The response (any status), or None on a transport error; failures are logged
        unless ``quiet`` (the caller says what went wrong)."""
        try:
            response = self.http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as error:
            if not quiet:
                logger.warning("%s %s failed: %s", method, path, error)
            return None
        if response.status_code >= 400 and not quiet:
            logger.warning("%s %s: %d %s", method, path, response.status_code, response.text[:300])
        return response

    def _json(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        """The JSON body of a successful response; None on any failure (logged)."""
        response = self._call(method, path, body, **options)
        return response.json() if response is not None and response.is_success else None
