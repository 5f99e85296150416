"""The what-if runner on a real local Ray runtime: the same results as in-process runs.

Ray is in the ``test`` extra (and the ``ray`` extra); without it these tests skip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whatif_data import demo_scenario, work_curve, work_hours

from scenarios.whatif.runner import run_scenario, with_times_removed

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'zero-backlog[ray]')")

HOOKS: dict[str, Any] = {"person_hours": work_hours, "staffing_curve": work_curve}


def test_ray_executor_starts_and_stops_its_own_runtime() -> None:
    """Without a runtime (and no RAY_ADDRESS) the runner starts a local one of ``workers``
    CPUs, and shuts it down when done."""
    if ray.is_initialized():
        pytest.skip("a Ray runtime is already running in this process")
    results = run_scenario(demo_scenario(), "ray", workers=1, person_hours=None,
                           staffing_curve=None)  # fmt: skip
    assert [run.name for run in results.runs] == ["base", "pick-A-out", "plus-40"]
    assert all(run.valid for run in results.runs)
    assert results.run("pick-A-out").backlog_by_code == {"NO_ELIGIBLE_TEAM": 24}
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A local Ray runtime of two CPUs for the tests below; its workers can import the
    stand-in staffing hooks of ``whatif_data`` (next to this file)."""
    here = str(Path(__file__).resolve().parent)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": here}},
    )
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_executor_gives_the_inline_results(local_ray: None) -> None:
    """The demo scenario as Ray tasks, two at a time: in the file's order, every plan
    valid, and the same figures as one after another in this process; a runtime the
    runner did not start is left running."""
    calls: list[tuple[str, int, int]] = []
    on_ray = run_scenario(
        demo_scenario(), "ray", workers=2, progress=lambda *c: calls.append(c), **HOOKS
    )
    assert [run.name for run in on_ray.runs] == ["base", "pick-A-out", "plus-40"]
    assert all(run.valid for run in on_ray.runs)
    assert [done for _, done, _ in calls] == [1, 2, 3]
    assert on_ray.base.person_hours_needed is not None
    inline = run_scenario(demo_scenario(), "inline", **HOOKS)
    assert with_times_removed(on_ray).runs == with_times_removed(inline).runs
    assert on_ray.comparisons == inline.comparisons
    assert ray.is_initialized()
