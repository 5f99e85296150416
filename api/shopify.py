"""Shopify orders into contract orders: the order webhook's JSON and the orders-export CSV.

The mapping, field by field (JSON / CSV column -> contract order):

- ``name`` / ``Name`` (``#1001``) -> ``id``. The order's name, not Shopify's numeric ``id``:
  it is what the CSV export has and what people see on packing slips, so a webhook and
  an export of the same order update one stored order. (The numeric ``id`` is the
  fallback when a webhook has no name.)
- ``created_at`` / ``Created at`` -> ``received_at`` (the export's ``2026-12-04 07:55:00
  -0500`` becomes ISO 8601).
- ``line_items[].sku, quantity`` / ``Lineitem sku, Lineitem quantity`` (one CSV row per
  line item) -> ``lines[].sku, qty``. Line items that need no shipping
  (``requires_shipping: false``, gift cards, digital goods) are left out; an order with no
  other line has nothing to pick and is reported ``skipped``.
- ``shipping_address{name, address1, address2, city, zip, country_code}`` / ``Shipping
  Name, Address1, Address2, City, Zip, Country`` -> ``ship_to{name, line1, line2, city,
  postal_code, country}``. The export's leading apostrophe on ZIP codes (kept there so
  spreadsheets keep leading zeros) is dropped. No shipping address (local pickup): no
  ``ship_to``, which the contract reports as ``INVALID_ADDRESS``.
- **Priority**, which Shopify does not have: a tag ``priority:N`` (``tags`` / ``Tags``,
  comma-separated) sets it explicitly and wins; otherwise the shipping method (the
  ``shipping_lines[].title`` or ``code`` / ``Shipping Method``) decides: same day, next
  day, overnight or express -> 1; expedited, priority, two-day or 2nd day -> 2; anything
  else (standard, economy, free shipping) -> no priority, the contract's default 3.
- ``cancelled_at`` / ``Cancelled at`` set: the order is cancelled here (when stored),
  never stored as pending.

Values are passed on as Shopify gives them: a quantity of ``"two"`` or a missing SKU is
reported by the contract's per-order checks (``INVALID_ORDER`` with the field), not here.

The webhook's HMAC (``X-Shopify-Hmac-Sha256``: base64 of the HMAC-SHA256 of the raw body
with the app's secret) is checked by :func:`hmac_valid` when a secret is configured.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import os
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from api.order_state import Incoming
from solver.loading import DocumentError, FieldError
from solver.validation import usable_id

#: The environment variable holding the Shopify app's webhook secret (unset: no check).
SECRET_ENV: Final = "ZERO_BACKLOG_SHOPIFY_SECRET"

#: Columns a CSV import cannot do without; the others are read when present.
REQUIRED_COLUMNS: Final = ("Name", "Lineitem quantity", "Lineitem sku")

_PRIORITY_TAG: Final = re.compile(r"^priority:\s*(\S+)$", re.IGNORECASE)
#: (priority, words in the shipping method's title or code), the first match wins.
_SHIPPING_PRIORITIES: Final = (
    (1, ("same day", "same-day", "next day", "next-day", "overnight", "express")),
    (2, ("expedited", "priority", "two-day", "two day", "2-day", "2 day", "2nd day")),
)
_EXPORT_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S %z"
_CSV_ADDRESS_PARTS: Final = ("Name", "Address1", "Address2", "City", "Zip", "Country")
NO_SHIPPING: Final = "no line item needs shipping: nothing to pick"


def shopify_secret() -> str | None:
    """The webhook secret from ``ZERO_BACKLOG_SHOPIFY_SECRET`` (None: HMAC not checked)."""
    return os.environ.get(SECRET_ENV) or None


def hmac_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """Whether ``signature`` is the base64 HMAC-SHA256 of the raw body with the secret."""
    if not signature:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())


# --- the webhook's order JSON -------------------------------------------------------------


def from_webhook(payload: Any) -> Incoming:
    """The order of an ``orders/create``, ``orders/updated`` or ``orders/cancelled`` webhook."""
    if not isinstance(payload, dict):
        raise DocumentError([FieldError("", "a Shopify order must be a JSON object")])
    order_id = usable_id(payload.get("name")) or usable_id(payload.get("id"))
    items = payload.get("line_items")
    shipped = [item for item in items if _needs_shipping(item)] if isinstance(items, list) else []
    if order_id is not None and payload.get("cancelled_at"):
        return Incoming(orders=(), cancelled=(order_id,))
    if order_id is not None and isinstance(items, list) and items and not shipped:
        return Incoming(orders=(), skipped={order_id: NO_SHIPPING})
    order: dict[str, Any] = {"id": order_id}
    _put(order, "received_at", payload.get("created_at"))
    tags = payload.get("tags")
    _put(order, "priority", priority_of(tags if isinstance(tags, str) else "", _methods(payload)))
    _put(order, "ship_to", _webhook_ship_to(payload.get("shipping_address")))
    order["lines"] = [_line(item) for item in shipped] if isinstance(items, list) else items
    return Incoming(orders=(order,))


def _webhook_ship_to(address: Any) -> dict[str, Any] | None:
    if not isinstance(address, dict):
        return None
    full_name = " ".join(
        str(address[key]) for key in ("first_name", "last_name") if address.get(key)
    )
    return _ship_to(
        name=address.get("name") or full_name,
        line1=address.get("address1"),
        line2=address.get("address2"),
        city=address.get("city"),
        postal_code=address.get("zip"),
        country=address.get("country_code"),
    )


def _needs_shipping(item: Any) -> bool:
    return not (isinstance(item, dict) and item.get("requires_shipping") is False)


def _line(item: Any) -> Any:
    """``{"sku", "qty"}`` from a line item; anything else is passed on to be reported."""
    if not isinstance(item, dict):
        return item
    line: dict[str, Any] = {}
    _put(line, "sku", item.get("sku"))
    _put(line, "qty", item.get("quantity"))
    return line


def _methods(payload: Mapping[str, Any]) -> list[str]:
    lines = payload.get("shipping_lines")
    methods: list[str] = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict):
            methods += [str(line[key]) for key in ("title", "code") if line.get(key)]
    return methods


# --- the orders-export CSV ----------------------------------------------------------------


def from_csv(text: str) -> Incoming:
    """The orders of a Shopify orders export: one row per line item, order fields on the
    first row of each order. Rows are grouped by ``Name``."""
    groups: dict[str, list[dict[str, str]]] = {}
    for row in _csv_rows(text):
        groups.setdefault(_cell(row, "Name"), []).append(row)
    orders: list[dict[str, Any]] = []
    cancelled: list[str] = []
    skipped: dict[str, str] = {}
    for name, rows in groups.items():
        shipped = [row for row in rows if _cell(row, "Lineitem requires shipping") != "false"]
        if name and _cell(rows[0], "Cancelled at"):
            cancelled.append(name)
        elif not shipped:
            skipped[name] = NO_SHIPPING
        else:
            orders.append(_csv_order(name, rows[0], shipped))
    return Incoming(orders=orders, cancelled=cancelled, skipped=skipped)


def _csv_rows(text: str) -> list[dict[str, str]]:
    """The rows of the export by column name; a missing required column is a 422."""
    if "\x00" in text:
        raise DocumentError([FieldError("", "NUL characters are not accepted")])
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise DocumentError([FieldError("", f"not CSV: {error}")]) from None
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise DocumentError(FieldError(column, "missing CSV column") for column in missing)
    return rows


def _csv_order(name: str, first: Mapping[str, str], rows: Iterable[Mapping[str, str]]) -> Any:
    order: dict[str, Any] = {"id": name}
    _put(order, "received_at", _export_time(_cell(first, "Created at")))
    methods = [_cell(first, "Shipping Method")]
    _put(order, "priority", priority_of(_cell(first, "Tags"), methods))
    address = {part: _cell(first, f"Shipping {part}") for part in _CSV_ADDRESS_PARTS}
    if any(address.values()):
        order["ship_to"] = _ship_to(
            name=address["Name"],
            line1=address["Address1"],
            line2=address["Address2"],
            city=address["City"],
            postal_code=address["Zip"],
            country=address["Country"],
        )
    order["lines"] = [_csv_line(row) for row in rows]
    return order


def _csv_line(row: Mapping[str, str]) -> dict[str, Any]:
    line: dict[str, Any] = {}
    _put(line, "sku", _cell(row, "Lineitem sku"))
    quantity = _cell(row, "Lineitem quantity")
    _put(line, "qty", int(quantity) if quantity.isdigit() else quantity)
    return line


def _cell(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _export_time(text: str) -> str:
    """``2026-12-04 07:55:00 -0500`` as ISO 8601; other text is passed on as it is."""
    try:
        return datetime.strptime(text, _EXPORT_TIME_FORMAT).isoformat()
    except ValueError:
        return text


# --- shared -------------------------------------------------------------------------------


def priority_of(tags: str, shipping_methods: Iterable[str]) -> Any:
    """The order's priority: a ``priority:N`` tag, else by shipping method, else None.

    A tag's value is passed on as given when it is not a whole number, so the contract's
    checks report it (``INVALID_ORDER`` on ``priority``)."""
    for tag in tags.split(","):
        match = _PRIORITY_TAG.match(tag.strip())
        if match:
            value = match.group(1)
            return int(value) if value.isdigit() else value
    methods = " ".join(shipping_methods).lower()
    for priority, words in _SHIPPING_PRIORITIES:
        if any(word in methods for word in words):
            return priority
    return None


def _ship_to(**parts: Any) -> dict[str, Any]:
    """The contract's ship-to from its parts (absent parts left out); the export's leading
    apostrophe on postal codes is dropped."""
    postal_code = parts.get("postal_code")
    if isinstance(postal_code, str):
        parts["postal_code"] = postal_code.strip().removeprefix("'")
    ship_to: dict[str, Any] = {}
    for part, value in parts.items():
        _put(ship_to, part, value)
    return ship_to


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``target[key]`` unless the value is absent (None or blank): absent stays absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    target[key] = value
