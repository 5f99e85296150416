"""Ingestion under load: the live-state requests ``zero-backlog load`` sends.

:class:`Ingestion` seeds the live state once (the demo warehouse's window, labor, teams,
locations and stock) and builds the timed operations, each a function of the request
counter ``k`` so that every request carries ids of its own:

- a batch of new orders (``POST /v1/orders`` with ``Idempotency-Key``): copies of the
  demo orders under ids ``LOAD-<tag>-<k>-<i>``;
- the same batch sent again with the same key, as a client retrying after a lost answer
  does: the service replays its stored answer and stores nothing twice;
- ``picked`` for the first order of batch ``k``;
- a stock adjustment of +1 unit (with its own ``Idempotency-Key``);
- a Shopify order webhook for one more order, ``#LOAD-<tag>-<k>`` (signed with
  ``ZERO_BACKLOG_SHOPIFY_SECRET`` when that is set, as the service then requires).

The tag keeps the ids of two runs against one service apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from scenarios.examples import demo_warehouse
from scenarios.loadtest import OperationStats, Request

#: The environment variable the service reads its Shopify webhook secret from.
SHOPIFY_SECRET_ENV: Final = "ZERO_BACKLOG_SHOPIFY_SECRET"

NEW_BATCH: Final = "POST /v1/orders (batch of {n} new orders)"
RESENT_BATCH: Final = "POST /v1/orders (re-sent batch, idempotent)"
PICKED: Final = "POST /v1/orders/{id}/events (picked)"
ADJUSTMENT: Final = "POST /v1/inventory/adjustments (+1 unit)"
WEBHOOK: Final = "POST /v1/integrations/shopify/orders (webhook, 1 order)"


@dataclass(frozen=True)
class Ingestion:
    """The live-state requests of one load run."""

    tag: str
    """Part of every order id and Idempotency-Key of the run."""
    batch_size: int = 50
    """Orders per ``POST /v1/orders``."""

    def setup(self, doc: dict[str, Any] | None = None) -> list[Request]:
        """Warehouse, teams, then locations and stock: the state the operations need."""
        doc = doc or demo_warehouse()
        warehouse = {"name": doc.get("name"), "window": doc["window"], "labor": doc["labor"]}
        stock = {"locations": doc["locations"], "inventory": doc["inventory"]}
        return [
            ("PUT", "/v1/warehouse", warehouse),
            ("PUT", "/v1/teams", doc["teams"]),
            ("PUT", "/v1/inventory", stock),
        ]

    def operations(self, doc: dict[str, Any] | None = None) -> dict[str, Callable[[int], Request]]:
        """The timed operations, by name, in the order they run."""
        doc = doc or demo_warehouse()
        orders, inventory = doc["orders"], doc["inventory"]
        return {
            NEW_BATCH.format(n=self.batch_size): lambda k: self._batch(orders, k),
            RESENT_BATCH: lambda k: self._batch(orders, k),
            PICKED: self._picked,
            ADJUSTMENT: lambda k: self._adjustment(inventory, k),
            WEBHOOK: lambda k: self._webhook(orders, k),
        }

    # --- ids --------------------------------------------------------------------------------

    def order_id(self, k: int, i: int) -> str:
        return f"LOAD-{self.tag}-{k:05d}-{i:03d}"

    def webhook_order_id(self, k: int) -> str:
        return f"#LOAD-{self.tag}-{k:05d}"

    def batch_ids(self, k: int) -> list[str]:
        return [self.order_id(k, i) for i in range(self.batch_size)]

    # --- requests ---------------------------------------------------------------------------

    def _batch(self, templates: list[dict[str, Any]], k: int) -> Request:
        """Batch ``k``: the same body and key every time it is built."""
        first = k * self.batch_size
        body = [
            {**templates[(first + i) % len(templates)], "id": order_id}
            for i, order_id in enumerate(self.batch_ids(k))
        ]
        return ("POST", "/v1/orders", body, {"Idempotency-Key": f"load-{self.tag}-batch-{k}"})

    def _picked(self, k: int) -> Request:
        return ("POST", f"/v1/orders/{self.order_id(k, 0)}/events", {"event": "picked"})

    def _adjustment(self, inventory: list[dict[str, Any]], k: int) -> Request:
        record = inventory[k % len(inventory)]
        body = [
            {"sku": record["sku"], "location": record["location"], "delta": 1, "reason": "load"}
        ]
        key = {"Idempotency-Key": f"load-{self.tag}-adjust-{k}"}
        return ("POST", "/v1/inventory/adjustments", body, key)

    def _webhook(self, templates: list[dict[str, Any]], k: int) -> Request:
        order = templates[k % len(templates)]
        body = json.dumps(shopify_order(self.webhook_order_id(k), order)).encode()
        headers = {"Content-Type": "application/json"}
        secret = os.environ.get(SHOPIFY_SECRET_ENV)
        if secret:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
            headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(digest).decode()
        return ("POST", "/v1/integrations/shopify/orders", body, headers)


def shopify_order(name: str, order: dict[str, Any]) -> dict[str, Any]:
    """A Shopify ``orders/create`` payload (the fields the import reads) for a demo order."""
    ship_to = order["ship_to"]
    return {
        "id": int(hashlib.sha256(name.encode()).hexdigest()[:12], 16),
        "name": name,
        "created_at": order["received_at"],
        "tags": "",
        "line_items": [
            {"sku": line["sku"], "quantity": line["qty"], "requires_shipping": True}
            for line in order["lines"]
        ],
        "shipping_address": {
            "name": ship_to["name"],
            "address1": ship_to["line1"],
            "city": ship_to["city"],
            "zip": ship_to["postal_code"],
            "country_code": ship_to["country"],
        },
        "shipping_lines": [{"title": "Standard"}],
    }


def summary(results: list[OperationStats], batch_size: int) -> str:
    """Orders stored per second by the batch and webhook operations, and the replays."""
    by_name = {s.name: s for s in results}
    lines = []
    batch = by_name.get(NEW_BATCH.format(n=batch_size))
    if batch is not None and batch.wall_s > 0:
        stored = batch.succeeded * batch_size
        lines.append(
            f"- Batch ingestion: {stored:,} orders in {batch.wall_s:.1f} s, "
            f"{stored / batch.wall_s:,.0f} orders/s"
        )
    webhook = by_name.get(WEBHOOK)
    if webhook is not None and webhook.wall_s > 0:
        lines.append(
            f"- Shopify webhook: {webhook.succeeded:,} orders in {webhook.wall_s:.1f} s, "
            f"{webhook.succeeded / webhook.wall_s:,.0f} orders/s"
        )
    resent = by_name.get(RESENT_BATCH)
    if resent is not None:
        lines.append(
            f"- Re-sent batches answered from the stored response: "
            f"{resent.replayed} of {len(resent.latencies_s)}"
        )
    return "\n".join(lines)
