"""The dashboard's reads of the service's store: the latest window and its picture, the
exception records, what changed since the plan, the recent shift-plan and what-if jobs."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Job
from api.state_models import ORDER_STATUSES, OrderRecord, StockRecord
from api.web.views import PlanPicture, picture
from api.window_models import ExceptionRecord, PlannedWindow
from api.windows import latest_window, records_query

#: Window pictures kept (a picture is rebuilt from the documents otherwise).
PICTURES_KEPT = 4
#: Most exception records a list shows (the count says how many more there are).
MAX_RECORDS = 200
#: Recent jobs listed on the shift-plan and what-if pages.
RECENT_JOBS = 6


@dataclass(frozen=True)
class WindowView:
    """The latest window plan: its stored row, its picture, and the problem it planned."""

    window_id: int
    created_at: datetime
    trigger: str
    churn: int
    picture: PlanPicture
    problem: dict[str, Any]


class PictureCache:
    """The pictures of the last few windows, built once each (thread-safe)."""

    def __init__(self, size: int = PICTURES_KEPT) -> None:
        self._size = size
        self._views: OrderedDict[int, WindowView] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()

    def latest(self, session: Session) -> WindowView | None:
        """The newest window's view, or None before any window is planned."""
        window = latest_window(session)
        if window is None:
            return None
        with self._lock:
            if window.id in self._views:
                return self._views[window.id]
        with self._building:  # one build at a time: requests arriving meanwhile reuse it
            with self._lock:
                if window.id in self._views:
                    return self._views[window.id]
            view = _view(session, window)
            if view is None:
                return None
            with self._lock:
                self._views[window.id] = view
                while len(self._views) > self._size:
                    self._views.popitem(last=False)
        return view


def _view(session: Session, window: PlannedWindow) -> WindowView | None:
    job = session.get(Job, window.job_id)
    if job is None:
        return None
    problem: dict[str, Any] = json.loads(job.problem)
    return WindowView(
        window_id=window.id,
        created_at=window.created_at,
        trigger=window.trigger,
        churn=window.churn,
        picture=picture(problem, json.loads(window.plan)),
        problem=problem,
    )


@dataclass(frozen=True)
class RecordList:
    records: Sequence[ExceptionRecord]
    total: int
    counts: dict[str, int]  # per status, over every record


def exception_records(session: Session, status: str | None, code: str | None) -> RecordList:
    """Records newest first (at most :data:`MAX_RECORDS`), filtered by status and code."""
    query = records_query(status, code)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    records = session.scalars(query.limit(MAX_RECORDS)).all()
    rows = session.execute(
        select(ExceptionRecord.status, func.count()).group_by(ExceptionRecord.status)
    ).all()
    counts = {str(s): int(n) for s, n in rows}
    return RecordList(records=records, total=total or 0, counts=counts)


def records_of_order(session: Session, order_id: str) -> Sequence[ExceptionRecord]:
    return session.scalars(
        records_query(None, None).where(ExceptionRecord.order_id == order_id)
    ).all()


def stored_order(session: Session, order_id: str) -> OrderRecord | None:
    return session.get(OrderRecord, order_id)


@dataclass(frozen=True)
class Changes:
    """The live state now, and what of it changed since the window was planned."""

    orders_changed: int  # received, updated, picked, packed, shipped or cancelled since
    stock_changed: int  # stock records set or adjusted since
    by_status: tuple[tuple[str, int], ...]  # orders per status now, in the statuses' order


def changes_since(session: Session, moment: datetime) -> Changes:
    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    rows = session.execute(
        select(OrderRecord.status, func.count()).group_by(OrderRecord.status)
    ).all()
    per_status = {str(s): int(n) for s, n in rows}
    return Changes(
        orders_changed=count(OrderRecord, OrderRecord.updated_at > moment),
        stock_changed=count(StockRecord, StockRecord.updated_at > moment),
        by_status=tuple((s, per_status[s]) for s in ORDER_STATUSES if per_status.get(s)),
    )


def recent_jobs(session: Session, kind: str) -> Sequence[Job]:
    query = select(Job).where(Job.kind == kind).order_by(Job.created_at.desc())
    return session.scalars(query.limit(RECENT_JOBS)).all()
