"""Per-order validation: INVALID_ORDER / INVALID_ADDRESS, duplicates, the worked examples."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.domain import DEFAULT_PRIORITY, Order
from solver.result import PlanException
from solver.validation import postal_code_fits, validate_order, validate_orders

DATA = Path(__file__).resolve().parent.parent / "data"
ORDERS = DATA / "orders"
EXAMPLES = DATA / "examples"

# The field each defect file must be reported under (file stem -> field path).
INVALID_ORDER_FIELDS = {
    "not_an_object": "orders[0]",
    "id_missing": "orders[0].id",
    "id_blank": "orders[0].id",
    "id_null": "orders[0].id",
    "id_boolean": "orders[0].id",
    "id_fraction": "orders[0].id",
    "lines_missing": "lines",
    "lines_null": "lines",
    "lines_empty": "lines",
    "lines_not_a_list": "lines",
    "line_not_an_object": "lines[1]",
    "sku_missing": "lines[1].sku",
    "sku_blank": "lines[1].sku",
    "sku_number": "lines[1].sku",
    "qty_missing": "lines[1].qty",
    "qty_fraction": "lines[1].qty",
    "qty_zero": "lines[1].qty",
    "qty_negative": "lines[1].qty",
    "qty_string": "lines[1].qty",
    "qty_boolean": "lines[1].qty",
    "qty_null": "lines[1].qty",
    "priority_zero": "priority",
    "priority_negative": "priority",
    "priority_fraction": "priority",
    "priority_string": "priority",
    "priority_boolean": "priority",
    "received_at_unparseable": "received_at",
    "received_at_no_offset": "received_at",
    "received_at_number": "received_at",
    "due_unparseable": "due",
    "due_date_only": "due",
    "order_checked_before_address": "lines",
}

INVALID_ADDRESS_FIELDS = {
    "ship_to_missing": "ship_to",
    "ship_to_null": "ship_to",
    "ship_to_not_an_object": "ship_to",
    "name_blank": "ship_to.name",
    "name_missing": "ship_to.name",
    "line1_empty": "ship_to.line1",
    "city_not_a_string": "ship_to.city",
    "postal_code_missing": "ship_to.postal_code",
    "postal_code_blank_other_country": "ship_to.postal_code",
    "postal_code_number_short": "ship_to.postal_code",  # 02134 sent as a number: 2134
    "country_missing": "ship_to.country",
    "country_null": "ship_to.country",
    "country_alpha_3": "ship_to.country",
    "country_name": "ship_to.country",
    "country_unassigned": "ship_to.country",
    "us_zip_short": "ship_to.postal_code",
    "us_zip_plus4_short": "ship_to.postal_code",
    "us_zip_letters": "ship_to.postal_code",
    "ca_postal_digits": "ship_to.postal_code",
    "ca_postal_swapped": "ship_to.postal_code",
    "gb_postcode_bad": "ship_to.postal_code",
    "gb_postcode_digits": "ship_to.postal_code",
    "gb_postcode_two_spaces": "ship_to.postal_code",
    "de_postal_four_digits": "ship_to.postal_code",
    "fr_postal_letters": "ship_to.postal_code",
    "nl_postal_no_letters": "ship_to.postal_code",
    "nl_postal_three_letters": "ship_to.postal_code",
    "au_postal_five_digits": "ship_to.postal_code",
    "jp_postal_short": "ship_to.postal_code",
    "jp_postal_wrong_dash": "ship_to.postal_code",
}

# From shared/spec/examples/expected.json: the INVALID_* codes known in advance and the
# number of distinct order ids (the other known codes, PAST_DUE, are not validation's).
EXAMPLE_EXPECTATIONS = {
    "messy-0.json": (
        22,
        {
            "SO-236-16": "INVALID_ORDER",
            "SO-236-2": "INVALID_ORDER",
            "SO-236-20": "PAST_DUE",
            "SO-236-3": "INVALID_ORDER",
            "SO-236-7": "INVALID_ORDER",
            "SO-236-8": "INVALID_ORDER",
        },
    ),
    "messy-1.json": (
        22,
        {
            "SO-253-10": "INVALID_ADDRESS",
            "SO-253-11": "INVALID_ORDER",
            "SO-253-12": "INVALID_ORDER",
            "SO-253-13": "INVALID_ORDER",
            "SO-253-14": "INVALID_ORDER",
            "SO-253-16": "INVALID_ORDER",
            "SO-253-2": "INVALID_ORDER",
        },
    ),
}


def _files(folder: str) -> list[Path]:
    return sorted((ORDERS / folder).glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _good_order(order_id: Any = "SO-1", **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": order_id,
        "received_at": "2026-12-04T07:55:00Z",
        "priority": 2,
        "ship_to": {
            "name": "Ada Byron",
            "line1": "1 Main St",
            "city": "Springfield",
            "postal_code": "62701",
            "country": "US",
        },
        "lines": [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}],
    }
    raw.update(changes)
    return raw


def _exception(result: Order | PlanException) -> PlanException:
    assert isinstance(result, PlanException), f"expected an exception, got {result!r}"
    return result


def _valid(result: Order | PlanException) -> Order:
    assert isinstance(result, Order), f"expected a valid order, got {result!r}"
    return result


# --- one file per defect --------------------------------------------------------------------


@pytest.mark.parametrize("path", _files("invalid_order"), ids=lambda path: path.stem)
def test_validate_order_invalid_order_files(path: Path) -> None:
    """Each file carries one order defect from the contract table: INVALID_ORDER at its field."""
    exception = _exception(validate_order(_load(path)))
    assert (exception.code, exception.field) == ("INVALID_ORDER", INVALID_ORDER_FIELDS[path.stem])


@pytest.mark.parametrize("path", _files("invalid_address"), ids=lambda path: path.stem)
def test_validate_order_invalid_address_files(path: Path) -> None:
    """Each file is a good order with one address defect: INVALID_ADDRESS at its field."""
    exception = _exception(validate_order(_load(path)))
    assert (exception.code, exception.field) == (
        "INVALID_ADDRESS",
        INVALID_ADDRESS_FIELDS[path.stem],
    )


@pytest.mark.parametrize("path", _files("valid"), ids=lambda path: path.stem)
def test_validate_order_valid_files(path: Path) -> None:
    """Each file is an order the contract accepts (good postcodes, 2.0 as 2, no priority...)."""
    _valid(validate_order(_load(path)))


@pytest.mark.parametrize(
    ("folder", "fields"),
    [("invalid_order", INVALID_ORDER_FIELDS), ("invalid_address", INVALID_ADDRESS_FIELDS)],
)
def test_defect_files_each_have_an_expected_field(folder: str, fields: dict[str, str]) -> None:
    """The field tables and the data folders list the same defects, so none is skipped."""
    assert {path.stem for path in _files(folder)} == set(fields)


# --- what a valid order becomes ------------------------------------------------------------


def test_validate_order_integer_id_becomes_decimal_string() -> None:
    """Shopify sends numeric ids; the plan speaks string ids, so 5012345678 is "5012345678"."""
    assert _valid(validate_order(_load(ORDERS / "valid" / "integer_id.json"))).id == "5012345678"


def test_validate_order_integral_float_qty_becomes_int() -> None:
    """2.0 is a whole number written as a float, so the line's qty is the int 2."""
    order = _valid(validate_order(_load(ORDERS / "valid" / "integral_float_qty.json")))
    qty = order.lines[1].qty
    assert (qty, type(qty)) == (2, int)


@pytest.mark.parametrize("stem", ["no_priority", "null_priority"])
def test_validate_order_missing_priority_is_default(stem: str) -> None:
    """An absent or null priority means the contract's default, 3."""
    order = _valid(validate_order(_load(ORDERS / "valid" / f"{stem}.json")))
    assert order.priority == DEFAULT_PRIORITY == 3


def test_validate_order_address_is_stripped() -> None:
    """Feeds pad fields with whitespace; the address keeps the text without it."""
    ship_to = _valid(validate_order(_load(ORDERS / "valid" / "padded_address.json"))).ship_to
    assert (ship_to.name, ship_to.line1, ship_to.city, ship_to.postal_code) == (
        "Ada Byron",
        "1 Main St",
        "Springfield",
        "62701",
    )


def test_validate_order_country_is_upper_cased() -> None:
    """A country written " us " is the code US written loosely: accepted, normalised to US."""
    order = _valid(validate_order(_load(ORDERS / "valid" / "country_lower_case.json")))
    assert order.ship_to.country == "US"


def test_validate_order_times_keep_their_offset() -> None:
    """08:55+01:00 is 07:55Z and 04:30-05:00 is 09:30Z: parsed as aware datetimes."""
    order = _valid(validate_order(_load(ORDERS / "valid" / "offset_times.json")))
    assert order.received_at == datetime(2026, 12, 4, 7, 55, tzinfo=UTC)
    assert order.due == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def test_validate_order_absent_times_are_none() -> None:
    """No received_at / due means "not given" (the window bounds apply later), not an error."""
    order = _valid(validate_order(_load(ORDERS / "valid" / "no_times.json")))
    assert (order.received_at, order.due) == (None, None)


def test_validate_order_builds_the_lines_in_order() -> None:
    """The good order has SKU-1 x2 then SKU-2 x1, priority 2; all of it is carried over."""
    order = _valid(validate_order(_good_order()))
    assert [(line.sku, line.qty) for line in order.lines] == [("SKU-1", 2), ("SKU-2", 1)]
    assert (order.id, order.priority) == ("SO-1", 2)


# --- what an exception says ----------------------------------------------------------------


def test_validate_order_message_names_field_and_value() -> None:
    """A person reading the plan must see which field is wrong and what it held."""
    exception = _exception(validate_order(_load(ORDERS / "invalid_order" / "qty_fraction.json")))
    assert exception.message == "lines[1].qty: 1.5 is not a positive whole number"
    assert exception.order == "SO-qty-fraction"


def test_validate_order_string_value_is_shown_quoted() -> None:
    """The string "2" must read differently from the number 2, so it is shown quoted."""
    exception = _exception(validate_order(_load(ORDERS / "invalid_order" / "qty_string.json")))
    assert '"2"' in exception.message


def test_validate_order_postal_message_names_country() -> None:
    """12345 is a fine US ZIP; the message says it is the Canadian format it misses."""
    path = ORDERS / "invalid_address" / "ca_postal_digits.json"
    exception = _exception(validate_order(_load(path)))
    assert "12345" in exception.message
    assert "CA" in exception.message


@pytest.mark.parametrize(
    ("priority", "expected"), [(1, 1), (2.0, 2), (None, DEFAULT_PRIORITY), (0, None), ("1", None)]
)
def test_validate_order_exception_carries_valid_priority(priority: Any, expected: Any) -> None:
    """A bad qty keeps the order's priority for the KPIs; a bad priority itself gives None."""
    raw = _good_order(priority=priority, lines=[{"sku": "SKU-1", "qty": 0}])
    assert _exception(validate_order(raw)).priority == expected


def test_validate_order_order_defect_wins_over_address_defect() -> None:
    """INVALID_ORDER comes before INVALID_ADDRESS in the table, so it is the one reported."""
    raw = _good_order(lines=[], ship_to=None)
    assert _exception(validate_order(raw)).code == "INVALID_ORDER"


def test_validate_order_lines_checked_before_priority() -> None:
    """Within INVALID_ORDER the table's order applies: no lines is named before priority."""
    raw = _good_order(lines=[], priority=0, received_at="yesterday")
    assert _exception(validate_order(raw)).field == "lines"


def test_validate_order_without_id_is_named_by_position() -> None:
    """On its own an order is orders[0]; without an id that position is its name."""
    exception = _exception(validate_order(_good_order(order_id=None)))
    assert (exception.order, exception.field) == ("orders[0]", "orders[0].id")


# --- the document: ids and duplicates ------------------------------------------------------


def test_validate_orders_exact_repeat_counts_once_and_is_valid() -> None:
    """A re-sent webhook repeats the order verbatim: one valid order, no exception."""
    result = validate_orders([_good_order("SO-1"), _good_order("SO-2"), _good_order("SO-1")])
    assert [order.id for order in result.orders] == ["SO-1", "SO-2"]
    assert (result.exceptions, result.order_ids) == ((), ("SO-1", "SO-2"))


def test_validate_orders_exact_repeat_of_invalid_order_gives_one_exception() -> None:
    """Repeating a bad order verbatim is still one order, so it gets one exception."""
    bad = _good_order("SO-1", priority=0)
    result = validate_orders([bad, bad])
    assert [(e.order, e.field) for e in result.exceptions] == [("SO-1", "priority")]


def test_validate_orders_differing_repeat_is_one_invalid_order() -> None:
    """Two valid but different copies of SO-1: which is right is unknown, so SO-1 is invalid."""
    copies = [_good_order("SO-1"), _good_order("SO-1", priority=1)]
    result = validate_orders(copies)
    exception = _exception(result.exceptions[0])
    assert (len(result.exceptions), result.orders, result.order_ids) == (1, (), ("SO-1",))
    assert (exception.code, exception.field) == ("INVALID_ORDER", "id")
    assert exception.message == "order id SO-1 given 2 times with different contents"


def test_validate_orders_differing_repeat_counts_every_copy() -> None:
    """Three copies, one different (and one invalid): still one exception, "given 3 times"."""
    copies = [_good_order("SO-1"), _good_order("SO-1", lines=[]), _good_order("SO-1")]
    result = validate_orders(copies)
    assert [e.message for e in result.exceptions] == [
        "order id SO-1 given 3 times with different contents"
    ]


def test_validate_orders_integer_and_string_id_are_the_same_id() -> None:
    """1001 and "1001" name the same order; their raw contents differ, so it is invalid once."""
    result = validate_orders([_good_order(1001), _good_order("1001")])
    assert result.order_ids == ("1001",)
    assert [(e.order, e.code) for e in result.exceptions] == [("1001", "INVALID_ORDER")]


def test_validate_orders_keeps_first_seen_order() -> None:
    """Ids are listed where they first appear; a later repeat does not move them."""
    raws = [_good_order("B"), _good_order("A", lines=[]), _good_order("C"), _good_order("B")]
    result = validate_orders(raws)
    assert result.order_ids == ("B", "A", "C")
    assert [order.id for order in result.orders] == ["B", "C"]


def test_validate_orders_without_id_named_by_position() -> None:
    """An order without an id cannot be named otherwise: it is orders[<its index>]."""
    result = validate_orders([_good_order("SO-1"), _good_order(order_id="  "), "junk"])
    assert result.order_ids == ("SO-1", "orders[1]", "orders[2]")
    assert [(e.order, e.field) for e in result.exceptions] == [
        ("orders[1]", "orders[1].id"),
        ("orders[2]", "orders[2]"),
    ]


def test_validate_orders_empty_list() -> None:
    """No orders, nothing to report."""
    assert validate_orders([]) == validate_orders(())


# --- the worked examples -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXAMPLE_EXPECTATIONS))
def test_validate_orders_messy_examples_match_expected_codes(name: str) -> None:
    """expected.json lists every INVALID_* order; exactly those are rejected, with that code."""
    num_orders, known_codes = EXAMPLE_EXPECTATIONS[name]
    result = validate_orders(_load(EXAMPLES / name)["orders"])
    invalid = {order_id: code for order_id, code in known_codes.items() if "INVALID" in code}
    assert {e.order: e.code for e in result.exceptions} == invalid
    assert len(result.order_ids) == num_orders
    assert len(result.orders) + len(result.exceptions) == num_orders


# --- postal codes --------------------------------------------------------------------------

GOOD_POSTAL_CODES = [
    ("US", "62701"),
    ("US", "62701-1234"),
    ("CA", "M5V 3L9"),
    ("CA", "k1a0b1"),
    ("GB", "SW1A 1AA"),
    ("GB", "M1 1AE"),
    ("GB", "B33 8TH"),
    ("GB", "CR2 6XH"),
    ("GB", "DN55 1PT"),
    ("GB", "EC1A 1BB"),
    ("GB", "W1A 0AX"),
    ("GB", "w1a0ax"),
    ("GB", "GIR 0AA"),
    ("DE", "10115"),
    ("FR", "75001"),
    ("NL", "1012 LG"),
    ("NL", "1012lg"),
    ("AU", "2000"),
    ("JP", "100-0001"),
    ("JP", "1000001"),
    ("IT", "00100"),
    ("BR", "01310-100"),
    ("us", " 62701 "),
]

BAD_POSTAL_CODES = [
    ("US", "6270"),
    ("US", "627011"),
    ("US", "62701 1234"),
    ("CA", "12345"),
    ("CA", "M5V-3L9"),
    ("GB", "SW1A 1A"),
    ("GB", "1AA SW1"),
    ("GB", "SW1A  1AA"),
    ("GB", "ABC1 1AA"),
    ("DE", "1011"),
    ("DE", "101155"),
    ("FR", "2A004"),
    ("NL", "1012"),
    ("NL", "LG 1012"),
    ("AU", "200"),
    ("JP", "100-00001"),
    ("DE", "\u0661\u0660\u0661\u0661\u0665"),  # Arabic-Indic 10115: \d to Python, not to the post
    ("IT", "   "),
    ("US", ""),
]


@pytest.mark.parametrize(("country", "postal_code"), GOOD_POSTAL_CODES)
def test_postal_code_fits_accepts_real_formats(country: str, postal_code: str) -> None:
    """Real codes of each format (UK's six outward shapes too); elsewhere any non-blank code."""
    assert postal_code_fits(country, postal_code)


@pytest.mark.parametrize(("country", "postal_code"), BAD_POSTAL_CODES)
def test_postal_code_fits_rejects_wrong_formats(country: str, postal_code: str) -> None:
    """Each misses its country's format by a digit, a letter or a separator, or is blank."""
    assert not postal_code_fits(country, postal_code)


# --- properties ----------------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
# Feed-like orders: each part is either good or drawn from a few defects (one_of picks
# either side about equally often), so valid orders, invalid ones and repeats all occur.
IDS = st.sampled_from(["SO-1", "SO-2", "SO-3", "SO-4", "SO-5", 7, "7", "", None, 1.5])
GOOD_LINES = st.lists(
    st.fixed_dictionaries(
        {"sku": st.sampled_from(["SKU-1", "SKU-2"]), "qty": st.sampled_from([1, 2, 3, 2.0])}
    ),
    min_size=1,
    max_size=3,
)
ANY_LINES = st.lists(
    st.fixed_dictionaries(
        {"sku": st.sampled_from(["SKU-1", "", 3]), "qty": JSON_SCALARS},
        optional={"note": JSON_VALUES},
    ),
    max_size=3,
)
GOOD_PLACES = st.sampled_from(
    [("62701", "US"), ("SW1A 1AA", "gb"), ("1012 LG", "NL"), ("00100", "IT")]
)
BAD_PLACES = st.sampled_from([("x", "US"), ("62701", "ZZ"), ("62701", "USA"), (" ", "IT")])
ADDRESSES = st.builds(
    lambda name, place: {
        "name": name,
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": place[0],
        "country": place[1],
    },
    st.sampled_from(["Ada", "Bo", "Cy", " "]),
    GOOD_PLACES | BAD_PLACES,
)
WELL_FORMED = st.fixed_dictionaries(
    {"id": IDS, "lines": GOOD_LINES | ANY_LINES, "ship_to": ADDRESSES},
    optional={
        "priority": st.sampled_from([None, 1, 2, 3, 2.0]) | st.sampled_from([0, "1", True]),
        "received_at": st.sampled_from(["2026-12-04T07:55:00Z", None, "yesterday"]),
        "due": st.sampled_from(["2026-12-04T09:30:00+01:00", "2026-12-04T09:30:00"]),
        "extra": JSON_VALUES,
    },
)
ORDER_LISTS = st.lists(
    st.one_of(WELL_FORMED, WELL_FORMED, JSON_VALUES, st.dictionaries(st.just("id"), IDS)),
    max_size=8,
)


def _expected_name(raw: Any, index: int) -> str:
    """The id an order goes by, worked out independently of the module under test."""
    order_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        return str(order_id)
    if isinstance(order_id, str) and order_id.strip():
        return order_id
    return f"orders[{index}]"


@settings(max_examples=300, deadline=None)
@given(ORDER_LISTS)
def test_validate_orders_accounts_for_every_id_once(raw_orders: list[Any]) -> None:
    """Zero backlog means nothing dropped silently: each distinct id is planned or excepted."""
    result = validate_orders(raw_orders)
    expected_ids = list(dict.fromkeys(_expected_name(raw, i) for i, raw in enumerate(raw_orders)))
    outcomes = Counter([o.id for o in result.orders] + [e.order for e in result.exceptions])
    assert list(result.order_ids) == expected_ids
    assert outcomes == Counter(expected_ids)
    assert len(result.orders) + len(result.exceptions) == len(result.order_ids)
    assert {e.code for e in result.exceptions} <= {"INVALID_ORDER", "INVALID_ADDRESS"}


@settings(max_examples=200, deadline=None)
@given(ORDER_LISTS)
def test_validate_orders_keep_first_seen_order(raw_orders: list[Any]) -> None:
    """Valid orders and exceptions each follow order_ids, i.e. the document's first-seen order."""
    result = validate_orders(raw_orders)
    position = {order_id: pos for pos, order_id in enumerate(result.order_ids)}
    order_positions = [position[order.id] for order in result.orders]
    exception_positions = [position[exception.order] for exception in result.exceptions]
    assert order_positions == sorted(order_positions)
    assert exception_positions == sorted(exception_positions)
