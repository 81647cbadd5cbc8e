"""Backends for the booking tests: a real SQLite file and a real PostgreSQL database per test.

Per xdist worker a template is migrated (Alembic) and seeded once per backend; each test gets a copy
(SQLite: a file copy; PostgreSQL: CREATE DATABASE … TEMPLATE), dropped afterwards.
If PostgreSQL is unreachable, the PostgreSQL-parametrised tests are skipped with the reason.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from booking_backends import BACKENDS, PG_HOST, PG_PORT, admin, create_pg_database, drop_pg_database, pg_url
from booking_harness import START, Harness, StaffKeys, make_config, seed
from fastapi.testclient import TestClient

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.infra.db import migrate


@pytest.fixture(scope="session")
def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with admin() as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} is unreachable ({type(exc).__name__}); CI starts it"
    return None


@pytest.fixture(scope="session")
def staff_keys() -> StaffKeys:
    return StaffKeys()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("booking-template") / "template.db"
    url = f"sqlite:///{path}"
    migrate(url)
    seed(url)
    return path


@pytest.fixture(scope="session")
def pg_template(pg_available: str | None, worker_id: str) -> Iterator[str | None]:
    if pg_available:
        yield None
        return
    name = create_pg_database(f"booking_tpl_{worker_id}")
    try:
        url = pg_url(name)
        migrate(url)
        seed(url)
        yield name
    finally:
        drop_pg_database(name)


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_available: str | None,
    worker_id: str,
) -> Iterator[str]:
    """A migrated, seeded database of the parametrised backend, private to this test."""
    if request.param == "sqlite":
        path = tmp_path / "booking.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if pg_available:
        pytest.skip(pg_available)
    template = request.getfixturevalue("pg_template")
    name = create_pg_database(f"booking_{worker_id}", template=template)
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def harness(db_url: str, clock: ManualClock, staff_keys: StaffKeys) -> Iterator[Harness]:
    app = create_app(make_config(staff_keys), db_url=db_url, clock=clock)
    with TestClient(app) as client:
        yield Harness(http=client, clock=clock, db_url=db_url, staff=staff_keys)
