"""Every Python package of the project is listed in pyproject.toml, so that a plain
(non-editable) install ships it. (Here, not in ``tests/``: a test module there would put
``tests/`` on ``sys.path``, where ``tests/scenarios`` shadows the ``scenarios`` package in
spawned worker processes.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_for_setuptools() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("solver", "api", "scenarios")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set()
