"""Databases for the service tests: a fresh one per test, on SQLite and on PostgreSQL.

PostgreSQL is the server at ``ZERO_BACKLOG_TEST_POSTGRES_URL`` (``bash .ci/postgres.sh``
starts one and prints its URL; ``.ci/run`` does so). Without it the PostgreSQL tests skip,
saying why; with ``ZERO_BACKLOG_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) they fail instead.
The URL's user must be allowed to create databases: each test gets its own, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from api.db import make_engine

POSTGRES_URL_VAR = "ZERO_BACKLOG_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VAR = "ZERO_BACKLOG_REQUIRE_POSTGRES"


def _no_postgres(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES_VAR) == "1":
        pytest.fail(f"{reason}; {REQUIRE_POSTGRES_VAR}=1 requires PostgreSQL", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    server_url = os.environ.get(POSTGRES_URL_VAR, "")
    if not server_url:
        _no_postgres(
            f"no PostgreSQL server: {POSTGRES_URL_VAR} is not set"
            " (export it from `bash .ci/postgres.sh`)"
        )
    server = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"zb_test_{uuid.uuid4().hex[:12]}"
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:
        server.engine.dispose()
        _no_postgres(f"PostgreSQL at {make_url(server_url)!r} unusable: {error.orig}")
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each backend: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'storage.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
