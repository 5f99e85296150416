"""The dashboard's charts that are not tables: inline SVG drawn with matplotlib, as the
what-if report's are (:mod:`scenarios.whatif.charts`; the what-if page uses those)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from scenarios.whatif.charts import figure_svg


def shift_curve_svg(curve: Sequence[Mapping[str, Any]], chosen_hours: float | None) -> str | None:
    """Orders planned against person-hours (a shift plan's trade-off curve), with the
    proven most at each size dashed and the chosen staffing marked. None: no points."""
    points = sorted(curve, key=lambda p: float(p["person_hours"]))
    if not points:
        return None
    hours = [float(p["person_hours"]) for p in points]
    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = figure.subplots()
    ax.plot(hours, [int(p["planned"]) for p in points], "o-", color="C0", label="planned")
    ax.plot(
        hours, [int(p["planned_bound"]) for p in points], "--", color="C1", label="at most (proven)"
    )
    if chosen_hours is not None:
        ax.axvline(chosen_hours, color="0.4", linewidth=1, label="this shift plan")
    ax.set_xlabel("person-hours")
    ax.set_ylabel("orders planned")
    ax.legend(fontsize=7, frameon=False)
    return figure_svg(figure)
