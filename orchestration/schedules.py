"""Jobs and schedules: the whole pipeline, daily at 06:00 IST (after the gateways' morning settlements)."""

from __future__ import annotations

from dagster import AssetSelection, ScheduleDefinition, define_asset_job

everything_job = define_asset_job(
    "reconcile_everything",
    selection=AssetSelection.all(),
    description="Load every feed, build the dbt models and tests, write the exports",
)

daily_schedule = ScheduleDefinition(
    name="daily_reconciliation",
    job=everything_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Kolkata",
)
