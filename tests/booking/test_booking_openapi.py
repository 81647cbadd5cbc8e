"""schemathesis over the OpenAPI spec: no 500, no undocumented status, no response-schema violation.

Bounded: ~25 examples per operation, no deadline; both backends. Callers are a staff member (who may call
every operation) and, for the portal operations, a tenant API key.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from booking_harness import KEYS, START, TENANT, StaffKeys, make_config
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking.api.app import create_app
from booking.domain.clock import ManualClock
from booking.settings import BookingConfig

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _spec() -> dict:
    """The spec as the app serves it (building it opens no database connection)."""
    spec_db = Path(tempfile.gettempdir()) / "booking-openapi-spec-unused.db"
    return create_app(BookingConfig(), db_url=f"sqlite:///{spec_db}").openapi()


schema = schemathesis.openapi.from_dict(_spec())


@pytest.fixture
def app(db_url: str, staff_keys: StaffKeys) -> Iterator[FastAPI]:
    config = make_config(staff_keys, widget={"allowed_sites": ["https://www.arogya.example"]})
    app = create_app(config, db_url=db_url, clock=ManualClock(START))
    yield app
    app.state.service.db.dispose()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_spec(case: schemathesis.Case, app: FastAPI, staff_keys: StaffKeys) -> None:
    staff = {"Authorization": f"Bearer {staff_keys.token(TENANT)}"}
    case.call_and_validate(app=app, headers=staff, checks=CHECKS)
    if case.method == "GET":
        case.call_and_validate(app=app, headers={"X-API-Key": KEYS[TENANT]}, checks=CHECKS)
