"""Read a problem document (JSON or YAML) into :class:`solver.domain.Problem`.

Structural errors raise :class:`DocumentError`, whose entries each name a field path
(``teams[1].stage``) and say what is wrong. Orders are not checked here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from solver.domain import Problem, Team


@dataclass(frozen=True)
class FieldError:
    """One reason a document was rejected: the field path and the message."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class DocumentError(ValueError):
    """The document is rejected whole (CLI exit 2, HTTP 422)."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class _StringTimesLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps timestamps as strings (they are parsed like JSON's)."""


_StringTimesLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Only true/false are booleans: YAML 1.1 would also read NO (Norway), yes, on and off.
_StringTimesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_text(text: str, *, yaml_ok: bool) -> Any:
    """Parse JSON text (or YAML when ``yaml_ok``) into plain Python values."""
    if not text.strip():
        raise DocumentError([FieldError("", "the document is empty")])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if not yaml_ok:
            raise DocumentError(
                [
                    FieldError(
                        "", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
                    )
                ]
            ) from None
    try:
        return yaml.load(text, Loader=_StringTimesLoader)
    except yaml.YAMLError as exc:
        raise DocumentError([FieldError("", f"neither valid JSON nor YAML: {exc}")]) from None


def read_document(path: Path) -> Any:
    """Read a file: YAML for ``.yaml``/``.yml``, JSON otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError([FieldError("", f"no such file: {path}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError([FieldError("", f"cannot read {path}: {exc}")]) from None
    return parse_text(text, yaml_ok=path.suffix.lower() in {".yaml", ".yml"})


def field_path(loc: Iterable[int | str]) -> str:
    """Turn a pydantic error location into ``teams[1].stage``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _from_validation_error(exc: ValidationError) -> DocumentError:
    errors = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = err["msg"].removeprefix("Value error, ").replace("valid tuple", "valid list")
        if err["type"] == "missing":
            message = "is required"
        errors.append(FieldError(field_path(loc), message))
    return DocumentError(errors)


def load_problem(document: Mapping[str, Any] | Any) -> Problem:
    """Validate a parsed document into a :class:`Problem`, or raise :class:`DocumentError`."""
    if not isinstance(document, Mapping):
        raise DocumentError([FieldError("", "the document must be a JSON object")])
    try:
        problem = Problem.model_validate(dict(document))
    except ValidationError as exc:
        raise _from_validation_error(exc) from None
    errors = cross_reference_errors(problem)
    if errors:
        raise DocumentError(errors)
    return problem


def load_problem_file(path: Path) -> Problem:
    """Read and validate a problem file."""
    return load_problem(read_document(path))


def _duplicates(field: str, ids: list[str]) -> list[FieldError]:
    counts = Counter(ids)
    return [
        FieldError(f"{field}[{idx}].id", f"duplicate id {value!r}")
        for idx, value in enumerate(ids)
        if counts[value] > 1 and ids.index(value) != idx
    ]


def cross_reference_errors(problem: Problem) -> list[FieldError]:
    """Checks that span several parts of the document (ids and references)."""
    errors = _duplicates("locations", [loc.id for loc in problem.locations])
    errors += _duplicates("teams", [team.id for team in problem.teams])
    errors += _inventory_errors(problem)
    for idx, team in enumerate(problem.teams):
        errors += _availability_errors(idx, team)
    errors += _pinned_errors(problem)
    errors += _pinned_order_errors(problem)
    return errors


def _inventory_errors(problem: Problem) -> list[FieldError]:
    location_ids = {loc.id for loc in problem.locations}
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for idx, record in enumerate(problem.inventory):
        if record.location not in location_ids:
            errors.append(
                FieldError(f"inventory[{idx}].location", f"unknown location {record.location!r}")
            )
        key = (record.sku, record.location)
        if key in seen:
            errors.append(
                FieldError(
                    f"inventory[{idx}]",
                    f"second record for SKU {record.sku!r} at {record.location!r}",
                )
            )
        seen.add(key)
    return errors


def _availability_errors(team_idx: int, team: Team) -> list[FieldError]:
    errors: list[FieldError] = []
    intervals = sorted(team.availability or (), key=lambda a: a.start)
    for first, second in itertools.pairwise(intervals):
        if second.start < first.end:
            errors.append(
                FieldError(
                    f"teams[{team_idx}].availability",
                    "intervals overlap (give one interval per period with its total headcount)",
                )
            )
            break
    return errors


def _pinned_errors(problem: Problem) -> list[FieldError]:
    teams = {team.id: team for team in problem.teams}
    zone_of = {loc.id: loc.zone for loc in problem.locations}
    errors: list[FieldError] = []
    for idx, pin in enumerate(problem.pinned):
        where = f"pinned[{idx}]"
        team = teams.get(pin.team)
        if team is None:
            errors.append(FieldError(f"{where}.team", f"unknown team {pin.team!r}"))
            continue
        if team.stage != pin.stage:
            errors.append(FieldError(f"{where}.stage", f"team {pin.team!r} is a {team.stage} team"))
        if pin.slot >= problem.window.num_slots:
            errors.append(
                FieldError(f"{where}.slot", f"the window has {problem.window.num_slots} slots")
            )
        if pin.stage == "pick":
            errors += _pinned_pick_errors(where, pin.zone, pin.lines, team, zone_of)
    return errors


def _pinned_pick_errors(
    where: str,
    zone: str | None,
    lines: Iterable[Any] | None,
    team: Team,
    zone_of: Mapping[str, str],
) -> list[FieldError]:
    if zone is None:
        return [FieldError(f"{where}.zone", "a pinned pick needs its zone")]
    errors: list[FieldError] = []
    if zone not in (team.zones or ()):
        errors.append(FieldError(f"{where}.zone", f"team {team.id!r} does not work zone {zone!r}"))
    if not lines:
        errors.append(FieldError(f"{where}.lines", "a pinned pick needs its lines"))
        return errors
    for line_idx, line in enumerate(lines):
        if zone_of.get(line.location) != zone:
            errors.append(
                FieldError(
                    f"{where}.lines[{line_idx}].location",
                    f"location {line.location!r} is not in zone {zone!r}",
                )
            )
    return errors


def _raw_orders_by_id(problem: Problem) -> dict[str, Any]:
    """Raw orders by id (the first copy), for the checks pinned work needs."""
    by_id: dict[str, Any] = {}
    for raw in problem.orders:
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
            by_id.setdefault(str(raw["id"]), raw)
    return by_id


def _pinned_order_errors(problem: Problem) -> list[FieldError]:
    """Pinned work must name a known order and leave its picks a slot before its pack."""
    raw_orders = _raw_orders_by_id(problem)
    pack_slot = {pin.order: pin.slot for pin in problem.pinned if pin.stage == "pack"}
    pinned_lines: Counter[str] = Counter()
    errors: list[FieldError] = []
    for idx, pin in enumerate(problem.pinned):
        if pin.order not in raw_orders:
            errors.append(FieldError(f"pinned[{idx}].order", f"unknown order {pin.order!r}"))
        pinned_lines[pin.order] += len(pin.lines or ())
        if pin.stage == "pick" and pin.order in pack_slot and pin.slot >= pack_slot[pin.order]:
            message = f"the pack of {pin.order!r} is pinned in slot {pack_slot[pin.order]}"
            errors.append(
                FieldError(f"pinned[{idx}].slot", f"{message}; its pick must come before")
            )
    for idx, pin in enumerate(problem.pinned):
        lines = raw_orders.get(pin.order, {}).get("lines")
        unpicked = isinstance(lines, list) and len(lines) > pinned_lines[pin.order]
        if pin.stage == "pack" and pin.slot == 0 and unpicked:
            message = f"a pack pinned in slot 0 leaves no earlier slot for {pin.order!r}'s picks"
            errors.append(FieldError(f"pinned[{idx}].slot", message))
    return errors
