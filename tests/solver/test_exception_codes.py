"""One test per exception code, the precedence between codes, and bad orders not blocking.

The base problem (see ``planning.tiny_problem``): three 15-min slots from 08:00, SKU-1 x 10
at A-01-01 in zone A, pick-A works zone A, pack-1 packs; a line of q units takes 30 + 6q s
to pick, an order of u units 90 + 3u s to pack. All on the three engines: the codes come
from the plan, and every plan goes through the checker.
"""

from __future__ import annotations

from typing import Any

import pytest
from planning import (
    codes,
    engine_params,
    exceptions_by_order,
    order,
    plan_checked,
    planned_ids,
    tiny_problem,
)

from solver.loading import DocumentError
from solver.result import Plan

ENGINES = engine_params("cp-sat", "mip", "greedy")


def _t(hms: str) -> str:
    return f"2026-12-04T{hms}Z"


def _inv(sku: str, location: str, on_hand: int) -> dict[str, Any]:
    return {"sku": sku, "location": location, "on_hand": on_hand}


def _team(team_id: str, stage: str, *spans: tuple[str, str], **fields: Any) -> dict[str, Any]:
    team: dict[str, Any] = {"id": team_id, "stage": stage, "headcount": 1, **fields}
    if spans:
        team["availability"] = [{"start": _t(s), "end": _t(e), "headcount": 1} for s, e in spans]
    return team


def _with_address(raw: dict[str, Any], **address: Any) -> dict[str, Any]:
    raw["ship_to"].update(address)
    return raw


def _plan(engine: str, **overrides: Any) -> Plan:
    return plan_checked(tiny_problem(**overrides), engine=engine, time_limit_s=10)


# --- one test per code --------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_order_zero_quantity(engine: str) -> None:
    """A quantity of 0 is not a positive integer: INVALID_ORDER naming lines[0].qty."""
    result = _plan(engine, orders=[order("SO-1", ("SKU-1", 0))])
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["field"]) == ("INVALID_ORDER", "lines[0].qty")


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_address_short_us_zip(engine: str) -> None:
    """A US ZIP has five digits; 6270 has four: INVALID_ADDRESS naming the postal code."""
    result = _plan(engine, orders=[_with_address(order("SO-1"), postal_code="6270")])
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["field"]) == ("INVALID_ADDRESS", "ship_to.postal_code")


@pytest.mark.parametrize("engine", ENGINES)
def test_past_due_received_in_last_slot(engine: str) -> None:
    """Received 08:40: no slot starts at or after it with a later slot in the window."""
    result = _plan(engine, orders=[order("SO-1", received_at=_t("08:40:00"))])
    assert codes(result) == {"SO-1": "PAST_DUE"}


@pytest.mark.parametrize("engine", ENGINES)
def test_stockout_sku_without_inventory_record(engine: str) -> None:
    """SKU-9 has no inventory record, so no stock: all 3 units are short."""
    result = _plan(engine, orders=[order("SO-1", ("SKU-1", 2), ("SKU-9", 3))])
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["sku"], exc["short_qty"]) == ("STOCKOUT", "SKU-9", 3)


@pytest.mark.parametrize("engine", ENGINES)
def test_stockout_short_by_what_the_earlier_order_leaves(engine: str) -> None:
    """7 on hand; the priority-1 order takes 5, leaving 2 for a line of 4: short by 2."""
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 7)],
        orders=[order("SO-1", ("SKU-1", 5), priority=1), order("SO-2", ("SKU-1", 4), priority=2)],
    )
    assert planned_ids(result) == {"SO-1"}
    exc = exceptions_by_order(result)["SO-2"]
    assert (exc["code"], exc["sku"], exc["short_qty"]) == ("STOCKOUT", "SKU-1", 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_stockout_short_qty_positive_when_lines_do_not_fit_whole(engine: str) -> None:
    """Lines of 3 and 3 into rooms of 5 and 2: one more unit at B-01-01 (3) would cover both."""
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 5), _inv("SKU-1", "B-01-01", 2)],
        teams=[_team("pick-AB", "pick", zones=["A", "B"]), _team("pack-1", "pack")],
        orders=[order("SO-1", ("SKU-1", 3), ("SKU-1", 3))],
    )
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["sku"], exc["short_qty"]) == ("STOCKOUT", "SKU-1", 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_no_eligible_team_zone_nobody_works(engine: str) -> None:
    """SKU-2 is only at B-01-01 and no pick team works zone B."""
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 10), _inv("SKU-2", "B-01-01", 10)],
        orders=[order("SO-1", ("SKU-1", 1), ("SKU-2", 1))],
    )
    assert codes(result) == {"SO-1": "NO_ELIGIBLE_TEAM"}


@pytest.mark.parametrize("engine", ENGINES)
def test_no_eligible_team_no_pack_capacity_in_time(engine: str) -> None:
    """pack-1 works only in slot 0, and a pack must follow a pick: no usable pack slot."""
    result = _plan(
        engine,
        teams=[_team("pick-A", "pick", zones=["A"]), _team("pack-1", "pack", ("08:00", "08:15"))],
    )
    assert codes(result) == {"SO-1": "NO_ELIGIBLE_TEAM"}


@pytest.mark.parametrize("engine", ENGINES)
def test_no_eligible_team_pick_team_only_in_last_slot(engine: str) -> None:
    """pick-A works only in slot 2, the last: a pick there leaves no slot for the pack."""
    result = _plan(
        engine,
        teams=[_team("pick-A", "pick", ("08:30", "08:45"), zones=["A"]), _team("pack-1", "pack")],
    )
    assert codes(result) == {"SO-1": "NO_ELIGIBLE_TEAM"}


@pytest.mark.parametrize("engine", ENGINES)
def test_capacity_names_the_pack_bottleneck(engine: str) -> None:
    """pack-1 has 90 s, in slot 2 only; the pack needs 90 + 2*3 = 96 s: 6 s short there."""
    result = _plan(
        engine,
        teams=[
            _team("pick-A", "pick", zones=["A"]),
            _team("pack-1", "pack", ("08:30", "08:31:30")),
        ],
    )
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["missing_seconds"]) == ("CAPACITY", 6)
    assert exc["bottlenecks"] == [
        {"team": "pack-1", "slot": 2, "slot_start": _t("08:30:00"), "missing_seconds": 6}
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_capacity_names_pick_and_pack_bottlenecks(engine: str) -> None:
    """pick-A has 40 s in slot 0 (42 needed), pack-1 90 s in slot 1 (96 needed): 2 + 6 = 8 s."""
    result = _plan(
        engine,
        teams=[
            _team("pick-A", "pick", ("08:00", "08:00:40"), zones=["A"]),
            _team("pack-1", "pack", ("08:15", "08:16:30")),
        ],
    )
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["missing_seconds"]) == ("CAPACITY", 8)
    assert [(b["team"], b["slot"], b["missing_seconds"]) for b in exc["bottlenecks"]] == [
        ("pick-A", 0, 2),
        ("pack-1", 1, 6),
    ]


def _stock_in_reach_too_small() -> list[Any]:
    """Orders no labor can plan: the stock teams may use cannot cover their lines whole."""
    pick_ab = _team("pick-AB", "pick", zones=["A", "B"])
    cases = {
        "taken-by-an-earlier-order": {  # A-01-01's 1 unit goes to SO-1; nobody works zone B
            "inventory": [_inv("SKU-1", "A-01-01", 1), _inv("SKU-1", "B-01-01", 5)],
            "orders": [
                order("SO-1", ("SKU-1", 1), priority=1),
                order("SO-2", ("SKU-1", 1), priority=2),
            ],
        },
        "line-larger-than-any-worked-location": {  # 3 wanted; zone A holds 2, zone B is idle
            "inventory": [_inv("SKU-1", "A-01-01", 2), _inv("SKU-1", "B-01-01", 5)],
            "orders": [order("SO-1", priority=1), order("SO-2", ("SKU-1", 3), priority=2)],
        },
        "two-lines-one-unit-in-reach": {  # lines 1 + 1; zone A holds 1, zone B is idle
            "inventory": [_inv("SKU-1", "A-01-01", 1), _inv("SKU-1", "B-01-01", 5)],
            "orders": [order("SO-2", ("SKU-1", 1), ("SKU-1", 1))],
        },
        "pack-team-zones-too-small": {  # pack-B packs zone B only; B-01-01 holds 2 of 3
            "inventory": [_inv("SKU-1", "A-01-01", 9), _inv("SKU-1", "B-01-01", 2)],
            "teams": [pick_ab, _team("pack-B", "pack", zones=["B"])],
            "orders": [order("SO-2", ("SKU-1", 3))],
        },
    }
    return [pytest.param(overrides, id=name) for name, overrides in cases.items()]


@pytest.mark.parametrize("overrides", _stock_in_reach_too_small())
def test_unplannable_for_stock_in_reach_is_no_eligible_team(overrides: dict[str, Any]) -> None:
    """SO-2 cannot be planned whatever labor is added: the stock left where teams can work
    does not cover it, though stock elsewhere would, so it is NO_ELIGIBLE_TEAM (not CAPACITY)."""
    result = _plan("cp-sat", **overrides)
    assert codes(result)["SO-2"] == "NO_ELIGIBLE_TEAM"


@pytest.mark.parametrize("engine", engine_params("cp-sat"))
def test_pinned_pack_before_any_pick_slot_is_rejected(engine: str) -> None:
    """SO-1's pack is pinned in slot 0; its pick would have to be in a slot before slot 0: the
    document contradicts itself, so it is rejected naming the pinned entry."""
    pinned_pack = {"order": "SO-1", "stage": "pack", "team": "pack-1", "slot": 0}
    with pytest.raises(DocumentError) as caught:
        _plan(engine, pinned=[pinned_pack])
    assert [e.field for e in caught.value.errors] == ["pinned[0].slot"]


# --- precedence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_precedence_past_due_beats_stockout(engine: str) -> None:
    """Due 08:20 (only slot 0 ends by then) and SKU-9 has no stock: PAST_DUE comes first."""
    result = _plan(engine, orders=[order("SO-1", ("SKU-9", 1), due=_t("08:20:00"))])
    assert codes(result) == {"SO-1": "PAST_DUE"}


@pytest.mark.parametrize("engine", ENGINES)
def test_precedence_invalid_order_beats_invalid_address(engine: str) -> None:
    """A bad ZIP and a quantity of 0: INVALID_ORDER comes first in the table."""
    raw = _with_address(order("SO-1", ("SKU-1", 0)), postal_code="6270")
    result = _plan(engine, orders=[raw])
    assert codes(result) == {"SO-1": "INVALID_ORDER"}


@pytest.mark.parametrize("engine", ENGINES)
def test_precedence_invalid_address_beats_past_due(engine: str) -> None:
    """A country that is not ISO alpha-2 and a due time before the window: INVALID_ADDRESS."""
    raw = _with_address(order("SO-1", due=_t("07:00:00")), country="USA")
    result = _plan(engine, orders=[raw])
    assert codes(result) == {"SO-1": "INVALID_ADDRESS"}


@pytest.mark.parametrize("engine", ENGINES)
def test_precedence_stockout_beats_no_eligible_team(engine: str) -> None:
    """SKU-2: 1 unit, in zone B that nobody works; the line wants 2: STOCKOUT short by 1."""
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 10), _inv("SKU-2", "B-01-01", 1)],
        orders=[order("SO-1", ("SKU-1", 1), ("SKU-2", 2))],
    )
    exc = exceptions_by_order(result)["SO-1"]
    assert (exc["code"], exc["sku"], exc["short_qty"]) == ("STOCKOUT", "SKU-2", 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_precedence_no_eligible_team_beats_capacity(engine: str) -> None:
    """Nobody works zone B, and pack-1's 90 s (slot 1 only) are short of the 96 s pack."""
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 10), _inv("SKU-2", "B-01-01", 10)],
        teams=[
            _team("pick-A", "pick", zones=["A"]),
            _team("pack-1", "pack", ("08:15", "08:16:30")),
        ],
        orders=[order("SO-1", ("SKU-1", 1), ("SKU-2", 1))],
    )
    assert codes(result) == {"SO-1": "NO_ELIGIBLE_TEAM"}


# --- one bad order never blocks the others ------------------------------------------------------


def _bad_and_good_orders() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Malformed and unplannable orders of every kind, with their codes, plus good ones."""
    no_ship_to = order("BAD-no-ship-to")
    del no_ship_to["ship_to"]
    bad: list[tuple[dict[str, Any], str]] = [
        (order("BAD-no-lines", lines=[]), "INVALID_ORDER"),
        (order("BAD-qty-negative", ("SKU-1", -1)), "INVALID_ORDER"),
        (order("BAD-qty-fraction", ("SKU-1", 1.5)), "INVALID_ORDER"),
        (order("BAD-priority", priority=0), "INVALID_ORDER"),
        (order("BAD-time", received_at="yesterday"), "INVALID_ORDER"),
        (order("BAD-dup"), "INVALID_ORDER"),
        (order("BAD-dup", ("SKU-1", 3)), "INVALID_ORDER"),
        (no_ship_to, "INVALID_ADDRESS"),
        (_with_address(order("BAD-country"), country="Narnia"), "INVALID_ADDRESS"),
        (_with_address(order("BAD-city"), city="  "), "INVALID_ADDRESS"),
        (order("BAD-past-due", due=_t("08:10:00")), "PAST_DUE"),
        (order("BAD-stockout", ("SKU-9", 1)), "STOCKOUT"),
        (order("BAD-zone", ("SKU-2", 1)), "NO_ELIGIBLE_TEAM"),
    ]
    good = [order("GOOD-1"), order("GOOD-2", ("SKU-1", 1), priority=1), order("GOOD-3")]
    orders = [good[0], *(raw for raw, _ in bad[:7]), good[1], *(raw for raw, _ in bad[7:])]
    orders += [good[2], order("GOOD-1")]  # an exact re-send of GOOD-1 counts once
    return orders, {raw["id"]: code for raw, code in bad}


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_orders_never_block_the_good_ones(engine: str) -> None:
    """Every bad order gets its own code; the three good ones (one sent twice) are planned."""
    orders, expected = _bad_and_good_orders()
    result = _plan(
        engine,
        inventory=[_inv("SKU-1", "A-01-01", 10), _inv("SKU-2", "B-01-01", 10)],
        orders=orders,
    )
    assert codes(result) == expected
    assert planned_ids(result) == {"GOOD-1", "GOOD-2", "GOOD-3"}
    assert (result.kpis.orders, result.kpis.planned) == (len(expected) + 3, 3)
