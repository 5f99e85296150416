"""The ``zero-backlog`` command line.

Exit codes: 0 a plan was produced (zero backlog or not) / the plan checks out; 1 an
internal error, or ``check`` found violations; 2 the document was rejected (the message
names the field and why).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from api.summary import render_summary
from solver.check import check_plan
from solver.engine import EngineName, PlanParams
from solver.loading import DocumentError, FieldError, load_problem, parse_text, read_document
from solver.schemas import plan_schema, problem_schema
from solver.solve import plan as make_plan

if TYPE_CHECKING:  # imported where used: the load tool is not needed to plan
    from scenarios.ingestion import Ingestion
    from scenarios.loadtest import OperationStats

app = typer.Typer(
    name="zero-backlog",
    help="Zero Backlog: every pending order picked, packed and ready inside the window.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_REJECTED = 2
EXIT_INTERNAL = 1


def _stderr() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _reject(source: str, error: DocumentError) -> NoReturn:
    console = _stderr()
    console.print(f"[bold red]error:[/] {source} was rejected:", highlight=False)
    for item in error.errors:
        console.print(f"  - {item}", highlight=False, markup=False)
    raise typer.Exit(EXIT_REJECTED)


def _read(source: str) -> Any:
    if source == "-":
        return parse_text(sys.stdin.read(), yaml_ok=True)
    return read_document(Path(source))


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command("plan")
def plan_command(
    problem: Annotated[
        str, typer.Argument(help="Problem document (JSON or YAML), or - for stdin.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the plan here, not stdout.")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock seconds.", min=0.01)
    ] = 30.0,
    engine: Annotated[str, typer.Option("--engine", help="cp-sat, mip or greedy.")] = "cp-sat",
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.", min=0)] = 0,
    workers: Annotated[
        int, typer.Option("--workers", help="CP-SAT workers (1 is deterministic).", min=1)
    ] = 1,
    balance: Annotated[
        bool, typer.Option("--balance/--no-balance", help="Solve the team-balance level.")
    ] = True,
    secondary_gap: Annotated[
        float,
        typer.Option("--secondary-gap", help="Gap at which finish/balance may stop.", min=0, max=1),
    ] = 0.005,
    secondary_effort: Annotated[
        float,
        typer.Option("--secondary-effort", help="Effort per finish/balance level (s).", min=0.01),
    ] = 0.5,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress on stderr.")
    ] = False,
) -> None:
    """Plan the window: the plan as JSON on stdout, a summary on stderr."""
    _setup_logging(verbose)
    if engine not in ("cp-sat", "mip", "greedy"):
        _reject(
            "--engine",
            DocumentError(
                [FieldError("engine", f"unknown engine {engine!r}; use cp-sat, mip or greedy")]
            ),
        )
    engine_name: EngineName = engine  # type: ignore[assignment]
    params = PlanParams(
        engine=engine_name,
        time_limit_s=time_limit,
        seed=seed,
        num_workers=workers,
        balance=balance,
        secondary_gap=secondary_gap,
        secondary_effort_s=secondary_effort,
    )
    if output is not None and not output.parent.resolve().is_dir():
        _reject(
            "--output", DocumentError([FieldError("output", f"no such folder: {output.parent}")])
        )
    try:
        document = _read(problem)
        result = make_plan(load_problem(document), params)
    except DocumentError as error:
        _reject(problem, error)
    text = result.to_json()
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
    if not quiet:
        render_summary(result, _stderr())


@app.command("staff")
def staff_command(
    problem: Annotated[
        str, typer.Argument(help="Problem document (JSON or YAML), or - for stdin.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the shift plan here.")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock seconds.", min=0.5)
    ] = 60.0,
    curve: Annotated[
        bool, typer.Option("--curve/--no-curve", help="Orders planned for fewer people.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """The least staffing (people per team per slot, as shifts) under which every order
    that can be planned at all is done in the window; JSON on stdout, a summary on stderr."""
    from api.staff_view import render_shift_plan
    from solver.staffing import plan_shifts

    _setup_logging(False)
    try:
        document = _read(problem)
        load_problem(document)
        shift_plan = plan_shifts(document, PlanParams(time_limit_s=time_limit), curve=curve)
    except DocumentError as error:
        _reject(problem, error)
    text = shift_plan.model_dump_json(indent=2, exclude_none=True)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
    if not quiet:
        render_shift_plan(shift_plan, _stderr())


@app.command("check")
def check_command(
    problem: Annotated[str, typer.Argument(help="Problem document (JSON or YAML).")],
    plan: Annotated[str, typer.Argument(help="Plan document (JSON), or - for stdin.")],
) -> None:
    """Check a plan (ours, a person's, a WMS export) against every rule of the contract."""
    try:
        problem_doc = load_problem(read_document(Path(problem)))
    except DocumentError as error:
        _reject(problem, error)
    try:
        plan_doc = _read(plan)
    except DocumentError as error:
        _reject(plan, error)
    if not isinstance(plan_doc, dict):
        _reject(plan, DocumentError([FieldError("", "the plan must be a JSON object")]))
    report = check_plan(problem_doc, plan_doc)
    console = _stderr()
    if report.ok:
        console.print(
            f"[bold green]valid:[/] {plan} satisfies every rule of the contract", highlight=False
        )
        return
    console.print(f"[bold red]invalid:[/] {len(report.violations)} violation(s)", highlight=False)
    for violation in report.violations:
        console.print(f"  - [{violation.rule}] {violation.message}", highlight=False, markup=False)
    raise typer.Exit(1)


@app.command("schema")
def schema_command(
    document: Annotated[str, typer.Argument(help="problem or plan")],
) -> None:
    """Print the JSON Schema of the problem or the plan document."""
    schemas = {"problem": problem_schema, "plan": plan_schema}
    if document not in schemas:
        _reject(
            "schema",
            DocumentError(
                [FieldError("document", f"unknown document {document!r}; use problem or plan")]
            ),
        )
    sys.stdout.write(json.dumps(schemas[document](), indent=2) + "\n")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log requests and jobs.")
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Seed the demo warehouse into the database and play a simulated order "
            "stream against the service (rolling windows, planned every minute).",
        ),
    ] = False,
    demo_seed: Annotated[
        int, typer.Option("--demo-seed", help="Seed of the demo's orders and events.", min=0)
    ] = 0,
) -> None:
    """Run the planning service (HTTP API under /v1, OpenAPI at /docs)."""
    import uvicorn
    from sqlalchemy import make_url

    from api.app import create_app
    from api.config import GRACEFUL_SHUTDOWN_S, Settings

    _setup_logging(verbose)
    settings = Settings()
    if demo:
        from api.demo import demo_settings

        settings = demo_settings(settings)
    console = _stderr()
    if not settings.keys and host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            f"no API keys configured (ZERO_BACKLOG_API_KEYS): listening on 127.0.0.1, not {host}"
        )
        host = "127.0.0.1"
    elif not settings.keys:
        console.print("no API keys configured (ZERO_BACKLOG_API_KEYS): local requests only")
    database = make_url(settings.database_url).render_as_string()  # password as ***
    console.print(
        f"Zero Backlog on http://{host}:{port} (dashboard: /, API docs: /docs), database {database}"
    )
    log_level = "info" if verbose else "warning"
    if demo:
        from api.demo import serve_demo

        serve_demo(settings, host, port, demo_seed, console, log_level)
        return
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


@app.command("load")
def load_command(
    clients: Annotated[int, typer.Option("--clients", min=1, max=256)] = 16,
    requests: Annotated[int, typer.Option("--requests", min=1, max=10_000)] = 200,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Per operation, s.")] = 120.0,
    url: Annotated[
        str | None, typer.Option("--url", help="A running service on this machine.")
    ] = None,
    markdown: Annotated[Path | None, typer.Option("--markdown")] = None,
    ingest: Annotated[
        bool,
        typer.Option(
            "--ingest/--no-ingest",
            help="Also load the live-state endpoints (orders, events, stock, Shopify); seeds "
            "the demo warehouse's set-up first, replacing a --url service's.",
        ),
    ] = True,
    batch: Annotated[
        int, typer.Option("--batch", help="Orders per POST /v1/orders.", min=1, max=1000)
    ] = 50,
) -> None:
    """Load the service from many concurrent clients (loopback only, bounded); print
    p50/p95/max latency and errors per operation. Without --url a local server is started
    on a free port with its own SQLite file."""
    import tempfile
    import uuid

    from scenarios.bench.report import machine
    from scenarios.ingestion import Ingestion, summary
    from scenarios.loadtest import free_port, local_server, run_load
    from scenarios.loadtest import markdown as load_markdown

    _setup_logging(False)
    ingestion = Ingestion(uuid.uuid4().hex[:8], batch) if ingest else None
    operations = _load_operations(ingestion)
    setup = ingestion.setup() if ingestion is not None else []
    if url is not None:
        results = run_load(url, operations, clients, requests, time_limit, setup=setup)
    else:
        command = [sys.executable, "-m", "api.cli"]
        with (
            tempfile.TemporaryDirectory(prefix="zero-backlog-load-") as folder,
            local_server(command, f"sqlite:///{Path(folder) / 'load.db'}", free_port()) as base,
        ):
            results = run_load(base, operations, clients, requests, time_limit, setup=setup)
    text = load_markdown(results, clients, "zero-backlog " + " ".join(sys.argv[1:]), machine())
    if ingestion is not None:
        text += "\n\n" + summary(results, batch)
    sys.stdout.write(text + "\n")  # plain: a console would wrap the table's rows
    if markdown is not None:
        markdown.write_text(text + "\n")
    _warn_rejected(results)


def _load_operations(ingestion: Ingestion | None = None) -> dict[str, Any]:
    """Health, the live-state operations of ``ingestion`` (when given), a synchronous solve
    of the demo warehouse, and queued jobs."""
    from scenarios.examples import demo_warehouse

    demo = demo_warehouse()
    live = ingestion.operations(demo) if ingestion is not None else {}
    return {
        "GET /healthz": lambda _k: ("GET", "/healthz", None),
        **live,
        f"POST /v1/solve (demo, {len(demo['orders'])} orders)": lambda _k: (
            "POST",
            "/v1/solve?time_limit=2",
            demo,
        ),
        "POST /v1/plans (queue a job)": lambda _k: ("POST", "/v1/plans?time_limit=1", demo),
    }


def _warn_rejected(results: list[OperationStats]) -> None:
    """4xx other than 429 mean the load tool sent requests the service refuses: say so."""
    for stats in results:
        if stats.rejected:
            codes = {code: n for code, n in stats.statuses.items() if 400 <= code < 500}
            logging.getLogger("zero_backlog").warning(
                "%s: %d requests refused %s (a bug in the load tool)",
                stats.name,
                stats.rejected,
                codes,
            )


@app.command("bench")
def bench_command(
    suite: Annotated[
        str, typer.Option("--suite", help="quick (a few minutes) or full (every instance).")
    ] = "quick",
    peers: Annotated[
        bool, typer.Option("--peers/--no-peers", help="Also run the peers and print ratios.")
    ] = True,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Only instances whose name contains this (repeatable)."),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write the tables as Markdown here.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    """Run the seeded benchmark suite with Zero Backlog and its peers; print one table."""
    from scenarios.bench import run_bench
    from scenarios.bench.report import markdown as bench_markdown
    from scenarios.bench.report import rich_tables

    _setup_logging(verbose)
    if suite not in ("quick", "full"):
        _reject("bench", DocumentError([FieldError("suite", "use quick or full")]))
    if markdown is not None and not markdown.parent.is_dir():
        _reject("bench", DocumentError([FieldError("markdown", f"no folder {markdown.parent}")]))
    console = _stderr()
    done = run_bench(
        "quick" if suite == "quick" else "full",
        with_peers=peers,
        only=only or (),
        on_result=lambda r: console.print(
            f"{r.instance} / {r.runner}: {r.planned}/{r.orders} planned, {r.total_s:.2f} s"
        ),
    )
    output = Console()
    for table in rich_tables(done.cases, done.results):
        output.print(table)
    if markdown is not None:
        command = "zero-backlog " + " ".join(sys.argv[1:])
        markdown.write_text(bench_markdown(suite, command, done.cases, done.results))
    if not all(r.valid for r in done.results):
        console.print("[red]a plan failed the checker[/red]")
        raise typer.Exit(EXIT_INTERNAL)


@app.command("whatif")
def whatif_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="process (a local process pool), ray (the cluster at RAY_ADDRESS, or a "
            "local Ray runtime) or inline (one run after another, in this process).",
        ),
    ] = "process",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Runs at once (default: one per run, at most the CPUs).", min=1
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results.json and report.html (whatif-<name>)."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Seconds per run (default: the file's).", min=0.01),
    ] = None,
    staffing: Annotated[
        bool,
        typer.Option(
            "--staffing/--no-staffing",
            help="Person-hours needed and the staffing curve (solver.staffing; up to the time "
            "limit each, per run).",
        ),
    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    """Plan a scenario's base and variants in parallel; compare them with the base; write
    results.json and report.html."""
    from scenarios.whatif.report import print_results, progress_bar, write_report
    from scenarios.whatif.runner import (
        ExecutorUnavailableError,
        executor_named,
        prepare_cases,
        run_scenario,
    )
    from scenarios.whatif.spec import load_scenario

    _setup_logging(verbose)
    try:
        chosen = executor_named(executor)
    except ValueError as error:
        _reject("--executor", DocumentError([FieldError("executor", str(error))]))
    hooks: dict[str, Any] = {} if staffing else {"person_hours": None, "staffing_curve": None}
    try:
        spec = load_scenario(scenario)
        prepare_cases(spec, scenario.parent)  # a rejected file fails before the progress bar
        with progress_bar(_stderr(), 1 + len(spec.variants)) as progress:
            results = run_scenario(
                spec, chosen, workers, progress, base_dir=scenario.parent,
                time_limit_s=time_limit, **hooks,
            )  # fmt: skip
    except DocumentError as error:
        _reject(str(scenario), error)
    except ExecutorUnavailableError as error:
        _reject("--executor", DocumentError([FieldError("executor", str(error))]))
    json_path, html_path = write_report(results, out or Path(f"whatif-{spec.name}"))
    print_results(Console(), results)
    _stderr().print(f"wrote {json_path} and {html_path}", highlight=False)
    if not all(run.valid for run in results.runs):
        raise typer.Exit(EXIT_INTERNAL)


def main() -> None:
    """Entry point: run the app, turning unexpected errors into exit code 1."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as error:
        logging.getLogger("zero_backlog").debug("internal error", exc_info=True)
        _stderr().print(
            f"[bold red]internal error:[/] {type(error).__name__}: {error}", highlight=False
        )
        raise SystemExit(EXIT_INTERNAL) from None


if __name__ == "__main__":
    main()
