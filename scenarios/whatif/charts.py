"""The report's charts as inline SVG, drawn with matplotlib.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot, so no GUI
backend and no global figure state; safe in a server). Text is drawn as paths and the
SVG ids are salted with a fixed string, so the same results give the same SVG; the
``<?xml>`` prologue, DOCTYPE and metadata are dropped so that it can sit inside HTML.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from scenarios.whatif.results import CaseRun
from solver.result import EXCEPTION_CODES

__all__ = ["backlog_svg", "figure_svg", "load_heatmap_svg", "staffing_svg"]

#: One colour per exception code, in the contract's order (a colour-blind safe palette).
CODE_COLOURS = ("#4477aa", "#66ccee", "#228833", "#ccbb44", "#aa3377", "#ee6677")
HEATMAP_COLUMNS = 3


def figure_svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "zero-backlog"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)


def _utilization(run: CaseRun) -> np.ndarray:
    """Teams x slots: planned load / capacity; NaN where the team has no capacity."""
    teams = list(run.capacity_s)
    load = np.array([run.load_s[t] for t in teams], dtype=float)
    capacity = np.array([run.capacity_s[t] for t in teams], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, load / np.maximum(capacity, 1), np.nan)


def _slot_labels(run: CaseRun) -> list[str]:
    return [start[11:16] for start in run.slot_starts]


def load_heatmap_svg(runs: Sequence[CaseRun]) -> str:
    """Load against capacity by team and slot, one panel per run (grey: no capacity)."""
    columns = min(HEATMAP_COLUMNS, len(runs))
    rows = math.ceil(len(runs) / columns)
    num_teams = max(len(run.capacity_s) for run in runs)
    figure = Figure(figsize=(4.6 * columns, (0.45 * num_teams + 1.3) * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    cmap = mpl.colormaps["YlOrRd"].with_extremes(bad="#d9d9d9")
    image = None
    for idx, ax in enumerate(axes.flat):
        if idx >= len(runs):
            ax.set_axis_off()
            continue
        run = runs[idx]
        values = _utilization(run)
        image = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
        ax.set_title(f"{run.name}: {run.utilization:.0%} used", fontsize=9)
        ax.set_yticks(range(len(run.capacity_s)), list(run.capacity_s), fontsize=7)
        ax.set_xticks(range(len(run.slot_starts)), _slot_labels(run), fontsize=6, rotation=90)
        for (team_idx, slot_idx), value in np.ndenumerate(values):
            if not np.isnan(value):
                colour = "white" if value > 0.6 else "black"
                label = f"{value * 100:.0f}"
                ax.text(
                    slot_idx, team_idx, label, ha="center", va="center", fontsize=6, color=colour
                )
    if image is not None:
        figure.colorbar(image, ax=axes, shrink=0.8, label="load / capacity")
    return figure_svg(figure)


def backlog_svg(runs: Sequence[CaseRun]) -> str:
    """Unplanned orders per run, stacked by exception code."""
    figure = Figure(figsize=(max(4.0, 1.0 + 0.9 * len(runs)), 3.4), layout="constrained")
    ax = figure.subplots()
    positions = np.arange(len(runs))
    bottom = np.zeros(len(runs))
    for code, colour in zip(EXCEPTION_CODES, CODE_COLOURS, strict=True):
        counts = np.array([run.backlog_by_code.get(code, 0) for run in runs], dtype=float)
        if counts.any():
            ax.bar(positions, counts, bottom=bottom, color=colour, label=code)
            bottom += counts
    for position, total in enumerate(bottom.tolist()):
        ax.text(position, total, f"{total:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions, [run.name for run in runs], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("orders not planned")
    ax.set_ylim(0, max(1.0, float(bottom.max()) * 1.15))
    if bottom.any():
        ax.legend(fontsize=7, frameon=False)
    return figure_svg(figure)


def staffing_svg(runs: Sequence[CaseRun]) -> str | None:
    """Orders planned against person-hours: each run's staffing curve (solid) and where its
    scheduled staffing puts it (a cross). None when no run has a curve."""
    with_curve = [run for run in runs if run.staffing_curve]
    if not with_curve:
        return None
    figure = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = figure.subplots()
    for idx, run in enumerate(runs):
        colour = f"C{idx % 10}"
        if run.staffing_curve:
            points = sorted(run.staffing_curve)
            ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color=colour,
                    label=run.name, markersize=3)  # fmt: skip
        ax.plot([run.person_hours_scheduled], [run.planned], "x", color=colour, markersize=7)
    ax.set_xlabel("person-hours")
    ax.set_ylabel("orders planned")
    ax.legend(fontsize=7, frameon=False, title="curve: least staffing; x: as scheduled",
              title_fontsize=7)  # fmt: skip
    return figure_svg(figure)
