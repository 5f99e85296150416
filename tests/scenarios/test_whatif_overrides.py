"""What-if changes: each kind changes what it says on a copy, and never the base document."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from whatif_data import tiny_document as _document

from scenarios.whatif.overrides import apply_changes, order_ids
from scenarios.whatif.spec import Change, VariantSpec
from solver.loading import DocumentError, load_problem


def _changes(*changes: dict[str, Any]) -> tuple[Change, ...]:
    return VariantSpec.model_validate_json(json.dumps({"name": "v", "changes": changes})).changes


def _apply(base: dict[str, Any], *changes: dict[str, Any]) -> dict[str, Any]:
    """Apply the changes; the base must come out exactly as it went in, and the result
    must still be a valid problem document."""
    before = copy.deepcopy(base)
    document = apply_changes(base, _changes(*changes)).document
    assert base == before
    load_problem(document)
    return document


def test_volume_above_one_copies_orders_under_new_ids() -> None:
    """x1.5 of 10 orders adds round(0.5 x 10) = 5 copies, each with a new id and the
    lines, release and due of the order it copies."""
    base = _document()
    document = _apply(base, {"kind": "volume", "multiplier": 1.5, "seed": 3})
    ids = order_ids(document["orders"])
    new = [i for i in ids if i not in order_ids(base["orders"])]
    assert len(ids) == 15 and len(new) == 5
    originals = {o["id"]: o for o in base["orders"]}
    for order in document["orders"][10:]:
        source = originals[order["id"].rsplit("-V", 1)[0]]
        assert {**order, "id": source["id"]} == source


def test_volume_above_two_copies_every_order_before_any_twice() -> None:
    """x2.5 of 10 orders: 15 copies, so every order is copied once and five twice."""
    document = _apply(_document(), {"kind": "volume", "multiplier": 2.5})
    copies = [o["id"] for o in document["orders"][10:]]
    assert len(copies) == len(set(copies)) == 15
    assert sum(1 for i in copies if i.endswith("-V1")) == 10
    assert sum(1 for i in copies if i.endswith("-V2")) == 5


def test_volume_below_one_drops_seeded_orders_but_not_pinned_work() -> None:
    """x0.5 of 10 orders keeps 5, in document order; SO-10 has pinned work and stays. The
    same seed drops the same orders."""
    change = {"kind": "volume", "multiplier": 0.5, "seed": 1}
    document = _apply(_document(), change)
    ids = order_ids(document["orders"])
    assert len(ids) == 5 and "SO-10" in ids
    assert ids == sorted(ids, key=lambda i: int(i.split("-")[1]))
    assert order_ids(_apply(_document(), change)["orders"]) == ids


def test_rush_orders_arrive_and_are_due_at_their_offsets() -> None:
    """Three priority-1 orders received at 08:15 and due at 08:45, copying base lines."""
    change = {
        "kind": "rush_orders",
        "count": 3,
        "priority": 1,
        "received_offset_min": 15,
        "due_offset_min": 45,
    }
    document = _apply(_document(), change)
    rush = document["orders"][10:]
    assert [o["id"] for o in rush] == ["RUSH-0001", "RUSH-0002", "RUSH-0003"]
    for order in rush:
        assert order["priority"] == 1
        assert order["received_at"] == "2026-12-04T08:15:00Z"
        assert order["due"] == "2026-12-04T08:45:00Z"
        assert order["lines"] == [{"sku": "SKU-1", "qty": 1}]


def test_team_absent_leaves_no_capacity() -> None:
    """An absent team keeps its id with head count 0 and no intervals."""
    document = _apply(_document(), {"kind": "team", "id": "pick-A", "absent": True})
    team = document["teams"][0]
    assert team["headcount"] == 0 and "availability" not in team


def test_team_headcount_scales_its_intervals() -> None:
    """4 -> 2 people: the intervals 4, 2, 3 become 2, 1, 2 (3 x 2/4 = 1.5, rounded up)."""
    document = _apply(_document(), {"kind": "team", "id": "pick-A", "headcount": 2})
    team = document["teams"][0]
    assert team["headcount"] == 2
    assert [a["headcount"] for a in team["availability"]] == [2, 1, 2]


def test_team_availability_replaces_the_intervals() -> None:
    """The pack team works only the second half hour, one person."""
    interval = {"start": "2026-12-04T08:30:00Z", "end": "2026-12-04T09:00:00Z", "headcount": 1}
    document = _apply(_document(), {"kind": "team", "id": "pack-1", "availability": [interval]})
    assert document["teams"][1]["availability"] == [interval]
    assert document["teams"][1]["headcount"] == 2


def test_stock_on_hand_delta_and_new_record() -> None:
    """on_hand sets, delta adds, and a record at a known location is created."""
    document = _apply(
        _document(),
        {"kind": "stock", "sku": "SKU-1", "location": "A-01", "delta": -15},
        {"kind": "stock", "sku": "SKU-1", "location": "A-02", "on_hand": 7},
    )
    assert document["inventory"] == [
        {"sku": "SKU-1", "location": "A-01", "on_hand": 25},
        {"sku": "SKU-1", "location": "A-02", "on_hand": 7},
    ]


def test_late_truck_units_are_not_there_this_window() -> None:
    """30 of the 40 units arrive at 08:30: 10 are on hand this window, and the variant
    carries the late-stock note; a truck that came before the window changes nothing."""
    base = _document()
    late = {
        "kind": "stock",
        "sku": "SKU-1",
        "location": "A-01",
        "arriving_qty": 30,
        "arrives_at": "2026-12-04T08:30:00Z",
    }
    applied = apply_changes(base, _changes(late))
    assert applied.document["inventory"][0]["on_hand"] == 10
    assert [(n.sku, n.qty, n.arrives_at) for n in applied.late_stock] == [
        ("SKU-1", 30, "2026-12-04T08:30:00Z")
    ]
    early = apply_changes(base, _changes(late | {"arrives_at": "2026-12-04T07:30:00Z"}))
    assert early.document == base and early.late_stock == ()
    assert base["inventory"][0]["on_hand"] == 40


def test_cutoff_at_moves_later_dues_only() -> None:
    """Cutoff 08:40: SO-1's 08:45 becomes 08:40, SO-2's 08:30 stays, undated orders stay."""
    document = _apply(_document(), {"kind": "cutoff", "at": "2026-12-04T08:40:00Z"})
    dues = {o["id"]: o.get("due") for o in document["orders"]}
    assert dues["SO-1"] == "2026-12-04T08:40:00Z"
    assert dues["SO-2"] == "2026-12-04T08:30:00Z"
    assert dues["SO-3"] is None


def test_cutoff_earlier_by_moves_every_due() -> None:
    """Fifteen minutes earlier: 08:45 -> 08:30, 08:30 -> 08:15."""
    document = _apply(_document(), {"kind": "cutoff", "earlier_by_min": 15})
    dues = {o["id"]: o.get("due") for o in document["orders"]}
    assert (dues["SO-1"], dues["SO-2"]) == ("2026-12-04T08:30:00Z", "2026-12-04T08:15:00Z")


def test_window_ends_earlier_by_whole_slots() -> None:
    """15 min earlier: three slots; 20 min is not a whole number of 15-min slots."""
    base = _document()
    base["pinned"] = []
    document = _apply(base, {"kind": "window", "end_earlier_by_min": 15})
    assert document["window"]["end"] == "2026-12-04T08:45:00Z"
    with pytest.raises(DocumentError) as error:
        _apply(base, {"kind": "window", "end_earlier_by_min": 20})
    assert error.value.errors[0].field == "changes[0].window.end_earlier_by_min"


def test_changes_apply_in_order() -> None:
    """Head count 2 then absent: absent wins; absent then head count 3: three people."""
    document = _apply(
        _document(),
        {"kind": "team", "id": "pick-A", "headcount": 2},
        {"kind": "team", "id": "pick-A", "absent": True},
        {"kind": "team", "id": "pack-1", "absent": True},
        {"kind": "team", "id": "pack-1", "headcount": 3},
    )
    assert document["teams"][0]["headcount"] == 0
    assert document["teams"][1]["headcount"] == 3


_STOCK = {"kind": "stock", "sku": "SKU-1", "location": "A-01"}
_LATE = {"arriving_qty": 1, "arrives_at": "2026-12-04T08:30:00Z"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "team", "id": "pick-Z", "absent": True}, "changes[0].team.id"),
        (_STOCK | {"location": "Z-9", "on_hand": 1}, "changes[0].stock.location"),
        (_STOCK | {"delta": -41}, "changes[0].stock.delta"),
        (_STOCK | {"sku": "SKU-9"} | _LATE, "changes[0].stock.sku"),
        ({"kind": "window", "end_earlier_by_min": 60}, "changes[0].window.end_earlier_by_min"),
    ],
)
def test_a_change_the_base_cannot_take_names_its_field(change: dict[str, Any], field: str) -> None:
    """Unknown team or location, stock below zero, a window cut to nothing: the error names
    the change's field, and the base is untouched."""
    base = _document()
    before = copy.deepcopy(base)
    with pytest.raises(DocumentError) as error:
        apply_changes(base, _changes(change))
    assert [e.field for e in error.value.errors] == [field]
    assert base == before
