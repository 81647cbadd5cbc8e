"""One warehouse holding two chains, built by two real `mymedic run`s, with a reader watching the serving
copy from this process while the second run goes on (chDB is only ever open in one process at a time)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import duckdb
import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import Served, build
from serving_chains import SAMPLE, TENANTS, Chains, mymedic_run, read_snapshot

from core.settings import SERVING_ENV, WAREHOUSE_ENV
from sampledata import write_sample
from serving.api.app import create_app
from serving.layout import ServingLayout


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Chains:
    root = tmp_path_factory.mktemp("chains")
    url = f"chdb://{root / 'warehouse'}"
    layout = ServingLayout(root / "serving")
    env = {**os.environ, WAREHOUSE_ENV: url, SERVING_ENV: str(layout.root)}
    for tenant, seed in TENANTS.items():
        write_sample(root / tenant, seed=seed, tenant=tenant, **SAMPLE)
    first = mymedic_run(root / "tnt_arogya", root, env)
    out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out[-3000:]
    result = Chains(root, url, layout, out, read_snapshot(layout.duckdb_path))

    second = mymedic_run(root / "tnt_sanjivani", root, env)
    while second.poll() is None:  # a second process reading the copy while the run goes on
        try:
            result.during.append(read_snapshot(layout.duckdb_path))
        except duckdb.Error as error:
            result.errors.append(str(error))
        time.sleep(0.2)
    out, _ = second.communicate()
    assert second.returncode == 0, out[-3000:]
    result.final = read_snapshot(layout.duckdb_path)
    return result


# --- the metrics API's tests (test_metrics_api_*.py) -----------------------------------------------------
# Two chains through the real pipeline, published, with an API key each: built once per session, by one
# worker (tests/conftest.py puts the modules in one xdist group, `metrics_api`).


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return build(tmp_path_factory.mktemp("metrics-api"))


@pytest.fixture(scope="session")
def client(served: Served) -> Iterator[TestClient]:
    with TestClient(create_app(served.keys_file, served.layout)) as test_client:
        yield test_client
