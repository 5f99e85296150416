"""Planning jobs: a bounded queue, solver processes, progress events, restart recovery.

Every solve runs in its own process (forked from a preloaded fork server), never in the
web server's event loop or threads: a worker thread takes a job from the queue, starts
the process, relays its progress (level, value, bound) to subscribers and the database,
and stores the plan. A cancelled job's process is told to stop and hands back the best
plan it has. Jobs that were queued or running when the server stopped are queued again
when it starts: an accepted job is never lost; one started three times without ending
ends ``failed`` with the reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.metrics import Metrics
from api.models import TERMINAL, Job

logger = logging.getLogger(__name__)

#: Times a job is started (across restarts) before it is failed for good.
MAX_ATTEMPTS = 3
#: Seconds past its time limit a solver process may take before it is killed.
KILL_GRACE_S = 30.0


#: Modules the solver processes' fork server imports once, so that a job's process starts
#: in milliseconds instead of importing OR-Tools, HiGHS and the planner every time.
PRELOAD = ["solver.solve", "solver.cpsat.model", "solver.mip.model", "ortools.sat.python.cp_model"]


def _solver_context() -> Any:
    """The multiprocessing context of solver processes: a preloaded fork server on Linux
    (a clean, single-threaded parent to fork from), spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class QueueFullError(Exception):
    """The job queue is full (the service answers 429)."""


def _now() -> datetime:
    return datetime.now(UTC)


def solve_in_process(
    problem_text: str, time_limit_s: float, conn: Connection, kind: str = "plan"
) -> None:
    """The solver process: plan (or plan shifts), send progress and the result back; stop
    when told to (a shift plan runs to its time limit)."""
    from solver.engine import PlanParams
    from solver.solve import plan_window
    from solver.staffing import plan_shifts

    stop = threading.Event()

    def listen() -> None:
        try:
            while conn.recv() != "stop":
                pass
        except (EOFError, OSError):
            pass
        stop.set()

    threading.Thread(target=listen, daemon=True).start()

    def progress(level: str, value: float, bound: float) -> None:
        conn.send(("progress", {"level": level, "value": value, "bound": bound}))

    try:
        params = PlanParams(time_limit_s=time_limit_s)
        if kind == "shift-plan":
            shift_plan = plan_shifts(json.loads(problem_text), params)
            conn.send(("plan", shift_plan.model_dump_json(exclude_none=True)))
            return
        if kind == "scenario":
            conn.send(("plan", json.dumps(_scenario_results(json.loads(problem_text)))))
            return
        window = plan_window(json.loads(problem_text), params, progress, stop)
        conn.send(("plan", window.plan.to_json()))
    except Exception as error:  # reported as the job's failure, never lost
        conn.send(("error", f"{type(error).__name__}: {error}"))


def _scenario_results(job_input: dict[str, Any]) -> dict[str, Any]:
    """A what-if scenario's results, its runs one after another in this process (a solver
    process may not start a pool of its own)."""
    from scenarios.whatif.runner import run_scenario
    from scenarios.whatif.spec import parse_scenario

    hooks: dict[str, Any] = {} if job_input["staffing"] else {
        "person_hours": None, "staffing_curve": None,
    }  # fmt: skip
    spec = parse_scenario(job_input["scenario"])
    results = run_scenario(spec, "inline", time_limit_s=job_input["time_limit_s"], **hooks)
    return results.to_dict()


class Subscribers:
    """Event queues per job, for server-sent event streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[queue.Queue[dict[str, Any]]]] = defaultdict(list)

    def subscribe(self, job_id: str) -> queue.Queue[dict[str, Any]]:
        inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._queues[job_id].append(inbox)
        return inbox

    def unsubscribe(self, job_id: str, inbox: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            if inbox in self._queues.get(job_id, []):
                self._queues[job_id].remove(inbox)

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        with self._lock:
            inboxes = list(self._queues.get(job_id, []))
        for inbox in inboxes:
            inbox.put(event)


class JobRunner:
    """The queue, the worker threads and the solver processes of one app."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], metrics: Metrics):
        self.settings = settings
        self.sessions = sessions
        self.metrics = metrics
        self.subscribers = Subscribers()
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=settings.queue_size)
        self._cancel: set[str] = set()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        metrics.watch_queue(self._queue.qsize)

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        self._recover()
        for k in range(self.settings.solver_processes):
            thread = threading.Thread(target=self._work, name=f"job-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop taking jobs; running ones stay 'running' in the database and run again at
        the next start."""
        self._stopping.set()
        for _ in self._threads:
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _recover(self) -> None:
        with self.sessions.begin() as session:
            open_jobs = session.scalars(
                select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.created_at)
            ).all()
            for job in open_jobs:
                if job.attempts >= MAX_ATTEMPTS:
                    self._end(job, "failed", error=f"started {job.attempts} times without ending")
                    continue
                job.status = "queued"
                try:
                    self._queue.put_nowait(job.id)
                    logger.info("job %s queued again after a restart", job.id)
                except queue.Full:
                    self._end(job, "failed", error="the queue was full when the service restarted")

    # --- requests --------------------------------------------------------------------------

    def submit(self, problem: dict[str, Any], time_limit_s: float, kind: str = "plan") -> Job:
        job = Job(
            id=str(uuid.uuid4()),
            status="queued",
            kind=kind,
            time_limit_s=time_limit_s,
            problem=json.dumps(problem),
            created_at=_now(),
        )
        with self.sessions.begin() as session:
            if self._queue.full():
                raise QueueFullError
            session.add(job)
        try:
            self._queue.put_nowait(job.id)
        except queue.Full:
            with self.sessions.begin() as session:
                session.delete(session.get(Job, job.id))
            raise QueueFullError from None
        logger.info("job %s queued (time limit %.1f s)", job.id, time_limit_s)
        return job

    def get(self, job_id: str) -> Job | None:
        with self.sessions() as session:
            return session.get(Job, job_id)

    def cancel(self, job_id: str) -> Job | None:
        """Ask a queued or running job to stop; a running one keeps its best plan so far."""
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None or job.status in TERMINAL:
                return job
            job.cancel_requested = True
            if job.status == "queued":
                self._end(job, "cancelled")
        self._cancel.add(job_id)
        return self.get(job_id)

    def wait(self, job_id: str, timeout_s: float) -> Job | None:
        """The job once it has ended, or as it is when the timeout passes."""
        give_up = time.monotonic() + timeout_s
        job = self.get(job_id)
        while job is not None and job.status not in TERMINAL and time.monotonic() < give_up:
            time.sleep(0.05)
            job = self.get(job_id)
        return job

    def events(self, job_id: str, timeout_s: float = 15.0) -> Iterator[dict[str, Any]]:
        """Progress and status events of a job until it ends (a keep-alive when quiet)."""
        inbox = self.subscribers.subscribe(job_id)
        try:
            job = self.get(job_id)
            if job is None:
                return
            yield {"event": "status", "data": {"status": job.status}}
            while job is not None and job.status not in TERMINAL:
                try:
                    event = inbox.get(timeout=timeout_s)
                except queue.Empty:
                    yield {"event": "ping", "data": {}}
                else:
                    yield event
                    if event["event"] == "status" and event["data"]["status"] in TERMINAL:
                        return
                job = self.get(job_id)
            if job is not None:
                yield {"event": "status", "data": {"status": job.status}}
        finally:
            self.subscribers.unsubscribe(job_id, inbox)

    # --- the worker ------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self._run(job_id)
            except Exception:  # a worker must survive any one job
                logger.exception("job %s: runner error", job_id)
                with self.sessions.begin() as session:
                    job = session.get(Job, job_id)
                    if job is not None and job.status not in TERMINAL:
                        self._end(job, "failed", error="internal error in the job runner")

    def _begin(self, job_id: str) -> tuple[str, float, str] | None:
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None or job.status in TERMINAL:
                return None
            job.status, job.started_at = "running", _now()
            job.attempts += 1
            problem, limit, kind = job.problem, job.time_limit_s, job.kind
        self.subscribers.publish(job_id, {"event": "status", "data": {"status": "running"}})
        logger.info("job %s running", job_id)
        return problem, limit, kind

    def _run(self, job_id: str) -> None:
        begun = self._begin(job_id)
        if begun is None:
            return
        problem, limit, kind = begun
        context = _solver_context()
        ours, theirs = context.Pipe()
        process = context.Process(
            target=solve_in_process, args=(problem, limit, theirs, kind), daemon=True
        )
        started = time.monotonic()
        process.start()
        theirs.close()
        try:
            self._relay(job_id, ours, process, started, limit)
        finally:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)

    def _relay(
        self, job_id: str, ours: Connection, process: Any, started: float, limit: float
    ) -> None:
        kill_at = started + limit + KILL_GRACE_S
        told_to_stop = False
        while True:
            if self._stopping.is_set():
                return  # stays 'running'; queued again at the next start
            if job_id in self._cancel and not told_to_stop:
                ours.send("stop")
                told_to_stop = True
            if ours.poll(0.05):
                try:
                    kind, payload = ours.recv()
                except EOFError:
                    kind, payload = "error", "the solver process ended without a plan"
                if self._handle(job_id, kind, payload, started):
                    return
            elif not process.is_alive() and not ours.poll():
                code = process.exitcode
                error = f"the solver process exited ({code})"
                self._finish(job_id, "failed", started, error=error)
                return
            elif time.monotonic() > kill_at:
                error = "the solver process overran its limit"
                self._finish(job_id, "failed", started, error=error)
                return

    def _handle(self, job_id: str, kind: str, payload: Any, started: float) -> bool:
        """Store one message of the solver process; True when the job has ended."""
        if kind == "progress":
            with self.sessions.begin() as session:
                job = session.get(Job, job_id)
                if job is not None:
                    job.progress = json.dumps(payload)
            self.subscribers.publish(job_id, {"event": "progress", "data": payload})
            return False
        if kind == "plan":
            status = "cancelled" if job_id in self._cancel else "completed"
            self._finish(job_id, status, started, plan=payload)
            return True
        self._finish(job_id, "failed", started, error=str(payload))
        return True

    def _finish(
        self,
        job_id: str,
        status: str,
        started: float,
        plan: str | None = None,
        error: str | None = None,
    ) -> None:
        """End a job that ran; its solve time is counted before the end is stored, so
        whoever sees the job ended sees it counted too."""
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            self.metrics.solve_seconds.observe(time.monotonic() - started)
            self._end(job, status, plan=plan, error=error)
        self._cancel.discard(job_id)
        if plan is not None:
            self._count_plan(plan)

    def _end(
        self, job: Job, status: str, plan: str | None = None, error: str | None = None
    ) -> None:
        """Set a job's final state (inside the caller's transaction) and tell subscribers."""
        job.status, job.finished_at = status, _now()
        job.plan = plan if plan is not None else job.plan
        job.error = error
        self.metrics.jobs.labels(status=status).inc()
        self.subscribers.publish(job.id, {"event": "status", "data": {"status": status}})
        logger.info("job %s %s%s", job.id, status, f": {error}" if error else "")

    def _count_plan(self, plan_text: str) -> None:
        plan = json.loads(plan_text)
        if "kpis" not in plan:  # a shift plan
            return
        self.metrics.backlog.set(plan["kpis"]["backlog"])
        for code, count in plan["kpis"].get("backlog_by_code", {}).items():
            self.metrics.exceptions.labels(code=code).inc(count)
