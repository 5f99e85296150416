"""Storage on both backends (a SQLite file and a PostgreSQL database, see conftest.py):
the migrations, a job's every column through its life, restart recovery, and one solve
through the HTTP service on PostgreSQL. Rows are read back through an engine of their own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.config import Settings
from api.db import MIGRATIONS, make_engine, migrate, session_factory
from api.jobs import MAX_ATTEMPTS, JobRunner
from api.metrics import Metrics
from api.models import Base, Job
from api.schemas import JobOut
from scenarios.examples import demo_warehouse
from solver.check import assert_plan_valid

JOBS = Job.__table__


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The service's engine over the test's database, migrated."""
    service_engine = make_engine(database_url)
    migrate(service_engine)
    yield service_engine
    service_engine.dispose()


def _runner(url: str, engine: Engine, **settings: Any) -> JobRunner:
    sessions: sessionmaker[Session] = session_factory(engine)
    return JobRunner(Settings(database_url=url, **settings), sessions, Metrics())


def _rows(url: str) -> dict[str, dict[str, Any]]:
    """Every stored job, column by column, read through a new engine of its own."""
    reader = make_engine(url)
    try:
        with reader.connect() as connection:
            rows = connection.execute(select(JOBS)).mappings().all()
    finally:
        reader.dispose()
    return {row["id"]: dict(row) for row in rows}


def _columns(job: Job) -> dict[str, Any]:
    return {column.name: getattr(job, column.name) for column in JOBS.columns}


def _declared(_object: Any, _name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What the schema comparison covers: every table whose model is loaded, not tables
    only the migrations know (alembic_version, models of modules not imported here)."""
    return not (type_ == "table" and reflected and compare_to is None)


def test_migrations_build_the_schema_from_empty_and_are_idempotent(database_url: str) -> None:
    """From an empty database to the head revision, with the schema the ORM declares; a
    second migration changes nothing and keeps the rows."""
    engine = make_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []
        migrate(engine)
        job = _runner(database_url, engine).submit(demo_warehouse(), 5.0)
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": _declared})
            assert compare_metadata(context, Base.metadata) == []
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        assert [v for (v,) in versions] == [ScriptDirectory.from_config(config).get_current_head()]
        assert set(inspect(engine).get_table_names()) >= {"alembic_version", "jobs"}
        assert [ix["column_names"] for ix in inspect(engine).get_indexes("jobs")] == [["status"]]
        assert list(_rows(database_url)) == [job.id]
    finally:
        engine.dispose()


def test_a_job_round_trips_through_submit_get_and_cancel(database_url: str, engine: Engine) -> None:
    """Every column as stored after each step, and as get() and the API show it."""
    runner = _runner(database_url, engine)  # not started: the job stays queued
    before = datetime.now(UTC)
    job = runner.submit(demo_warehouse(), 7.5)
    submitted = {
        "id": job.id,
        "status": "queued",
        "kind": "plan",
        "time_limit_s": 7.5,
        "problem": json.dumps(demo_warehouse()),
        "plan": None,
        "error": None,
        "progress": None,
        "cancel_requested": False,
        "attempts": 0,
        "created_at": job.created_at,
        "started_at": None,
        "finished_at": None,
    }
    assert _rows(database_url) == {job.id: submitted}
    assert before <= job.created_at <= datetime.now(UTC)
    got = runner.get(job.id)
    assert got is not None
    assert _columns(got) == submitted
    assert got.created_at.utcoffset() == timedelta(0)  # aware UTC on both backends
    assert JobOut.of(got).model_dump(mode="json")["created_at"].endswith("Z")

    cancelled = runner.cancel(job.id)
    assert cancelled is not None
    stored = _rows(database_url)[job.id]
    finished_at = stored["finished_at"]
    assert job.created_at <= finished_at <= datetime.now(UTC)
    assert finished_at.utcoffset() == timedelta(0)
    assert stored == {
        **submitted,
        "status": "cancelled",
        "cancel_requested": True,
        "finished_at": finished_at,
    }
    assert _columns(cancelled) == stored

    again = runner.cancel(job.id)  # an ended job stays as it is
    assert again is not None
    assert _columns(again) == stored
    assert _rows(database_url) == {job.id: stored}
    assert runner.get("no-such-job") is None
    assert runner.cancel("no-such-job") is None


def _crash_state(url: str, engine: Engine) -> dict[str, str]:
    """Four jobs as a service that died would leave them: one queued, one running (its
    first attempt), one running that has used up its attempts, one completed."""
    runner = _runner(url, engine)
    jobs = {
        name: runner.submit(demo_warehouse(), 5.0).id
        for name in ("queued", "running", "worn", "done")
    }
    started = datetime.now(UTC)
    changes = {
        "running": {"status": "running", "attempts": 1, "started_at": started},
        "worn": {"status": "running", "attempts": MAX_ATTEMPTS, "started_at": started},
        "done": {"status": "completed", "attempts": 1, "plan": "{}", "finished_at": started},
    }
    with engine.begin() as connection:
        for name, values in changes.items():
            connection.execute(update(JOBS).where(JOBS.c.id == jobs[name]).values(**values))
    return jobs


def test_a_restart_queues_open_jobs_again_and_fails_worn_out_ones(
    database_url: str, engine: Engine
) -> None:
    """A new JobRunner over the database: queued and running jobs run again (one more
    attempt each) and complete; one started MAX_ATTEMPTS times fails, saying so; an
    ended job is left alone."""
    jobs = _crash_state(database_url, engine)
    before = _rows(database_url)
    restarted = make_engine(database_url)
    runner = _runner(database_url, restarted, solver_processes=2)
    runner.start()
    try:
        for name in ("queued", "running"):
            ended = runner.wait(jobs[name], 60)
            assert ended is not None
            assert ended.status == "completed", ended.error
    finally:
        runner.stop()
        restarted.dispose()
    after = _rows(database_url)
    for name, attempts in (("queued", 1), ("running", 2)):
        row = after[jobs[name]]
        assert (row["status"], row["attempts"], row["error"]) == ("completed", attempts, None)
        assert row["created_at"] < row["started_at"] <= row["finished_at"]
        assert json.loads(row["progress"])["level"]
        assert_plan_valid(demo_warehouse(), json.loads(row["plan"]))
    worn = after[jobs["worn"]]
    assert worn["finished_at"] >= worn["started_at"]
    assert worn == {
        **before[jobs["worn"]],
        "status": "failed",
        "error": f"started {MAX_ATTEMPTS} times without ending",
        "finished_at": worn["finished_at"],
    }
    assert after[jobs["done"]] == before[jobs["done"]]


def test_solve_over_http_stores_the_job_in_postgresql(postgres_url: str) -> None:
    """POST /v1/solve on a service whose DATABASE_URL is PostgreSQL: a checked plan, and
    the completed job with that plan in the database."""
    with TestClient(create_app(Settings(database_url=postgres_url))) as client:
        response = client.post("/v1/solve?time_limit=5", json=demo_warehouse())
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["status"] == "zero_backlog"
    assert_plan_valid(demo_warehouse(), plan)
    (row,) = _rows(postgres_url).values()
    assert (row["status"], row["attempts"], row["time_limit_s"]) == ("completed", 1, 5.0)
    assert json.loads(row["plan"]) == plan


@pytest.mark.parametrize("url", ["postgresql://zb:pw@db:5432/zb", "postgres://zb:pw@db:5432/zb"])
def test_a_plain_postgresql_url_is_driven_by_psycopg(url: str) -> None:
    """DATABASE_URL as libpq tools and hosting platforms write it (no server needed)."""
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.url.render_as_string(hide_password=False) == (
        "postgresql+psycopg://zb:pw@db:5432/zb"
    )
