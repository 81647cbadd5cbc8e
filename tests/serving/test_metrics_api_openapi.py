"""schemathesis over the metrics API's own OpenAPI (/openapi.json): no 500, no undocumented status, no
response that breaks its schema, over real serving files. Bounded: 30 examples per operation, no deadline."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from metrics_api_harness import A, Served
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from serving.api.app import create_app
from serving.layout import ServingLayout

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
_unused = Path(tempfile.gettempdir()) / "metrics-api-openapi-unused"  # building the spec opens no file
schema = schemathesis.openapi.from_dict(create_app(_unused / "keys.yaml", ServingLayout(_unused)).openapi())


def test_the_spec_is_served_and_names_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/healthz",
        "/v1/metrics/branch-daily",
        "/v1/reconciliation/summary",
        "/v1/reconciliation/exceptions",
    }
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A tenant's metrics API key",
    }


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_spec(case: schemathesis.Case, client: TestClient, served: Served) -> None:
    case.call_and_validate(app=client.app, headers=served.headers(A), checks=CHECKS)
    case.call_and_validate(app=client.app, headers=served.headers(A, Accept="text/csv"), checks=CHECKS)
