"""The scenario file: a base problem and named variants, each a list of changes.

A scenario file is YAML (or JSON) of this shape::

    name: peak-day
    description: ...
    base: {problem: ../problems/demo-warehouse.json}   # or generate: {GeneratorSpec fields}
    time_limit_s: 10
    variants:
      - name: plus-40
        description: ...
        changes:
          - {kind: volume, multiplier: 1.4}

Every model is strict and forbids unknown fields; :func:`load_scenario` turns any error
into a :class:`solver.loading.DocumentError` whose entries name the field
(``variants[0].changes[0].volume.multiplier``). What each change does is in
:mod:`scenarios.whatif.overrides`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from scenarios.generator import GeneratorSpec
from solver.domain import Availability, Timestamp
from solver.loading import DocumentError, FieldError, field_path, read_document

__all__ = [
    "BaseSpec",
    "Change",
    "CutoffChange",
    "RushOrdersChange",
    "ScenarioSpec",
    "StockChange",
    "TeamChange",
    "VariantSpec",
    "VolumeChange",
    "WindowChange",
    "load_scenario",
    "parse_scenario",
]

#: A scenario or variant name: it names files and folders (``whatif-<name>/``).
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=80)]


class Strict(BaseModel):
    """Base of the scenario models: strict types, frozen, unknown fields rejected."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class VolumeChange(Strict):
    """Scale the order count: above 1 copies orders (new ids), below 1 drops orders."""

    kind: Literal["volume"]
    multiplier: float = Field(gt=0, le=20, description="New order count / base order count.")
    seed: int = Field(default=0, ge=0, description="Which orders are copied or dropped.")


class RushOrdersChange(Strict):
    """Add urgent orders, each a copy of the lines and address of a seeded base order."""

    kind: Literal["rush_orders"]
    count: int = Field(ge=1, le=100_000)
    priority: int = Field(default=1, ge=1)
    received_offset_min: int = Field(
        default=0, ge=0, description="Received this many minutes after the window start."
    )
    due_offset_min: int | None = Field(
        default=None, ge=0, description="Due this many minutes after the window start."
    )
    seed: int = Field(default=0, ge=0)
    id_prefix: Name = Field(default="RUSH", description="Ids RUSH-0001, RUSH-0002, ...")

    @model_validator(mode="after")
    def _due_after_release(self) -> RushOrdersChange:
        if self.due_offset_min is not None and self.due_offset_min <= self.received_offset_min:
            raise ValueError("due_offset_min must be after received_offset_min")
        return self


class TeamChange(Strict):
    """A team's head count, its availability intervals, or the whole team absent."""

    kind: Literal["team"]
    id: str = Field(min_length=1, description="The team's id in the base problem.")
    headcount: int | None = Field(
        default=None, ge=0, description="New head count; availability intervals scale with it."
    )
    availability: tuple[Availability, ...] | None = Field(
        default=None, description="Replaces the team's availability intervals."
    )
    absent: bool = Field(default=False, description="Nobody of the team works this window.")

    @model_validator(mode="after")
    def _one_form(self) -> TeamChange:
        given = self.headcount is not None or self.availability is not None
        if self.absent and given:
            raise ValueError("absent: true takes no headcount or availability")
        if not self.absent and not given:
            raise ValueError("give headcount, availability or absent: true")
        return self


class StockChange(Strict):
    """Stock of one SKU at one location: set, changed by a delta, or partly on a late truck."""

    kind: Literal["stock"]
    sku: str = Field(min_length=1)
    location: str = Field(min_length=1)
    on_hand: int | None = Field(default=None, ge=0, description="New units on hand.")
    delta: int | None = Field(default=None, description="Units added (negative: removed).")
    arriving_qty: int | None = Field(
        default=None,
        ge=1,
        description="Units of the record's on_hand that come on an inbound truck at arrives_at.",
    )
    arrives_at: Timestamp | None = Field(default=None, description="When the truck arrives.")

    @model_validator(mode="after")
    def _one_form(self) -> StockChange:
        late = (self.arriving_qty is not None, self.arrives_at is not None)
        if late[0] != late[1]:
            raise ValueError("a late truck needs both arriving_qty and arrives_at")
        forms = [self.on_hand is not None, self.delta is not None, late[0]]
        if sum(forms) != 1:
            raise ValueError("give exactly one of on_hand, delta, or arriving_qty with arrives_at")
        return self


class CutoffChange(Strict):
    """An earlier carrier cutoff for the orders that have a ``due``."""

    kind: Literal["cutoff"]
    at: Timestamp | None = Field(default=None, description="Dues later than this become this.")
    earlier_by_min: int | None = Field(
        default=None, ge=1, description="Every due moves this many minutes earlier."
    )

    @model_validator(mode="after")
    def _one_form(self) -> CutoffChange:
        if (self.at is None) == (self.earlier_by_min is None):
            raise ValueError("give exactly one of at and earlier_by_min")
        return self


class WindowChange(Strict):
    """A shorter window: it ends earlier by a whole number of slots."""

    kind: Literal["window"]
    end_earlier_by_min: int = Field(ge=1, description="A multiple of the window's slot_minutes.")


Change = Annotated[
    VolumeChange | RushOrdersChange | TeamChange | StockChange | CutoffChange | WindowChange,
    Field(discriminator="kind"),
]


def _non_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    # a length constraint would also fire, confusingly, when an item is invalid
    if not items:
        raise ValueError("give at least one")
    return items


class VariantSpec(Strict):
    """A named variant: the changes, applied in order to a copy of the base problem."""

    name: Name
    description: str = ""
    changes: Annotated[tuple[Change, ...], AfterValidator(_non_empty)]


class BaseSpec(Strict):
    """The base problem: a problem file, a generator spec, or a document given inline."""

    problem: str | None = Field(
        default=None, min_length=1, description="Problem file, relative to the scenario file."
    )
    generate: GeneratorSpec | None = Field(default=None, description="A seeded generated base.")
    document: dict[str, Any] | None = Field(
        default=None, description="A problem document given inline (for callers in code)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> BaseSpec:
        if sum(f is not None for f in (self.problem, self.generate, self.document)) != 1:
            raise ValueError("give exactly one of problem, generate and document")
        return self


def _unique_names(variants: tuple[VariantSpec, ...]) -> tuple[VariantSpec, ...]:
    names = [variant.name for variant in variants]
    if "base" in names:
        raise ValueError("'base' names the base run; give the variant another name")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"variant names must be unique: {', '.join(duplicates)}")
    return variants


class ScenarioSpec(Strict):
    """A what-if scenario: the base, the variants, and the solve settings of every run."""

    name: Name
    description: str = ""
    base: BaseSpec
    time_limit_s: float = Field(default=10.0, gt=0, le=3600, description="Per run.")
    seed: int = Field(default=0, ge=0, description="Solver seed of every run.")
    variants: Annotated[
        tuple[VariantSpec, ...], AfterValidator(_non_empty), AfterValidator(_unique_names)
    ]


def _errors(exc: ValidationError) -> DocumentError:
    errors = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a field here"
        errors.append(FieldError(field_path(loc), message))
    return DocumentError(errors)


def parse_scenario(data: Mapping[str, Any] | Any) -> ScenarioSpec:
    """Validate parsed scenario data, or raise :class:`DocumentError` naming the fields.

    The data is validated as JSON (what a file holds): strict types, so ``"3"`` is not a
    number, while lists and time strings read as they are written."""
    if not isinstance(data, Mapping):
        raise DocumentError([FieldError("", "a scenario file must be a mapping")])
    try:
        text = json.dumps(dict(data), default=str)
    except (TypeError, ValueError) as exc:
        raise DocumentError([FieldError("", f"not plain data: {exc}")]) from None
    try:
        return ScenarioSpec.model_validate_json(text)
    except ValidationError as exc:
        raise _errors(exc) from None


def load_scenario(path: Path) -> ScenarioSpec:
    """Read and validate a scenario file (YAML for .yaml/.yml, JSON otherwise)."""
    return parse_scenario(read_document(path))
