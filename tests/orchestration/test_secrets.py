"""The warehouse URL may carry a password: it reaches a run through the environment only, so nothing Dagster
stores or shows about the run (run config, resource config in the job snapshot, event log, metadata) holds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    EnvVar,
    ExecuteInProcessResult,
    define_asset_job,
    serialize_value,
)

from core.settings import WAREHOUSE_ENV
from orchestration.definitions import build_definitions
from orchestration.export_assets import finance_exports
from orchestration.resources import PipelineSettings, WarehouseResource

PASSWORD = "Sup3r-S3cret-pw"
# Nothing listens on port 1: every step that opens the warehouse fails at once, after resolving the URL.
URL = f"http://mymedic:{PASSWORD}@127.0.0.1:1/mymedic"


def run_job(defs: Definitions, name: str) -> tuple[DagsterInstance, ExecuteInProcessResult]:
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def(name).execute_in_process(instance=instance, raise_on_error=False)
    return instance, result


def stored_about_the_run(instance: DagsterInstance, result: ExecuteInProcessResult) -> str:
    """Everything the instance keeps about the run, as the UI and the GraphQL API read it."""
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    parts = [
        serialize_value(run),  # run config, tags
        serialize_value(instance.get_job_snapshot(run.job_snapshot_id)),  # config schema with resource values
        *(serialize_value(record) for record in instance.all_logs(result.run_id)),  # events, errors, metadata
    ]
    for event in result.get_asset_materialization_events():
        parts.append(repr(event.event_specific_data.materialization.metadata))
    return "\n".join(parts)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PipelineSettings:
    monkeypatch.chdir(
        tmp_path
    )  # no embedded booking database here: the outbox step succeeds, exporting nothing
    monkeypatch.setenv(WAREHOUSE_ENV, URL)
    (tmp_path / "data").mkdir()
    return PipelineSettings(data_dir=str(tmp_path / "data"), exports_dir=str(tmp_path / "exports"))


def test_the_warehouse_password_appears_nowhere_in_a_run(env: PipelineSettings) -> None:
    defs = build_definitions(env)
    instance, result = run_job(defs, "reconcile_everything")

    # The URL was resolved from the environment when the steps ran: they tried that server.
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures, "no step tried the warehouse"
    assert any("127.0.0.1" in str(e.event_specific_data.error) for e in failures)
    stored = stored_about_the_run(instance, result)
    assert PASSWORD not in stored
    assert WAREHOUSE_ENV in stored  # the resource config names the variable instead


def test_a_literal_url_would_leak_into_the_job_snapshot(env: PipelineSettings) -> None:
    """The control: the same inspection finds the password when the URL is passed as a value."""
    job = define_asset_job("exports_only", selection=[finance_exports.key])
    for warehouse, leaks in ((WarehouseResource(url=URL), True), (WarehouseResource(url=EnvVar(WAREHOUSE_ENV)), False)):  # fmt: skip
        defs = Definitions(
            assets=[finance_exports], jobs=[job], resources={"warehouse": warehouse, "pipeline": env}
        )
        instance, result = run_job(defs, "exports_only")
        assert (PASSWORD in stored_about_the_run(instance, result)) is leaks
