"""The warehouse URL may carry a password and the Razorpay key secret is one: they reach a run through the
environment only, so nothing Dagster stores or shows about the run (run config, resource config in the job
snapshot, event log, metadata) holds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
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
from support.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay, recon_item, serve

from core.settings import RAZORPAY_API_URL_ENV, RAZORPAY_KEY_ID_ENV, RAZORPAY_KEY_SECRET_ENV, WAREHOUSE_ENV
from orchestration.definitions import build_definitions
from orchestration.export_assets import finance_exports
from orchestration.gateway_assets import razorpay_settlement_recon
from orchestration.resources import PipelineSettings, RazorpayResource, WarehouseResource
from orchestration.schedules import pull_run_config

PASSWORD = "Sup3r-S3cret-pw"
# Nothing listens on port 1: every step that opens the warehouse fails at once, after resolving the URL.
URL = f"http://mymedic:{PASSWORD}@127.0.0.1:1/mymedic"


def run_job(
    defs: Definitions, name: str, partition_key: str | None = None
) -> tuple[DagsterInstance, ExecuteInProcessResult]:
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def(name).execute_in_process(
        instance=instance, raise_on_error=False, partition_key=partition_key
    )
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


# --- the Razorpay key secret ------------------------------------------------------------------------------


@pytest.fixture
def razorpay_env(env: PipelineSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRazorpay]:
    data = Path(env.data_dir)
    (data / "reference").mkdir()
    (data / "reference" / "branches.csv").write_text(
        "tenant_id,branch_id,branch_name,city,state\nt_secret,BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    day = date(2026, 10, 12)
    with serve(FakeRazorpay(recon={day: [recon_item("pay_S1", day)]})) as gateway:
        monkeypatch.setenv(RAZORPAY_KEY_ID_ENV, KEY_ID)
        monkeypatch.setenv(RAZORPAY_API_URL_ENV, gateway.url)
        yield gateway


def pull(env: PipelineSettings) -> tuple[DagsterInstance, ExecuteInProcessResult]:
    defs = build_definitions(env)
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("pull_from_razorpay").execute_in_process(
        instance=instance, raise_on_error=False, partition_key="2026-10-12", run_config=pull_run_config(0)
    )
    return instance, result


def step_errors(result: ExecuteInProcessResult) -> dict[str, str]:
    return {
        e.step_key: str(e.event_specific_data.error.message) for e in result.all_events if e.is_step_failure
    }


def test_the_razorpay_secret_appears_nowhere_in_a_pull_run(
    env: PipelineSettings,
    razorpay_env: FakeRazorpay,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, KEY_SECRET)
    instance, result = pull(env)
    errors = step_errors(result)
    # The pull used the secret (the server checked it) and stored the page; the refund check then failed
    # on the warehouse at port 1, after resolving everything it was given.
    assert "gateway__razorpay_settlement_recon" not in errors
    assert all(r.authorized for r in razorpay_env.requests) and razorpay_env.requests
    assert (Path(env.data_dir) / "settlements/razorpay/api/2026-10-12-p001.json").exists()
    assert "gateway__razorpay_refund_status_check" in errors
    stored = stored_about_the_run(instance, result)
    assert "127.0.0.1:1" in stored  # the warehouse it tried
    assert KEY_SECRET not in stored and KEY_SECRET not in caplog.text
    assert RAZORPAY_KEY_SECRET_ENV in stored  # the resource config names the variable instead


def test_a_wrong_razorpay_secret_fails_in_one_line_without_showing_it(
    env: PipelineSettings, razorpay_env: FakeRazorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wr0ng-Razorpay-Secret-5521"
    monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, wrong)
    instance, result = pull(env)
    message = step_errors(result)["gateway__razorpay_settlement_recon"]
    [line] = [line for line in message.splitlines() if "answered 401" in line]  # one line, our Failure's
    assert line.endswith(
        "answered 401 BAD_REQUEST_ERROR: Authentication failed (check the key id and secret)"
    )
    assert "Traceback" not in message
    assert wrong not in stored_about_the_run(instance, result)


def test_a_missing_razorpay_secret_says_which_variable_to_set(
    env: PipelineSettings, razorpay_env: FakeRazorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RAZORPAY_KEY_SECRET_ENV, raising=False)
    _, result = pull(env)
    errors = step_errors(result)
    assert f"set {RAZORPAY_KEY_SECRET_ENV}" in errors["gateway__razorpay_settlement_recon"]
    assert f"set {RAZORPAY_KEY_SECRET_ENV}" in errors["gateway__razorpay_refund_status_check"]
    assert razorpay_env.requests == []


def test_a_literal_razorpay_secret_would_leak_into_the_job_snapshot(
    env: PipelineSettings, razorpay_env: FakeRazorpay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: a secret given as a value is stored with the run; bound as EnvVar it is not."""
    monkeypatch.setenv(RAZORPAY_KEY_SECRET_ENV, KEY_SECRET)
    job = define_asset_job("recon_only", selection=[razorpay_settlement_recon.key])
    for resource, leaks in ((RazorpayResource(key_id=KEY_ID, key_secret=KEY_SECRET), True),
                            (RazorpayResource(key_id=KEY_ID, key_secret=EnvVar(RAZORPAY_KEY_SECRET_ENV)), False)):  # fmt: skip
        defs = Definitions(
            assets=[razorpay_settlement_recon], jobs=[job], resources={"razorpay": resource, "pipeline": env}
        )
        instance, result = run_job(defs, "recon_only", partition_key="2026-10-12")
        assert result.success  # both reached the local server with the right key pair
        assert (KEY_SECRET in stored_about_the_run(instance, result)) is leaks
