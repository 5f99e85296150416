"""The dashboard's forms: validated form models, and the what-if form as a scenario.

A what-if from the dashboard starts from the latest window's problem as it was planned,
without the previous plan offered (``previous_assignments``) and without pinned work, so
that a variant may move anything; each filled-in field of the form is one variant, and
every variant is compared with that base side by side.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from scenarios.whatif.spec import ScenarioSpec, parse_scenario

#: Most stock records the stockout menu offers (those most in demand).
STOCKOUT_CHOICES = 40


def _blank_is_none(value: Any) -> Any:
    """An empty form field is no value."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)


class LoginForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=500)
    next: Annotated[str | None, Blank] = Field(default=None, max_length=500)


class ShiftPlanForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_limit_s: float = Field(default=20.0, gt=0, le=300)


class WhatIfForm(BaseModel):
    """Each filled-in change is a variant of its own."""

    model_config = ConfigDict(extra="forbid")
    volume: Annotated[float | None, Blank] = Field(default=None, gt=0, le=5)
    absent_team: Annotated[str | None, Blank] = None
    headcount_team: Annotated[str | None, Blank] = None
    headcount: Annotated[int | None, Blank] = Field(default=None, ge=0, le=1000)
    stockout: Annotated[str | None, Blank] = Field(default=None, description="SKU@location")
    cutoff_earlier_min: Annotated[int | None, Blank] = Field(default=None, ge=1, le=1440)
    rush_orders: Annotated[int | None, Blank] = Field(default=None, ge=1, le=1000)
    time_limit_s: float = Field(default=5.0, gt=0, le=60)
    staffing: bool = False


class FormError(ValueError):
    """A form that validates field by field but asks for nothing, or half of something."""


def _name(text: str) -> str:
    """A variant name (letters, digits, '.', '_', '-') from free text."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return (cleaned or "variant")[:80]


def variants(form: WhatIfForm) -> list[dict[str, Any]]:
    """The scenario's variants, one per change asked for."""
    out: list[dict[str, Any]] = []
    if form.volume is not None:
        change = {"kind": "volume", "multiplier": form.volume}
        out.append(_variant(f"volume-x{form.volume:g}", f"{form.volume:g} x the orders", change))
    if form.absent_team is not None:
        change = {"kind": "team", "id": form.absent_team, "absent": True}
        out.append(_variant(f"{form.absent_team}-absent", f"{form.absent_team} absent", change))
    if (form.headcount_team is None) != (form.headcount is None):
        raise FormError("a head count change needs both the team and the head count")
    if form.headcount_team is not None and form.headcount is not None:
        change = {"kind": "team", "id": form.headcount_team, "headcount": form.headcount}
        text = f"{form.headcount_team} with {form.headcount} people"
        out.append(_variant(f"{form.headcount_team}-{form.headcount}-people", text, change))
    if form.stockout is not None:
        sku, _, location = form.stockout.partition("@")
        if not sku or not location:
            raise FormError("a stockout is given as SKU@location")
        change = {"kind": "stock", "sku": sku, "location": location, "on_hand": 0}
        out.append(_variant(f"stockout-{sku}", f"{sku} out at {location}", change))
    if form.cutoff_earlier_min is not None:
        minutes = form.cutoff_earlier_min
        change = {"kind": "cutoff", "earlier_by_min": minutes}
        out.append(
            _variant(f"cutoff-{minutes}min-earlier", f"pickups {minutes} min earlier", change)
        )
    if form.rush_orders is not None:
        change = {"kind": "rush_orders", "count": form.rush_orders}
        out.append(_variant(f"rush-{form.rush_orders}", f"{form.rush_orders} rush orders", change))
    if not out:
        raise FormError("fill in at least one change")
    return out


def _variant(name: str, description: str, change: dict[str, Any]) -> dict[str, Any]:
    return {"name": _name(name), "description": description, "changes": [change]}


def base_document(problem: Mapping[str, Any]) -> dict[str, Any]:
    """The window's problem without the previous plan offered and without pins."""
    return {k: v for k, v in problem.items() if k not in ("previous_assignments", "pinned")}


def whatif_scenario(form: WhatIfForm, problem: Mapping[str, Any], window_id: int) -> ScenarioSpec:
    """The form as a scenario on the window's problem (raises :class:`FormError`, or
    :class:`solver.loading.DocumentError` naming the field)."""
    return parse_scenario(
        {
            "name": f"window-{window_id}",
            "description": f"What-if on window {window_id}",
            "base": {"document": base_document(problem)},
            "time_limit_s": form.time_limit_s,
            "variants": variants(form),
        }
    )


@dataclass(frozen=True)
class StockChoice:
    value: str  # SKU@location
    label: str


def stock_choices(problem: Mapping[str, Any]) -> list[StockChoice]:
    """Stock records with units on hand, those whose SKU the window's orders want most
    first (the stockouts worth asking about)."""
    wanted: Counter[str] = Counter()
    for order in problem.get("orders") or []:
        for line in order.get("lines") or []:
            wanted[str(line.get("sku"))] += int(line.get("qty", 0))
    records = [r for r in problem.get("inventory") or [] if int(r.get("on_hand", 0)) > 0]
    records.sort(key=lambda r: (-wanted[str(r["sku"])], str(r["sku"]), str(r["location"])))
    return [
        StockChoice(
            value=f"{r['sku']}@{r['location']}",
            label=f"{r['sku']} at {r['location']} ({r['on_hand']} on hand, "
            f"{wanted[str(r['sku'])]} wanted)",
        )
        for r in records[:STOCKOUT_CHOICES]
    ]
