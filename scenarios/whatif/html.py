"""``report.html``: one self-contained page (inline CSS and SVG; nothing is fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from scenarios.whatif.charts import backlog_svg, load_heatmap_svg, staffing_svg
from scenarios.whatif.report import (
    CHANGE_COLUMNS,
    COLUMNS,
    changes_rows,
    comparison_rows,
)
from scenarios.whatif.results import Comparison, ScenarioResults

__all__ = ["render_html"]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.figure { margin: 1em 0 2em; overflow-x: auto; }
.note { color: #555; font-style: italic; }
code { background: #f5f5f5; padding: 0 0.2em; }
"""


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(title: str, svg: str | None, missing: str) -> str:
    if svg is None:
        return f"<h2>{escape(title)}</h2><p class='note'>{escape(missing)}</p>"
    return f"<h2>{escape(title)}</h2><div class='figure'>{svg}</div>"


def _order_list(label: str, items: Sequence[str]) -> str:
    if not items:
        return ""
    return f"<li>{escape(label)} ({len(items)}): {escape(', '.join(items))}</li>"


def _variant(comparison: Comparison, description: str) -> str:
    lost = [f"{order} ({code})" for order, code in comparison.lost.items()]
    items = [
        _order_list("lost", lost),
        _order_list("gained", comparison.gained),
        _order_list("added", comparison.added),
        _order_list("removed", comparison.removed),
    ]
    for late in comparison.late_stock:
        items.append(
            f"<li>late truck: {late.qty} x {escape(late.sku)} at {escape(late.location)}, "
            f"arriving {escape(late.arrives_at)}: not in stock this window; "
            f"{len(late.orders_waiting)} lost orders need it, "
            f"{len(late.could_make_it_after_arrival)} of them could be picked after the "
            "arrival</li>"
        )
    body = "".join(items) or "<li>the same orders are planned as in the base</li>"
    return f"<h3>{escape(comparison.variant)}</h3><p>{escape(description)}</p><ul>{body}</ul>"


def render_html(results: ScenarioResults) -> str:
    """The whole page: the comparison, the orders each variant gains and loses, the charts."""
    descriptions = {run.name: run.description for run in results.runs}
    settings = (
        f"Each run planned with a {results.time_limit_s:g} s limit, seed {results.seed}, "
        f"executor {results.executor} ({results.workers} workers); every plan checked by "
        "the independent plan checker."
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in results.notes)
    parts = [
        f"<h1>What-if: {escape(results.scenario)}</h1>",
        f"<p>{escape(results.description)}</p>",
        f"<p class='note'>{escape(settings)}</p>",
        _table(COLUMNS, comparison_rows(results)),
        _table(CHANGE_COLUMNS, changes_rows(results)),
        f"<ul class='note'>{notes}</ul>" if notes else "",
        "<h2>Variants</h2>",
        *(_variant(c, descriptions.get(c.variant, "")) for c in results.comparisons),
        _figure("Load against capacity, by team and slot (%)", load_heatmap_svg(results.runs), ""),
        _figure("Backlog by variant and code", backlog_svg(results.runs), ""),
        _figure(
            "Staffing curve",
            staffing_svg(results.runs),
            "No staffing curve: solver.staffing gave no points (or was not asked).",
        ),
    ]
    body = "\n".join(part for part in parts if part)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>What-if: {escape(results.scenario)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
