"""Shared fixtures: a real embedded warehouse per test module, real files in tmp folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import SERVING_ENV, WarehouseSettings, warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from core.warehouse.dbt_env import prepare_manifest


def pytest_configure(config: pytest.Config) -> None:
    """Prepare the dbt project's manifest once, before xdist starts its workers (only the controller, or a
    run without xdist, gets here without `workerinput`): workers then import a fresh manifest, and
    nothing re-parses the real project while a test copies its parse state. dagster-dbt's preparer (see
    core.warehouse.dbt_env.prepare_manifest) parses only when a source changed since the last parse."""
    if not hasattr(config, "workerinput"):
        from orchestration.dbt_project import DBT_PROJECT

        prepare_manifest(DBT_PROJECT)


@pytest.fixture(autouse=True)
def serving_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every run in a test publishes its serving copy into a folder of its own, never the checkout's."""
    path = tmp_path_factory.mktemp("serving")
    monkeypatch.setenv(SERVING_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="module")
def warehouse_settings_(warehouse_dir: Path) -> WarehouseSettings:
    return warehouse_settings(f"chdb://{warehouse_dir}")


@pytest.fixture
def warehouse(warehouse_settings_: WarehouseSettings) -> Iterator[Warehouse]:
    with open_warehouse(warehouse_settings_) as w:
        yield w
