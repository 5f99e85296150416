"""Rolling windows: plan what the service holds, every period and on demand; keep the
exceptions as records (open, acknowledged, resolved); tell listeners and webhooks.

Each plan of the current window is a job like any other (it runs in a solver process).
Its exceptions are matched with the open records: an order still excepted keeps its
record (the code and message follow the newest plan), a new one opens a record (and an
``exception.opened`` event and webhook), and a record whose order is now planned, gone or
cancelled is resolved. ``churn`` counts the orders whose tasks moved (another team or
slot, or no longer planned) since the previous plan; each plan is asked to keep the
previous one where it still holds (``previous_assignments``, see :mod:`api.rolling`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.jobs import JobRunner, Subscribers
from api.models import Job
from api.order_state import list_orders
from api.rolling import Previous, window_problem
from api.state import current_problem
from api.state_schemas import ImportReport
from api.webhooks import WebhookSender
from api.window_models import ExceptionRecord, PlannedWindow
from solver.promise import PromiseBook

logger = logging.getLogger(__name__)

#: The channel of service-wide events (new exceptions, new window plans).
EVENTS = "*"
#: Seconds a window plan may wait for its job past the time limit.
WAIT_GRACE_S = 60.0


class WindowError(Exception):
    """The window could not be planned (the reason is the message)."""


def _now() -> datetime:
    return datetime.now(UTC)


Task = tuple[str, str, str, datetime]  # stage, zone, team, slot start


def _tasks(
    assignments: list[dict[str, Any]], keep: Callable[[dict[str, Any]], bool]
) -> dict[str, set[Task]]:
    """Per order, where its tasks are (by the slot's start time: a rolled window numbers
    its slots from another start)."""
    tasks: dict[str, set[Task]] = {}
    for a in assignments:
        if keep(a):
            where = (
                a["stage"],
                a.get("zone") or "",
                a["team"],
                datetime.fromisoformat(a["slot_start"]),
            )
            tasks.setdefault(a["order"], set()).add(where)
    return tasks


def churn(previous: dict[str, Any] | None, plan: dict[str, Any]) -> int:
    """Orders the new plan still holds whose work, as the previous plan had it from the new
    window's start on, moved (another team or slot) or is no longer planned. Work pinned
    in the new plan (under way, or done) is not a move, nor is work added for an order
    (a pick the previous plan had in a slot now past); orders done are not churn."""
    if previous is None:
        return 0
    start = datetime.fromisoformat(plan["window"]["start"])
    held = {a["order"] for a in plan["assignments"]} | {e["order"] for e in plan["exceptions"]}
    pinned = {(a["order"], a["stage"]) for a in plan["assignments"] if a.get("pinned")}
    before = _tasks(
        previous["assignments"],
        lambda a: (
            a["order"] in held
            and (a["order"], a["stage"]) not in pinned
            and datetime.fromisoformat(a["slot_start"]) >= start
        ),
    )
    after = _tasks(plan["assignments"], lambda a: not a.get("pinned"))
    return sum(1 for order, places in before.items() if not places <= after.get(order, set()))


class WindowPlanner:
    """Plans the current window (on request, and every ``window_minutes``)."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        runner: JobRunner,
        webhooks: WebhookSender,
    ) -> None:
        self.settings, self.sessions, self.runner, self.webhooks = (
            settings, sessions, runner, webhooks,
        )  # fmt: skip
        self.subscribers: Subscribers = runner.subscribers
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._promises: tuple[int, PromiseBook] | None = None
        self._book_lock = threading.Lock()
        #: What "now" is for rolling the window (tests and the demo set their own).
        self.clock: Callable[[], datetime] = _now

    def start(self) -> None:
        threading.Thread(target=self._book_latest, daemon=True).start()
        if self.settings.window_minutes > 0:
            self._thread = threading.Thread(target=self._every_period, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _every_period(self) -> None:
        while not self._stop.wait(60 * self.settings.window_minutes):
            try:
                self.plan_now("schedule")
            except WindowError as error:
                logger.info("scheduled window plan skipped: %s", error)

    def plan_now(self, trigger: str = "request") -> PlannedWindow:
        """Plan the current window from the stored state and store the plan and records."""
        with self._lock:  # one window plan at a time
            with self.sessions() as session:
                try:
                    problem = self._problem(session)
                except Exception as error:  # incomplete state: say what is missing
                    raise WindowError(str(error)) from None
            limit = self.settings.window_time_limit_s
            job = self.runner.submit(problem, limit)
            done = self.runner.wait(job.id, limit + WAIT_GRACE_S)
            if done is None or done.plan is None:
                raise WindowError(f"the window's job {job.id} ended without a plan")
            plan = json.loads(done.plan)
            window = self._store(job.id, trigger, plan, done.plan)
        self._book(window.id, problem, plan)
        return window

    # --- available to promise -------------------------------------------------------------

    def promise(self, raw_order: Any) -> dict[str, Any]:
        """Whether a would-be order can still make the latest planned window (and when),
        or why not, from that plan's free capacity and stock: nothing is solved again."""
        booked = self._promises
        if booked is None:
            raise WindowError("no window planned yet: POST /v1/windows first")
        window_id, book = booked
        answer = book.promise(raw_order)
        return {"window": window_id, **answer.document()}

    def _book(self, window_id: int, problem: dict[str, Any], plan: dict[str, Any]) -> None:
        """Build the window's promise book; it replaces the current one unless that is of
        a newer window (the start-up book may finish after a new plan's)."""
        try:
            book = PromiseBook.from_plan(problem, plan)
        except Exception:  # a promise book is an aid; the window plan stands without it
            logger.exception("window %d: no promise book", window_id)
            return
        with self._book_lock:
            if self._promises is None or self._promises[0] <= window_id:
                self._promises = (window_id, book)

    def _book_latest(self) -> None:
        """The latest stored window's promise book (at start-up)."""
        with self.sessions() as session:
            latest = latest_window(session)
            job = session.get(Job, latest.job_id) if latest is not None else None
            if latest is None or job is None:
                return
            window_id, problem, plan = latest.id, json.loads(job.problem), json.loads(latest.plan)
        self._book(window_id, problem, plan)

    def _problem(self, session: Session) -> dict[str, Any]:
        """The stored state as a problem: rolled, work under way pinned, previous plan kept."""
        latest = latest_window(session)
        previous = Previous(
            plan=json.loads(latest.plan) if latest is not None else None,
            picked_orders=[record.document for record in list_orders(session, "picked")],
        )
        return window_problem(
            current_problem(session), previous, self.clock(), self.settings.rolling_window
        )

    def _store(self, job_id: str, trigger: str, plan: dict[str, Any], text: str) -> PlannedWindow:
        with self.sessions.begin() as session:
            previous = latest_window(session)
            window = PlannedWindow(
                job_id=job_id,
                trigger=trigger,
                plan=text,
                planned=plan["kpis"]["planned"],
                backlog=plan["kpis"]["backlog"],
                churn=churn(json.loads(previous.plan) if previous else None, plan),
                created_at=_now(),
            )
            session.add(window)
            session.flush()
            opened = sync_exceptions(session, window.id, plan["exceptions"])
        self._announce(window, opened)
        return window

    def _announce(self, window: PlannedWindow, opened: list[dict[str, Any]]) -> None:
        summary = {
            "window": window.id, "planned": window.planned, "backlog": window.backlog,
            "churn": window.churn,
        }  # fmt: skip
        self.subscribers.publish(EVENTS, {"event": "window", "data": summary})
        self.announce_opened(opened)
        logger.info("window %d planned: %s, %d new exceptions", window.id, summary, len(opened))

    def announce_opened(self, opened: list[dict[str, Any]]) -> None:
        """Newly opened records to the event stream and the webhooks (once committed)."""
        for record in opened:
            self.subscribers.publish(EVENTS, {"event": "exception", "data": record})
            self.webhooks.send("exception.opened", record)

    def events(self, timeout_s: float = 15.0) -> Iterator[dict[str, Any]]:
        """Service-wide events as they happen (a keep-alive ping when quiet)."""
        inbox = self.subscribers.subscribe(EVENTS)
        try:
            yield {"event": "hello", "data": {}}
            while not self._stop.is_set():
                try:
                    yield inbox.get(timeout=timeout_s)
                except Exception:  # queue.Empty: nothing happened for a while
                    yield {"event": "ping", "data": {}}
        finally:
            self.subscribers.unsubscribe(EVENTS, inbox)


def latest_window(session: Session) -> PlannedWindow | None:
    """The newest stored window plan."""
    return session.scalars(select(PlannedWindow).order_by(PlannedWindow.id.desc()).limit(1)).first()


def records_query(status: str | None, code: str | None) -> Select[ExceptionRecord]:
    """Exception records, newest first, of this status and code (None: any)."""
    query = select(ExceptionRecord).order_by(ExceptionRecord.id.desc())
    if status is not None:
        query = query.where(ExceptionRecord.status == status)
    if code is not None:
        query = query.where(ExceptionRecord.code == code)
    return query


def record_view(record: ExceptionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "order": record.order_id,
        "code": record.code,
        "message": record.message,
        "status": record.status,
        "window": record.window_id,  # None: refused at import
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def sync_exceptions(
    session: Session, window_id: int, exceptions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Match a plan's exceptions with the open records; return the newly opened ones."""
    now = _now()
    live = {
        r.order_id: r
        for r in session.scalars(
            select(ExceptionRecord).where(ExceptionRecord.status != "resolved")
        )
    }
    opened = []
    for exception in exceptions:
        record = live.pop(exception["order"], None)
        if record is None:
            record = ExceptionRecord(
                order_id=exception["order"], status="open", created_at=now, code="", message=""
            )
            session.add(record)
            is_new = True
        else:
            is_new = False
        record.code, record.message = exception["code"], exception["message"]
        record.window_id, record.updated_at = window_id, now
        session.flush()
        if is_new:
            opened.append(record_view(record))
    for record in live.values():  # planned now, or no longer held
        if record.window_id is not None:  # (refused at import: resolved when stored)
            record.status, record.updated_at, record.window_id = "resolved", now, window_id
    return opened


_NO_ID = re.compile(r"^orders\[\d+\]$")


def record_import(session: Session, report: ImportReport) -> list[dict[str, Any]]:
    """Open a record for each order an import refused (INVALID_ORDER, INVALID_ADDRESS),
    as a plan would for a bad order; resolve those records once the order is stored.
    Returns the newly opened records (an order without a usable id has none)."""
    now = _now()
    ids = [entry.id for entry in report.orders]
    live = {
        r.order_id: r
        for r in session.scalars(
            select(ExceptionRecord).where(
                ExceptionRecord.status != "resolved", ExceptionRecord.order_id.in_(ids)
            )
        )
    }
    opened = []
    for entry in report.orders:
        record = live.get(entry.id)
        if entry.result in ("created", "updated") and record is not None:
            if record.window_id is None:
                record.status, record.updated_at = "resolved", now
        elif entry.result == "rejected" and entry.exception and not _NO_ID.match(entry.id):
            is_new = record is None
            if record is None:
                record = ExceptionRecord(order_id=entry.id, status="open", created_at=now)
                session.add(record)
            record.code, record.message = entry.exception.code, entry.exception.message
            record.updated_at = now
            session.flush()
            if is_new:
                opened.append(record_view(record))
    return opened


def set_status(session: Session, record_id: int, status: str) -> ExceptionRecord | None:
    """Acknowledge or resolve a record by hand."""
    record = session.get(ExceptionRecord, record_id)
    if record is not None:
        record.status, record.updated_at = status, _now()
    return record
