"""The dashboard's pages (``/``, ``/shifts``, ``/whatif``) and the fragments htmx swaps
into them (``/ui/...``). Handlers read through :mod:`api.web.data`, draw with
:mod:`api.web.views` and the templates, and queue solver work as jobs: none solves."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
)
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.templating import Jinja2Templates

from api.deps import KEY_COOKIE, Runner, from_dashboard, get_settings
from api.jobs import JobRunner, QueueFullError
from api.models import Job
from api.routers.plans import job_of_kind, queue_full
from api.routers.scenarios import KIND as SCENARIO_KIND
from api.routers.scenarios import scenario_job
from api.routers.shift_plans import KIND as SHIFT_PLAN_KIND
from api.routers.windows import MAX_ID, RecordStatus, get_planner
from api.web import data
from api.web.charts import shift_curve_svg
from api.web.forms import (
    FormError,
    LoginForm,
    ShiftPlanForm,
    WhatIfForm,
    base_document,
    stock_choices,
    whatif_scenario,
)
from api.web.stream import dashboard_events
from api.windows import EVENTS, WindowError, WindowPlanner, set_status
from scenarios.whatif.charts import backlog_svg, load_heatmap_svg, staffing_svg
from scenarios.whatif.results import CaseRun
from scenarios.whatif.runner import prepare_cases
from solver.domain import Window
from solver.loading import DocumentError
from solver.result import ExceptionCode
from solver.timegrid import slot_start_stamps

pages = APIRouter(include_in_schema=False)
fragments = APIRouter(prefix="/ui", include_in_schema=False)
login = APIRouter(include_in_schema=False)

Planner = Annotated[WindowPlanner, Depends(get_planner)]
RecordFilter = RecordStatus | Literal["all"]


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_pictures(request: Request) -> data.PictureCache:
    pictures: data.PictureCache = request.app.state.pictures
    return pictures


Templates = Annotated[Jinja2Templates, Depends(get_templates)]
Pictures = Annotated[data.PictureCache, Depends(get_pictures)]


def _html(
    templates: Jinja2Templates, request: Request, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code)
    return response


def _window_context(sessions: sessionmaker[Session], pictures: data.PictureCache) -> dict[str, Any]:
    with sessions() as session:
        view = pictures.latest(session)
        changes = data.changes_since(session, view.created_at) if view is not None else None
    return {"view": view, "changes": changes}


def _records_context(
    sessions: sessionmaker[Session], status: RecordFilter, code: ExceptionCode | None
) -> dict[str, Any]:
    with sessions() as session:
        records = data.exception_records(session, None if status == "all" else status, code)
    return {"records": records, "status": status, "code": code, "changed": None}


# --- pages -------------------------------------------------------------------------------------


@pages.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, planner: Planner, pictures: Pictures, templates: Templates
) -> HTMLResponse:
    """The current window at a glance, the plan as a picture, exceptions, order search."""
    context = _window_context(planner.sessions, pictures)
    context.update(_records_context(planner.sessions, "open", None))
    return _html(templates, request, "dashboard.html", page="window", **context)


@pages.get("/shifts", response_class=HTMLResponse)
def shifts_page(
    request: Request, planner: Planner, pictures: Pictures, templates: Templates
) -> HTMLResponse:
    with planner.sessions() as session:
        view = pictures.latest(session)
        jobs = data.recent_jobs(session, SHIFT_PLAN_KIND)
    return _html(templates, request, "shifts.html", page="shifts", view=view, jobs=jobs)


@pages.get("/whatif", response_class=HTMLResponse)
def whatif_page(
    request: Request, planner: Planner, pictures: Pictures, templates: Templates
) -> HTMLResponse:
    with planner.sessions() as session:
        view = pictures.latest(session)
        jobs = data.recent_jobs(session, SCENARIO_KIND)
    stock = stock_choices(view.problem) if view is not None else []
    return _html(
        templates, request, "whatif.html", page="whatif", view=view, jobs=jobs, stock=stock
    )


# --- the window --------------------------------------------------------------------------------


@fragments.get("/overview", response_class=HTMLResponse)
def overview(
    request: Request, planner: Planner, pictures: Pictures, templates: Templates
) -> HTMLResponse:
    context = _window_context(planner.sessions, pictures)
    return _html(templates, request, "_overview.html", **context)


@fragments.get("/plan", response_class=HTMLResponse)
def plan_picture(
    request: Request, planner: Planner, pictures: Pictures, templates: Templates
) -> HTMLResponse:
    with planner.sessions() as session:
        view = pictures.latest(session)
    return _html(templates, request, "_plan.html", view=view)


@fragments.get("/plan/cell", response_class=HTMLResponse)
def plan_cell(
    request: Request,
    planner: Planner,
    pictures: Pictures,
    templates: Templates,
    team: Annotated[str, Query(min_length=1, max_length=200)],
    slot: Annotated[int, Query(ge=0, le=10_000)],
    window: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The tasks one team has in one slot (of the latest window)."""
    view = _latest_view(planner, pictures)
    cell = view.picture.cell(team, slot)
    if cell is None:
        raise HTTPException(404, f"no team {team!r} slot {slot} in the latest window")
    stale = window is not None and window != view.window_id
    tasks = view.picture.cell_tasks(team, slot)
    return _html(templates, request, "_cell.html", view=view, cell=cell, tasks=tasks, stale=stale)


@fragments.get("/orders", response_class=HTMLResponse)
def find_order(
    request: Request,
    planner: Planner,
    pictures: Pictures,
    templates: Templates,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Where an order is planned, why it is an exception, or what the store knows of it."""
    order_id = q.strip()
    with planner.sessions() as session:
        view = pictures.latest(session)
        stored = data.stored_order(session, order_id) if order_id else None
        records = data.records_of_order(session, order_id) if order_id else []
    where = view.picture.where(order_id) if view is not None and order_id else None
    matches = view.picture.matches(order_id) if view is not None and where is None else []
    return _html(
        templates, request, "_order.html",
        q=order_id, view=view, where=where, matches=matches, stored=stored, records=records,
    )  # fmt: skip


@fragments.post("/windows", response_class=HTMLResponse, dependencies=[Depends(from_dashboard)])
def plan_now(planner: Planner, tasks: BackgroundTasks) -> HTMLResponse:
    """Plan the window now, after answering (the new plan arrives as an event)."""
    tasks.add_task(_plan_quietly, planner)
    return HTMLResponse('<span role="status">Planning the window…</span>')


def _plan_quietly(planner: WindowPlanner) -> None:
    try:
        planner.plan_now("request")
    except (WindowError, QueueFullError) as error:
        planner.subscribers.publish(EVENTS, {"event": "notice", "data": {"message": str(error)}})


# --- exceptions --------------------------------------------------------------------------------


@fragments.get("/exceptions", response_class=HTMLResponse)
def exceptions(
    request: Request,
    planner: Planner,
    templates: Templates,
    status: RecordFilter = "open",
    code: ExceptionCode | None = None,
) -> HTMLResponse:
    context = _records_context(planner.sessions, status, code)
    return _html(templates, request, "_exceptions.html", **context)


@fragments.post(
    "/exceptions/{record_id}/{action}",
    response_class=HTMLResponse,
    dependencies=[Depends(from_dashboard)],
)
def change_exception(
    request: Request,
    planner: Planner,
    templates: Templates,
    record_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    action: Literal["acknowledge", "resolve"],
    status: RecordFilter = "open",
    code: ExceptionCode | None = None,
) -> HTMLResponse:
    """Acknowledge or resolve a record; answers the list as filtered."""
    new_status = "acknowledged" if action == "acknowledge" else "resolved"
    with planner.sessions.begin() as session:
        if set_status(session, record_id, new_status) is None:
            raise HTTPException(404, f"no exception record {record_id}")
    context = _records_context(planner.sessions, status, code)
    context["changed"] = record_id
    return _html(templates, request, "_exceptions.html", **context)


@fragments.get("/events")
def events(request: Request, planner: Planner) -> StreamingResponse:
    """Server-sent events for the page: window plans, new exceptions, state changes."""
    return StreamingResponse(dashboard_events(request, planner), media_type="text/event-stream")


# --- shift plans -------------------------------------------------------------------------------


@fragments.post("/shift-plans", response_class=HTMLResponse, dependencies=[Depends(from_dashboard)])
def start_shift_plan(
    request: Request,
    form: Annotated[ShiftPlanForm, Form()],
    planner: Planner,
    pictures: Pictures,
    runner: Runner,
    templates: Templates,
) -> HTMLResponse:
    """A shift plan of the latest window, as a job; answers a fragment that polls it."""
    view = _latest_view(planner, pictures)
    job = _queue(runner, base_document(view.problem), form.time_limit_s, SHIFT_PLAN_KIND)
    return _shift_job(request, templates, job)


@fragments.get("/shift-plans/{job_id}", response_class=HTMLResponse)
def shift_plan(job_id: str, request: Request, runner: Runner, templates: Templates) -> HTMLResponse:
    return _shift_job(request, templates, job_of_kind(runner, job_id, SHIFT_PLAN_KIND))


def _latest_view(planner: WindowPlanner, pictures: data.PictureCache) -> data.WindowView:
    """The latest window's view, or 409 (shown by the page) before any window."""
    with planner.sessions() as session:
        view = pictures.latest(session)
    if view is None:
        raise HTTPException(409, "No window planned yet: plan the window first.")
    return view


def _queue(runner: JobRunner, job_input: dict[str, Any], limit_s: float, kind: str) -> Job:
    """The job queued, or 429 (shown by the page) when the queue is full."""
    try:
        return runner.submit(job_input, limit_s, kind=kind)
    except QueueFullError:
        raise queue_full(runner) from None


def _shift_job(request: Request, templates: Jinja2Templates, job: Job) -> HTMLResponse:
    result = json.loads(job.plan) if job.plan else None
    curve = None
    slots: list[str] = []
    if result is not None:
        curve = shift_curve_svg(result.get("curve") or [], result.get("person_hours"))
        slots = list(slot_start_stamps(Window.model_validate(json.loads(job.problem)["window"])))
    return _html(
        templates, request, "_shift_job.html", job=job, result=result, curve=curve, slots=slots
    )


# --- what-if -----------------------------------------------------------------------------------


@fragments.post("/scenarios", response_class=HTMLResponse, dependencies=[Depends(from_dashboard)])
def start_whatif(
    request: Request,
    form: Annotated[WhatIfForm, Form()],
    planner: Planner,
    pictures: Pictures,
    runner: Runner,
    templates: Templates,
) -> HTMLResponse:
    """The form's variants against the latest window, as a scenario job."""
    view = _latest_view(planner, pictures)
    try:
        spec = whatif_scenario(form, view.problem, view.window_id)
        prepare_cases(spec)
    except FormError as error:
        return _refused(templates, request, str(error))
    except DocumentError as error:
        message = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        return _refused(templates, request, message)
    job_input, budget_s = scenario_job(spec, form.time_limit_s, form.staffing)
    return _whatif_job(request, templates, _queue(runner, job_input, budget_s, SCENARIO_KIND))


@fragments.get("/scenarios/{job_id}", response_class=HTMLResponse)
def whatif(job_id: str, request: Request, runner: Runner, templates: Templates) -> HTMLResponse:
    return _whatif_job(request, templates, job_of_kind(runner, job_id, SCENARIO_KIND))


def _whatif_job(request: Request, templates: Jinja2Templates, job: Job) -> HTMLResponse:
    results = json.loads(job.plan) if job.plan else None
    charts: dict[str, str | None] = {}
    runs: list[CaseRun] = []
    if results is not None:
        runs = [CaseRun.from_dict(run) for run in results["runs"]]
        charts = {
            "backlog": backlog_svg(runs),
            "load": load_heatmap_svg(runs),
            "staffing": staffing_svg(runs),
        }
    scenario = json.loads(job.problem)["scenario"]
    return _html(
        templates, request, "_whatif_job.html",
        job=job, results=results, runs=runs, charts=charts, scenario=scenario,
    )  # fmt: skip


def _refused(templates: Jinja2Templates, request: Request, message: str) -> HTMLResponse:
    """A form the page must show refused (422; the page swaps it in for the job)."""
    return _html(templates, request, "_notice.html", 422, message=message)


# --- login (only when API keys are configured) -------------------------------------------------


@login.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, templates: Templates, next: Annotated[str, Query(max_length=500)] = "/"
) -> HTMLResponse:
    return _html(templates, request, "login.html", page="login", next=_local(next), error=None)


@login.post("/login", response_model=None)
def log_in(request: Request, form: Annotated[LoginForm, Form()], templates: Templates) -> Response:
    settings = get_settings(request)
    target = _local(form.next or "/")
    if form.key not in settings.keys:
        return _html(
            templates,
            request,
            "login.html",
            401,
            page="login",
            next=target,
            error="That key is not valid.",
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(KEY_COOKIE, form.key, httponly=True, samesite="strict")
    return response


@login.post("/logout", response_model=None)
def log_out() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(KEY_COOKIE)
    return response


def _local(target: str) -> str:
    """Only a path on this site (never '//host' or 'https://...')."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
