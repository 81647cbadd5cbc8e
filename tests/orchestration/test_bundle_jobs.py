"""Bundles in Dagster: each spec's job, IST schedule and mart dependencies; a real run on chDB that writes
and delivers the bundle; a failing run reported by the run-failure sensor into exports.audit."""

from __future__ import annotations

import importlib.util
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, build_run_status_sensor_context, build_schedule_context
from support.paths import REPO

from core.settings import EXPORT_SALT_ENV, EXPORT_SIGNING_KEY_ENV, WAREHOUSE_ENV, warehouse_settings
from core.time import IST
from core.warehouse import open_warehouse
from exports.framework.audit import audit_rows
from exports.framework.spec import BundleSpec
from orchestration.bundle_jobs import bundle_definitions, export_secrets_resource
from orchestration.definitions import build_definitions
from orchestration.resources import PipelineSettings, WarehouseResource

SIGNING_KEY = "dagster-test-signing-key-000"


def load_conftest_mart():
    """The reconciled test warehouse of tests/exports (a conftest, so loaded by path)."""
    spec = importlib.util.spec_from_file_location("exports_mart", REPO / "tests" / "exports" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def a_spec(inbox: Path) -> BundleSpec:
    return BundleSpec.model_validate(
        {
            "name": "weekly_branch",
            "recipient": "pune_manager",
            "schedule": "30 8 * * 1",
            "period": "previous_week",
            "datasets": [{"mart": "fct_payment_reconciliation", "branches": ["br_pune"]}],
            "formats": ["csv", "fhir_bundle"],
            "phi_level": "deidentified",
            "delivery": {"kind": "folder", "path": str(inbox)},
        }
    )


def test_each_spec_is_a_job_on_an_ist_schedule_after_its_marts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    job = defs.resolve_job_def("bundle_finance_monthly")
    schedule = defs.resolve_schedule_def("bundle_finance_monthly_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 7 1 * *", "Asia/Kolkata")
    assert schedule.job_name == job.name
    graph = defs.resolve_asset_graph()
    bundle = AssetKey(["exports", "bundle_finance_monthly"])
    assert graph.get(bundle).parent_keys == {AssetKey(["marts", "fct_payment_reconciliation"])}
    assert AssetKey(["marts", "fct_payment_reconciliation"]) in graph.get_all_asset_keys()  # the dbt asset
    everything = defs.resolve_job_def("reconcile_everything")
    assert bundle not in everything.asset_layer.selected_asset_keys  # bundles keep their own schedules
    sensor = defs.resolve_sensor_def("bundle_run_failures")
    assert {t.job_name for t in sensor.targets} == {
        "bundle_finance_monthly"
    } or sensor.name == "bundle_run_failures"


def test_a_tick_asks_for_the_previous_period_in_ist(tmp_path: Path) -> None:
    _, _, schedules, _ = bundle_definitions([a_spec(tmp_path)])
    (schedule,) = schedules
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 8 * * 1", "Asia/Kolkata")
    tick = datetime(2026, 10, 12, 8, 30, tzinfo=IST)  # Monday of ISO week 42
    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=tick)).run_requests[0]
    assert request.run_key == "weekly_branch-2026-W41"
    assert request.run_config == {
        "ops": {"exports__bundle_weekly_branch": {"config": {"period": "2026-W41"}}}
    }
    assert request.tags["bundle"] == "weekly_branch"


def test_a_bundle_run_writes_and_delivers_and_a_failed_one_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(EXPORT_SIGNING_KEY_ENV, SIGNING_KEY)
    monkeypatch.setenv(EXPORT_SALT_ENV, "dagster-test-salt-secret-000")
    url = f"chdb://{tmp_path}/wh"
    with open_warehouse(warehouse_settings(url)) as w:
        mart = load_conftest_mart()
        mart.create_mart(w, mart.ROWS)
    spec = a_spec(tmp_path / "inbox")
    assets, jobs, _, sensors = bundle_definitions([spec])
    from dagster import Definitions

    defs = Definitions(
        assets=assets,
        jobs=jobs,
        sensors=sensors,
        resources={
            "warehouse": WarehouseResource(url=url),
            "pipeline": PipelineSettings(data_dir=str(tmp_path), exports_dir=str(tmp_path / "exports")),
            "export_secrets": export_secrets_resource(),
        },
    )
    instance = DagsterInstance.ephemeral()
    job = defs.resolve_job_def("bundle_weekly_branch")
    op = "exports__bundle_weekly_branch"
    ok = job.execute_in_process(
        instance=instance, run_config={"ops": {op: {"config": {"period": "2026-10"}}}}
    )
    assert ok.success
    delivered = tmp_path / "inbox" / "weekly_branch-2026-10.zip"
    with zipfile.ZipFile(delivered) as archive:
        assert "csv/fct_payment_reconciliation.csv" in archive.namelist()
    stored = "\n".join(str(r) for r in instance.all_logs(ok.run_id))
    assert SIGNING_KEY not in stored

    failed = job.execute_in_process(
        instance=instance, run_config={"ops": {op: {"config": {"period": "October"}}}}, raise_on_error=False
    )
    assert not failed.success
    failure = next(e for e in failed.all_events if e.event_type_value == "PIPELINE_FAILURE")
    run = instance.get_run_by_id(failed.run_id)
    context = build_run_status_sensor_context(
        sensor_name="bundle_run_failures", dagster_event=failure, dagster_instance=instance, dagster_run=run,
        resources={"warehouse": WarehouseResource(url=url)},
    ).for_run_failure()  # fmt: skip
    defs.resolve_sensor_def("bundle_run_failures")(context)
    with open_warehouse(warehouse_settings(url)) as w:
        events = [(r["event"], r["actor"]) for r in audit_rows(w, bundle="weekly_branch")]
    assert ("produced", f"dagster:{ok.run_id}") in events and ("delivered", f"dagster:{ok.run_id}") in events
    assert ("failed", f"dagster:{failed.run_id}") in events
