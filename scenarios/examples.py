"""The example problem documents shipped in ``scenarios/problems/`` (see its README):
read by name, e.g. ``example_problem("demo-warehouse")``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

PROBLEMS_DIR: Final = Path(__file__).resolve().parent / "problems"


def example_path(name: str) -> Path:
    """The file of the example ``name`` (``demo-warehouse``, ``capacity-crunch``, ...)."""
    return PROBLEMS_DIR / f"{name}.json"


def example_problem(name: str) -> dict[str, Any]:
    """The example ``name``'s problem document, read afresh (the caller may change it)."""
    doc: dict[str, Any] = json.loads(example_path(name).read_text(encoding="utf-8"))
    return doc


def demo_warehouse() -> dict[str, Any]:
    """The demo warehouse's problem document (``demo-warehouse.json``: a calm shift)."""
    return example_problem("demo-warehouse")
