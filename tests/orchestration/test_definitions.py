"""The Dagster definitions load, and the asset graph is wired feed → raw → dbt → exports."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from dagster import AssetKey, Definitions, build_schedule_context
from support.paths import REPO

from core.settings import WAREHOUSE_ENV
from orchestration.definitions import build_definitions


def test_definitions_load_with_the_whole_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in ("raw/booking_events", "raw/razorpay_settlement_lines", "raw/bank_statement_lines",
                     "raw/reference_gateway_contracts", "marts/fct_payment_reconciliation",
                     "marts/fct_branch_daily_settlements", "exports/finance_payment_reconciliation"):  # fmt: skip
        assert expected in keys
    # dbt's sources are the ingestion assets' keys, so lineage runs through.
    staging = AssetKey(["staging", "stg_razorpay__settlement_lines"])
    assert AssetKey(["raw", "razorpay_settlement_lines"]) in graph.get(staging).parent_keys
    events = AssetKey(["raw", "booking_events"])
    assert AssetKey(["booking", "outbox_events"]) in graph.get(events).parent_keys
    export = AssetKey(["exports", "finance_payment_reconciliation"])
    assert AssetKey(["marts", "fct_payment_reconciliation"]) in graph.get(export).parent_keys
    checks = {c.name for c in graph.asset_check_keys}
    assert "rows_conserved" in checks
    assert any(name.startswith("accepted_values_fct_payment_reconciliation_status") for name in checks)
    schedule = defs.resolve_schedule_def("daily_reconciliation")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Asia/Kolkata")


def test_embedded_warehouse_runs_steps_in_process_one_run_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    assert build_definitions().executor.name == "in_process"
    monkeypatch.setenv(WAREHOUSE_ENV, "http://u:p@clickhouse:8123/mymedic")
    assert build_definitions().executor.name == "multiprocess"
    dagster_yaml = yaml.safe_load((REPO / "orchestration" / "dagster.yaml").read_text())
    assert dagster_yaml["run_coordinator"]["config"]["max_concurrent_runs"] == 1


def test_gateway_pulls_feed_the_settlements_and_run_on_their_own_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    recon, check = AssetKey(["gateway", "razorpay_settlement_recon"]), AssetKey(["gateway", "razorpay_refund_status_check"])  # fmt: skip
    assert recon in graph.get(AssetKey(["raw", "razorpay_settlement_lines"])).parent_keys
    assert AssetKey(["marts", "fct_payment_reconciliation"]) in graph.get(check).parent_keys  # after dbt
    staging = AssetKey(["staging", "stg_razorpay__refund_statuses"])
    assert AssetKey(["raw", "razorpay_refund_statuses"]) in graph.get(staging).parent_keys
    # The file-driven run (what `mymedic run` does) never calls the gateway; the pull job is only that.
    everything = defs.resolve_job_def("reconcile_everything").asset_layer.selected_asset_keys
    assert recon not in everything and check not in everything
    assert AssetKey(["raw", "razorpay_refund_statuses"]) in everything
    assert defs.resolve_job_def("pull_from_razorpay").asset_layer.selected_asset_keys == {recon, check}

    schedule = defs.resolve_schedule_def("razorpay_daily_pull")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 5 * * *", "Asia/Kolkata")
    # The 05:30 IST tick of 13 Oct (00:00 UTC) asks for the IST day before it, the 12th, as its partition,
    # fetching the 3 days before it again.
    tick = datetime(2026, 10, 13, 5, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    context = build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-10-12"
    assert request.run_config == {
        "ops": {"gateway__razorpay_settlement_recon": {"config": {"refetch_days": 3}}}
    }
    assert request.run_key == "razorpay-2026-10-12"
    # 00:00 IST on 13 Oct is 18:30 UTC on the 12th: a UTC day would still say the 11th.
    tick = datetime(2026, 10, 12, 18, 30, tzinfo=ZoneInfo("UTC"))
    context = build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    assert schedule.evaluate_tick(context).run_requests[0].partition_key == "2026-10-12"
