"""Per-order checks: each raw order becomes an :class:`Order` or one exception.

A malformed order never rejects the document (see the "Per-order validation" table of
the contract). Each distinct order id gets at most one code, the first that applies:
``INVALID_ORDER`` (not an object, no usable id, no lines, a quantity that is not a
positive whole number, a bad priority, an unparseable time, or an id given twice with
different contents) before ``INVALID_ADDRESS`` (a missing or blank address part, an
unknown country, or a postal code that does not fit its country's format).

Within ``INVALID_ORDER`` the id is checked first, then the table's order: lines,
priority, received_at, due. The exception names the first offending field.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import pycountry

from solver.domain import DEFAULT_PRIORITY, Address, Order, OrderLine, parse_timestamp
from solver.result import ExceptionCode, PlanException

logger = logging.getLogger(__name__)

# Address parts that must be present, strings and not blank, in the order they are checked.
_ADDRESS_FIELDS: Final = ("name", "line1", "city", "postal_code", "country")

# Postal code formats, matched against the stripped code, letters in any case. Countries
# without an entry accept any non-blank code.
_POSTAL_CODE_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    country: re.compile(pattern, re.ASCII | re.IGNORECASE)
    for country, pattern in {
        "US": r"\d{5}(?:-\d{4})?",  # ZIP or ZIP+4: 62701, 62701-1234
        "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",  # A1A 1A1
        # Outward code A9, A99, A9A, AA9, AA99 or AA9A, inward code 9AA; and GIR 0AA.
        "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA",
        "DE": r"\d{5}",
        "FR": r"\d{5}",
        "NL": r"\d{4} ?[A-Z]{2}",  # 1012 LG
        "AU": r"\d{4}",
        "JP": r"\d{3}-?\d{4}",  # 100-0001
    }.items()
}

_MAX_SHOWN_CHARS: Final = 60


class _Missing:
    """Marks a field that is absent from the raw order (as opposed to ``null``)."""


_MISSING: Final = _Missing()


@dataclass(frozen=True)
class ValidatedOrders:
    """The orders of a document, split into valid orders and exceptions."""

    orders: tuple[Order, ...]
    """Valid orders, one per distinct id, in first-seen document order."""
    exceptions: tuple[PlanException, ...]
    """INVALID_ORDER / INVALID_ADDRESS, one per distinct bad id, in document order."""
    order_ids: tuple[str, ...]
    """Every distinct order id, valid or not, in first-seen order."""


class _Defect(Exception):  # noqa: N818 - an internal signal, never leaves this module
    """The first problem found in an order: its code, field path and a readable reason."""

    def __init__(self, code: ExceptionCode, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.code: ExceptionCode = code
        self.field = field
        self.message = f"{field}: {problem}"


# --- the document: distinct ids and duplicates -------------------------------------------


def validate_orders(raw_orders: Sequence[Any]) -> ValidatedOrders:
    """Check every raw order; an exact repeat of an id counts once, a differing one is invalid."""
    copies = _group_by_order_id(raw_orders)
    results = [_validate_copies(order_id, group) for order_id, group in copies.items()]
    orders = tuple(result for result in results if isinstance(result, Order))
    exceptions = tuple(result for result in results if isinstance(result, PlanException))
    logger.info(
        "validated %d raw orders: %d distinct ids, %d valid, %d invalid",
        len(raw_orders),
        len(copies),
        len(orders),
        len(exceptions),
    )
    return ValidatedOrders(orders=orders, exceptions=exceptions, order_ids=tuple(copies))


def _group_by_order_id(raw_orders: Sequence[Any]) -> dict[str, list[tuple[int, Any]]]:
    """(index, raw order) pairs per order id, ids in first-seen order (dicts keep it)."""
    copies: dict[str, list[tuple[int, Any]]] = {}
    for index, raw in enumerate(raw_orders):
        copies.setdefault(_order_name(raw, index), []).append((index, raw))
    return copies


def _validate_copies(order_id: str, group: list[tuple[int, Any]]) -> Order | PlanException:
    """The first copy's verdict if all copies are equal, else one INVALID_ORDER for the id."""
    first_index, first_raw = group[0]
    if all(raw == first_raw for _, raw in group[1:]):
        return _validate_at(first_raw, first_index)
    logger.debug("order %s given %d times with different contents", order_id, len(group))
    return PlanException(
        order=order_id,
        code="INVALID_ORDER",
        message=f"order id {order_id} given {len(group)} times with different contents",
        field="id",
        priority=_priority_or_none(first_raw),
    )


# --- one order ----------------------------------------------------------------------------


def validate_order(raw: Any) -> Order | PlanException:
    """Check one raw order on its own; without a usable id it is named ``orders[0]``."""
    return _validate_at(raw, 0)


def _validate_at(raw: Any, index: int) -> Order | PlanException:
    """Check the raw order at ``orders[index]``; the index names it if it has no usable id."""
    try:
        return _build_order(raw, index)
    except _Defect as defect:
        logger.debug("order %s is invalid: %s", _order_name(raw, index), defect.message)
        return PlanException(
            order=_order_name(raw, index),
            code=defect.code,
            message=defect.message,
            field=defect.field,
            priority=_priority_or_none(raw),
        )


def _build_order(raw: Any, index: int) -> Order:
    """The validated order; raises :class:`_Defect` at the first problem (table order)."""
    if not isinstance(raw, dict):
        raise _Defect("INVALID_ORDER", f"orders[{index}]", f"{_show(raw)} is not a JSON object")
    order_id = _required_id(raw, index)
    lines = _lines(raw.get("lines", _MISSING))
    priority = _priority(raw.get("priority"))
    received_at = _optional_timestamp(raw.get("received_at"), "received_at")
    due = _optional_timestamp(raw.get("due"), "due")
    ship_to = _address(raw.get("ship_to", _MISSING))
    return Order(
        id=order_id,
        received_at=received_at,
        priority=priority,
        due=due,
        ship_to=ship_to,
        lines=lines,
    )


def _order_name(raw: Any, index: int) -> str:
    """The order's id, or ``orders[<index>]`` when it has no usable one."""
    order_id = usable_id(raw.get("id")) if isinstance(raw, dict) else None
    return f"orders[{index}]" if order_id is None else order_id


def usable_id(value: Any) -> str | None:
    """A non-blank string id as given, or an integer id (Shopify) as its decimal string."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return _decimal(value)
    return None


def _decimal(value: int) -> str | None:
    """The decimal string, or None past Python's integer-to-string digit limit."""
    try:
        return str(value)
    except ValueError:
        return None


def _required_id(raw: dict[str, Any], index: int) -> str:
    order_id = usable_id(raw.get("id"))
    if order_id is None:
        shown = "missing" if "id" not in raw else f"{_show(raw['id'])} is not a usable id"
        problem = f"{shown} (need a non-empty string or an integer)"
        raise _Defect("INVALID_ORDER", f"orders[{index}].id", problem)
    return order_id


# --- lines, priority, times ---------------------------------------------------------------


def _lines(value: Any) -> tuple[OrderLine, ...]:
    if isinstance(value, _Missing):
        raise _Defect("INVALID_ORDER", "lines", "missing (an order needs at least one line)")
    if not isinstance(value, list):
        raise _Defect("INVALID_ORDER", "lines", f"{_show(value)} is not a list of lines")
    if not value:
        raise _Defect("INVALID_ORDER", "lines", "[] is empty (an order needs at least one line)")
    return tuple(_line(line, f"lines[{line_idx}]") for line_idx, line in enumerate(value))


def _line(value: Any, path: str) -> OrderLine:
    if not isinstance(value, dict):
        raise _Defect("INVALID_ORDER", path, f"{_show(value)} is not a JSON object")
    sku = value.get("sku", _MISSING)
    if isinstance(sku, _Missing):
        raise _Defect("INVALID_ORDER", f"{path}.sku", "missing (need a non-empty string)")
    if not isinstance(sku, str) or not sku.strip():
        raise _Defect("INVALID_ORDER", f"{path}.sku", f"{_show(sku)} is not a non-empty string")
    return OrderLine(sku=sku, qty=_quantity(value.get("qty", _MISSING), f"{path}.qty"))


def _quantity(value: Any, path: str) -> int:
    if isinstance(value, _Missing):
        raise _Defect("INVALID_ORDER", path, "missing (need a positive whole number)")
    qty = _whole_number(value)
    if qty is None or qty < 1:
        raise _Defect("INVALID_ORDER", path, f"{_show(value)} is not a positive whole number")
    return qty


def _priority(value: Any) -> int:
    """The priority (1 most urgent); absent or null means the default."""
    if value is None:
        return DEFAULT_PRIORITY
    priority = _whole_number(value)
    if priority is None or priority < 1:
        raise _Defect("INVALID_ORDER", "priority", f"{_show(value)} is not a whole number >= 1")
    return priority


def _priority_or_none(raw: Any) -> int | None:
    """The order's priority for its exception: None if the priority itself is bad."""
    if not isinstance(raw, dict):
        return None
    try:
        return _priority(raw.get("priority"))
    except _Defect:
        return None


def _whole_number(value: Any) -> int | None:
    """An int, or an integral float such as 2.0; booleans and strings are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _optional_timestamp(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Defect("INVALID_ORDER", path, f"{_show(value)} is not an ISO 8601 timestamp string")
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise _Defect("INVALID_ORDER", path, str(error)) from None


# --- the address --------------------------------------------------------------------------


def _address(value: Any) -> Address:
    if isinstance(value, _Missing):
        raise _Defect("INVALID_ADDRESS", "ship_to", "missing (an order needs an address)")
    if not isinstance(value, dict):
        raise _Defect("INVALID_ADDRESS", "ship_to", f"{_show(value)} is not a JSON object")
    name, line1, city, postal_code, country_text = (
        _address_part(value, part) for part in _ADDRESS_FIELDS
    )
    country = _country(country_text)
    if not postal_code_fits(country, postal_code):
        problem = f"{_show(postal_code)} does not fit the postal code format of {country}"
        raise _Defect("INVALID_ADDRESS", "ship_to.postal_code", problem)
    return Address(name=name, line1=line1, city=city, postal_code=postal_code, country=country)


def _address_part(ship_to: dict[str, Any], part: str) -> str:
    """The stripped, non-blank string at ``ship_to[part]``."""
    value = ship_to.get(part, _MISSING)
    path = f"ship_to.{part}"
    if isinstance(value, _Missing):
        raise _Defect("INVALID_ADDRESS", path, "missing")
    if part == "postal_code" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # feeds and YAML send ZIP codes as numbers; the format check decides
    if not isinstance(value, str):
        raise _Defect("INVALID_ADDRESS", path, f"{_show(value)} is not a string")
    if not value.strip():
        raise _Defect("INVALID_ADDRESS", path, f"{_show(value)} is blank")
    return value.strip()


def _country(text: str) -> str:
    """The ISO 3166-1 alpha-2 code in upper case; any case is accepted."""
    code = text.upper()
    if not _is_alpha_2(code):
        problem = f"{_show(text)} is not an ISO 3166-1 alpha-2 country code (e.g. US, DE)"
        raise _Defect("INVALID_ADDRESS", "ship_to.country", problem)
    return code


def _is_alpha_2(code: str) -> bool:
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return False
    return pycountry.countries.get(alpha_2=code) is not None


def postal_code_fits(country: str, postal_code: str) -> bool:
    """Whether the postal code fits its country's format; unknown formats need non-blank."""
    code = postal_code.strip()
    pattern = _POSTAL_CODE_PATTERNS.get(country.strip().upper())
    if pattern is None:
        return bool(code)
    return pattern.fullmatch(code) is not None


# --- messages -----------------------------------------------------------------------------


def _show(value: Any) -> str:
    """The value as it reads in JSON (``"2"``, ``true``, ``null``), shortened if long."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    if len(text) > _MAX_SHOWN_CHARS:
        return text[: _MAX_SHOWN_CHARS - 3] + "..."
    return text
