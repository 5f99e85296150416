"""JSON Schemas of the problem and plan documents (``zero-backlog schema``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from solver.domain import Problem
from solver.result import Plan


class _AddressSchema(BaseModel):
    """Ship-to address; every part non-blank, country ISO 3166-1 alpha-2."""

    name: str
    line1: str
    city: str
    postal_code: str = Field(
        description="Must fit the country's format (US, CA, GB, DE, FR, NL, AU, JP)."
    )
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. US.")


class _LineSchema(BaseModel):
    sku: str
    qty: int = Field(gt=0, description="A positive whole number of units.")


class OrderSchema(BaseModel):
    """An order as a problem document carries it. A bad order becomes an exception."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="Order id; an exact repeat counts once.")
    received_at: str | None = Field(
        default=None, description="ISO 8601 with offset; default window start."
    )
    priority: int = Field(default=3, ge=1, description="1 is the most urgent.")
    due: str | None = Field(default=None, description="ISO 8601 with offset; default window end.")
    ship_to: _AddressSchema
    lines: list[_LineSchema] = Field(min_length=1)


def problem_schema() -> dict[str, Any]:
    """The problem document's schema, with the order shape filled in."""
    schema = Problem.model_json_schema()
    order = OrderSchema.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs.update(order.pop("$defs", {}))
    defs["Order"] = order
    schema["properties"]["orders"]["items"] = {"$ref": "#/$defs/Order"}
    return schema


def plan_schema() -> dict[str, Any]:
    """The plan document's schema."""
    return Plan.model_json_schema(mode="serialization")
