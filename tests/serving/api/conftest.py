"""Fixtures of the metrics API tests: the two chains' serving copy (built once per session; the tests of
this folder share the xdist group `metrics_api`, so one worker builds it) and a client of the app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import Served, build

from serving.api.app import create_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("metrics_api"))


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return build(tmp_path_factory.mktemp("metrics-api"))


@pytest.fixture(scope="session")
def client(served: Served) -> Iterator[TestClient]:
    with TestClient(create_app(served.keys_file, served.layout)) as test_client:
        yield test_client
