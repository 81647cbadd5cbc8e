"""Shared fixtures: a real embedded warehouse per test module, real files in tmp folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import DAGSTER_HOME_ENV, SERVING_ENV, WarehouseSettings, warehouse_settings
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


# Tests that share an expensive built fixture run on one xdist worker. A module-scoped warehouse (a generated
# chain through the whole pipeline) used to be built again on each worker that got one of its tests: xdist
# 3.8's `--dist loadgroup` marks groups by rewriting `item._nodeid`, which pytest 9 no longer reads, so
# `xdist_group` markers had no effect. xdist's scheduler hook instead: each test module is a scope, and the
# metrics API's modules share one session-scoped warehouse (tests/serving/metrics_api_harness.py), so they
# are one scope.
SHARED_SCOPES = {"test_metrics_api_": "metrics_api"}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            name = path.rsplit("/", 1)[-1]
            return next((scope for prefix, scope in SHARED_SCOPES.items() if name.startswith(prefix)), path)

    return ModuleScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every `mymedic run` in a test records its run in an instance of its session, never the checkout's
    (.mymedic/dagster, what `make dagster` shows)."""
    path = tmp_path_factory.mktemp("dagster_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DAGSTER_HOME_ENV, str(path))
        yield path


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
