"""Numbers and times as people read them (the templates' filters)."""

from __future__ import annotations

from datetime import datetime

from solver.domain import parse_timestamp

#: Shown for a value that does not exist (no capacity, no due date).
NONE = "\u2013"  # an en dash


def number(value: float | None) -> str:
    """1234 -> '1,234'; 2.5 -> '2.5'."""
    if value is None:
        return NONE
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def percent(value: float | None) -> str:
    """0.8567 -> '86 %' (a share of 1)."""
    return NONE if value is None else f"{100 * value:.0f} %"


def clock(value: datetime | str | None) -> str:
    """A moment as 'HH:MM' (in the window's own offset, UTC for the demo)."""
    if value is None:
        return NONE
    moment = parse_timestamp(value) if isinstance(value, str) else value
    return moment.strftime("%H:%M")


def day_clock(value: datetime | str | None) -> str:
    """A moment as 'Fri 4 Dec HH:MM UTC'."""
    if value is None:
        return NONE
    moment = parse_timestamp(value) if isinstance(value, str) else value
    zone = moment.tzname() or ""
    return f"{moment:%a} {moment.day} {moment:%b %H:%M} {zone}".strip()


def duration(seconds: float | None) -> str:
    """Seconds as '0.4 s', '45 s', '12 min', '1 h 05 min'."""
    if seconds is None:
        return NONE
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 120:
        return f"{whole} s"
    minutes = round(whole / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def hours(value: float | None) -> str:
    """Person-hours: '12.25 h'."""
    return NONE if value is None else f"{value:,.2f}".rstrip("0").rstrip(".") + " h"


FILTERS = {
    "number": number,
    "percent": percent,
    "clock": clock,
    "day_clock": day_clock,
    "duration": duration,
    "hours": hours,
}
